"""Contract of /v1/papers and /v1/trending (API.md, Papers)."""

import threading

import pytest

PAPER = {"title": "Sparse Attention for Long Videos", "abstract": "We make transformers cheaper on video.",
         "authors": ["Ada Lovelace", "Alan Turing"], "categories": ["cs.CV", "cs.LG"],
         "published_at": "2026-05-01T12:00:00Z", "url": "https://arxiv.org/abs/2605.00001",
         "code_urls": ["https://github.com/x/y"]}


def put(client, headers, pid, **fields):
    return client.put(f"/v1/papers/{pid}", json={**PAPER, **fields}, headers=headers)


def test_put_creates_then_updates(client, headers):
    created = put(client, headers["write"], "2605.00001")
    assert created.status_code == 201
    body = created.get_json()
    assert body["id"] == "2605.00001" and body["title"] == PAPER["title"]
    assert body["authors"] == PAPER["authors"] and body["published_at"].startswith("2026-05-01T12:00:00")
    updated = put(client, headers["write"], "2605.00001", title="Sparse Attention, Revisited")
    assert updated.status_code == 200 and updated.get_json()["title"] == "Sparse Attention, Revisited"


def test_put_validation_names_each_field(client, headers):
    response = client.put("/v1/papers/x1", json={"abstract": 5, "authors": ["ok", ""], "url": "javascript:1"},
                          headers=headers["write"])
    assert response.status_code == 422 and response.mimetype == "application/problem+json"
    errors = response.get_json()["errors"]
    assert {"title", "abstract", "authors.1", "url"} <= set(errors)


@pytest.mark.parametrize("bad_id", ["a" * 129, "has%20space%20", "tab%09here", "nul%00"])
def test_put_rejects_bad_ids(client, headers, bad_id):
    response = client.put(f"/v1/papers/{bad_id}", json=PAPER, headers=headers["write"])
    assert response.status_code in (404, 422)
    assert response.mimetype == "application/problem+json"


def test_get_has_counts_and_404(client, headers):
    put(client, headers["write"], "p1")
    client.post("/v1/events", headers=headers["write"], json={"events": [
        {"user_id": "u1", "paper_id": "p1", "type": "star"}, {"user_id": "u2", "paper_id": "p1", "type": "read"},
        {"user_id": "u3", "paper_id": "p1", "type": "read"}]})
    body = client.get("/v1/papers/p1", headers=headers["read"]).get_json()
    assert body["stars"] == 1 and body["reads"] == 2
    missing = client.get("/v1/papers/nope", headers=headers["read"])
    assert missing.status_code == 404 and missing.get_json()["title"] == "Not Found"


def test_batch_stores_valid_items_and_reports_the_rest(client, headers):
    put(client, headers["write"], "old")
    papers = [{**PAPER, "id": "new1"}, {"id": "bad"}, {**PAPER, "id": "old", "title": "Changed"},
              {**PAPER, "id": "old2"}, "not an object"]
    response = client.post("/v1/papers/batch", json={"papers": papers}, headers=headers["write"])
    assert response.status_code == 200
    body = response.get_json()
    assert (body["created"], body["updated"], body["unchanged"]) == (2, 1, 0)
    assert [r["index"] for r in body["rejected"]] == [1, 4]
    assert "title" in body["rejected"][0]["errors"]
    assert client.get("/v1/papers/new1", headers=headers["read"]).status_code == 200


def test_batch_limit_is_enforced(client, headers):
    papers = [{**PAPER, "id": f"b{i}"} for i in range(1001)]
    response = client.post("/v1/papers/batch", json={"papers": papers}, headers=headers["write"])
    assert response.status_code == 422 and "papers" in response.get_json()["errors"]
    assert client.post("/v1/papers/batch", json={"papers": []}, headers=headers["write"]).status_code == 422


def test_delete_is_admin_only_and_final(client, headers):
    put(client, headers["write"], "gone")
    assert client.delete("/v1/papers/gone", headers=headers["write"]).status_code == 403
    assert client.delete("/v1/papers/gone", headers=headers["admin"]).status_code == 204
    assert client.get("/v1/papers/gone", headers=headers["read"]).status_code == 404
    assert client.delete("/v1/papers/gone", headers=headers["admin"]).status_code == 404
    assert put(client, headers["write"], "gone").status_code == 409
    listed = client.get("/v1/papers?q=sparse", headers=headers["read"]).get_json()["items"]
    assert "gone" not in [p["id"] for p in listed]


def test_search_ranks_and_filters(client, headers):
    put(client, headers["write"], "a", title="Video transformers", abstract="Transformers for video.",
        categories=["cs.CV"], authors=["Grace Hopper"], published_at="2026-04-01T00:00:00Z")
    put(client, headers["write"], "b", title="Graph networks", abstract="We mention transformers once.",
        categories=["cs.LG"], authors=["Ada Lovelace"], published_at="2026-06-01T00:00:00Z")
    put(client, headers["write"], "c", title="Protein folding", abstract="Biology.", categories=["q-bio"],
        authors=["Grace Hopper"], published_at="2026-06-02T00:00:00Z")
    get = lambda qs: client.get(f"/v1/papers?{qs}", headers=headers["read"]).get_json()["items"]  # noqa: E731
    hits = get("q=transformers")
    assert [h["id"] for h in hits] == ["a", "b"] and hits[0]["score"] > hits[1]["score"]
    assert [h["id"] for h in get("q=hopper")] == ["c", "a"]  # equal rank: id breaks the tie
    assert [h["id"] for h in get("q=transformers&category=cs.LG")] == ["b"]
    assert [h["id"] for h in get("author=Grace%20Hopper")] == ["c", "a"]  # newest first without q
    assert [h["id"] for h in get("since=2026-05-15T00:00:00Z")] == ["c", "b"]
    assert get("q=%22no%20such%20phrase%22") == []


def test_a_shared_search_page_is_retired_by_any_paper_change(client, headers, clean_db):
    put(client, headers["write"], "a", title="Sparse transformers", abstract="Attention, sparsely.")
    get = lambda: [h["id"] for h in client.get("/v1/papers?q=transformers", headers=headers["read"])  # noqa: E731
                   .get_json()["items"]]
    assert get() == ["a"]
    # A write that bypasses the catalogue's change stamp is not seen: the page is being shared...
    with clean_db.connection() as conn:
        conn.execute("INSERT INTO papers (id, title, abstract, updated_at) "
                     "VALUES ('sneaky', 'Transformers everywhere', '', '2000-01-01')")
    assert get() == ["a"]
    # ...and every write through Paperfeed retires it at once: a new paper, then a deletion.
    put(client, headers["write"], "b", title="Transformers for graphs", abstract="Transformers.")
    assert set(get()) == {"a", "b", "sneaky"}
    assert client.delete("/v1/papers/b", headers=headers["admin"]).status_code == 204
    assert set(get()) == {"a", "sneaky"}


def test_search_bad_query_params(client, headers):
    for qs, field in [("limit=0", "limit"), ("limit=101", "limit"), ("cursor=garbage", "cursor"),
                      ("since=yesterday", "since"), ("q=" + "x" * 501, "q")]:
        response = client.get(f"/v1/papers?{qs}", headers=headers["read"])
        assert response.status_code == 422, qs
        assert field in response.get_json()["errors"], qs


def _walk(client, headers, qs):
    seen, cursor = [], None
    for _ in range(100):
        url = f"/v1/papers?{qs}&limit=7" + (f"&cursor={cursor}" if cursor else "")
        body = client.get(url, headers=headers).get_json()
        seen += [p["id"] for p in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            return seen
    raise AssertionError("pagination did not end")


@pytest.mark.parametrize("qs", ["q=paper", ""])
def test_pagination_has_no_repeats_or_gaps_under_concurrent_inserts(client, app, headers, qs):
    batch = [{**PAPER, "id": f"base{i:03d}", "title": f"Paper number {i}", "abstract": "paper " * (i % 5 + 1),
              "published_at": f"2026-05-{i % 28 + 1:02d}T00:00:00Z"} for i in range(60)]
    assert client.post("/v1/papers/batch", json={"papers": batch}, headers=headers["write"]).status_code == 200
    stop = threading.Event()

    def writer():
        writer_client, i = app.test_client(), 0
        while not stop.is_set() and i < 200:
            writer_client.put(f"/v1/papers/late{i:03d}", json={**PAPER, "title": f"Late paper {i}"},
                              headers=headers["write"])
            i += 1

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        seen = _walk(client, headers["read"], qs)
    finally:
        stop.set()
        thread.join()
    base = [s for s in seen if s.startswith("base")]
    assert len(seen) == len(set(seen)), "an item was repeated"
    assert sorted(base) == sorted(p["id"] for p in batch), "an item that existed before paging was skipped"


def test_similar_and_trending_exist_but_are_not_ready(client, headers):
    put(client, headers["write"], "p1")
    similar = client.get("/v1/papers/p1/similar", headers=headers["read"])
    assert similar.status_code == 503 and similar.headers["Retry-After"]
    assert client.get("/v1/papers/nope/similar", headers=headers["read"]).status_code == 404
    assert client.get("/v1/trending?window=day", headers=headers["read"]).status_code == 503
    assert client.get("/v1/trending?window=year", headers=headers["read"]).status_code == 422


def test_nul_characters_are_refused_by_name_not_stored(client, headers):
    """Found by the fuzz run: PostgreSQL cannot store U+0000, so it must be a 422, never a 500."""
    response = client.put("/v1/papers/p-nul", json={**PAPER, "title": "a\x00b", "authors": ["ok", "x\x00"]},
                          headers=headers["write"])
    assert response.status_code == 422
    assert {"title", "authors.1"} <= set(response.get_json()["errors"])
    assert client.get("/v1/papers?q=a%00b", headers=headers["read"]).status_code == 422
    batch = client.post("/v1/events", headers=headers["write"], json={"events": [
        {"user_id": "u", "paper_id": "p-nul", "type": "read", "context": {"feed_id": "f\x00"}}]})
    assert batch.status_code == 202 and "context.feed_id" in batch.get_json()["rejected"][0]["errors"]
