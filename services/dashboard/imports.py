"""Paper imports started from the dashboard: the upload is saved under the data dir and imported by a
background thread of the web process (services/catalog/importer.py, one transaction per batch), which
records its progress in ``paper_imports`` for the progress page to show.

If the web process stops mid-import the row stays 'running' and the papers stored so far stay stored;
importing the same file again is safe (upserts).
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO

from services import jobs
from services.catalog.importer import import_lines, open_text
from services.db import Database
from services.errors import ServiceError
from services.store import imports as imports_store

log = logging.getLogger(__name__)
SUFFIXES = (".jsonl", ".jsonl.gz", ".json")


def accepted_name(filename: str) -> bool:
    return filename.lower().endswith(SUFFIXES)


def start(db: Database, client: jobs.TaskClient | None, *, upload: IO[bytes], filename: str, folder: Path,
          operator: str, batch_size: int) -> int:
    """Save ``upload`` and import it in a thread; returns the import's id at once.

    The import row is committed in its own short transaction before the thread starts, so the thread
    (and the progress page) can see it whatever the request's transaction does."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{uuid.uuid4().hex}{'.jsonl.gz' if filename.lower().endswith('.gz') else '.jsonl'}"
    with path.open("wb") as out:
        while chunk := upload.read(1 << 16):
            out.write(chunk)
    with db.connection() as conn:
        import_id = imports_store.start(conn, filename=filename[:200], operator=operator)
    thread = threading.Thread(target=run, args=(db, client, import_id, path, batch_size),
                              name=f"paper-import-{import_id}", daemon=True)
    thread.start()
    return import_id


def run(db: Database, client: jobs.TaskClient | None, import_id: int, path: Path, batch_size: int) -> None:
    """Import ``path`` (then delete it), updating the row after every batch; queue embedding at the end."""
    read = [0]
    stored = [0]

    def counted(lines: Iterable[str]) -> Iterator[str]:
        for line in lines:
            read[0] += 1
            yield line

    def progress(n: int) -> None:
        stored[0] += n
        with db.connection() as conn:
            imports_store.progress(conn, import_id, lines=read[0], stored=stored[0])

    try:
        with open_text(path) as lines:
            report = import_lines(db, counted(lines), batch_size=batch_size, on_batch=progress)
        c = report.counts
        with db.connection() as conn:
            imports_store.finish(conn, import_id, status="succeeded" if report.stored or not report.rejected
                                else "failed", lines=report.lines, stored=report.stored,
                                counts={"created": c.created, "updated": c.updated, "unchanged": c.unchanged},
                                errors=[str(e) for e in report.rejected])
    except Exception as exc:  # a thread has no caller to raise to: the row must say why it stopped
        log.warning("paper import %s failed: %s", import_id, exc)
        with db.connection() as conn:
            imports_store.finish(conn, import_id, status="failed", lines=read[0], stored=stored[0], counts=None,
                                errors=[str(exc)])
        return
    finally:
        path.unlink(missing_ok=True)
    if client is not None and (c.created or c.updated):
        try:
            with db.connection() as conn:
                jobs.request(conn, client, "embed", requested_by=f"dashboard:import:{import_id}")
        except ServiceError as exc:  # the beat schedule embeds them later anyway
            log.warning("paper import %s: embedding not queued: %s", import_id, exc.detail)
