"""Dashboard sessions: what the signed cookie holds and when it is still valid.

A session is a signed cookie holding (operator id, the operator's session version, when they signed
in). Every request checks all three: the version against the database (bumped by sign-out, a password
change and "sign out everywhere", so a copied cookie dies with them) and the sign-in time against an
absolute lifetime of SESSION_HOURS (a cookie re-signed on every request would otherwise live for ever
while used).
"""

from __future__ import annotations

import time

import psycopg
from flask import session

from services.dashboard import accounts

SESSION_HOURS = 8
# Session keys.
OPERATOR_ID, SESSION_VERSION, SIGNED_IN_AT = "operator_id", "session_version", "signed_in_at"
CLOCK_SKEW_SECONDS = 60


def current_operator(conn: psycopg.Connection) -> accounts.Operator | None:
    """The operator of this request's session if it is still valid, else None."""
    operator_id, version, signed_in = (session.get(OPERATOR_ID), session.get(SESSION_VERSION),
                                       session.get(SIGNED_IN_AT))
    if not (isinstance(operator_id, int) and isinstance(version, int) and isinstance(signed_in, int | float)):
        return None
    if not -CLOCK_SKEW_SECONDS <= time.time() - signed_in <= SESSION_HOURS * 3600:
        return None
    operator = accounts.get(conn, operator_id)
    return operator if operator is not None and operator.session_version == version else None


def forget() -> None:
    """Drop the sign-in from this browser's session (its CSRF token stays, so forms keep working)."""
    for key in (OPERATOR_ID, SESSION_VERSION, SIGNED_IN_AT):
        session.pop(key, None)


def start(operator: accounts.Operator) -> None:
    """Sign ``operator`` in on this browser (a fresh session: nothing from before carries over)."""
    session.clear()
    session[OPERATOR_ID] = operator.id
    session[SESSION_VERSION] = operator.session_version
    session[SIGNED_IN_AT] = time.time()
    session.permanent = True
