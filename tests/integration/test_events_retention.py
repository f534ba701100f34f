"""EVENTS_RETENTION_DAYS: old reads, clicks and unstars go in bounded batches; stars and dismissals stay;
trending's window query is served by events_time_idx."""

from services import events
from services.store import events as store
from workers import schedule


def _seed(conn) -> None:
    conn.execute("INSERT INTO papers (id, title, abstract) VALUES ('p1', 'One', 'a'), ('p2', 'Two', 'b')")
    conn.execute("INSERT INTO users (id) VALUES ('u1'), ('u2')")
    # 25 old reads, one old click, unstar, star and dismiss (100 days), and fresh ones (1 day).
    conn.execute(
        """
        INSERT INTO events (user_id, paper_id, type, occurred_at)
        SELECT 'u1', 'p1', 'read', now() - interval '100 days' - make_interval(secs => g) FROM generate_series(1, 25) g
        UNION ALL SELECT 'u2', 'p2', t, now() - interval '100 days'
                  FROM unnest(ARRAY['click', 'unstar', 'star', 'dismiss']) t
        UNION ALL SELECT 'u2', 'p1', t, now() - interval '1 day' FROM unnest(ARRAY['read', 'click', 'unstar']) t
        """)


def _types(conn) -> list[tuple[str, bool]]:
    rows = conn.execute("SELECT type, occurred_at < now() - interval '90 days' AS old FROM events "
                        "ORDER BY type, occurred_at").fetchall()
    return sorted({(r["type"], r["old"]) for r in rows})


def test_old_reads_clicks_and_unstars_are_deleted_in_batches(clean_db, settings):
    with clean_db.connection() as conn:
        _seed(conn)
        assert store.prune(conn, older_than_days=90, batch=10) == 10  # bounded: one batch at a time
    result = events.prune_old(clean_db, settings.replace(events_retention_days=90))
    assert result == {"deleted": 17}  # the other 15 reads, the click and the unstar
    with clean_db.connection() as conn:
        assert _types(conn) == [("click", False), ("dismiss", True), ("read", False), ("star", True),
                                ("unstar", False)]


def test_retention_off_by_default_keeps_everything_and_schedules_nothing(clean_db, settings):
    assert settings.events_retention_days == 0
    with clean_db.connection() as conn:
        _seed(conn)
    assert events.prune_old(clean_db, settings) == {"deleted": 0}
    with clean_db.connection() as conn:
        assert conn.execute("SELECT count(*) AS n FROM events").fetchone()["n"] == 32
    assert "prune-events" not in schedule.build(settings)
    entry = schedule.build(settings.replace(events_retention_days=30))["prune-events"]
    assert entry["task"] == "events.prune" and entry["schedule"] == float(settings.prune_every_seconds)


def test_trending_window_is_an_index_range_scan(clean_db):
    with clean_db.connection() as conn:
        _seed(conn)
        conn.execute("SET LOCAL enable_seqscan = off")  # a tiny table: ask whether the index can serve it
        plan = "\n".join(r["QUERY PLAN"] for r in conn.execute(
            "EXPLAIN SELECT paper_id, type FROM events WHERE occurred_at > now() - interval '30 days' "
            "AND occurred_at <= now() AND type IN ('star', 'unstar', 'read', 'click')"))
    assert "events_time_idx" in plan, plan
