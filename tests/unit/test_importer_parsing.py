import json

import pytest
from marshmallow import ValidationError

from services.catalog.importer import ImportReport, iter_parsed, parse_line, stable_id_for_title

ARXIV = {
    "id": "2604.01234", "title": "A  Title\nwith breaks", "abstract": "Abstract.", "authors": ["A. B"],
    "categories": ["cs.CV", "cs.AI"], "comment": "12 pages", "first_listed": "2026-04-07",
    "abs_url": "https://arxiv.org/abs/2604.01234",
}


def test_arxiv_format_maps_onto_paper_fields():
    paper = parse_line(json.dumps(ARXIV))
    assert paper["id"] == "2604.01234"
    assert paper["title"] == "A Title with breaks"
    assert paper["url"] == "https://arxiv.org/abs/2604.01234"
    assert paper["published_at"].isoformat() == "2026-04-07T00:00:00+00:00"
    assert paper["categories"] == ["cs.CV", "cs.AI"]


def test_seed_format_gets_a_stable_id_from_its_title():
    line = json.dumps({"title": "LLaMA-Adapter V2", "abstract": "x", "listed_on": "Mar 14",
                       "code_urls": ["https://github.com/x/y"]})
    first, second = parse_line(line), parse_line(line)
    assert first["id"] == second["id"] == stable_id_for_title("llama-adapter   v2")
    assert first["code_urls"] == ["https://github.com/x/y"]


@pytest.mark.parametrize(("line", "message"), [
    ("{not json", "not valid JSON"),
    ("[1, 2]", "expected a JSON object"),
    (json.dumps({"id": "a/b", "title": "t"}), "id:"),
    (json.dumps({"id": "x"}), "title:"),
    (json.dumps({"id": "x", "title": "t", "url": "ftp://x"}), "url:"),
    (json.dumps({"id": "x", "title": "t", "authors": "one string"}), "authors:"),
])
def test_bad_lines_raise_readable_errors(line, message):
    with pytest.raises(ValidationError) as info:
        parse_line(line)
    from services.catalog.importer import describe

    assert message in describe(info.value)


def test_iter_parsed_reports_line_numbers_and_keeps_good_lines():
    lines = [json.dumps(ARXIV), "", "{broken", json.dumps({**ARXIV, "id": "2604.9"}), json.dumps({"id": "z"})]
    report = ImportReport()
    good = list(iter_parsed(lines, report))
    assert [p["id"] for p in good] == ["2604.01234", "2604.9"]
    assert [e.line for e in report.rejected] == [3, 5]
    assert report.lines == 5
