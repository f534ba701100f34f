from http import HTTPStatus
from typing import Any, cast
from urllib.parse import quote

import httpx

from ...client import AuthenticatedClient, Client
from ...types import Response, UNSET
from ... import errors

from ...models.history_page import HistoryPage
from ...models.list_user_history_type import ListUserHistoryType
from ...models.problem import Problem
from ...types import UNSET, Unset
from typing import cast



def _get_kwargs(
    user_id: str,
    *,
    cursor: None | str | Unset = UNSET,
    limit: int | None | Unset = UNSET,
    type_: ListUserHistoryType | Unset = UNSET,

) -> dict[str, Any]:
    

    

    params: dict[str, Any] = {}

    json_cursor: None | str | Unset
    if isinstance(cursor, Unset):
        json_cursor = UNSET
    else:
        json_cursor = cursor
    params["cursor"] = json_cursor

    json_limit: int | None | Unset
    if isinstance(limit, Unset):
        json_limit = UNSET
    else:
        json_limit = limit
    params["limit"] = json_limit

    json_type_: str | Unset = UNSET
    if not isinstance(type_, Unset):
        json_type_ = type_.value

    params["type"] = json_type_


    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}


    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/users/{user_id}/history".format(user_id=quote(str(user_id), safe=""),),
        "params": params,
    }


    return _kwargs



def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> HistoryPage | Problem:
    if response.status_code == 200:
        response_200 = HistoryPage.from_dict(response.json())



        return response_200

    if response.status_code == 422:
        response_422 = Problem.from_dict(response.json())



        return response_422

    response_default = Problem.from_dict(response.json())



    return response_default



def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[HistoryPage | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    user_id: str,
    *,
    client: AuthenticatedClient,
    cursor: None | str | Unset = UNSET,
    limit: int | None | Unset = UNSET,
    type_: ListUserHistoryType | Unset = UNSET,

) -> Response[HistoryPage | Problem]:
    """ The user's events, newest first, optionally of one type.

    Args:
        user_id (str):
        cursor (None | str | Unset):
        limit (int | None | Unset):
        type_ (ListUserHistoryType | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[HistoryPage | Problem]
     """


    kwargs = _get_kwargs(
        user_id=user_id,
cursor=cursor,
limit=limit,
type_=type_,

    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)

def sync(
    user_id: str,
    *,
    client: AuthenticatedClient,
    cursor: None | str | Unset = UNSET,
    limit: int | None | Unset = UNSET,
    type_: ListUserHistoryType | Unset = UNSET,

) -> HistoryPage | Problem | None:
    """ The user's events, newest first, optionally of one type.

    Args:
        user_id (str):
        cursor (None | str | Unset):
        limit (int | None | Unset):
        type_ (ListUserHistoryType | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        HistoryPage | Problem
     """


    return sync_detailed(
        user_id=user_id,
client=client,
cursor=cursor,
limit=limit,
type_=type_,

    ).parsed

async def asyncio_detailed(
    user_id: str,
    *,
    client: AuthenticatedClient,
    cursor: None | str | Unset = UNSET,
    limit: int | None | Unset = UNSET,
    type_: ListUserHistoryType | Unset = UNSET,

) -> Response[HistoryPage | Problem]:
    """ The user's events, newest first, optionally of one type.

    Args:
        user_id (str):
        cursor (None | str | Unset):
        limit (int | None | Unset):
        type_ (ListUserHistoryType | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[HistoryPage | Problem]
     """


    kwargs = _get_kwargs(
        user_id=user_id,
cursor=cursor,
limit=limit,
type_=type_,

    )

    response = await client.get_async_httpx_client().request(
        **kwargs
    )

    return _build_response(client=client, response=response)

async def asyncio(
    user_id: str,
    *,
    client: AuthenticatedClient,
    cursor: None | str | Unset = UNSET,
    limit: int | None | Unset = UNSET,
    type_: ListUserHistoryType | Unset = UNSET,

) -> HistoryPage | Problem | None:
    """ The user's events, newest first, optionally of one type.

    Args:
        user_id (str):
        cursor (None | str | Unset):
        limit (int | None | Unset):
        type_ (ListUserHistoryType | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        HistoryPage | Problem
     """


    return (await asyncio_detailed(
        user_id=user_id,
client=client,
cursor=cursor,
limit=limit,
type_=type_,

    )).parsed
