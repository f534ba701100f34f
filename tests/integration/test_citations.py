"""References on ingest and import: stored, validated by name, resolved as cited papers arrive, and used
by the feed's citation retriever after the worker publishes the index."""

import json

from services.recommender import pipeline
from services.recommender.artifacts import ArtifactStore
from services.store import references as references_store
from tests.helpers import cli_env, run_cli

PAPER = {"title": "Sparse Attention for Long Videos", "abstract": "We make transformers cheaper on video.",
         "categories": ["cs.CV"]}


def put(client, headers, pid, **fields):
    return client.put(f"/v1/papers/{pid}", json={**PAPER, **fields}, headers=headers)


def refs(client, headers, pid):
    return client.get(f"/v1/papers/{pid}", headers=headers).get_json()["references"]


def test_references_are_stored_canonical_and_resolve_when_the_cited_paper_arrives(client, headers):
    h = headers["write"]
    assert put(client, h, "2605.00002").status_code == 201
    response = put(client, h, "2605.00001", references=["arXiv:2605.00002v2", "2605.00003",
                                                        "https://doi.org/10.1145/ABC.1"])
    assert response.status_code == 201
    assert refs(client, headers["read"], "2605.00001") == [
        {"ref": "arxiv:2605.00002", "paper_id": "2605.00002"},   # here already: resolved at once
        {"ref": "arxiv:2605.00003", "paper_id": None},           # not yet
        {"ref": "doi:10.1145/abc.1", "paper_id": None}]
    # The cited paper arrives (in a batch): the waiting reference now names it.
    batch = client.post("/v1/papers/batch", headers=h, json={"papers": [{**PAPER, "id": "2605.00003"}]})
    assert batch.status_code == 200 and batch.get_json()["created"] == 1
    assert {"ref": "arxiv:2605.00003", "paper_id": "2605.00003"} in refs(client, headers["read"], "2605.00001")
    # Not sending references keeps them; sending [] removes them.
    put(client, h, "2605.00001", title="Retitled")
    assert len(refs(client, headers["read"], "2605.00001")) == 3
    put(client, h, "2605.00001", references=[])
    assert refs(client, headers["read"], "2605.00001") == []


def test_bad_references_are_refused_by_name(client, headers):
    response = put(client, headers["write"], "p1", references=["2401.01234", "see figure 3"])
    assert response.status_code == 422 and response.mimetype == "application/problem+json"
    assert "references.1" in response.get_json()["errors"]
    too_many = put(client, headers["write"], "p1", references=[f"2401.{i:05d}" for i in range(501)])
    assert too_many.status_code == 422 and "references" in too_many.get_json()["errors"]
    batch = client.post("/v1/papers/batch", headers=headers["write"],
                        json={"papers": [{**PAPER, "id": "p2", "references": [42]}]})
    assert batch.get_json()["rejected"][0]["errors"].keys() == {"references.0"}


def test_import_papers_carries_references(tmp_path, settings, clean_db):
    path = tmp_path / "papers.jsonl"
    path.write_text("\n".join(json.dumps(line) for line in [
        {"id": "2605.00010", "title": "Citing", "references": ["2605.00011", "10.1000/xyz"]},
        {"id": "2605.00011", "title": "Cited"},
        {"id": "2605.00012", "title": "Bad", "references": ["nonsense"]},
    ]) + "\n")
    result = run_cli(["import-papers", str(path)], cli_env(settings))
    assert result.returncode == 3, result.stderr
    assert f"{path}:line 3: references:" in result.stderr
    with clean_db.connection() as conn:
        stored = references_store.of_paper(conn, "2605.00010")
    # The cited paper came on a later line of the same batch: resolved all the same.
    assert stored == [{"ref": "arxiv:2605.00011", "paper_id": "2605.00011"}, {"ref": "doi:10.1000/xyz", "paper_id": None}]


def test_the_feed_recommends_what_a_starred_paper_is_cited_with(client, headers, settings, clean_db, tmp_path):
    """Two survey papers cite a starred paper together with another: the feed offers that one, naming the
    starred paper in a shares_citations reason. Its text shares nothing with the starred one."""
    h = headers["write"]
    texts = {"2605.00020": "Graph neural networks for molecules", "2605.00021": "Byzantine consensus in practice",
             "2605.00024": "Protein folding with language models"}
    for i in range(30):  # a catalogue to fit the embedder on, unrelated to both
        put(client, h, f"2605.{100 + i:05d}", title=f"Filler paper number {i} on weather forecasting",
            abstract=f"Rainfall and wind models, variant {i}.")
    for pid, title in texts.items():
        put(client, h, pid, title=title, abstract=title)
    for survey in ("2605.00022", "2605.00023"):
        put(client, h, survey, title=f"Survey {survey}", abstract="A survey.",
            references=["2605.00020", "2605.00021"])
    engine = settings.replace(artifact_dir=tmp_path / "artifacts", artifact_refresh_seconds=0.0)
    pipeline.refresh(clean_db, ArtifactStore(engine.artifacts), engine)
    from services.app import create_app

    api = create_app(engine, db=clean_db).test_client()
    api.post("/v1/events", headers=h, json={"events": [{"user_id": "reader", "paper_id": "2605.00020",
                                                        "type": "star"}]})
    items = api.get("/v1/users/reader/feed?limit=20", headers=headers["read"]).get_json()["items"]
    reasons = {i["paper"]["id"]: i["reasons"] for i in items}
    assert "2605.00021" in reasons
    cited_with = [r for r in reasons["2605.00021"] if r["kind"] == "shares_citations"]
    assert cited_with and cited_with[0]["paper_id"] == "2605.00020"
