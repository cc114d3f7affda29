"""Services that a fault test owns: a redis-server, a PostgreSQL cluster and a portal
process of its own, each on a free loopback port, started and stopped by its PID.

A fault test stops and restarts these; it never touches the shared Redis or PostgreSQL
that other tests (and other test processes) are using.
"""

import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

BASE_DIR = Path(__file__).resolve().parents[2]
PG_BIN = Path("/usr/lib/postgresql/15/bin")
START_TIMEOUT = 30.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return f"({path.name} is missing)"


def _stop(process: subprocess.Popen, timeout: float = 15.0) -> None:
    """SIGTERM, then SIGKILL: the one process (group) this module started, by its PID."""
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


# --- Redis ------------------------------------------------------------------------------


@dataclass
class OwnRedis:
    """A redis-server without persistence: a restart comes back empty, as after a crash."""

    directory: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    @property
    def log(self) -> Path:
        return self.directory / "redis.log"

    def start(self) -> None:
        assert self.process is None or self.process.poll() is not None, "already running"
        command = [
            *(shutil.which("redis-server") or "redis-server", "--bind", "127.0.0.1"),
            *("--port", str(self.port), "--save", "", "--appendonly", "no"),
            *("--dir", str(self.directory), "--logfile", str(self.log)),
        ]
        self.process = subprocess.Popen(command, start_new_session=True)
        deadline = time.monotonic() + START_TIMEOUT
        while not self.answers():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"redis-server did not start:\n{_tail(self.log)}")
            time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None:
            _stop(self.process)

    def answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1.0) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False


def redis_unavailable_reason() -> str | None:
    if shutil.which("redis-server") is None:
        return "redis-server is missing (apt install redis-server)"
    return None


# --- PostgreSQL -------------------------------------------------------------------------


def postgres_unavailable_reason() -> str | None:
    if not (PG_BIN / "initdb").exists():
        return f"{PG_BIN}/initdb is missing (apt install postgresql-15)"
    if os.geteuid() == 0:
        # initdb refuses to run as root; the cluster then belongs to the postgres user.
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root without a postgres user to own a PostgreSQL cluster"
        if shutil.which("runuser") is None:
            return "running as root without runuser to start PostgreSQL as postgres"
    return None


@dataclass
class OwnPostgres:
    """A throw-away PostgreSQL cluster in a temporary directory, trust auth on loopback."""

    directory: Path
    port: int = field(default_factory=free_port)
    user: str = "portal"

    @classmethod
    def create(cls) -> "OwnPostgres":
        # Not under pytest's tmp_path: the postgres user must be able to reach it.
        directory = Path(tempfile.mkdtemp(prefix="cpo-faults-pg-"))
        if os.geteuid() == 0:
            shutil.chown(directory, "postgres", "postgres")
        cluster = cls(directory=directory)
        cluster._run(
            "initdb",
            *("-D", str(cluster.data), "-U", cluster.user, "--auth=trust"),
            *("-E", "UTF8", "--locale=C.UTF-8", "--no-sync"),
        )
        return cluster

    @property
    def data(self) -> Path:
        return self.directory / "data"

    @property
    def log(self) -> Path:
        return self.directory / "postgres.log"

    def url(self, database: str) -> str:
        return f"postgres://{self.user}@127.0.0.1:{self.port}/{database}"

    def _run(self, program: str, *args: str) -> None:
        as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        result = subprocess.run(
            [*as_postgres, str(PG_BIN / program), *args],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        if result.returncode != 0:
            raise RuntimeError(
                f"{program} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}\n"
                f"{_tail(self.log)}"
            )

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        self._run(
            "pg_ctl",
            *("-D", str(self.data), "-l", str(self.log), "-o", options),
            *("-w", "-t", str(int(START_TIMEOUT)), "start"),
        )

    def stop(self) -> None:
        """Fast shutdown: open sessions are cut off, as in a restart of the server."""
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "-t", "30", "stop")

    def running(self) -> bool:
        return (self.data / "postmaster.pid").exists()

    def createdb(self, name: str) -> None:
        self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", self.user, name)

    def copy_database(self, source_url: str, name: str) -> None:
        """Create `name` as a copy of a migrated database on another server (pg_dump)."""
        self.createdb(name)
        source = urlsplit(source_url)
        env = {**os.environ, "PGPASSWORD": unquote(source.password or "")}
        dump = subprocess.Popen(
            [
                *(str(PG_BIN / "pg_dump"), "--no-owner", "--no-privileges"),
                *("-h", source.hostname or "127.0.0.1", "-p", str(source.port or 5432)),
                *("-U", unquote(source.username or ""), unquote(source.path.lstrip("/"))),
            ],
            stdout=subprocess.PIPE,
            env=env,
        )
        assert dump.stdout is not None
        restore = subprocess.run(
            [
                *(str(PG_BIN / "psql"), "-q", "-v", "ON_ERROR_STOP=1"),
                *("-h", "127.0.0.1", "-p", str(self.port), "-U", self.user, name),
            ],
            stdin=dump.stdout,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        dump.stdout.close()
        if dump.wait(timeout=60) != 0 or restore.returncode != 0:
            raise RuntimeError(f"copying the database failed:\n{restore.stderr[-3000:]}")

    def destroy(self) -> None:
        """Stop the cluster if it still runs (its postmaster, by the PID in its data
        directory) and remove its files."""
        if self.running():
            try:
                self.stop()
            except (RuntimeError, subprocess.TimeoutExpired):
                pid = int((self.data / "postmaster.pid").read_text().split()[0])
                os.kill(pid, signal.SIGQUIT)  # immediate shutdown of this cluster only
                time.sleep(1.0)
        shutil.rmtree(self.directory, ignore_errors=True)


# --- The portal -------------------------------------------------------------------------


@dataclass
class Response:
    status: int
    body: bytes
    seconds: float


@dataclass
class PortalServer:
    """The portal under gunicorn (the production server, its own gunicorn.conf.py), one
    process with one thread, so that every request reuses the same database connection."""

    env: dict[str, str]
    log: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None

    def start(self) -> None:
        env = {
            **self.env,
            "GUNICORN_BIND": f"127.0.0.1:{self.port}",
            "WEB_CONCURRENCY": "1",
            "GUNICORN_THREADS": "1",
            "GUNICORN_TIMEOUT": "30",
        }
        command = [sys.executable, "-m", "gunicorn", "cpo_portal.wsgi:application"]
        with self.log.open("wb") as log_file:
            self.process = subprocess.Popen(
                command,
                cwd=BASE_DIR,
                env=env,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn did not start:\n{self.log_tail()}")
            try:
                self.get("/healthz", timeout=2.0)
                return
            except OSError:
                time.sleep(0.2)

    def stop(self) -> None:
        if self.process is not None:
            _stop(self.process)

    def log_tail(self) -> str:
        return _tail(self.log)

    def get(self, path: str, timeout: float = 15.0) -> Response:
        """One GET; an HTTP error status is an answer, too. A hang raises (timeout)."""
        started = time.monotonic()
        url = f"http://127.0.0.1:{self.port}{path}"
        try:
            with urllib.request.urlopen(url, timeout=timeout) as reply:
                return Response(reply.status, reply.read(), time.monotonic() - started)
        except urllib.error.HTTPError as reply:
            return Response(reply.code, reply.read(), time.monotonic() - started)
