from http import HTTPStatus
from typing import Any, cast
from urllib.parse import quote

import httpx

from ...client import AuthenticatedClient, Client
from ...types import Response, UNSET
from ... import errors

from ...models.problem import Problem
from ...models.user_detail import UserDetail
from ...models.user_in import UserIn
from typing import cast



def _get_kwargs(
    *,
    body: UserIn,

) -> dict[str, Any]:
    headers: dict[str, Any] = {}


    

    

    _kwargs: dict[str, Any] = {
        "method": "put",
        "url": "/v1/me",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs



def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Problem | UserDetail:
    if response.status_code == 200:
        response_200 = UserDetail.from_dict(response.json())



        return response_200

    if response.status_code == 201:
        response_201 = UserDetail.from_dict(response.json())



        return response_201

    if response.status_code == 422:
        response_422 = Problem.from_dict(response.json())



        return response_422

    response_default = Problem.from_dict(response.json())



    return response_default



def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[Problem | UserDetail]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    body: UserIn,

) -> Response[Problem | UserDetail]:
    """ Create or replace a user's profile; `seed_papers` (up to 100 ids) are starred at once, so the first
    feed already reflects them (unknown ids: 422, nothing stored).

     `putUser` for the user of the token: same body, same answers, no user id in the path.

    Args:
        body (UserIn):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | UserDetail]
     """


    kwargs = _get_kwargs(
        body=body,

    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)

def sync(
    *,
    client: AuthenticatedClient,
    body: UserIn,

) -> Problem | UserDetail | None:
    """ Create or replace a user's profile; `seed_papers` (up to 100 ids) are starred at once, so the first
    feed already reflects them (unknown ids: 422, nothing stored).

     `putUser` for the user of the token: same body, same answers, no user id in the path.

    Args:
        body (UserIn):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | UserDetail
     """


    return sync_detailed(
        client=client,
body=body,

    ).parsed

async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    body: UserIn,

) -> Response[Problem | UserDetail]:
    """ Create or replace a user's profile; `seed_papers` (up to 100 ids) are starred at once, so the first
    feed already reflects them (unknown ids: 422, nothing stored).

     `putUser` for the user of the token: same body, same answers, no user id in the path.

    Args:
        body (UserIn):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | UserDetail]
     """


    kwargs = _get_kwargs(
        body=body,

    )

    response = await client.get_async_httpx_client().request(
        **kwargs
    )

    return _build_response(client=client, response=response)

async def asyncio(
    *,
    client: AuthenticatedClient,
    body: UserIn,

) -> Problem | UserDetail | None:
    """ Create or replace a user's profile; `seed_papers` (up to 100 ids) are starred at once, so the first
    feed already reflects them (unknown ids: 422, nothing stored).

     `putUser` for the user of the token: same body, same answers, no user id in the path.

    Args:
        body (UserIn):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | UserDetail
     """


    return (await asyncio_detailed(
        client=client,
body=body,

    )).parsed
