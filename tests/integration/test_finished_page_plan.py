"""The finished-page read stays a key lookup however many pages are kept.

Right after `bench/load.py`'s build (20k papers, 1M events, `feeds` and `feed_pages` last ANALYZEd empty),
the statement planned as a plain join scanned every kept page of the variant and checked each page's
papers before matching the reader's feed: its cost grew with every page kept (docs/benchmarks.md has the
plan). That planner state needs the bench's statistics and is not rebuilt here; this holds the statement
to its intended work, one feed and one page by its key, with 300 pages kept under statistics of empty
tables, by the buffers EXPLAIN (ANALYZE, BUFFERS) counts on the real database; no timing.
"""

from __future__ import annotations

from typing import Any

import psycopg

from services.store import feeds as feeds_store
from services.store import users as users_store

VARIANT = "test|20|*"
READERS = 300


class Explained:
    """Runs a store function's statement under EXPLAIN (ANALYZE, BUFFERS) on the real connection and keeps
    the plan (the statement really executes; its rows are not returned)."""

    def __init__(self, conn: psycopg.Connection) -> None:
        self.conn = conn
        self.plans: list[dict[str, Any]] = []

    def execute(self, sql: str, params: Any = None) -> Explained:
        row = self.conn.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + sql, params).fetchone()
        self.plans.append(next(iter(row.values()))[0])
        return self

    def fetchone(self) -> None:
        return None


def buffers(plan: dict[str, Any]) -> int:
    """Shared buffers the statement touched, sub-plans and CTEs included (the top node sums them)."""
    node = plan["Plan"]
    return node["Shared Hit Blocks"] + node["Shared Read Blocks"]


def test_the_finished_page_is_found_by_its_key_with_statistics_of_an_empty_table(clean_db):
    with clean_db.connection() as conn:
        conn.execute("ANALYZE feeds, feed_pages")  # as after a bulk load, before any page was kept
        for n in range(READERS):
            users_store.ensure(conn, f"r{n}")
            feed_id = feeds_store.insert(conn, user_id=f"r{n}", model_version="m", items=[], served=20,
                                         reusable=True)
            feeds_store.keep_page(conn, feed_id=feed_id, variant=VARIANT,
                                  paper_ids=[f"2605.{n:03d}{i:02d}" for i in range(20)],
                                  paper_versions=[None] * 20, shown=20, body=b'{"items":[]}', keep_variants=3)

        found = feeds_store.finished_page(conn, "r7", max_age_seconds=3600, variant=VARIANT)
        assert found is not None and bytes(found["body"]) == b'{"items":[]}'

        explained = Explained(conn)
        feeds_store.finished_page(explained, "r7", max_age_seconds=3600, variant=VARIANT)
        # One reader's feed, one page by its key and its 20 papers' index entries: a few dozen buffers.
        # Scanning the variant's 300 pages and their papers would touch thousands.
        assert buffers(explained.plans[0]) < 120, explained.plans[0]
