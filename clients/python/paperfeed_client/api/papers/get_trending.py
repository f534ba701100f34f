from http import HTTPStatus
from typing import Any, cast
from urllib.parse import quote

import httpx

from ...client import AuthenticatedClient, Client
from ...types import Response, UNSET
from ... import errors

from ...models.get_trending_window import GetTrendingWindow
from ...models.problem import Problem
from ...models.trending_result import TrendingResult
from ...types import UNSET, Unset
from typing import cast



def _get_kwargs(
    *,
    limit: int | None | Unset = UNSET,
    window: GetTrendingWindow | Unset = GetTrendingWindow.WEEK,
    category: str | Unset = UNSET,
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

    json_window: str | Unset = UNSET
    if not isinstance(window, Unset):
        json_window = window.value

    params["window"] = json_window

    params["category"] = category


    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}


    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/trending",
        "params": params,
    }


    _kwargs["headers"] = headers
    return _kwargs



def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Any | Problem | TrendingResult:
    if response.status_code == 200:
        response_200 = TrendingResult.from_dict(response.json())



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



def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[Any | Problem | TrendingResult]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    limit: int | None | Unset = UNSET,
    window: GetTrendingWindow | Unset = GetTrendingWindow.WEEK,
    category: str | Unset = UNSET,
    if_none_match: str | Unset = UNSET,

) -> Response[Any | Problem | TrendingResult]:
    """ Papers gaining stars and reads over the window.

    Args:
        limit (int | None | Unset):
        window (GetTrendingWindow | Unset):  Default: GetTrendingWindow.WEEK.
        category (str | Unset):
        if_none_match (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | Problem | TrendingResult]
     """


    kwargs = _get_kwargs(
        limit=limit,
window=window,
category=category,
if_none_match=if_none_match,

    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)

def sync(
    *,
    client: AuthenticatedClient,
    limit: int | None | Unset = UNSET,
    window: GetTrendingWindow | Unset = GetTrendingWindow.WEEK,
    category: str | Unset = UNSET,
    if_none_match: str | Unset = UNSET,

) -> Any | Problem | TrendingResult | None:
    """ Papers gaining stars and reads over the window.

    Args:
        limit (int | None | Unset):
        window (GetTrendingWindow | Unset):  Default: GetTrendingWindow.WEEK.
        category (str | Unset):
        if_none_match (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | Problem | TrendingResult
     """


    return sync_detailed(
        client=client,
limit=limit,
window=window,
category=category,
if_none_match=if_none_match,

    ).parsed

async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    limit: int | None | Unset = UNSET,
    window: GetTrendingWindow | Unset = GetTrendingWindow.WEEK,
    category: str | Unset = UNSET,
    if_none_match: str | Unset = UNSET,

) -> Response[Any | Problem | TrendingResult]:
    """ Papers gaining stars and reads over the window.

    Args:
        limit (int | None | Unset):
        window (GetTrendingWindow | Unset):  Default: GetTrendingWindow.WEEK.
        category (str | Unset):
        if_none_match (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | Problem | TrendingResult]
     """


    kwargs = _get_kwargs(
        limit=limit,
window=window,
category=category,
if_none_match=if_none_match,

    )

    response = await client.get_async_httpx_client().request(
        **kwargs
    )

    return _build_response(client=client, response=response)

async def asyncio(
    *,
    client: AuthenticatedClient,
    limit: int | None | Unset = UNSET,
    window: GetTrendingWindow | Unset = GetTrendingWindow.WEEK,
    category: str | Unset = UNSET,
    if_none_match: str | Unset = UNSET,

) -> Any | Problem | TrendingResult | None:
    """ Papers gaining stars and reads over the window.

    Args:
        limit (int | None | Unset):
        window (GetTrendingWindow | Unset):  Default: GetTrendingWindow.WEEK.
        category (str | Unset):
        if_none_match (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | Problem | TrendingResult
     """


    return (await asyncio_detailed(
        client=client,
limit=limit,
window=window,
category=category,
if_none_match=if_none_match,

    )).parsed
