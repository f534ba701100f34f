"""Ready response bytes, `fields=` and compression on the real app (real engine, real database)."""

from __future__ import annotations

import gzip

import brotli
import pytest

from schemas.feed import FeedPage
from schemas.papers import PaperOut
from services.app import create_app
from services.db import Database
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


def served_from(client, how):
    from services.web.state import state

    return state(client.application).metrics.registry.get_sample_value(
        "paperfeed_feed_requests_total", {"served_from": how}) or 0.0


def finished(client):
    """First pages answered finished: bytes read from feed_pages, or held by this process."""
    return served_from(client, "ready") + served_from(client, "held")


def test_a_repeated_first_page_is_answered_finished_until_a_paper_on_it_changes(client, headers, catalogue,  # noqa: F811
                                                                                 clean_db):
    def get(**params):
        query = "&".join(f"{k}={v}" for k, v in {"limit": 5, **params}.items())
        response = client.get(f"/v1/users/k/feed?{query}", headers=headers["read"])
        assert response.status_code == 200, response.get_json()
        return response

    events(client, headers["write"], *({"user_id": "k", "paper_id": p["id"], "type": "star"} for p in catalogue[:3]))
    first = get()  # ranked now, and its bytes kept
    again = get()
    assert finished(client) == 1 and again.data == first.data
    # Another page size or field set is another answer: built from the stored list, then kept too.
    small = get(fields="title")
    assert finished(client) == 1 and small.get_json()["feed_id"] == first.get_json()["feed_id"]
    assert get(fields="title").data == small.data and finished(client) == 2
    for limit in (1, 2, 3, 4):
        get(limit=limit)
    with clean_db.connection() as conn:  # a feed keeps its newest few variants, not one per request shape
        kept = conn.execute("SELECT shown FROM feed_pages ORDER BY shown").fetchall()
        assert [r["shown"] for r in kept] == [2, 3, 4]  # the three newest: limit=2, 3 and 4

    # A paper on the page edited, hidden, shown again: the very next answer follows, then is kept again.
    items = first.get_json()["items"]
    edited, hidden = items[0]["paper"]["id"], items[1]["paper"]["id"]
    assert client.put(f"/v1/papers/{edited}", json={"title": "Kept pages follow edits"},
                      headers=headers["write"]).status_code == 200
    page = get().get_json()
    assert page["items"][0]["paper"]["title"] == "Kept pages follow edits"
    assert page["feed_id"] == first.get_json()["feed_id"]
    before = finished(client)
    assert get().get_json() == page and finished(client) == before + 1
    with clean_db.connection() as conn:
        assert papers_store.set_flag(conn, hidden, "hidden", True)
    assert hidden not in {i["paper"]["id"] for i in get().get_json()["items"]}
    assert hidden not in {i["paper"]["id"] for i in get().get_json()["items"]}
    with clean_db.connection() as conn:
        assert papers_store.set_flag(conn, hidden, "hidden", False)
    assert get().get_json()["items"][1]["paper"]["id"] == hidden

    # The reader's own event makes the whole list stale: ranked anew, nothing kept served.
    events(client, headers["write"], {"user_id": "k", "paper_id": edited, "type": "dismiss"})
    after = get().get_json()
    assert after["feed_id"] != page["feed_id"] and edited not in {i["paper"]["id"] for i in after["items"]}


def test_a_held_page_is_served_only_while_the_database_finds_it_valid(engine_settings, headers, catalogue,  # noqa: F811
                                                                      clean_db):
    # Two API processes over one database: each holds the pages it answered; neither trusts its own.
    one = create_app(engine_settings, db=clean_db).test_client()
    two = create_app(engine_settings, db=clean_db).test_client()

    def get(client):
        response = client.get("/v1/users/h/feed?limit=5", headers=headers["read"])
        assert response.status_code == 200, response.get_json()
        return response

    events(one, headers["write"], *({"user_id": "h", "paper_id": p["id"], "type": "star"} for p in catalogue[:3]))
    first = get(one)  # ranked, kept, held by one
    held = get(one)
    assert held.data == first.data and served_from(one, "held") == 1
    assert held.headers["ETag"] == first.headers["ETag"]  # held with the tag of its bytes
    revalidated = one.get("/v1/users/h/feed?limit=5", headers={**headers["read"], "If-None-Match": held.headers["ETag"]})
    assert revalidated.status_code == 304 and served_from(one, "held") == 2
    assert get(two).data == first.data and served_from(two, "ready") == 1  # two reads the kept bytes ...
    assert get(two).data == first.data and served_from(two, "held") == 1  # ... then holds them

    # A paper on the page hidden in plain SQL: neither process serves what it holds.
    hidden = first.get_json()["items"][0]["paper"]["id"]
    with clean_db.connection() as conn:
        conn.execute("UPDATE papers SET hidden = true, updated_at = now() WHERE id = %s", (hidden,))
    for client in (one, two):
        assert hidden not in {i["paper"]["id"] for i in get(client).get_json()["items"]}
    assert served_from(one, "held") == 2 and served_from(two, "held") == 1

    # The reader's dismissal through process two: process one brings the list up to date (incremental)
    # instead of serving its page.
    rebuilt = get(one)
    events(two, headers["write"], {"user_id": "h", "paper_id": catalogue[5]["id"], "type": "dismiss"})
    after = get(one)
    assert after.get_json()["feed_id"] != rebuilt.get_json()["feed_id"]
    assert served_from(one, "updated") == 1 and served_from(one, "ranked") == 1
    assert catalogue[5]["id"] not in {i["paper"]["id"] for i in after.get_json()["items"]}


def test_a_finished_page_is_read_without_a_transaction_and_the_connection_goes_back_as_lent(
        engine_settings, headers, catalogue, clean_db, tmp_path):  # noqa: F811
    one_connection = Database(engine_settings.database_url, min_size=1, max_size=1)
    client = create_app(engine_settings, db=one_connection).test_client()
    events(client, headers["write"], *({"user_id": "t", "paper_id": p["id"], "type": "star"} for p in catalogue[:3]))
    trace = tmp_path / "libpq.trace"
    try:
        client.get("/v1/users/t/feed?limit=5", headers=headers["read"])  # ranked and kept: in a transaction
        with trace.open("w") as out:
            with one_connection.connection() as conn:
                conn.pgconn.trace(out.fileno())  # libpq's own record of every message on this connection
            for _ in range(3):
                assert client.get("/v1/users/t/feed?limit=5", headers=headers["read"]).status_code == 200
            with one_connection.connection() as conn:  # lent again as the pool lends it: in transactions
                conn.pgconn.untrace()
                assert not conn.autocommit
        assert served_from(client, "held") == 3
        sent = [line for line in trace.read_text().splitlines() if "\tF\t" in line]
        # Per request: the authentication epoch and the finished page, no BEGIN, no COMMIT.
        assert sent and not any('"BEGIN"' in line or '"COMMIT"' in line for line in sent), sent
        # A write right after on the same connection is still one transaction.
        events(client, headers["write"], {"user_id": "t", "paper_id": catalogue[4]["id"], "type": "dismiss"})
        assert client.get("/v1/users/t/feed?limit=5", headers=headers["read"]).get_json()["items"]
    finally:
        one_connection.close()
