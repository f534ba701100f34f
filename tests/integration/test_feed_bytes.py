"""Ready response bytes, `fields=` and compression on the real app (real engine, real database)."""

from __future__ import annotations

import gzip

import brotli
import pytest

from schemas.feed import FeedPage
from schemas.papers import PaperOut
from services.app import create_app
from services.store import papers as papers_store
from tests.integration.test_feed import catalogue, engine_settings, events, feed  # noqa: F401 - shared fixtures


@pytest.fixture
def client(engine_settings, clean_db):  # noqa: F811 - the engine's settings, not the bare ones
    return create_app(engine_settings, db=clean_db).test_client()


def stored_papers(clean_db, ids):
    with clean_db.connection() as conn:
        return papers_store.visible_by_ids(conn, ids)


def test_a_stored_feed_is_the_schema_dump_of_its_papers_and_follows_their_edits(client, headers, catalogue,  # noqa: F811
                                                                                  clean_db):
    events(client, headers["write"], *({"user_id": "b", "paper_id": p["id"], "type": "star"} for p in catalogue[:3]))
    first = feed(client, headers["read"], user="b", limit=8)
    rows = stored_papers(clean_db, [i["paper"]["id"] for i in first["items"]])
    assert [i["paper"] for i in first["items"]] == [PaperOut().dump(rows[i["paper"]["id"]]) for i in first["items"]]
    assert first == FeedPage().dump({**first, "items": [{**i, "paper": rows[i["paper"]["id"]]} for i in first["items"]]})

    # Editing a paper is no event of the reader's: the stored list is served again, with the new version.
    edited = first["items"][2]["paper"]["id"]
    put = client.put(f"/v1/papers/{edited}", json={"title": "Ünïcode — a new title 🚀", "authors": []},
                     headers=headers["write"])
    assert put.status_code == 200
    again = feed(client, headers["read"], user="b", limit=8)
    assert again["feed_id"] == first["feed_id"]
    paper = again["items"][2]["paper"]
    assert (paper["title"], paper["authors"]) == ("Ünïcode — a new title 🚀", [])
    assert paper == PaperOut().dump(stored_papers(clean_db, [edited])[edited])
    assert again["items"][:2] == first["items"][:2]


def test_fields_select_what_each_item_carries(client, headers, catalogue):  # noqa: F811
    full = client.get("/v1/users/f/feed?limit=10", headers=headers["read"])
    small = client.get("/v1/users/f/feed?limit=10&fields=id,title,authors,reasons", headers=headers["read"])
    assert small.status_code == 200
    assert small.get_json()["feed_id"] == full.get_json()["feed_id"]  # the same stored list, fewer bytes
    assert len(small.data) < len(full.data) / 2
    for short, long in zip(small.get_json()["items"], full.get_json()["items"], strict=True):
        assert short["paper"] == {k: long["paper"][k] for k in ("id", "title", "authors")}
        assert (short["score"], short["reasons"]) == (long["score"], long["reasons"])

    listed = client.get("/v1/papers?limit=3&fields=categories", headers=headers["read"]).get_json()
    assert [set(i) for i in listed["items"]] == [{"id", "title", "score", "categories"}] * 3

    for path in ("/v1/users/f/feed?fields=id,bogus", "/v1/papers?fields=abstract,nope"):
        bad = client.get(path, headers=headers["read"])
        assert bad.status_code == 422 and bad.mimetype == "application/problem+json"
        assert "fields" in bad.get_json()["errors"], bad.get_json()


@pytest.mark.parametrize(("encoding", "decode"), [("gzip", gzip.decompress), ("br", brotli.decompress)])
def test_large_answers_are_compressed_when_accepted_and_stay_conditional(client, headers, catalogue,  # noqa: F811
                                                                         encoding, decode):
    plain = client.get("/v1/users/z/feed?limit=10", headers=headers["read"])
    assert "Content-Encoding" not in plain.headers and len(plain.data) > 1024
    packed = client.get("/v1/users/z/feed?limit=10", headers={**headers["read"], "Accept-Encoding": encoding})
    assert packed.headers["Content-Encoding"] == encoding and "Accept-Encoding" in packed.headers["Vary"]
    assert decode(packed.data) == plain.data and len(packed.data) < len(plain.data) / 2
    assert packed.headers["ETag"] == plain.headers["ETag"][:-1] + f':{encoding}"'
    # The compressed representation's tag sent back: 304 with that tag, nothing compressed or sent.
    again = client.get("/v1/users/z/feed?limit=10", headers={
        **headers["read"], "Accept-Encoding": encoding, "If-None-Match": packed.headers["ETag"]})
    assert again.status_code == 304 and again.data == b"" and again.headers["ETag"] == packed.headers["ETag"]
    # A small answer is sent as it is.
    tiny = client.get("/v1/users/z/feed?limit=1&fields=id", headers={**headers["read"], "Accept-Encoding": encoding})
    assert len(tiny.data) < 1024 and "Content-Encoding" not in tiny.headers
