from http import HTTPStatus
from typing import Any, cast
from urllib.parse import quote

import httpx

from ...client import AuthenticatedClient, Client
from ...types import Response, UNSET
from ... import errors

from ...models.problem import Problem
from ...models.subscription_in import SubscriptionIn
from ...models.subscription_saved import SubscriptionSaved
from typing import cast



def _get_kwargs(
    user_id: str,
    subscription_id: str,
    *,
    body: SubscriptionIn,

) -> dict[str, Any]:
    headers: dict[str, Any] = {}


    

    

    _kwargs: dict[str, Any] = {
        "method": "put",
        "url": "/v1/users/{user_id}/subscriptions/{subscription_id}".format(user_id=quote(str(user_id), safe=""),subscription_id=quote(str(subscription_id), safe=""),),
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs



def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Problem | SubscriptionSaved:
    if response.status_code == 200:
        response_200 = SubscriptionSaved.from_dict(response.json())



        return response_200

    if response.status_code == 201:
        response_201 = SubscriptionSaved.from_dict(response.json())



        return response_201

    if response.status_code == 422:
        response_422 = Problem.from_dict(response.json())



        return response_422

    response_default = Problem.from_dict(response.json())



    return response_default



def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[Problem | SubscriptionSaved]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    user_id: str,
    subscription_id: str,
    *,
    client: AuthenticatedClient,
    body: SubscriptionIn,

) -> Response[Problem | SubscriptionSaved]:
    """ Create or replace a subscription: what (digest, instant match, saved query, author, category)
    and where (inbox, email, webhook). Webhook URLs must be public; the response carries the
    webhook's signing secret.

    Args:
        user_id (str):
        subscription_id (str):
        body (SubscriptionIn):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | SubscriptionSaved]
     """


    kwargs = _get_kwargs(
        user_id=user_id,
subscription_id=subscription_id,
body=body,

    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)

def sync(
    user_id: str,
    subscription_id: str,
    *,
    client: AuthenticatedClient,
    body: SubscriptionIn,

) -> Problem | SubscriptionSaved | None:
    """ Create or replace a subscription: what (digest, instant match, saved query, author, category)
    and where (inbox, email, webhook). Webhook URLs must be public; the response carries the
    webhook's signing secret.

    Args:
        user_id (str):
        subscription_id (str):
        body (SubscriptionIn):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | SubscriptionSaved
     """


    return sync_detailed(
        user_id=user_id,
subscription_id=subscription_id,
client=client,
body=body,

    ).parsed

async def asyncio_detailed(
    user_id: str,
    subscription_id: str,
    *,
    client: AuthenticatedClient,
    body: SubscriptionIn,

) -> Response[Problem | SubscriptionSaved]:
    """ Create or replace a subscription: what (digest, instant match, saved query, author, category)
    and where (inbox, email, webhook). Webhook URLs must be public; the response carries the
    webhook's signing secret.

    Args:
        user_id (str):
        subscription_id (str):
        body (SubscriptionIn):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | SubscriptionSaved]
     """


    kwargs = _get_kwargs(
        user_id=user_id,
subscription_id=subscription_id,
body=body,

    )

    response = await client.get_async_httpx_client().request(
        **kwargs
    )

    return _build_response(client=client, response=response)

async def asyncio(
    user_id: str,
    subscription_id: str,
    *,
    client: AuthenticatedClient,
    body: SubscriptionIn,

) -> Problem | SubscriptionSaved | None:
    """ Create or replace a subscription: what (digest, instant match, saved query, author, category)
    and where (inbox, email, webhook). Webhook URLs must be public; the response carries the
    webhook's signing secret.

    Args:
        user_id (str):
        subscription_id (str):
        body (SubscriptionIn):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | SubscriptionSaved
     """


    return (await asyncio_detailed(
        user_id=user_id,
subscription_id=subscription_id,
client=client,
body=body,

    )).parsed
