from http import HTTPStatus
from typing import Any, cast
from urllib.parse import quote

import httpx

from ...client import AuthenticatedClient, Client
from ...types import Response, UNSET
from ... import errors

from ...models.feed_page import FeedPage
from ...models.problem import Problem
from ...types import UNSET, Unset
from typing import cast



def _get_kwargs(
    *,
    cursor: None | str | Unset = UNSET,
    limit: int | None | Unset = UNSET,
    category: str | Unset = UNSET,
    exclude: str | Unset = UNSET,
    fields: None | str | Unset = UNSET,
    if_none_match: str | Unset = UNSET,

) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(if_none_match, Unset):
        headers["If-None-Match"] = if_none_match



    

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

    params["category"] = category

    params["exclude"] = exclude

    json_fields: None | str | Unset
    if isinstance(fields, Unset):
        json_fields = UNSET
    else:
        json_fields = fields
    params["fields"] = json_fields


    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}


    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/me/feed",
        "params": params,
    }


    _kwargs["headers"] = headers
    return _kwargs



def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Any | FeedPage | Problem:
    if response.status_code == 200:
        response_200 = FeedPage.from_dict(response.json())



        return response_200

    if response.status_code == 304:
        response_304 = cast(Any, None)
        return response_304

    if response.status_code == 422:
        response_422 = Problem.from_dict(response.json())



        return response_422

    response_default = Problem.from_dict(response.json())



    return response_default



def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[Any | FeedPage | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    cursor: None | str | Unset = UNSET,
    limit: int | None | Unset = UNSET,
    category: str | Unset = UNSET,
    exclude: str | Unset = UNSET,
    fields: None | str | Unset = UNSET,
    if_none_match: str | Unset = UNSET,

) -> Response[Any | FeedPage | Problem]:
    """ The user's personal feed: every item says why it is there. Page with `cursor`.

     `getUserFeed` for the user of the token: same body, same answers, no user id in the path.

    Args:
        cursor (None | str | Unset):
        limit (int | None | Unset):
        category (str | Unset):
        exclude (str | Unset):
        fields (None | str | Unset):  Example: id,title,score,reasons.
        if_none_match (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | FeedPage | Problem]
     """


    kwargs = _get_kwargs(
        cursor=cursor,
limit=limit,
category=category,
exclude=exclude,
fields=fields,
if_none_match=if_none_match,

    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)

def sync(
    *,
    client: AuthenticatedClient,
    cursor: None | str | Unset = UNSET,
    limit: int | None | Unset = UNSET,
    category: str | Unset = UNSET,
    exclude: str | Unset = UNSET,
    fields: None | str | Unset = UNSET,
    if_none_match: str | Unset = UNSET,

) -> Any | FeedPage | Problem | None:
    """ The user's personal feed: every item says why it is there. Page with `cursor`.

     `getUserFeed` for the user of the token: same body, same answers, no user id in the path.

    Args:
        cursor (None | str | Unset):
        limit (int | None | Unset):
        category (str | Unset):
        exclude (str | Unset):
        fields (None | str | Unset):  Example: id,title,score,reasons.
        if_none_match (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | FeedPage | Problem
     """


    return sync_detailed(
        client=client,
cursor=cursor,
limit=limit,
category=category,
exclude=exclude,
fields=fields,
if_none_match=if_none_match,

    ).parsed

async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    cursor: None | str | Unset = UNSET,
    limit: int | None | Unset = UNSET,
    category: str | Unset = UNSET,
    exclude: str | Unset = UNSET,
    fields: None | str | Unset = UNSET,
    if_none_match: str | Unset = UNSET,

) -> Response[Any | FeedPage | Problem]:
    """ The user's personal feed: every item says why it is there. Page with `cursor`.

     `getUserFeed` for the user of the token: same body, same answers, no user id in the path.

    Args:
        cursor (None | str | Unset):
        limit (int | None | Unset):
        category (str | Unset):
        exclude (str | Unset):
        fields (None | str | Unset):  Example: id,title,score,reasons.
        if_none_match (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | FeedPage | Problem]
     """


    kwargs = _get_kwargs(
        cursor=cursor,
limit=limit,
category=category,
exclude=exclude,
fields=fields,
if_none_match=if_none_match,

    )

    response = await client.get_async_httpx_client().request(
        **kwargs
    )

    return _build_response(client=client, response=response)

async def asyncio(
    *,
    client: AuthenticatedClient,
    cursor: None | str | Unset = UNSET,
    limit: int | None | Unset = UNSET,
    category: str | Unset = UNSET,
    exclude: str | Unset = UNSET,
    fields: None | str | Unset = UNSET,
    if_none_match: str | Unset = UNSET,

) -> Any | FeedPage | Problem | None:
    """ The user's personal feed: every item says why it is there. Page with `cursor`.

     `getUserFeed` for the user of the token: same body, same answers, no user id in the path.

    Args:
        cursor (None | str | Unset):
        limit (int | None | Unset):
        category (str | Unset):
        exclude (str | Unset):
        fields (None | str | Unset):  Example: id,title,score,reasons.
        if_none_match (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | FeedPage | Problem
     """


    return (await asyncio_detailed(
        client=client,
cursor=cursor,
limit=limit,
category=category,
exclude=exclude,
fields=fields,
if_none_match=if_none_match,

    )).parsed
