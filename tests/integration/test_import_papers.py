"""`paperfeed import-papers` as a real process against the real database."""

import gzip
import json

import pytest

from services.store import papers
from tests.helpers import SHARED_DATA, cli_env, run_cli


def _paper(pid: str, title: str) -> str:
    return json.dumps({"id": pid, "title": title, "abstract": "About " + title, "authors": ["A. Author"],
                       "categories": ["cs.LG"], "first_listed": "2026-05-01",
                       "abs_url": f"https://arxiv.org/abs/{pid}"})


def _count(db) -> int:
    with db.connection() as conn:
        return papers.count(conn)


def test_good_lines_stored_bad_lines_reported_by_number(tmp_path, settings, clean_db):
    path = tmp_path / "mixed.jsonl"
    path.write_text("\n".join([
        _paper("2605.00001", "First"),
        "{this is not json",
        _paper("2605.00002", "Second"),
        json.dumps({"id": "2605.00003"}),
        _paper("bad/id", "Slash"),
    ]) + "\n")
    result = run_cli(["import-papers", str(path)], cli_env(settings))
    assert result.returncode == 3, result.stderr  # partly imported
    assert f"{path}:line 2: not valid JSON" in result.stderr
    assert f"{path}:line 4: title:" in result.stderr
    assert f"{path}:line 5: id:" in result.stderr
    assert "5 lines, 2 created, 0 updated, 0 unchanged, 3 rejected" in result.stdout
    assert _count(clean_db) == 2


def test_reimport_updates_instead_of_duplicating(tmp_path, settings, clean_db):
    path = tmp_path / "papers.jsonl.gz"
    with gzip.open(path, "wt") as fh:
        fh.write(_paper("2605.1", "Old title") + "\n" + _paper("2605.2", "Stays") + "\n")
    assert run_cli(["import-papers", str(path)], cli_env(settings)).returncode == 0
    with gzip.open(path, "wt") as fh:
        fh.write(_paper("2605.1", "New title") + "\n" + _paper("2605.2", "Stays") + "\n")
    result = run_cli(["import-papers", str(path)], cli_env(settings))
    assert result.returncode == 0, result.stderr
    assert "2 lines, 0 created, 1 updated, 1 unchanged, 0 rejected" in result.stdout
    assert _count(clean_db) == 2
    # new text is queued for embedding at once, recorded like any job
    assert "embedding job" in result.stderr and "queued" in result.stderr
    with clean_db.connection() as conn:
        queued = conn.execute("SELECT job, requested_by FROM job_runs WHERE status = 'queued'").fetchall()
    assert {"job": "ml.embed", "requested_by": "cli:import-papers"} in queued
    with clean_db.connection() as conn:
        assert papers.get(conn, "2605.1")["title"] == "New title"


def test_all_lines_bad_exits_1(tmp_path, settings, clean_db):
    path = tmp_path / "bad.jsonl"
    path.write_text("nope\n")
    result = run_cli(["import-papers", str(path)], cli_env(settings))
    assert result.returncode == 1 and "1 rejected" in result.stdout


SEED = SHARED_DATA / "seed" / "daily-papers.jsonl"
ARXIV = SHARED_DATA / "arxiv-cs-2026q2" / "papers.jsonl"


@pytest.mark.skipif(not SEED.exists(), reason="shared seed data not present")
def test_seed_and_arxiv_formats_from_shared_data(tmp_path, settings, clean_db):
    result = run_cli(["import-papers", str(SEED)], cli_env(settings))
    assert result.returncode == 0, result.stderr
    assert "88 lines, 88 created" in result.stdout
    # The same 88 papers again: stable ids, nothing new.
    assert "0 created, 0 updated, 88 unchanged" in run_cli(["import-papers", str(SEED)], cli_env(settings)).stdout
    head = tmp_path / "arxiv-head.jsonl"
    with ARXIV.open() as src:
        head.write_text("".join(next(src) for _ in range(500)))
    result = run_cli(["import-papers", str(head), "--batch-size", "128"], cli_env(settings))
    assert result.returncode == 0, result.stderr
    assert "500 lines, 500 created" in result.stdout
    assert _count(clean_db) == 588
