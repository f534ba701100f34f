"""Service API keys: created once (the plaintext is returned to the caller and never stored), verified
by prefix lookup plus a constant-time hash comparison."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

import psycopg

from services.store import api_keys

SCOPES = ("read", "write", "admin")
KEY_PREFIX = "pf_"


class InvalidScopes(ValueError):
    pass


@dataclass(frozen=True)
class ServiceKey:
    id: int
    name: str
    scopes: tuple[str, ...]


def parse_scopes(raw: str | Iterable[str]) -> tuple[str, ...]:
    """'read,write' or ['read', 'write'] → ('read', 'write'); raises InvalidScopes for unknown names."""
    items = raw.split(",") if isinstance(raw, str) else list(raw)
    scopes = tuple(dict.fromkeys(s.strip() for s in items if s.strip()))
    unknown = [s for s in scopes if s not in SCOPES]
    if unknown or not scopes:
        raise InvalidScopes(f"scopes must be a non-empty subset of {', '.join(SCOPES)}; got {','.join(items)!r}")
    return scopes


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create(conn: psycopg.Connection, *, name: str, scopes: Iterable[str]) -> str:
    """Store a new key and return its plaintext, ``pf_<prefix>_<secret>``: shown once, never again."""
    prefix = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    plaintext = f"{KEY_PREFIX}{prefix}_{secret}"
    api_keys.insert(conn, name=name, prefix=prefix, key_hash=_hash(plaintext), scopes=parse_scopes(scopes))
    return plaintext


def verify(conn: psycopg.Connection, plaintext: str) -> ServiceKey | None:
    """The active key matching ``plaintext``, or None. Revoked keys fail at once (no cache)."""
    if not plaintext.startswith(KEY_PREFIX) or len(plaintext) > 200:
        return None
    prefix, _, secret = plaintext[len(KEY_PREFIX):].partition("_")
    if not secret:
        return None
    row = api_keys.find_active(conn, prefix)
    if row is None or not hmac.compare_digest(row["key_hash"], _hash(plaintext)):
        return None
    return ServiceKey(id=row["id"], name=row["name"], scopes=tuple(row["scopes"]))
