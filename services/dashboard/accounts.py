"""Operator accounts: argon2id password hashes, roles, lock-out after repeated failures (no Flask)."""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import re
import secrets
from dataclasses import dataclass

import psycopg
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from services.store import operators as store

ROLES = ("admin", "viewer")
MAX_FAILURES = 5  # failed passwords in a row before the account is locked
LOCK_SECONDS = 15 * 60
MIN_PASSWORD = 10
MAX_PASSWORD = 1024  # argon2 hashes any length; the bound keeps a request from costing more than it should
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,189}$")


class AccountError(ValueError):
    """A bad email, role or password for a new account, or an email already taken."""


class LockedOut(Exception):
    """Too many failed passwords: no attempt is checked until ``until``."""

    def __init__(self, until: dt.datetime) -> None:
        super().__init__(f"locked until {until:%H:%M} UTC")
        self.until = until


@dataclass(frozen=True)
class Operator:
    id: int
    email: str
    role: str
    session_version: int = 0  # a session signed in under another version has ended

    @property
    def can_change(self) -> bool:
        return self.role == "admin"


def hasher() -> PasswordHasher:
    """argon2id with the library's (RFC 9106 low-memory) defaults."""
    return PasswordHasher()


def create(conn: psycopg.Connection, email: str, password: str, role: str) -> Operator:
    """A new account; AccountError names what is wrong (including an email already in use)."""
    email = email.strip()
    if not _EMAIL.match(email):
        raise AccountError(f"not an email address: {email!r}")
    if role not in ROLES:
        raise AccountError(f"role must be one of {', '.join(ROLES)}")
    _check_password(password)
    if store.by_email(conn, email) is not None:
        raise AccountError(f"an operator {email} already exists")
    operator_id = store.insert(conn, email=email, password_hash=hasher().hash(password), role=role)
    return Operator(operator_id, email, role)


def _check_password(password: str) -> None:
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise AccountError(f"the password must be {MIN_PASSWORD} to {MAX_PASSWORD} characters")


def set_password(conn: psycopg.Connection, email: str, password: str) -> None:
    """Change an operator's password; every session of theirs ends (AccountError: bad password or
    unknown email)."""
    _check_password(password)
    if not store.set_password(conn, email.strip(), hasher().hash(password)):
        raise AccountError(f"no operator {email}")


def end_sessions(conn: psycopg.Connection, operator_id: int) -> None:
    """Sign the operator out everywhere: every session signed in until now stops working."""
    store.end_sessions(conn, operator_id)


def authenticate(conn: psycopg.Connection, email: str, password: str) -> Operator | None:
    """The operator if the password is right, else None (and the failure is counted).

    Raises LockedOut while the account is locked, without checking the password, so guessing cannot go
    on during the lock. An unknown email costs the same hash verification as a known one.
    """
    ph = hasher()
    row = store.by_email(conn, email.strip(), for_update=True) if len(password) <= MAX_PASSWORD else None
    if row is None:
        _burn(ph, password[:MAX_PASSWORD])
        return None
    now = conn.execute("SELECT now() AS t").fetchone()["t"]
    if store.is_locked(row, now):
        raise LockedOut(row["locked_until"])
    try:
        ph.verify(row["password_hash"], password)
    except (VerificationError, InvalidHashError):
        store.record_failure(conn, row["id"], max_failures=MAX_FAILURES, lock_seconds=LOCK_SECONDS)
        return None
    rehash = ph.hash(password) if ph.check_needs_rehash(row["password_hash"]) else None
    store.record_success(conn, row["id"], password_hash=rehash)
    return Operator(row["id"], row["email"], row["role"], row["session_version"])


def get(conn: psycopg.Connection, operator_id: int) -> Operator | None:
    """The account behind a session, None once it is deleted."""
    row = store.get(conn, operator_id)
    return None if row is None else Operator(row["id"], row["email"], row["role"], row["session_version"])


@functools.cache
def _dummy_hash() -> str:
    return hasher().hash("not a real password, only for timing")


def _burn(ph: PasswordHasher, password: str) -> None:
    """Verify against a throwaway hash so an unknown email answers as slowly as a wrong password."""
    with contextlib.suppress(VerificationError):
        ph.verify(_dummy_hash(), password)


DEMO_EMAIL = "admin@paperfeed.localhost"


def ensure_demo_admin(conn: psycopg.Connection) -> str | None:
    """For `paperfeed up`: when no operator exists at all, create DEMO_EMAIL as admin with a random
    password and return that password (to print once); otherwise change nothing and return None."""
    if store.count(conn) > 0:
        return None
    password = secrets.token_urlsafe(12)
    create(conn, DEMO_EMAIL, password, "admin")
    return password
