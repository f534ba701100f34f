from http import HTTPStatus
from typing import Any, cast
from urllib.parse import quote

import httpx

from ...client import AuthenticatedClient, Client
from ...types import Response, UNSET
from ... import errors

from ...models.paper_fields import PaperFields
from ...models.paper_out import PaperOut
from ...models.problem import Problem
from typing import cast



def _get_kwargs(
    paper_id: str,
    *,
    body: PaperFields,

) -> dict[str, Any]:
    headers: dict[str, Any] = {}


    

    

    _kwargs: dict[str, Any] = {
        "method": "put",
        "url": "/v1/papers/{paper_id}".format(paper_id=quote(str(paper_id), safe=""),),
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs



def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> PaperOut | Problem:
    if response.status_code == 200:
        response_200 = PaperOut.from_dict(response.json())



        return response_200

    if response.status_code == 201:
        response_201 = PaperOut.from_dict(response.json())



        return response_201

    if response.status_code == 422:
        response_422 = Problem.from_dict(response.json())



        return response_422

    response_default = Problem.from_dict(response.json())



    return response_default



def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[PaperOut | Problem]:
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
    body: PaperFields,

) -> Response[PaperOut | Problem]:
    """ Create or update one paper (title required).

    Args:
        paper_id (str):
        body (PaperFields):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[PaperOut | Problem]
     """


    kwargs = _get_kwargs(
        paper_id=paper_id,
body=body,

    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)

def sync(
    paper_id: str,
    *,
    client: AuthenticatedClient,
    body: PaperFields,

) -> PaperOut | Problem | None:
    """ Create or update one paper (title required).

    Args:
        paper_id (str):
        body (PaperFields):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        PaperOut | Problem
     """


    return sync_detailed(
        paper_id=paper_id,
client=client,
body=body,

    ).parsed

async def asyncio_detailed(
    paper_id: str,
    *,
    client: AuthenticatedClient,
    body: PaperFields,

) -> Response[PaperOut | Problem]:
    """ Create or update one paper (title required).

    Args:
        paper_id (str):
        body (PaperFields):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[PaperOut | Problem]
     """


    kwargs = _get_kwargs(
        paper_id=paper_id,
body=body,

    )

    response = await client.get_async_httpx_client().request(
        **kwargs
    )

    return _build_response(client=client, response=response)

async def asyncio(
    paper_id: str,
    *,
    client: AuthenticatedClient,
    body: PaperFields,

) -> PaperOut | Problem | None:
    """ Create or update one paper (title required).

    Args:
        paper_id (str):
        body (PaperFields):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        PaperOut | Problem
     """


    return (await asyncio_detailed(
        paper_id=paper_id,
client=client,
body=body,

    )).parsed
