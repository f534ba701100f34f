"""The OpenAPI document is valid and usable by client generators (no server: the app is only built)."""

from __future__ import annotations

import pytest
from openapi_spec_validator import validate

from services.api import openapi
from services.app import openapi_document

METHODS = ("get", "put", "post", "delete", "patch")


@pytest.fixture(scope="module")
def spec() -> dict:
    return openapi_document()


def operations(spec: dict):
    for path, item in spec["paths"].items():
        for method in METHODS:
            if method in item:
                yield path, method, item[method]


def test_document_validates_against_the_openapi_schema(spec):
    validate(spec)


def test_every_operation_has_a_unique_operation_id_and_a_known_tag(spec):
    ids = [op.get("operationId") for _, _, op in operations(spec)]
    assert all(ids), [f"{m.upper()} {p}" for p, m, op in operations(spec) if not op.get("operationId")]
    assert len(ids) == len(set(ids))
    declared = {tag["name"] for tag in spec["tags"]}
    for path, method, op in operations(spec):
        assert op.get("tags") and set(op["tags"]) <= declared, f"{method.upper()} {path}"


def test_each_route_says_which_credential_it_takes(spec):
    for path, method, op in operations(spec):
        if path.startswith("/v1/me"):
            assert op["security"] == [{"userToken": []}], path
        elif path.startswith("/v1/"):
            assert op["security"] == [{"serviceKey": []}], path
        else:
            assert op["security"] == [], f"{method} {path} is public"
    assert {"serviceKey", "userToken"} <= set(spec["components"]["securitySchemes"])


def test_the_me_mirror_points_at_its_twin_and_shares_its_schemas(spec):
    by_id = {op["operationId"]: (path, method, op) for path, method, op in operations(spec)}
    mirrors = [(p, m, op) for p, m, op in operations(spec) if p.startswith("/v1/me")]
    assert len(mirrors) >= 14
    for path, method, op in mirrors:
        twin_path, twin_method, twin = by_id[op[openapi.MIRROR_KEY]]
        assert twin_method == method and twin_path == openapi.mirrored_path(path)
        assert "me" in op["tags"]
        assert op["responses"] == twin["responses"]  # the same $refs: described once
        assert op.get("requestBody") == twin.get("requestBody")


def test_main_bodies_carry_examples(spec):
    def example(path: str, method: str, where: str) -> object:
        op = spec["paths"][path][method]
        content = op["requestBody"]["content"] if where == "request" else \
            next(iter(r for code, r in op["responses"].items() if code.startswith("2")))["content"]
        return content["application/json"].get("example")

    assert example("/v1/me/feed", "get", "response")["feed_id"]
    assert example("/v1/events", "post", "request")["events"][0]["context"]["feed_id"]
    assert example("/v1/users/{user_id}/tokens", "post", "response")["token"].startswith("pfu_")
    assert example("/v1/me/subscriptions/{subscription_id}", "put", "request")["kind"]
    assert example("/v1/users/{user_id}", "put", "request")["email"]


@pytest.mark.parametrize(("name", "expected"), [("get_my_feed", "getMyFeed"), ("healthz", "healthz"),
                                                ("batch_upsert_papers", "batchUpsertPapers")])
def test_camel_case(name, expected):
    assert openapi.camel_case(name) == expected


def test_mirrored_paths():
    assert openapi.mirrored_path("/v1/me/feed") == "/v1/users/{user_id}/feed"
    assert openapi.mirrored_path("/v1/me") == "/v1/users/{user_id}"
    assert openapi.mirrored_path("/v1/me/events") == "/v1/events"
