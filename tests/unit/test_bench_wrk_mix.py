"""bench/wrk_mix.py, bench/load.py's wrk mix: the Lua script it renders (ids and words escaped, threads seeded apart) and the
summary line it reads back from wrk's output. Structural: no wrk, no Lua, no server."""

from __future__ import annotations

import argparse
import json
import re

import pytest

from bench.wrk_mix import (
    connection_counts,
    lua_string,
    lua_table,
    mix_counts,
    render_wrk_events,
    render_wrk_mix,
    summary_counts,
)

SEARCH_WORDS = ["diffusion", "language model", "robot"]

ODD_IDS = ["2604.01234", 'we"ird\\id', "cs/0101001", "ünï\n"]


def lua_unquote(literal: str) -> str:
    """Read back a double-quoted Lua string literal of the escapes lua_string writes (\\", \\\\, \\ddd)."""
    assert literal[0] == literal[-1] == '"'
    body = literal[1:-1]
    assert re.fullmatch(r'(?:[^"\\\x00-\x1f\x7f-\U0010ffff]|\\["\\]|\\\d{3})*', body), body

    def byte(match: re.Match) -> bytes:
        escaped = match.group(1)
        return bytes([int(escaped)]) if escaped.isdigit() else escaped

    return re.sub(rb'\\(["\\]|\d{3})', byte, body.encode()).decode()


def table_entries(script: str, name: str) -> list[str]:
    """The string literals of ``local <name> = {...}`` in ``script``, read back."""
    constructor = re.search(rf"^local {name} = \{{(.*)\}}$", script, re.M).group(1)
    return [lua_unquote(item) for item in re.findall(r'"(?:[^"\\]|\\.)*"', constructor)]


@pytest.mark.parametrize("text", ["2604.01234", "", 'a"b', "back\\slash", "new\nline", "tab\t", "ünï",
                                  "x\x00y", "\\123", "]]", "%20"])
def test_lua_string_escapes_everything_but_plain_printable_ascii_and_reads_back_exactly(text):
    literal = lua_string(text)
    assert lua_unquote(literal) == text
    assert "\n" not in literal and all(0x20 <= ord(c) < 0x7F for c in literal)


def test_a_quote_and_a_backslash_in_an_id_are_escaped():
    assert lua_string('we"ird\\id') == '"we\\"ird\\\\id"'
    assert lua_string("ü") == '"\\195\\188"'  # its UTF-8 bytes, three digits each: a digit after stays apart
    assert lua_table(["a", 'b"']) == '{"a", "b\\""}'


def test_the_script_embeds_ids_for_paths_and_for_json_and_the_search_words_url_encoded():
    script = render_wrk_mix(key="pf_secret", users=500, paper_ids=ODD_IDS, seed=11, search_words=SEARCH_WORDS)
    assert "$" not in script  # every placeholder filled
    assert table_entries(script, "paper_paths") == ["2604.01234", "we%22ird%5Cid", "cs%2F0101001",
                                                    "%C3%BCn%C3%AF%0A"]
    assert [json.loads(entry) for entry in table_entries(script, "paper_json")] == ODD_IDS
    queries = table_entries(script, "queries")
    assert len(queries) == len(SEARCH_WORDS) and "language%20model" in queries and " " not in "".join(queries)
    assert re.search(r"^local users = 500$", script, re.M) and re.search(r"^local seed = 11$", script, re.M)
    assert 'wrk.headers["Authorization"] = "Bearer pf_secret"' in script


def test_the_script_holds_the_mix_and_seeds_every_thread_apart():
    script = render_wrk_mix(key="k", users=3, paper_ids=["p1"], seed=0, search_words=["graph"])
    cuts = [float(x) for x in re.findall(r"draw < ([\d.]+)", script)]
    assert cuts == [0.75, 0.90, 0.95, 0.975]  # feeds, events, search, similar; trending the rest
    for piece in ('"/v1/users/" .. user .. "/feed?limit=20"', '"POST", "/v1/events", post_headers',
                  '"/v1/papers?q=" .. queries[', '"/similar?limit=10"', '"/v1/trending?window=week&limit=20"',
                  'post_headers["Content-Type"] = "application/json"', "for i = 1, 10 do",
                  "{'\"read\"', '\"read\"', '\"click\"', '\"star\"'}"):
        assert piece in script, piece
    assert 'thread:set("thread_number", #threads)' in script
    assert "math.randomseed(seed + thread_number)" in script.split("function init(args)")[1].split("end")[0]
    assert '"u" .. (math.random(users) - 1)' in script  # u0 … u{users-1}, as the Python clients draw them


def test_rendering_refuses_an_empty_mix():
    with pytest.raises(ValueError):
        render_wrk_mix(key="k", users=10, paper_ids=[], seed=0, search_words=["w"])
    with pytest.raises(ValueError):
        render_wrk_mix(key="k", users=0, paper_ids=["p"], seed=0, search_words=["w"])


def test_the_summary_line_is_read_back_from_wrk_output():
    output = ("Running 5s test @ http://127.0.0.1:8000\n  2 threads and 8 connections\n"
              "  1234 requests in 5.00s, 1.2MB read\nRequests/sec:    246.80\nTransfer/sec:    250KB\n"
              "paperfeed-mix feed=925 events=186 search=62 similar=30 trending=31 unexpected_status=0\n")
    assert mix_counts(output) == {"feed": 925, "events": 186, "search": 62, "similar": 30, "trending": 31,
                                  "unexpected_status": 0}
    with pytest.raises(ValueError):
        mix_counts("Requests/sec:    246.80\n")


def test_the_events_script_posts_a_batch_of_unique_events_per_request():
    script = render_wrk_events(key="pf_secret", users=700, paper_ids=ODD_IDS, batch=100, seed=3)
    assert "$" not in script
    assert [json.loads(entry) for entry in table_entries(script, "paper_json")] == ODD_IDS
    for line in ("local users = 700", "local seed = 3", "local batch = 100", 'wrk.method = "POST"',
                 'wrk.headers["Content-Type"] = "application/json"'):
        assert re.search(rf"^{re.escape(line)}$", script, re.M), line
    assert 'wrk.headers["Authorization"] = "Bearer pf_secret"' in script
    assert "for i = 1, batch do" in script and 'wrk.format(nil, "/v1/events", nil' in script
    # Each event's id is its run, thread and sequence: no two events of a run are one (no repeats dropped).
    assert """"event_id":"wrk-' .. seed .. '-' .. thread_number .. '-' .. sent .. '"}'""" in script
    assert "math.randomseed(seed + thread_number)" in script
    assert "status == 202" in script  # only accepted requests count as events in
    with pytest.raises(ValueError):
        render_wrk_events(key="k", users=10, paper_ids=["p"], batch=0, seed=0)
    with pytest.raises(ValueError):
        render_wrk_events(key="k", users=10, paper_ids=[], batch=1, seed=0)


def test_any_scripts_summary_line_is_read_back_by_its_tag():
    output = "Requests/sec:    900.10\npaperfeed-events accepted_requests=9001 other_status=2\n"
    assert summary_counts(output, "paperfeed-events") == {"accepted_requests": 9001, "other_status": 2}
    with pytest.raises(ValueError, match="paperfeed-mix"):
        summary_counts(output, "paperfeed-mix")


def test_wrk_connections_are_positive_counts():
    assert connection_counts("4,8,16,32") == [4, 8, 16, 32]
    for bad in ("", "4,,8", "0,4", "four"):
        with pytest.raises(argparse.ArgumentTypeError, match="positive integers"):
            connection_counts(bad)
