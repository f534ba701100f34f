"""The last touches on the OpenAPI document, so that client generators produce usable code.

After every blueprint is registered, ``finish`` walks the Flask URL map and gives each documented
operation:

- an ``operationId``: the view's endpoint name in camelCase (``feed.get_my_feed`` → ``getMyFeed``), so
  naming an endpoint names the SDK method once, and a new route gets an id without anyone remembering;
- the security scheme it really accepts: ``serviceKey`` on /v1 routes, ``userToken`` on /v1/me routes,
  none on the public ones (probes, one-click unsubscribe, email confirmation);
- for a ``/v1/me/...`` route: the ``me`` tag, ``x-paperfeed-mirror-of`` naming the operation it mirrors,
  and a one-line description pointing at it, instead of the mirrored text a second time. Bodies and
  answers are ``$ref``s to the same components, so nothing is duplicated.

``tests/unit/test_openapi.py`` validates the result with openapi-spec-validator and checks that every
operation has a unique id and tags.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Flask
from flask_smorest import Api

from services.api.conditional import CONDITIONAL_ATTR

ME_PREFIX = "/v1/me"
ME_TAG = "me"
MIRROR_KEY = "x-paperfeed-mirror-of"
PUBLIC_PATHS = ("/healthz", "/readyz", "/unsubscribe", "/subscriptions/manage", "/email/confirm")
SERVICE_KEY, USER_TOKEN = "serviceKey", "userToken"
_RULE_ARGUMENT = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")
_METHODS = ("get", "put", "post", "delete", "patch")


def camel_case(name: str) -> str:
    """``get_my_feed`` → ``getMyFeed``."""
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def openapi_path(rule: str) -> str:
    """A Flask rule as an OpenAPI path: ``/v1/users/<user_id>`` → ``/v1/users/{user_id}``."""
    return _RULE_ARGUMENT.sub(r"{\1}", rule)


def mirrored_path(path: str) -> str:
    """The /v1/users/{user_id}/... path (or /v1/events) a /v1/me/... path mirrors."""
    rest = path[len(ME_PREFIX):]
    return "/v1/events" if rest == "/events" else "/v1/users/{user_id}" + rest


def security_schemes(api: Api) -> None:
    """Both bearer kinds, named for what they are (generators turn these into auth options)."""
    api.spec.components.security_scheme(SERVICE_KEY, {
        "type": "http", "scheme": "bearer",
        "description": "A service key (`pf_...`), for your backend only: never ship it to a browser or app."})
    api.spec.components.security_scheme(USER_TOKEN, {
        "type": "http", "scheme": "bearer",
        "description": "A user token (`pfu_...`) your backend minted with POST /v1/users/{user_id}/tokens; "
                       "valid on /v1/me/... only, for that one user."})


def _document_conditional(operation: dict[str, Any], scope: str | None) -> None:
    """The ETag / If-None-Match / 304 contract of a ``@conditional`` view."""
    if scope is None:
        return
    operation.setdefault("parameters", []).append({
        "name": "If-None-Match", "in": "header", "required": False, "schema": {"type": "string"},
        "description": f"The ETag of a previous answer ({scope}): 304 with no body if it is still current."})
    ok = operation["responses"].get("200")
    if isinstance(ok, dict):
        ok.setdefault("headers", {})["ETag"] = {"schema": {"type": "string"},
                                                "description": "A hash of this answer's body."}
    operation["responses"]["304"] = {"description": "Not Modified: the answer is the one tagged If-None-Match."}


def finish(app: Flask, api: Api) -> None:
    """Give every documented operation its id, security and (on /me) mirror note. Call once, after every
    blueprint is registered. Raises RuntimeError if two operations would get the same id."""
    paths: dict[str, dict[str, Any]] = api.spec._paths  # apispec keeps them here until to_dict()
    endpoints: dict[tuple[str, str], str] = {}
    for rule in app.url_map.iter_rules():
        for method in rule.methods or ():
            endpoints[(openapi_path(rule.rule), method.lower())] = rule.endpoint
    seen: dict[str, str] = {}
    for path, operations in paths.items():
        for method in _METHODS:
            operation = operations.get(method)
            if operation is None:
                continue
            endpoint = endpoints.get((path, method))
            if endpoint is None:
                continue
            operation_id = camel_case(endpoint.rpartition(".")[2])
            if operation_id in seen:
                raise RuntimeError(f"operationId {operation_id} of {method.upper()} {path} is already "
                                   f"used by {seen[operation_id]}: give the endpoint another name")
            seen[operation_id] = f"{method.upper()} {path}"
            operation["operationId"] = operation_id
            if path.startswith(PUBLIC_PATHS):
                operation["security"] = []
            elif path == ME_PREFIX or path.startswith(ME_PREFIX + "/"):
                operation["security"] = [{USER_TOKEN: []}]
            else:
                operation["security"] = [{SERVICE_KEY: []}]
            _document_conditional(operation, getattr(app.view_functions.get(endpoint), CONDITIONAL_ATTR, None))
    for path, operations in paths.items():
        if not (path == ME_PREFIX or path.startswith(ME_PREFIX + "/")):
            continue
        twins = paths.get(mirrored_path(path), {})
        for method in _METHODS:
            operation, twin = operations.get(method), twins.get(method)
            if operation is None or twin is None:
                continue
            operation[MIRROR_KEY] = twin["operationId"]
            operation["tags"] = [*operation.get("tags", []), ME_TAG]
            operation["description"] = (f"`{twin['operationId']}` for the user of the token: same body, same "
                                        "answers, no user id in the path.")
    api.spec.tag({"name": ME_TAG, "description": (
        "The /v1/me/... mirror: every operation here is its /v1/users/{user_id}/... twin (named in "
        f"`{MIRROR_KEY}`) acting as the user of a user token, for browser and mobile clients. Service keys "
        "are refused here, and user tokens everywhere else.")})
