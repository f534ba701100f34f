"""Who is calling: service keys (scoped, server-to-server) and user tokens (one user, /v1/me only).

User tokens are ``pfu_`` + an itsdangerous-signed payload {user, minting key, issued, expires}. They are
refused once expired, when their lifetime (expires - issued) exceeds TOKEN_TTL_MAX_SECONDS (checked on
every verification, not only when minted: a token signed with a leaked key cannot claim a year), when
issued in the future, once the key that minted them is revoked, once the user is deleted (a token issued
before the user row was created does not count), and after a revocation (``tokens_valid_after``, set by
POST /v1/users/{id}/tokens/revoke or /v1/me/tokens/revoke). Scopes nest: admin ⊃ write ⊃ read.

``authenticate_cached`` is what requests use: the verdict of ``authenticate`` kept in the process under
the authentication epoch (services.auth_cache), so a known caller costs one pipelined read of the epoch
instead of the lookups, and any revocation is still seen by the very next request in every process.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import psycopg
from itsdangerous import BadSignature, URLSafeSerializer

from services import keys
from services.auth_cache import AuthCache
from services.store import api_keys, users

TOKEN_PREFIX = "pfu_"  # nosec B105  # not a password: a token prefix, hint text or documentation example
_SALT = "paperfeed.user-token.v1"
SCOPE_RANK = {"read": 1, "write": 2, "admin": 3}


@dataclass(frozen=True)
class Principal:
    kind: str  # "key" or "user"
    key_id: int
    scopes: tuple[str, ...]
    user_id: str | None = None

    def allows(self, scope: str) -> bool:
        need = SCOPE_RANK[scope]
        return any(SCOPE_RANK[s] >= need for s in self.scopes)


def _serializer(secret_key: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret_key, salt=_SALT)


def mint_user_token(conn: psycopg.Connection, secret_key: str, *, key: Principal, user_id: str,
                    ttl_seconds: int) -> tuple[str, dt.datetime]:
    """A token for ``user_id`` (created if unknown), valid for ``ttl_seconds``. Returns (token, expires_at)."""
    users.ensure(conn, user_id)
    now = dt.datetime.now(dt.UTC)
    expires = now + dt.timedelta(seconds=ttl_seconds)
    payload = {"u": user_id, "k": key.key_id, "i": now.timestamp(), "e": int(expires.timestamp())}
    return TOKEN_PREFIX + _serializer(secret_key).dumps(payload), expires.replace(microsecond=0)


# A token's "issued" may be this far ahead of our clock (several hosts mint tokens).
CLOCK_SKEW_SECONDS = 60


def token_user(secret_key: str, token: str, *, max_ttl_seconds: int) -> dict | None:
    """The signed payload of a well-formed, unexpired token whose lifetime is at most
    ``max_ttl_seconds`` (no database check), else None."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 1000:
        return None
    try:
        payload = _serializer(secret_key).loads(token[len(TOKEN_PREFIX):])
    except BadSignature:
        return None
    if not isinstance(payload, dict):
        return None
    issued, expires = payload.get("i"), payload.get("e")
    if not isinstance(issued, int | float) or not isinstance(expires, int | float) \
            or not isinstance(payload.get("u"), str) or not isinstance(payload.get("k"), int):
        return None
    now = dt.datetime.now(dt.UTC).timestamp()
    if expires < now or issued > now + CLOCK_SKEW_SECONDS or expires - issued > max_ttl_seconds + 1:
        return None
    return payload


def authenticate(conn: psycopg.Connection, secret_key: str, bearer: str, *,
                 max_ttl_seconds: int) -> Principal | None:
    """The caller behind ``bearer`` (a key or a user token), or None if it is not valid right now."""
    if bearer.startswith(TOKEN_PREFIX):
        payload = token_user(secret_key, bearer, max_ttl_seconds=max_ttl_seconds)
        if payload is None:
            return None
        standing = api_keys.token_standing(conn, payload["k"], payload["u"])
        if standing is None or not standing["key_active"]:
            return None
        issued = dt.datetime.fromtimestamp(payload["i"], dt.UTC)
        revoked_before = standing["tokens_valid_after"]
        if issued < standing["created_at"] or (revoked_before is not None and issued <= revoked_before):
            return None
        return Principal("user", payload["k"], ("read", "write"), user_id=payload["u"])
    key = keys.verify(conn, bearer)
    if key is None:
        return None
    return Principal("key", key.id, key.scopes)


def authenticate_cached(conn: psycopg.Connection, cache: AuthCache[Principal], secret_key: str, bearer: str, *,
                        max_ttl_seconds: int) -> Principal | None:
    """``authenticate``, answered from ``cache`` while the authentication epoch is unchanged. The epoch
    is read before the database check, so an entry stored here cannot survive a later revocation."""
    epoch = api_keys.auth_epoch(conn)
    principal = cache.get(bearer, epoch)
    if principal is not None:  # a token's entry ends at the token's expiry (not_after below)
        return principal
    principal = authenticate(conn, secret_key, bearer, max_ttl_seconds=max_ttl_seconds)
    if principal is not None:
        not_after = None
        if principal.kind == "user":
            payload = token_user(secret_key, bearer, max_ttl_seconds=max_ttl_seconds)
            not_after = float(payload["e"]) if payload else 0.0
        cache.put(bearer, epoch, principal, not_after=not_after)
    return principal
