"""artifact_blobs: artifact files kept as PostgreSQL large objects, so every host that reaches the
database can fetch a published model version (ARTIFACT_URL=postgresql).

A file is written in CHUNK_BYTES pieces with ``lo_put`` and read back the same way with ``lo_get``, so
neither side ever holds more than one chunk of it in a query. Rows and large objects are written in
the caller's transaction: a version's files become visible together, when it commits.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO

import psycopg

CHUNK_BYTES = 4 * 1024 * 1024


def put(conn: psycopg.Connection, *, kind: str, version: str, name: str, source: BinaryIO) -> int:
    """Store ``source`` (read to its end) as one large object; replaces an earlier copy. Returns its size."""
    delete(conn, kind=kind, version=version, name=name)
    oid = conn.execute("SELECT lo_create(0) AS oid").fetchone()["oid"]
    size = 0
    while chunk := source.read(CHUNK_BYTES):
        conn.execute("SELECT lo_put(%s, %s, %s)", (oid, size, chunk))
        size += len(chunk)
    conn.execute(
        "INSERT INTO artifact_blobs (kind, version, name, oid, size) VALUES (%s, %s, %s, %s, %s)",
        (kind, version, name, oid, size),
    )
    return size


def read(conn: psycopg.Connection, *, kind: str, version: str, name: str) -> Iterator[bytes] | None:
    """The file's bytes in chunks, or None when no such file was stored."""
    row = conn.execute(
        "SELECT oid, size FROM artifact_blobs WHERE kind = %s AND version = %s AND name = %s",
        (kind, version, name),
    ).fetchone()
    if row is None:
        return None
    return _chunks(conn, row["oid"], row["size"])


def _chunks(conn: psycopg.Connection, oid: int, size: int) -> Iterator[bytes]:
    offset = 0
    while offset < size:
        chunk = conn.execute("SELECT lo_get(%s, %s, %s) AS data", (oid, offset, CHUNK_BYTES)).fetchone()["data"]
        if not chunk:
            break
        offset += len(chunk)
        yield bytes(chunk)


def delete(conn: psycopg.Connection, *, kind: str, version: str, name: str | None = None) -> int:
    """Remove one file (or, without ``name``, every file of the version) and its large objects."""
    rows = conn.execute(
        "DELETE FROM artifact_blobs WHERE kind = %s AND version = %s AND (%s::text IS NULL OR name = %s) "
        "RETURNING oid",
        (kind, version, name, name),
    ).fetchall()
    for row in rows:
        conn.execute("SELECT lo_unlink(%s)", (row["oid"],))
    return len(rows)


def versions(conn: psycopg.Connection, kind: str) -> list[str]:
    """The versions of ``kind`` that have files stored, newest first."""
    rows = conn.execute(
        "SELECT DISTINCT version FROM artifact_blobs WHERE kind = %s ORDER BY version DESC", (kind,)
    ).fetchall()
    return [r["version"] for r in rows]
