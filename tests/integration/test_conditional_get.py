"""ETag / If-None-Match on papers, trending, similar and the first feed page (real engine, real database)."""

from __future__ import annotations

import pytest

from services.app import create_app
from services.recommender import pipeline
from tests.integration.test_feed import catalogue, engine_settings  # noqa: F401 - shared fixtures


@pytest.fixture
def client(engine_settings, clean_db):  # noqa: F811 - the engine's settings, not the bare ones
    return create_app(engine_settings, db=clean_db).test_client()


def revalidate(client, path: str, headers: dict[str, str]) -> tuple[str, int]:
    first = client.get(path, headers=headers)
    assert first.status_code == 200, (path, first.get_json())
    etag = first.headers["ETag"]
    assert first.headers["Cache-Control"] == "private, no-cache"
    again = client.get(path, headers={**headers, "If-None-Match": etag})
    return etag, again.status_code


def test_unchanged_answers_are_304_and_a_change_is_a_new_tag(client, catalogue, headers, user_token):  # noqa: F811
    paper = catalogue[0]["id"]
    etag, status = revalidate(client, f"/v1/papers/{paper}", headers["read"])
    assert status == 304
    assert client.get(f"/v1/papers/{paper}", headers={**headers["read"], "If-None-Match": etag}).data == b""
    client.put(f"/v1/papers/{paper}", json={"title": "A new title"}, headers=headers["write"])
    changed = client.get(f"/v1/papers/{paper}", headers={**headers["read"], "If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag

    assert revalidate(client, f"/v1/papers/{catalogue[1]['id']}/similar?limit=5", headers["read"])[1] == 304
    client.post("/v1/events", headers=headers["write"], json={"events": [
        {"user_id": "ada", "paper_id": p["id"], "type": "star"} for p in catalogue[:3]]})
    me = user_token("ada")
    _, status = revalidate(client, "/v1/me/feed?limit=5", me)
    assert status == 304  # the stored ranking is served again: same body, same tag
    first = client.get("/v1/me/feed?limit=5", headers=me).get_json()
    second_page = client.get(f"/v1/me/feed?limit=5&cursor={first['next_cursor']}", headers=me)
    assert second_page.status_code == 200 and "ETag" not in second_page.headers  # first page only
    # Odd tags a client may send match nothing, and never break the answer (found by the fuzzer).
    for odd in ('""', '"", W/""', "*x", ", ,"):
        assert client.get("/v1/me/feed?limit=5", headers={**me, "If-None-Match": odd}).status_code == 200, odd


def test_trending_is_conditional(client, catalogue, clean_db, headers, engine_settings):  # noqa: F811
    client.post("/v1/events", headers=headers["write"], json={"events": [
        {"user_id": f"u{i}", "paper_id": p["id"], "type": "star"} for i in range(3) for p in catalogue[:4]]})
    pipeline.recompute_trending(clean_db, engine_settings)
    etag, status = revalidate(client, "/v1/trending?window=week", headers["read"])
    assert status == 304
    client.post("/v1/events", headers=headers["write"], json={"events": [
        {"user_id": "u9", "paper_id": catalogue[5]["id"], "type": "star"}]})
    pipeline.recompute_trending(clean_db, engine_settings)
    changed = client.get("/v1/trending?window=week", headers={**headers["read"], "If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
