"""Conditional GETs: ``ETag`` on answers that repeat, ``304 Not Modified`` when ``If-None-Match`` matches.

The tag is a hash of the exact body, so it changes exactly when the answer does (a paper edited, a new
trending computation, a feed re-ranked) and needs no bookkeeping. A view that already knows its body's
tag (a held feed page, services/api/ready.py) sets it, and it is kept rather than hashed again. The server still builds the answer;
what a client saves is the transfer and its own re-rendering. ``Cache-Control: private, no-cache``: the
answers depend on the caller's credential, so shared caches must not keep them, and a client must ask
again (cheaply, with If-None-Match) before reusing one.

A compressed answer's tag carries its encoding (``"<hash>:gzip"``, set by flask-compress, services/app.py):
the same content under another encoding is another representation. Such a tag sent back is matched
against the hash here, so the 304 is answered before any compression, with the tag the client holds.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import Response, request

CONDITIONAL_ATTR = "_paperfeed_conditional"
CACHE_CONTROL = "private, no-cache"
ENCODING_SEPARATOR = ":"  # flask-compress: strong tag "<hash>" of a body sent as gzip becomes "<hash>:gzip"


def conditional(*, first_page_only: bool = False) -> Callable:
    """Give a GET view's 200 answers an ETag and honour If-None-Match. ``first_page_only``: answers to a
    request with a ``cursor`` are left alone (later pages are fetched once, by following a cursor)."""

    def decorate(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            response = view(*args, **kwargs)
            if (not isinstance(response, Response) or response.status_code != 200
                    or (first_page_only and request.args.get("cursor"))):
                return response
            response.add_etag()
            response.headers["Cache-Control"] = CACHE_CONTROL
            held = _held_encoded_tag(response.get_etag()[0])
            if held is not None:
                response.set_etag(held)  # then make_conditional matches it: 304 with the client's tag
            return response.make_conditional(request)

        setattr(wrapped, CONDITIONAL_ATTR, "first page" if first_page_only else "every answer")
        return wrapped

    return decorate


def _held_encoded_tag(etag: str | None) -> str | None:
    """The client's If-None-Match tag that is ``etag`` plus an encoding suffix, if it sent one."""
    if not etag:
        return None
    prefix = etag + ENCODING_SEPARATOR
    # werkzeug parses an empty tag (If-None-Match: "") as None: skip it, it matches nothing.
    return next((tag for tag in request.if_none_match.as_set() if tag and tag.startswith(prefix)), None)
