"""`paperfeed up`: migrate, load the demo catalogue, start API + worker + beat (and, with SMTP_URL unset,
a local mail sink), print where they are."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

import click
import psutil

from infra.embedded import free_port, port_in_use
from infra.runtime import Runtime
from infra.supervisor import Supervisor
from services import keys as service_keys
from services.alerts import mailsink
from services.catalog import demo as demo_community
from services.catalog.importer import import_lines, open_text
from services.config import Settings
from services.dashboard import accounts
from services.db import Database
from services.jobs import TaskName
from services.store import api_keys
from services.store import papers as papers_store

CHILDREN_FILE = "children.json"
STARTUP_TIMEOUT_SECONDS = 90
# The reference reader app (a source checkout has it; an installed wheel does not).
READER_BACKEND = Path(__file__).resolve().parents[1] / "examples" / "reader" / "backend.py"


_OUR_COMMANDS = ("infra.cli", "services.app:create_app", "examples/reader/backend.py")


def _group_members(pgid: int) -> list[psutil.Process]:
    members = []
    for proc in psutil.process_iter():
        with contextlib.suppress(psutil.Error, ProcessLookupError):
            if os.getpgid(proc.pid) == pgid and proc.status() != psutil.STATUS_ZOMBIE:
                members.append(proc)
    return members


def reap_stale_children(data_dir: Path, grace_seconds: float = 20) -> None:
    """Stop the process groups a previous `up` on this data directory left behind when it died uncleanly.

    Each child was started as its own process group, so the whole group (gunicorn's workers, Celery's
    pool) goes with it. Pids are only trusted if they still run one of our commands.
    """
    path = data_dir / CHILDREN_FILE
    try:
        pids = json.loads(path.read_text())
    except (OSError, ValueError):
        return
    groups = []
    for pid in pids:
        with contextlib.suppress(psutil.Error, ProcessLookupError):
            if any(marker in " ".join(psutil.Process(pid).cmdline()) for marker in _OUR_COMMANDS):
                click.echo(f"paperfeed: stopping process {pid} left by an earlier unclean stop", err=True)
                os.killpg(pid, signal.SIGTERM)
                groups.append(pid)
    for pgid in groups:
        _gone, alive = psutil.wait_procs(_group_members(pgid), timeout=grace_seconds)
        for proc in alive:
            with contextlib.suppress(psutil.Error):
                proc.kill()
    path.unlink(missing_ok=True)


def _load_demo(db: Database, catalogue: Path) -> bool:
    """Load the demo catalogue into an empty catalogue; True if it was loaded now (a first run)."""
    with db.connection() as conn:
        if papers_store.count(conn, include_deleted=True) > 0:
            return False
    click.echo(f"loading the demo catalogue ({catalogue.name}) ...")
    with open_text(catalogue) as lines:
        report = import_lines(db, lines, batch_size=1000)
    click.echo(f"demo catalogue: {report.counts.created} papers")
    return True


def _demo_community(db: Database, readers: int) -> str | None:
    """The synthetic demo readers (services/catalog/demo.py), added on the run that loaded the demo
    catalogue only: once an operator removed them (`paperfeed demo remove`) they stay removed."""
    community = demo_community.seed(db, readers=readers, now=datetime.now(UTC))
    click.echo(f"demo community: {community.readers} synthetic readers, {community.stars} stars, "
               f"{community.reads} reads over the last weeks (`paperfeed demo remove` deletes them)")
    return community.showcase


def _demo_key(db: Database, name: str, scopes: Sequence[str] = service_keys.SCOPES) -> str:
    """A fresh key for this session; earlier demo keys of that name are revoked so they do not pile up."""
    with db.connection() as conn:
        api_keys.revoke_by_name(conn, name)
        return service_keys.create(conn, name=name, scopes=list(scopes))


def _reader_port(settings: Settings, embedded: bool) -> int | None:
    """Where the reference reader app (examples/reader) runs: embedded demo only, READER_PORT set and free,
    and the example present (a source checkout, not an installed wheel)."""
    if not embedded or not settings.reader_port or not READER_BACKEND.exists():
        return None
    if port_in_use(settings.host, settings.reader_port):
        click.echo(f"paperfeed: READER_PORT {settings.reader_port} is in use; the reader app is not started", err=True)
        return None
    return settings.reader_port


def _kick_off_engine(settings: Settings) -> None:
    """Ask the worker to embed, index and compute trending now rather than at the first beat tick."""
    from workers.app import create_celery

    client = create_celery(settings)
    # CF too: with the demo community there is something to train on (CF_MIN_INTERACTIONS); without
    # it the retrain says why it skipped.
    for task in (TaskName.EMBED, TaskName.TRENDING, TaskName.RETRAIN_CF):
        client.send_task(str(task))
    # Beat runs an interval entry one interval after it starts: poll each source now, not in an hour.
    for spec in settings.sources:
        client.send_task(str(TaskName.POLL_SOURCE), kwargs={"source": spec.name})


def _showcase_line(user: str | None, base: str) -> str:
    if user is None:
        return ""
    return (f"  demo reader {user} (synthetic): {base}/v1/users/{user}/feed explains each paper; "
            f"{base}/admin/users/{user}\n")


def _mail_sink_port(settings: Settings) -> int:
    """MAIL_SINK_PORT, or any free port when it is taken (by another data directory's `up`, say):
    only this `up`'s children need to know it, and they are told through SMTP_URL."""
    if not port_in_use(mailsink.HOST, settings.mail_sink_port):
        return settings.mail_sink_port
    port = free_port(mailsink.HOST)
    click.echo(f"paperfeed: MAIL_SINK_PORT {settings.mail_sink_port} is in use; the mail sink uses {port}", err=True)
    return port


def _login_line(demo_password: str | None) -> str:
    """The demo login, printed once: its password is stored only as a hash."""
    if demo_password is not None:
        return f"  demo login {accounts.DEMO_EMAIL} / {demo_password}   (shown once)\n"
    return "  login      an existing operator (`paperfeed admin create EMAIL` adds one)\n"


def _key_lines(key: str | None, base: str) -> str:
    if key is None:
        return "  keys       `paperfeed keys create --name NAME --scopes read,write` makes one\n"
    return f"  demo key   {key}\n  try:       curl -H 'Authorization: Bearer {key}' {base}/v1/papers\n"


def run(runtime: Runtime, *, demo: bool, migrate: Callable[[str], None], demo_catalogue: Path,
        demo_key_name: str) -> None:
    settings = runtime.settings
    url = settings.require("database_url")
    migrate(url)
    db = Database(url, min_size=0, max_size=2, timeout=settings.db_timeout_seconds)
    showcase = None
    try:
        if demo and _load_demo(db, demo_catalogue) and settings.demo_readers:
            showcase = _demo_community(db, settings.demo_readers)
        # An all-scope key printed to the terminal is for the embedded demo only: against a configured
        # database (a real deployment) keys are made on purpose with `paperfeed keys create`.
        key = _demo_key(db, demo_key_name) if runtime.embedded_database else None
        reader_port = _reader_port(settings, runtime.embedded_database)
        # The reader's backend gets a write key of its own (it mints user tokens), never the admin one.
        reader_key = _demo_key(db, f"{demo_key_name} (reader app)", ["write"]) if reader_port else None
        with db.connection() as conn:
            demo_password = accounts.ensure_demo_admin(conn)
    finally:
        db.close()

    cli = [sys.executable, "-m", "infra.cli"]
    sink_port = _mail_sink_port(settings) if settings.smtp_url is None else None
    if sink_port is not None:
        # Both, so that children can tell (mailsink.uses_local_sink) that mail stays on this machine.
        settings = settings.replace(mail_sink_port=sink_port)
        settings = settings.replace(smtp_url=mailsink.sink_url(settings))
    reader_origin = f"http://{settings.host}:{reader_port}" if reader_port else None
    if reader_origin and reader_origin not in settings.cors_allowed_origins:
        # The reader page is on its own origin and calls /v1/me directly: the API must let it.
        settings = settings.replace(cors_allowed_origins=(*settings.cors_allowed_origins, reader_origin))
    supervisor = Supervisor({**os.environ, **settings.as_environ()})
    supervisor.install_signal_handlers()
    if sink_port is not None:
        # Spawned first so it is listening before the worker sends; a send that finds it down is retried.
        supervisor.spawn("mail-sink", [*cli, "mail-sink", "--port", str(sink_port),
                                       "--maildir", str(mailsink.sink_maildir(settings))])
    supervisor.spawn("api", [*cli, "api"])
    supervisor.spawn("worker", [*cli, "worker"])
    supervisor.spawn("beat", [*cli, "beat"])
    base = f"http://{settings.host}:{settings.port}"
    if reader_port:
        supervisor.spawn("reader", [sys.executable, str(READER_BACKEND), str(reader_port)],
                         extra_env={"PAPERFEED_URL": base, "PAPERFEED_SERVICE_KEY": reader_key or ""})
    (settings.data_dir / CHILDREN_FILE).write_text(json.dumps([c.process.pid for c in supervisor.children]))
    try:
        if not supervisor.wait_http(f"{base}/healthz", STARTUP_TIMEOUT_SECONDS):
            dead = supervisor.dead_child()
            if dead is not None:
                raise click.ClickException(f"{dead.name} exited with code {dead.process.returncode} during start-up")
            return  # stop requested during start-up
        _kick_off_engine(settings)
        reader_line = f"  reader app {reader_origin}/   (examples/reader)\n" if reader_origin else ""
        sink_line = (f"  mail sink  {mailsink.sink_maildir(settings).resolve()}  ({settings.smtp_url})\n"
                     if sink_port is not None else "")
        click.echo(
            "\nPaperfeed is up.\n"
            f"  API        {base}/v1/\n"
            f"  API docs   {base}/docs/\n"
            f"  health     {base}/healthz   {base}/readyz\n"
            f"  metrics    {base}/metrics\n"
            f"  dashboard  {base}/admin/\n"
            f"{reader_line}"
            f"{_login_line(demo_password)}"
            f"{sink_line}"
            f"{_key_lines(key, base)}"
            f"{_showcase_line(showcase, base)}"
            "Press Ctrl-C to stop.\n"
        )
        dead = supervisor.wait()
        if dead is not None:
            raise click.ClickException(f"{dead.name} exited with code {dead.process.returncode}; stopping")
    finally:
        click.echo("paperfeed: stopping ...", err=True)
        supervisor.stop()
        (settings.data_dir / CHILDREN_FILE).unlink(missing_ok=True)
