from http import HTTPStatus
from typing import Any, cast
from urllib.parse import quote

import httpx

from ...client import AuthenticatedClient, Client
from ...types import Response, UNSET
from ... import errors

from ...models.experiment_out import ExperimentOut
from ...models.problem import Problem
from ...models.promote_in import PromoteIn
from typing import cast



def _get_kwargs(
    experiment: int,
    *,
    body: PromoteIn,

) -> dict[str, Any]:
    headers: dict[str, Any] = {}


    

    

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/admin/experiments/{experiment}/promote".format(experiment=quote(str(experiment), safe=""),),
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs



def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> ExperimentOut | Problem:
    if response.status_code == 200:
        response_200 = ExperimentOut.from_dict(response.json())



        return response_200

    if response.status_code == 422:
        response_422 = Problem.from_dict(response.json())



        return response_422

    response_default = Problem.from_dict(response.json())



    return response_default



def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[ExperimentOut | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    experiment: int,
    *,
    client: AuthenticatedClient,
    body: PromoteIn,

) -> Response[ExperimentOut | Problem]:
    """ Make the variant's overrides the feed defaults (the winner's, unless force) and stop.

    Args:
        experiment (int):
        body (PromoteIn):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ExperimentOut | Problem]
     """


    kwargs = _get_kwargs(
        experiment=experiment,
body=body,

    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)

def sync(
    experiment: int,
    *,
    client: AuthenticatedClient,
    body: PromoteIn,

) -> ExperimentOut | Problem | None:
    """ Make the variant's overrides the feed defaults (the winner's, unless force) and stop.

    Args:
        experiment (int):
        body (PromoteIn):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ExperimentOut | Problem
     """


    return sync_detailed(
        experiment=experiment,
client=client,
body=body,

    ).parsed

async def asyncio_detailed(
    experiment: int,
    *,
    client: AuthenticatedClient,
    body: PromoteIn,

) -> Response[ExperimentOut | Problem]:
    """ Make the variant's overrides the feed defaults (the winner's, unless force) and stop.

    Args:
        experiment (int):
        body (PromoteIn):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ExperimentOut | Problem]
     """


    kwargs = _get_kwargs(
        experiment=experiment,
body=body,

    )

    response = await client.get_async_httpx_client().request(
        **kwargs
    )

    return _build_response(client=client, response=response)

async def asyncio(
    experiment: int,
    *,
    client: AuthenticatedClient,
    body: PromoteIn,

) -> ExperimentOut | Problem | None:
    """ Make the variant's overrides the feed defaults (the winner's, unless force) and stop.

    Args:
        experiment (int):
        body (PromoteIn):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ExperimentOut | Problem
     """


    return (await asyncio_detailed(
        experiment=experiment,
client=client,
body=body,

    )).parsed
