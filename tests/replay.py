"""A local stand-in for the arXiv API and Hugging Face Daily Papers: a real HTTP server on 127.0.0.1 that
replays the recorded-shape responses in tests/fixtures/sources, and fails on demand.

- ``GET /api/query?search_query=...submittedDate:[YYYYMMDD0000 TO ...]&start=N`` answers
  ``arxiv-YYYY-MM-DD-p{page}.xml`` (page = N / page size), or an empty feed for a day without a file;
- ``GET /api/daily_papers?date=YYYY-MM-DD`` answers ``hf-YYYY-MM-DD.json``, or ``[]``;
- ``fail(n, status, retry_after=..., body=...)`` makes the next ``n`` requests fail that way (status
  200 with a body replays a malformed document, e.g. the truncated fixture), whatever their path.

Every request is recorded (path, query) so tests can count them.
"""

from __future__ import annotations

import contextlib
import datetime
import http.server
import re
import threading
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

FIXTURES = Path(__file__).parent / "fixtures" / "sources"
ARXIV_PAGE_SIZE = 2  # the fixtures' max_results
EMPTY_FEED = """<?xml version='1.0' encoding='UTF-8'?>
<feed xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns="http://www.w3.org/2005/Atom">
  <id>https://arxiv.org/api/empty</id>
  <title>arXiv Query: empty day</title>
  <updated>2026-07-06T08:00:00Z</updated>
  <opensearch:itemsPerPage>2</opensearch:itemsPerPage>
  <opensearch:totalResults>0</opensearch:totalResults>
  <opensearch:startIndex>0</opensearch:startIndex>
</feed>
"""
_DAY = re.compile(r"submittedDate:\[(\d{4})(\d{2})(\d{2})0000")


class ReplayServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, fixtures: Path = FIXTURES, *, day_offset: int = 0) -> None:
        """``day_offset``: the fixture of day D is served when D + day_offset is asked for (a test run
        against the real clock moves the recorded days to last week)."""
        self.fixtures = fixtures
        self.day_offset = datetime.timedelta(days=day_offset)
        self.lock = threading.Lock()
        self.requests: list[tuple[str, dict[str, list[str]]]] = []
        self._failures: list[tuple[int, dict[str, str], bytes]] = []
        self._answer_first = 0
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
                status, headers, body = server.answer(self.path)
                with contextlib.suppress(OSError):
                    self.send_response(status)
                    for key, value in headers.items():
                        self.send_header(key, value)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass

        super().__init__(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    @property
    def arxiv_url(self) -> str:
        return f"{self.base}/api/query"

    @property
    def hf_url(self) -> str:
        return f"{self.base}/api/daily_papers"

    def fail(self, times: int, status: int, *, retry_after: str | None = None, body: bytes = b"",
             after: int = 0) -> None:
        """The ``times`` requests after the next ``after`` ones fail with ``status`` (and this body)."""
        headers = {"Retry-After": retry_after} if retry_after is not None else {}
        with self.lock:
            self._answer_first = after
            self._failures.extend([(status, headers, body)] * times)

    def count(self, path: str) -> int:
        with self.lock:
            return sum(1 for p, _ in self.requests if p == path)

    def answer(self, raw_path: str) -> tuple[int, dict[str, str], bytes]:
        parts = urlsplit(raw_path)
        query = parse_qs(parts.query)
        with self.lock:
            self.requests.append((parts.path, query))
            if self._answer_first:
                self._answer_first -= 1
            elif self._failures:
                return self._failures.pop(0)
        if parts.path == "/api/query":
            match = _DAY.search(query.get("search_query", [""])[0])
            if match is None:
                return 200, {"Content-Type": "application/atom+xml"}, (self.fixtures / "arxiv-error.xml").read_bytes()
            day = self._fixture_day("-".join(match.groups()))
            page = int(query.get("start", ["0"])[0]) // ARXIV_PAGE_SIZE
            path = self.fixtures / f"arxiv-{day}-p{page}.xml"
            body = path.read_bytes() if path.exists() else EMPTY_FEED.encode()
            return 200, {"Content-Type": "application/atom+xml; charset=utf-8"}, body
        if parts.path == "/api/daily_papers":
            asked = query.get("date", [""])[0]
            path = self.fixtures / f"hf-{self._fixture_day(asked)}.json"
            body = path.read_bytes() if path.exists() else b"[]"
            # The recorded day's timestamps move with it (submittedOnDailyAt is when upvotes start).
            return 200, {"Content-Type": "application/json"}, body.replace(self._fixture_day(asked).encode(),
                                                                            asked.encode())
        return 404, {}, b"not found"

    def _fixture_day(self, day: str) -> str:
        try:
            return (datetime.date.fromisoformat(day) - self.day_offset).isoformat()
        except ValueError:
            return day
