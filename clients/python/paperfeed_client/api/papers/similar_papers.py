from http import HTTPStatus
from typing import Any, cast
from urllib.parse import quote

import httpx

from ...client import AuthenticatedClient, Client
from ...types import Response, UNSET
from ... import errors

from ...models.problem import Problem
from ...models.similar_result import SimilarResult
from ...types import UNSET, Unset
from typing import cast



def _get_kwargs(
    paper_id: str,
    *,
    limit: int | None | Unset = UNSET,
    if_none_match: str | Unset = UNSET,

) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(if_none_match, Unset):
        headers["If-None-Match"] = if_none_match



    

    params: dict[str, Any] = {}

    json_limit: int | None | Unset
    if isinstance(limit, Unset):
        json_limit = UNSET
    else:
        json_limit = limit
    params["limit"] = json_limit


    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}


    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/papers/{paper_id}/similar".format(paper_id=quote(str(paper_id), safe=""),),
        "params": params,
    }


    _kwargs["headers"] = headers
    return _kwargs



def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Any | Problem | SimilarResult:
    if response.status_code == 200:
        response_200 = SimilarResult.from_dict(response.json())



        return response_200

    if response.status_code == 304:
        response_304 = cast(Any, None)
        return response_304

    if response.status_code == 422:
        response_422 = Problem.from_dict(response.json())



        return response_422

    if response.status_code == 503:
        response_503 = cast(Any, None)
        return response_503

    response_default = Problem.from_dict(response.json())



    return response_default



def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[Any | Problem | SimilarResult]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    paper_id: str,
    *,
    client: AuthenticatedClient,
    limit: int | None | Unset = UNSET,
    if_none_match: str | Unset = UNSET,

) -> Response[Any | Problem | SimilarResult]:
    """ Papers like this one, by content.

    Args:
        paper_id (str):
        limit (int | None | Unset):
        if_none_match (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | Problem | SimilarResult]
     """


    kwargs = _get_kwargs(
        paper_id=paper_id,
limit=limit,
if_none_match=if_none_match,

    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)

def sync(
    paper_id: str,
    *,
    client: AuthenticatedClient,
    limit: int | None | Unset = UNSET,
    if_none_match: str | Unset = UNSET,

) -> Any | Problem | SimilarResult | None:
    """ Papers like this one, by content.

    Args:
        paper_id (str):
        limit (int | None | Unset):
        if_none_match (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | Problem | SimilarResult
     """


    return sync_detailed(
        paper_id=paper_id,
client=client,
limit=limit,
if_none_match=if_none_match,

    ).parsed

async def asyncio_detailed(
    paper_id: str,
    *,
    client: AuthenticatedClient,
    limit: int | None | Unset = UNSET,
    if_none_match: str | Unset = UNSET,

) -> Response[Any | Problem | SimilarResult]:
    """ Papers like this one, by content.

    Args:
        paper_id (str):
        limit (int | None | Unset):
        if_none_match (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | Problem | SimilarResult]
     """


    kwargs = _get_kwargs(
        paper_id=paper_id,
limit=limit,
if_none_match=if_none_match,

    )

    response = await client.get_async_httpx_client().request(
        **kwargs
    )

    return _build_response(client=client, response=response)

async def asyncio(
    paper_id: str,
    *,
    client: AuthenticatedClient,
    limit: int | None | Unset = UNSET,
    if_none_match: str | Unset = UNSET,

) -> Any | Problem | SimilarResult | None:
    """ Papers like this one, by content.

    Args:
        paper_id (str):
        limit (int | None | Unset):
        if_none_match (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | Problem | SimilarResult
     """


    return (await asyncio_detailed(
        paper_id=paper_id,
client=client,
limit=limit,
if_none_match=if_none_match,

    )).parsed
