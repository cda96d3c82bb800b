"""Fixtures of the fault tests: a private Redis the test may stop, freeze and restart, the web
side's Celery app pointed at it, real workers that can be killed with SIGKILL, and letter files.

The shared Redis and PostgreSQL servers are never stopped or flushed: other suites use them.
A fault that needs Redis gone happens to a redis-server started here on a free port.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import redis

from tests.conftest import PROJECT_ROOT, database_url_for_subprocess, skip_or_fail

# Short enough that a killed worker's message comes back within seconds; longer than any
# render in these tests, so a live worker's message is never handed out twice.
TEST_VISIBILITY_TIMEOUT = 5


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(predicate: Callable[[], object], *, timeout: float, why: Callable[[], str]):
    """Poll until predicate() is truthy; on timeout fail with why() (e.g. a worker's log)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    pytest.fail(f"condition not met within {timeout}s\n{why()}")


def settled(letter):
    """A predicate for wait_until: the letter is no longer queued (generated or failed)."""

    def check() -> bool:
        letter.refresh_from_db()
        return letter.status != letter.Status.QUEUED

    return check


# --- a private Redis ---------------------------------------------------------------------------
class PrivateRedis:
    """A throwaway redis-server on a free port: stop, freeze and restart it at will."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.port = free_port()
        self.proc: subprocess.Popen | None = None
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> PrivateRedis:
        with open(self.folder / "redis.log", "ab") as log:
            self.proc = subprocess.Popen(
                [
                    "redis-server",
                    "--port",
                    str(self.port),
                    "--bind",
                    "127.0.0.1",
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                    "--daemonize",
                    "no",
                    "--dir",
                    str(self.folder),
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        wait_until(self.answers, timeout=10, why=lambda: "private redis-server did not start")
        return self

    def answers(self) -> bool:
        try:
            return bool(self.client(socket_timeout=1).ping())
        except redis.RedisError:
            return False

    def client(self, **options) -> redis.Redis:
        return redis.Redis.from_url(self.url, **options)

    def stop(self) -> None:
        """Redis goes away: the port refuses connections until start() again."""
        if self.proc and self.proc.poll() is None:
            self.thaw()
            self.proc.terminate()
            self.proc.wait(timeout=10)

    def freeze(self) -> None:
        """Redis hangs (SIGSTOP): connections open but nothing answers, like a partition."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGCONT)

    def queued_messages(self) -> int:
        """Messages waiting in the default queue (every priority level of it)."""
        client = self.client()
        keys = [key for key in client.keys("celery*") if client.type(key) == b"list"]
        return sum(client.llen(key) for key in keys)


@pytest.fixture
def private_redis(tmp_path):
    if shutil.which("redis-server") is None:
        skip_or_fail("redis-server is not installed")
    folder = tmp_path / "redis"
    folder.mkdir()
    server = PrivateRedis(folder).start()
    yield server
    server.stop()


def _reset_broker_pools(app) -> None:
    """Forget pooled broker connections, so the next publish connects to app.conf.broker_url."""
    import kombu.pools

    if app._pool is not None:
        app._pool.force_close_all()
    app._pool = None
    # kombu keeps its own registry of pools per connection URL: without a reset it hands the
    # closed pool back once the original broker URL is restored ("Acquire on closed pool").
    kombu.pools.reset()
    amqp = app.__dict__.get("amqp")
    if amqp is not None:
        amqp._producer_pool = None


@pytest.fixture
def web_broker(private_redis, settings):
    """Point this process's Celery app (what the web views publish with) and its cache at the
    private Redis, keeping every other broker setting of the project. Restored afterwards."""
    from privacyoffice.celery import app

    original = app.conf.broker_url
    app.conf.broker_url = private_redis.url
    _reset_broker_pools(app)
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": private_redis.url,
        }
    }
    # The override must really be in force: a publish now lands in the private Redis.
    with app.connection_for_write() as connection:
        assert (connection.hostname, connection.port) == ("127.0.0.1", private_redis.port)
    yield private_redis
    app.conf.broker_url = original
    _reset_broker_pools(app)


# --- a killable worker -------------------------------------------------------------------------
class FaultWorker:
    """A real Celery worker (prefork) in its own process group, on the private Redis."""

    count = 0

    def __init__(self, broker: PrivateRedis, folder: Path, var_dir: Path):
        FaultWorker.count += 1
        self.var_dir = var_dir
        self.name = f"fault{FaultWorker.count}-{os.getpid()}"
        self.broker = broker
        self.log_path = folder / f"worker-{self.name}.log"
        self.proc: subprocess.Popen | None = None

    def start(
        self,
        *,
        concurrency: int = 1,
        gate: Path | None = None,
        gate_letters: list[int] | None = None,
        cheap_pdf: bool = False,
        queues: str | None = None,
    ) -> FaultWorker:
        env = dict(os.environ)
        env.update(
            DATABASE_URL=database_url_for_subprocess(),
            DJANGO_SETTINGS_MODULE="privacyoffice.settings",
            PRIVACYOFFICE_VAR_DIR=str(self.var_dir),
            REDIS_URL=self.broker.url,
            FAULT_VISIBILITY_TIMEOUT=str(TEST_VISIBILITY_TIMEOUT),
        )
        if gate is not None:
            env["FAULT_RENDER_GATE"] = str(gate)
            env["FAULT_GATE_LETTERS"] = ",".join(str(i) for i in gate_letters or [])
        if cheap_pdf:
            env["FAULT_CHEAP_PDF"] = "1"
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "tests.fault.worker",
                    "--loglevel=INFO",
                    f"--concurrency={concurrency}",
                    "--pool=prefork",
                    "--without-gossip",
                    "--without-mingle",
                    "--without-heartbeat",
                    f"--hostname={self.name}@%h",
                    *([f"--queues={queues}"] if queues else []),
                ],
                cwd=PROJECT_ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                # Its own process group: SIGKILL reaches the main process and its pool at once,
                # as when a machine or container dies.
                start_new_session=True,
            )
        return self

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def kill(self) -> None:
        """SIGKILL the whole worker (main process and pool children): no shutdown, no acks."""
        assert self.proc is not None
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)

    def log_tail(self, lines: int = 40) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return f"(no log at {self.log_path})"
        return f"--- {self.log_path.name} ---\n" + "\n".join(text.splitlines()[-lines:])


@pytest.fixture
def workers(transactional_db, private_redis, worker_var_dir, tmp_path):
    """Start workers with `workers.start(...)`; every one is stopped at the end of the test."""
    started: list[FaultWorker] = []

    class Workers:
        def start(self, **options) -> FaultWorker:
            worker = FaultWorker(private_redis, tmp_path, worker_var_dir).start(**options)
            started.append(worker)
            return worker

        def logs(self) -> str:
            return "\n".join(worker.log_tail() for worker in started)

    yield Workers()
    for worker in started:
        # Nothing to finish: the test is over, and its private Redis goes with it.
        if worker.alive():
            worker.kill()


# --- letters -----------------------------------------------------------------------------------
@pytest.fixture
def letter_templates(transactional_db):
    """The seeded letter templates (a transactional test's flush removes the migration's rows)."""
    from requests_app.letters.seed import seed_letter_templates
    from requests_app.models import LetterTemplate

    seed_letter_templates(LetterTemplate)


@pytest.fixture
def worker_var_dir(tmp_path) -> Path:
    """The workers' PRIVACYOFFICE_VAR_DIR: their letter storage is this test's own folder, so
    the files counted are exactly the ones this test's workers wrote (ids restart with each
    test database; a shared folder would hold another run's letter-1.pdf)."""
    folder = tmp_path / "var"
    folder.mkdir()
    return folder


class LetterStorage:
    """The workers' letter storage, read from the test (the same FileSystemStorage settings)."""

    def __init__(self, root: Path):
        from django.core.files.storage import FileSystemStorage

        self.storage = FileSystemStorage(location=str(root), base_url=None)
        self.root = root

    def names(self) -> set[str]:
        """Every letter PDF stored, as storage names (what Letter.file holds)."""
        folder = self.root / "letters"
        if not folder.exists():
            return set()
        return {path.relative_to(self.root).as_posix() for path in folder.rglob("*.pdf")}

    def sha256(self, name: str) -> str:
        with self.storage.open(name, "rb") as handle:
            return hashlib.sha256(handle.read()).hexdigest()


@pytest.fixture
def letter_storage(worker_var_dir, settings) -> LetterStorage:
    root = worker_var_dir / "private"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(root), "base_url": None},
        },
    }
    return LetterStorage(root)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Personas are created with a password; Argon2 would spend a second on each.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
