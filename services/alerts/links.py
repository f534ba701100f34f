"""The links an alert email carries, none of which needs a login or points at an authenticated API path.

- A paper: its own http(s) URL, else PAPER_URL_TEMPLATE filled in (``{id}``: the paper id; ``{arxiv_id}``:
  the arXiv id when the paper id is one, e.g. ``2606.15956`` or ``arXiv:2606.15956v2``), else no link.
- "Manage subscriptions": ``/subscriptions/manage?token=...``, a page listing the user's subscriptions with
  a one-click unsubscribe for each. The token is an itsdangerous signature over the user id with
  SECRET_KEY and its own salt; like unsubscribe links it does not expire (an old email must still let its
  reader stop the mail), and all it allows is seeing and ending that user's subscriptions.
- Email confirmation (double opt-in): ``/email/confirm?token=...``, signed over (user id, address) with a
  timestamp and refused after EMAIL_CONFIRM_TTL_SECONDS, so a link confirms only the address it was sent
  to, and only for a while.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

from itsdangerous import BadSignature, SignatureExpired, URLSafeSerializer, URLSafeTimedSerializer

from services.config import Settings

ARXIV_ID = re.compile(r"(?i)^(?:arxiv:)?(\d{4}\.\d{4,5}(?:v\d+)?)$")
MANAGE_SALT = "manage-subscriptions"
CONFIRM_SALT = "confirm-email"
MANAGE_PATH = "/subscriptions/manage"
CONFIRM_PATH = "/email/confirm"


class InvalidLink(ValueError):
    """A manage or confirmation token that is malformed, altered, signed for something else, or expired."""


def arxiv_id(paper_id: str) -> str | None:
    """The arXiv identifier in ``paper_id`` (new-style ids, optional ``arXiv:`` prefix and version)."""
    match = ARXIV_ID.match(paper_id)
    return match.group(1) if match else None


def paper_link(paper: dict[str, Any], template: str) -> str | None:
    """Where the paper's title links to, or None when there is nowhere public to send the reader.

    Imported URLs are not trusted: only http(s) is linked (a ``javascript:`` link survives HTML escaping).
    """
    url = str(paper.get("url") or "")
    if urlsplit(url).scheme in ("http", "https"):
        return url
    found = arxiv_id(str(paper["id"]))
    if "{arxiv_id}" in template and found is None:
        return None
    return template.format(id=quote(str(paper["id"]), safe=""), arxiv_id=found or "")


def _base(settings: Settings) -> str:
    return settings.base_url.rstrip("/")


def manage_url(settings: Settings, user_id: str) -> str:
    token = URLSafeSerializer(settings.require("secret_key"), salt=MANAGE_SALT).dumps([user_id])
    return f"{_base(settings)}{MANAGE_PATH}?{urlencode({'token': token})}"


def read_manage_token(secret_key: str, token: str) -> str:
    """The user id a manage link was made for; raises InvalidLink."""
    try:
        payload = URLSafeSerializer(secret_key, salt=MANAGE_SALT).loads(token)
    except BadSignature:
        raise InvalidLink("this link is invalid or was altered") from None
    if not (isinstance(payload, list) and len(payload) == 1 and isinstance(payload[0], str)):
        raise InvalidLink("this link is invalid or was altered")
    return payload[0]


def confirm_url(settings: Settings, user_id: str, email: str) -> str:
    token = URLSafeTimedSerializer(settings.require("secret_key"), salt=CONFIRM_SALT).dumps([user_id, email])
    return f"{_base(settings)}{CONFIRM_PATH}?{urlencode({'token': token})}"


def read_confirm_token(secret_key: str, token: str, max_age_seconds: int) -> tuple[str, str]:
    """(user id, address) of a confirmation link younger than ``max_age_seconds``; raises InvalidLink."""
    serializer = URLSafeTimedSerializer(secret_key, salt=CONFIRM_SALT)
    try:
        payload = serializer.loads(token, max_age=max_age_seconds)
    except SignatureExpired:
        raise InvalidLink("this confirmation link has expired: ask for a new one") from None
    except BadSignature:
        raise InvalidLink("this link is invalid or was altered") from None
    if not (isinstance(payload, list) and len(payload) == 2 and all(isinstance(p, str) for p in payload)):
        raise InvalidLink("this link is invalid or was altered")
    return payload[0], payload[1]
