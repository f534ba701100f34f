from http import HTTPStatus
from typing import Any, cast
from urllib.parse import quote

import httpx

from ...client import AuthenticatedClient, Client
from ...types import Response, UNSET
from ... import errors

from ...models.problem import Problem
from ...models.subscription_saved import SubscriptionSaved
from typing import cast



def _get_kwargs(
    subscription_id: str,

) -> dict[str, Any]:
    

    

    

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/me/subscriptions/{subscription_id}/rotate-secret".format(subscription_id=quote(str(subscription_id), safe=""),),
    }


    return _kwargs



def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Problem | SubscriptionSaved:
    if response.status_code == 200:
        response_200 = SubscriptionSaved.from_dict(response.json())



        return response_200

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
    subscription_id: str,
    *,
    client: AuthenticatedClient,

) -> Response[Problem | SubscriptionSaved]:
    """ Issue a new signing secret for a webhook subscription. Deliveries carry signatures under both the
    new and the previous secret until `webhook_secret_previous_until` (WEBHOOK_SECRET_GRACE_SECONDS), so
    the receiver can switch without losing one.

     `rotateWebhookSecret` for the user of the token: same body, same answers, no user id in the path.

    Args:
        subscription_id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | SubscriptionSaved]
     """


    kwargs = _get_kwargs(
        subscription_id=subscription_id,

    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)

def sync(
    subscription_id: str,
    *,
    client: AuthenticatedClient,

) -> Problem | SubscriptionSaved | None:
    """ Issue a new signing secret for a webhook subscription. Deliveries carry signatures under both the
    new and the previous secret until `webhook_secret_previous_until` (WEBHOOK_SECRET_GRACE_SECONDS), so
    the receiver can switch without losing one.

     `rotateWebhookSecret` for the user of the token: same body, same answers, no user id in the path.

    Args:
        subscription_id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | SubscriptionSaved
     """


    return sync_detailed(
        subscription_id=subscription_id,
client=client,

    ).parsed

async def asyncio_detailed(
    subscription_id: str,
    *,
    client: AuthenticatedClient,

) -> Response[Problem | SubscriptionSaved]:
    """ Issue a new signing secret for a webhook subscription. Deliveries carry signatures under both the
    new and the previous secret until `webhook_secret_previous_until` (WEBHOOK_SECRET_GRACE_SECONDS), so
    the receiver can switch without losing one.

     `rotateWebhookSecret` for the user of the token: same body, same answers, no user id in the path.

    Args:
        subscription_id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | SubscriptionSaved]
     """


    kwargs = _get_kwargs(
        subscription_id=subscription_id,

    )

    response = await client.get_async_httpx_client().request(
        **kwargs
    )

    return _build_response(client=client, response=response)

async def asyncio(
    subscription_id: str,
    *,
    client: AuthenticatedClient,

) -> Problem | SubscriptionSaved | None:
    """ Issue a new signing secret for a webhook subscription. Deliveries carry signatures under both the
    new and the previous secret until `webhook_secret_previous_until` (WEBHOOK_SECRET_GRACE_SECONDS), so
    the receiver can switch without losing one.

     `rotateWebhookSecret` for the user of the token: same body, same answers, no user id in the path.

    Args:
        subscription_id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | SubscriptionSaved
     """


    return (await asyncio_detailed(
        subscription_id=subscription_id,
client=client,

    )).parsed
