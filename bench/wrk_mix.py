"""The mixed workload of bench/load.py as a Lua script for Debian's ``wrk``: what the script is, how ids and
words are escaped into it, and how its summary line is read back. Pure text: no server, no wrk needed."""

from __future__ import annotations

import argparse
import json
import re
import string
from collections.abc import Iterable, Sequence
from urllib.parse import quote

# The mix of ``_client`` for wrk, one math.random() draw per request. Each wrk thread runs the script in a
# Lua state of its own, and setup()/done() in another one; LuaJIT's generator starts from the same state
# in each, so every thread is seeded apart in init() (with the number setup() gave it). request() counts
# what it issues per kind; response() counts the non-2xx answers wrk does not (it counts status > 399
# only); done() prints both on one line for mix_counts.
WRK_MIX_SCRIPT = string.Template("""\
local users = $users
local seed = $seed
-- The same paper ids as URL path segments and as JSON string literals, the search words URL-encoded.
local paper_paths = $paper_paths
local paper_json = $paper_json
local queries = $queries
local event_types = {'"read"', '"read"', '"click"', '"star"'}

wrk.headers["Authorization"] = $authorization

local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("thread_number", #threads)
end

local post_headers

function init(args)
  math.randomseed(seed + thread_number)
  post_headers = {}
  for name, value in pairs(wrk.headers) do post_headers[name] = value end
  post_headers["Content-Type"] = "application/json"
  issued = {feed = 0, events = 0, search = 0, similar = 0, trending = 0}
  unexpected = 0
end

function request()
  local draw = math.random()
  local user = "u" .. (math.random(users) - 1)
  if draw < 0.75 then
    issued.feed = issued.feed + 1
    return wrk.format("GET", "/v1/users/" .. user .. "/feed?limit=20")
  elseif draw < 0.90 then
    issued.events = issued.events + 1
    local events = {}
    for i = 1, 10 do
      events[i] = '{"user_id":"' .. user .. '","paper_id":' .. paper_json[math.random(#paper_json)]
        .. ',"type":' .. event_types[math.random(#event_types)] .. '}'
    end
    return wrk.format("POST", "/v1/events", post_headers, '{"events":[' .. table.concat(events, ",") .. ']}')
  elseif draw < 0.95 then
    issued.search = issued.search + 1
    return wrk.format("GET", "/v1/papers?q=" .. queries[math.random(#queries)] .. "&limit=20")
  elseif draw < 0.975 then
    issued.similar = issued.similar + 1
    return wrk.format("GET", "/v1/papers/" .. paper_paths[math.random(#paper_paths)] .. "/similar?limit=10")
  end
  issued.trending = issued.trending + 1
  return wrk.format("GET", "/v1/trending?window=week&limit=20")
end

function response(status, headers, body)
  if status < 200 or (status > 299 and status < 400) then unexpected = unexpected + 1 end
end

function done(summary, latency, requests)
  local total = {feed = 0, events = 0, search = 0, similar = 0, trending = 0, unexpected_status = 0}
  for _, thread in ipairs(threads) do
    for kind, n in pairs(thread:get("issued")) do total[kind] = total[kind] + n end
    total.unexpected_status = total.unexpected_status + thread:get("unexpected")
  end
  io.write(string.format(
    "paperfeed-mix feed=%d events=%d search=%d similar=%d trending=%d unexpected_status=%d\\n",
    total.feed, total.events, total.search, total.similar, total.trending, total.unexpected_status))
end
""")


# Events only, ``batch`` per request (bench/ingest.py's client for wrk): random users and papers, types as
# the Python clients draw them; every event gets a unique event_id (thread, sequence) so none is a repeat.
WRK_EVENTS_SCRIPT = string.Template("""\
local users = $users
local seed = $seed
local batch = $batch
local paper_json = $paper_json
local event_types = {'"read"', '"read"', '"click"', '"star"'}

wrk.method = "POST"
wrk.headers["Authorization"] = $authorization
wrk.headers["Content-Type"] = "application/json"

local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("thread_number", #threads)
end

function init(args)
  math.randomseed(seed + thread_number)
  sent, accepted_requests, unexpected = 0, 0, 0
end

function request()
  local events = {}
  for i = 1, batch do
    sent = sent + 1
    events[i] = '{"user_id":"u' .. (math.random(users) - 1) .. '","paper_id":'
      .. paper_json[math.random(#paper_json)] .. ',"type":' .. event_types[math.random(#event_types)]
      .. ',"event_id":"wrk-' .. seed .. '-' .. thread_number .. '-' .. sent .. '"}'
  end
  return wrk.format(nil, "/v1/events", nil, '{"events":[' .. table.concat(events, ",") .. ']}')
end

function response(status, headers, body)
  if status == 202 then accepted_requests = accepted_requests + 1 else unexpected = unexpected + 1 end
end

function done(summary, latency, requests)
  local accepted, other = 0, 0
  for _, thread in ipairs(threads) do
    accepted = accepted + thread:get("accepted_requests")
    other = other + thread:get("unexpected")
  end
  io.write(string.format("paperfeed-events accepted_requests=%d other_status=%d\\n", accepted, other))
end
""")


def lua_string(text: str) -> str:
    """``text`` as a double-quoted Lua (5.1/LuaJIT) string literal holding exactly its UTF-8 bytes: printable
    ASCII as is, ``"`` and ``\\`` backslash-escaped, every other byte as a three-digit decimal escape."""
    out = []
    for byte in text.encode():
        char = chr(byte)
        if char in '"\\':
            out.append("\\" + char)
        elif 0x20 <= byte < 0x7F:
            out.append(char)
        else:
            out.append(f"\\{byte:03d}")
    return '"' + "".join(out) + '"'


def lua_table(texts: Iterable[str]) -> str:
    """A Lua table constructor of the strings ``texts`` (a sequence, indexed from 1)."""
    return "{" + ", ".join(map(lua_string, texts)) + "}"


def render_wrk_mix(*, key: str, users: int, paper_ids: Sequence[str], seed: int,
                   search_words: Sequence[str]) -> str:
    """WRK_MIX_SCRIPT for API key ``key``, users u0…u{users-1}, ``paper_ids`` (each request draws among
    them) and ``search_words``; thread n of a run seeds its generator with ``seed`` + n. Every id and word
    reaches Lua as an escaped string literal, URL-encoded for paths and queries, JSON-encoded for bodies."""
    if users < 1 or not paper_ids or not search_words:
        raise ValueError("the wrk mix needs at least one user, one paper id and one search word")
    return WRK_MIX_SCRIPT.substitute(
        users=users, seed=seed, authorization=lua_string(f"Bearer {key}"),
        paper_paths=lua_table(quote(p, safe="") for p in paper_ids),
        paper_json=lua_table(json.dumps(p) for p in paper_ids),
        queries=lua_table(quote(w, safe="") for w in search_words))


def render_wrk_events(*, key: str, users: int, paper_ids: Sequence[str], batch: int, seed: int) -> str:
    """WRK_EVENTS_SCRIPT for API key ``key``: ``batch`` events per request, users u0…u{users-1}, papers
    drawn from ``paper_ids`` (JSON-encoded into Lua literals); thread n seeds its generator with ``seed`` + n
    and numbers its events ``wrk-<seed>-<n>-<i>``."""
    if users < 1 or not paper_ids or batch < 1:
        raise ValueError("the wrk events script needs at least one user, one paper id and a batch of one")
    return WRK_EVENTS_SCRIPT.substitute(users=users, seed=seed, batch=batch,
                                        authorization=lua_string(f"Bearer {key}"),
                                        paper_json=lua_table(json.dumps(p) for p in paper_ids))


def summary_counts(wrk_output: str, tag: str) -> dict[str, int]:
    """The ``<tag> name=n …`` line a script's done() printed in ``wrk_output``, as {name: n}."""
    line = re.search(rf"^{re.escape(tag)} (.+)$", wrk_output, re.M)
    if line is None:
        raise ValueError(f"wrk's output has no {tag!r} line from the script's done()")
    return {name: int(n) for name, n in (item.split("=", 1) for item in line.group(1).split())}


def mix_counts(wrk_output: str) -> dict[str, int]:
    """The line WRK_MIX_SCRIPT's done() printed in ``wrk_output``: requests issued per kind (feed, events,
    search, similar, trending: started ones, so up to a connection's worth more than completed) and
    ``unexpected_status``, the non-2xx answers wrk itself does not count as errors (1xx, 3xx)."""
    return summary_counts(wrk_output, "paperfeed-mix")


def connection_counts(text: str) -> list[int]:
    """``--wrk-connections``: comma-separated positive connection counts, e.g. "4,8,16,32"."""
    try:
        counts = [int(part) for part in text.split(",")]
    except ValueError:
        counts = []
    if not counts or min(counts) < 1:
        raise argparse.ArgumentTypeError(f"expected positive integers separated by commas, got {text!r}")
    return counts
