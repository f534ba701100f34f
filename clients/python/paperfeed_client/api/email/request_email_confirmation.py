from http import HTTPStatus
from typing import Any, cast
from urllib.parse import quote

import httpx

from ...client import AuthenticatedClient, Client
from ...types import Response, UNSET
from ... import errors

from ...models.email_confirmation_out import EmailConfirmationOut
from ...models.problem import Problem
from typing import cast



def _get_kwargs(
    user_id: str,

) -> dict[str, Any]:
    

    

    

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/users/{user_id}/email/confirmation".format(user_id=quote(str(user_id), safe=""),),
    }


    return _kwargs



def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> EmailConfirmationOut | Problem:
    if response.status_code == 202:
        response_202 = EmailConfirmationOut.from_dict(response.json())



        return response_202

    response_default = Problem.from_dict(response.json())



    return response_default



def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[EmailConfirmationOut | Problem]:
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

) -> Response[EmailConfirmationOut | Problem]:
    """ Email the user a link confirming their address (double opt-in: email subscriptions need it). At most
    one per minute; the link expires after EMAIL_CONFIRM_TTL_SECONDS; changing the address later makes
    it
    unconfirmed again.

    Args:
        user_id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[EmailConfirmationOut | Problem]
     """


    kwargs = _get_kwargs(
        user_id=user_id,

    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)

def sync(
    user_id: str,
    *,
    client: AuthenticatedClient,

) -> EmailConfirmationOut | Problem | None:
    """ Email the user a link confirming their address (double opt-in: email subscriptions need it). At most
    one per minute; the link expires after EMAIL_CONFIRM_TTL_SECONDS; changing the address later makes
    it
    unconfirmed again.

    Args:
        user_id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        EmailConfirmationOut | Problem
     """


    return sync_detailed(
        user_id=user_id,
client=client,

    ).parsed

async def asyncio_detailed(
    user_id: str,
    *,
    client: AuthenticatedClient,

) -> Response[EmailConfirmationOut | Problem]:
    """ Email the user a link confirming their address (double opt-in: email subscriptions need it). At most
    one per minute; the link expires after EMAIL_CONFIRM_TTL_SECONDS; changing the address later makes
    it
    unconfirmed again.

    Args:
        user_id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[EmailConfirmationOut | Problem]
     """


    kwargs = _get_kwargs(
        user_id=user_id,

    )

    response = await client.get_async_httpx_client().request(
        **kwargs
    )

    return _build_response(client=client, response=response)

async def asyncio(
    user_id: str,
    *,
    client: AuthenticatedClient,

) -> EmailConfirmationOut | Problem | None:
    """ Email the user a link confirming their address (double opt-in: email subscriptions need it). At most
    one per minute; the link expires after EMAIL_CONFIRM_TTL_SECONDS; changing the address later makes
    it
    unconfirmed again.

    Args:
        user_id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        EmailConfirmationOut | Problem
     """


    return (await asyncio_detailed(
        user_id=user_id,
client=client,

    )).parsed
