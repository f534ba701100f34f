from http import HTTPStatus
from typing import Any, cast
from urllib.parse import quote

import httpx

from ...client import AuthenticatedClient, Client
from ...types import Response, UNSET
from ... import errors

from ...models.paper_page import PaperPage
from ...models.problem import Problem
from ...types import UNSET, Unset
from typing import cast
import datetime



def _get_kwargs(
    *,
    cursor: None | str | Unset = UNSET,
    limit: int | None | Unset = UNSET,
    q: str | Unset = UNSET,
    category: str | Unset = UNSET,
    author: str | Unset = UNSET,
    since: datetime.datetime | Unset = UNSET,
    fields: None | str | Unset = UNSET,

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

    params["q"] = q

    params["category"] = category

    params["author"] = author

    json_since: str | Unset = UNSET
    if not isinstance(since, Unset):
        json_since = since.isoformat()
    params["since"] = json_since

    json_fields: None | str | Unset
    if isinstance(fields, Unset):
        json_fields = UNSET
    else:
        json_fields = fields
    params["fields"] = json_fields


    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}


    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/papers",
        "params": params,
    }


    return _kwargs



def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> PaperPage | Problem:
    if response.status_code == 200:
        response_200 = PaperPage.from_dict(response.json())



        return response_200

    if response.status_code == 422:
        response_422 = Problem.from_dict(response.json())



        return response_422

    response_default = Problem.from_dict(response.json())



    return response_default



def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[PaperPage | Problem]:
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
    q: str | Unset = UNSET,
    category: str | Unset = UNSET,
    author: str | Unset = UNSET,
    since: datetime.datetime | Unset = UNSET,
    fields: None | str | Unset = UNSET,

) -> Response[PaperPage | Problem]:
    """ Full-text search (ranked) when `q` is given, else the newest papers; filters combine.

     `fields` keeps only the paper fields named, for fewer bytes.

    Args:
        cursor (None | str | Unset):
        limit (int | None | Unset):
        q (str | Unset):
        category (str | Unset):
        author (str | Unset):
        since (datetime.datetime | Unset):
        fields (None | str | Unset):  Example: id,title,score.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[PaperPage | Problem]
     """


    kwargs = _get_kwargs(
        cursor=cursor,
limit=limit,
q=q,
category=category,
author=author,
since=since,
fields=fields,

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
    q: str | Unset = UNSET,
    category: str | Unset = UNSET,
    author: str | Unset = UNSET,
    since: datetime.datetime | Unset = UNSET,
    fields: None | str | Unset = UNSET,

) -> PaperPage | Problem | None:
    """ Full-text search (ranked) when `q` is given, else the newest papers; filters combine.

     `fields` keeps only the paper fields named, for fewer bytes.

    Args:
        cursor (None | str | Unset):
        limit (int | None | Unset):
        q (str | Unset):
        category (str | Unset):
        author (str | Unset):
        since (datetime.datetime | Unset):
        fields (None | str | Unset):  Example: id,title,score.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        PaperPage | Problem
     """


    return sync_detailed(
        client=client,
cursor=cursor,
limit=limit,
q=q,
category=category,
author=author,
since=since,
fields=fields,

    ).parsed

async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    cursor: None | str | Unset = UNSET,
    limit: int | None | Unset = UNSET,
    q: str | Unset = UNSET,
    category: str | Unset = UNSET,
    author: str | Unset = UNSET,
    since: datetime.datetime | Unset = UNSET,
    fields: None | str | Unset = UNSET,

) -> Response[PaperPage | Problem]:
    """ Full-text search (ranked) when `q` is given, else the newest papers; filters combine.

     `fields` keeps only the paper fields named, for fewer bytes.

    Args:
        cursor (None | str | Unset):
        limit (int | None | Unset):
        q (str | Unset):
        category (str | Unset):
        author (str | Unset):
        since (datetime.datetime | Unset):
        fields (None | str | Unset):  Example: id,title,score.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[PaperPage | Problem]
     """


    kwargs = _get_kwargs(
        cursor=cursor,
limit=limit,
q=q,
category=category,
author=author,
since=since,
fields=fields,

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
    q: str | Unset = UNSET,
    category: str | Unset = UNSET,
    author: str | Unset = UNSET,
    since: datetime.datetime | Unset = UNSET,
    fields: None | str | Unset = UNSET,

) -> PaperPage | Problem | None:
    """ Full-text search (ranked) when `q` is given, else the newest papers; filters combine.

     `fields` keeps only the paper fields named, for fewer bytes.

    Args:
        cursor (None | str | Unset):
        limit (int | None | Unset):
        q (str | Unset):
        category (str | Unset):
        author (str | Unset):
        since (datetime.datetime | Unset):
        fields (None | str | Unset):  Example: id,title,score.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        PaperPage | Problem
     """


    return (await asyncio_detailed(
        client=client,
cursor=cursor,
limit=limit,
q=q,
category=category,
author=author,
since=since,
fields=fields,

    )).parsed
