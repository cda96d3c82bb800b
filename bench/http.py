"""Measuring through the path a user takes: gunicorn, the login form, a role's own account.

A figure built on this module starts the production web server (`gunicorn privacyoffice.wsgi`,
debug off) on the benchmark database, logs in through the admin's login form as a persona of the
role that does the job (staff, manager, auditor — never a superuser, whose permission checks are
short-cut), and times what the browser would wait for: the whole HTTP round trip, measured on the
client. A real Celery worker (`celery_worker()`) serves the figures whose work is background work.

Usage (inside a figure; Django is set up and the data is loaded):

    with gunicorn_server(workers=3) as site:
        staff = site.login(PERSONAS["staff"])
        stats = site.time_get(staff, "/admin/consent_app/customer/?q=中島", runs=20)
        stats.p95  # seconds

The production settings mark cookies `Secure` and redirect plain HTTP; the server is reached on
loopback over plain HTTP, so every request says `X-Forwarded-Proto: https` (the header the
settings trust from the proxy in front of gunicorn) and the client sends the Secure cookies to
127.0.0.1 (`LoopbackSession`). Nothing else differs from production.
"""

from __future__ import annotations

import contextlib
import os
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from .harness import PROJECT_ROOT, Stats

# The personas every HTTP figure logs in as, one per role (created by `ensure_personas`).
PERSONA_PASSWORD = "bench-persona-password-2026"  # noqa: S105 - bench-only accounts
PERSONAS = {
    "staff": "bench-http-staff",
    "manager": "bench-http-manager",
    "auditor": "bench-http-auditor",
}
LOGIN_PATH = "/admin/login/"
_CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def p95(values: list[float]) -> float:
    """The 95th percentile (nearest-rank on the sorted values; the maximum for under 20 runs)."""
    ordered = sorted(values)
    if len(ordered) < 2:
        return ordered[0]
    return statistics.quantiles(ordered, n=20, method="inclusive")[-1]


def ensure_personas() -> dict[str, str]:
    """One active account per role with a known password; returns role -> username.

    The accounts are ordinary members of the role's group (no superuser flag), exactly as a
    manager would set up a new colleague.
    """
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from privacyoffice import roles

    groups = {
        "staff": roles.PRIVACY_STAFF,
        "manager": roles.PRIVACY_MANAGER,
        "auditor": roles.AUDITOR,
    }
    user_model = get_user_model()
    for role, username in PERSONAS.items():
        user, _ = user_model.objects.get_or_create(
            username=username,
            defaults={"is_staff": True, "email": f"{username}@example.co.jp"},
        )
        user.is_staff, user.is_superuser, user.is_active = True, False, True
        user.set_password(PERSONA_PASSWORD)
        user.save()
        user.groups.set([Group.objects.get(name=groups[role])])
    return dict(PERSONAS)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def database_url() -> str:
    """The URL of the database this process uses (the bench database), for the child processes."""
    from django.conf import settings

    db = settings.DATABASES["default"]
    user = db.get("USER") or ""
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    auth = f"{user}{password}@" if user else ""
    return f"postgres://{auth}{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"


def child_env(**extra: str) -> dict[str, str]:
    """Production settings (debug off) on the bench database, for gunicorn and the worker."""
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url(),
        DJANGO_SETTINGS_MODULE="privacyoffice.settings",
        DJANGO_DEBUG="0",
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        DJANGO_SECURE_SSL_REDIRECT="0",
        PYTHONPATH=str(PROJECT_ROOT) + os.pathsep + env.get("PYTHONPATH", ""),
    )
    env.update(extra)
    return env


class LoopbackSession(requests.Session):
    """A browser session to the loopback server that stands behind the (absent) TLS proxy.

    The production settings mark the session and CSRF cookies `Secure`; a cookie jar sends those
    only over https. requests merges the jar into a fresh one per request (a custom cookie policy
    does not survive that), so the flag is cleared before each request is prepared.
    """

    def prepare_request(self, request: requests.Request) -> requests.PreparedRequest:
        for cookie in self.cookies:
            cookie.secure = False
        return super().prepare_request(request)


class LoginFailed(RuntimeError):
    pass


@dataclass
class Site:
    """A running gunicorn: its base URL, its log, and logged-in sessions."""

    base_url: str
    log_path: Path
    origin: str

    def session(self) -> requests.Session:
        session = LoopbackSession()
        session.headers.update({"X-Forwarded-Proto": "https", "Origin": self.origin})
        return session

    def login(self, username: str, password: str = PERSONA_PASSWORD) -> requests.Session:
        """A session logged in through the admin's login form, as a browser does it."""
        session = self.session()
        page = session.get(self.base_url + LOGIN_PATH, timeout=30)
        page.raise_for_status()
        # Every form of one page carries a valid token (the language switch's too).
        match = _CSRF_INPUT.search(page.text)
        if not match:
            raise LoginFailed("no CSRF token on the login page")
        answer = session.post(
            self.base_url + LOGIN_PATH,
            data={
                "csrfmiddlewaretoken": match.group(1),
                "username": username,
                "password": password,
                "next": "/admin/",
            },
            headers={"Referer": self.origin + LOGIN_PATH},
            allow_redirects=False,
            timeout=30,
        )
        if answer.status_code != 302 or LOGIN_PATH in answer.headers.get("Location", ""):
            raise LoginFailed(f"login as {username} answered {answer.status_code}")
        return session

    def get(self, session: requests.Session, path: str, **kwargs: Any) -> requests.Response:
        response = session.get(self.base_url + path, timeout=120, allow_redirects=False, **kwargs)
        if response.status_code != 200:
            raise AssertionError(f"GET {path} answered {response.status_code}")
        return response

    def post(
        self,
        session: requests.Session,
        path: str,
        data: dict[str, Any],
        form_path: str | None = None,
        **kwargs: Any,
    ) -> requests.Response:
        """POST to `path` as the browser would, with the token of the page that holds the form
        (`form_path`, by default `path` itself). Redirects are not followed: the caller reads them.
        """
        page = self.get(session, form_path or path)
        match = _CSRF_INPUT.search(page.text)
        token = match.group(1) if match else session.cookies.get("csrftoken", "")
        return session.post(
            self.base_url + path,
            data={"csrfmiddlewaretoken": token, **data},
            headers={"Referer": self.origin + (form_path or path)},
            timeout=3600,
            allow_redirects=False,
            **kwargs,
        )

    def time_get(
        self, session: requests.Session, path: str, runs: int, warmup: int = 1
    ) -> HttpStats:
        """Client-side wall time of GET path (the whole round trip), `runs` times after warm-up."""
        for _ in range(warmup):
            self.get(session, path)
        values = []
        for _ in range(runs):
            started = time.perf_counter()
            self.get(session, path)
            values.append(time.perf_counter() - started)
        return HttpStats(values)

    def log_tail(self, lines: int = 40) -> str:
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


class HttpStats(Stats):
    """Stats with the 95th percentile, the figure the HTTP targets are set on."""

    @property
    def p95(self) -> float:
        return p95(self.values)

    def as_dict(self, digits: int = 3) -> dict[str, Any]:
        return {**super().as_dict(digits), "p95": round(self.p95, digits)}


def _wait_until_answers(base_url: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited ({proc.returncode}):\n{log.read_text()[-2000:]}")
        with contextlib.suppress(requests.RequestException):
            requests.get(base_url + LOGIN_PATH, timeout=2)
            return
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer within 60 s:\n{log.read_text()[-2000:]}")


@contextlib.contextmanager
def gunicorn_server(workers: int = 3, timeout: int = 600, **env: str) -> Iterator[Site]:
    """gunicorn serving the project (debug off) on a free loopback port, for the block.

    Worker class and threads come from the project's gunicorn.conf.py (gthread, as in
    production). `timeout` is gunicorn's worker timeout: the bench's streamed exports run for
    minutes.
    """
    from django.conf import settings

    ensure_personas()
    port = free_port()
    log_path = Path(settings.VAR_DIR) / f"bench-gunicorn-{port}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "ab") as log:
        proc = subprocess.Popen(  # noqa: S603 - our own interpreter and the project's app
            [
                sys.executable,
                "-m",
                "gunicorn",
                "privacyoffice.wsgi",
                f"--workers={workers}",
                f"--bind=127.0.0.1:{port}",
                f"--timeout={timeout}",
                "--no-control-socket",
            ],
            cwd=PROJECT_ROOT,
            env=child_env(**env),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_answers(base_url, proc, log_path)
        yield Site(base_url=base_url, log_path=log_path, origin=f"https://127.0.0.1:{port}")
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()


@dataclass
class Worker:
    proc: subprocess.Popen[bytes]
    log_path: Path

    @property
    def pid(self) -> int:
        return self.proc.pid


@contextlib.contextmanager
def celery_worker(queues: str = "celery", concurrency: int = 1, **env: str) -> Iterator[Worker]:
    """A real Celery worker (prefork) on the bench database and the configured broker."""
    from django.conf import settings

    log_path = Path(settings.VAR_DIR) / f"bench-worker-{os.getpid()}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "ab") as log:
        proc = subprocess.Popen(  # noqa: S603 - our own interpreter and the project's app
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "privacyoffice",
                "worker",
                "--loglevel=WARNING",
                f"--concurrency={concurrency}",
                "--pool=prefork",
                "-Q",
                queues,
                "--without-gossip",
                "--without-mingle",
                f"--hostname=bench-{os.getpid()}@%h",
            ],
            cwd=PROJECT_ROOT,
            env=child_env(**env),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        yield Worker(proc=proc, log_path=log_path)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()


def process_tree_rss_mb(pid: int) -> float:
    """Resident memory (MB) of a process and its children (a prefork worker's pool)."""
    total_kb = 0
    pids = [pid]
    children = Path(f"/proc/{pid}/task/{pid}/children")
    if children.exists():
        pids += [int(p) for p in children.read_text().split()]
    for one in pids:
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{one}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total_kb += int(line.split()[1])
    return total_kb / 1024


@dataclass
class LoadResult:
    requests: int
    errors: int
    seconds: float
    latencies: list[float]

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def p95(self) -> float:
        return p95(self.latencies) if self.latencies else 0.0


def concurrent_load(
    site: Site, sessions: list[requests.Session], path: str, seconds: float
) -> LoadResult:
    """Each session GETs `path` in its own thread, back to back, for `seconds` (bounded)."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def client(session: requests.Session) -> None:
        while time.monotonic() < stop_at:
            started = time.perf_counter()
            try:
                response = session.get(site.base_url + path, timeout=60, allow_redirects=False)
                failed = response.status_code != 200
            except requests.RequestException:
                failed = True
            elapsed = time.perf_counter() - started
            with lock:
                latencies.append(elapsed)
                errors[0] += failed

    started = time.perf_counter()
    threads = [threading.Thread(target=client, args=(s,)) for s in sessions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + 120)
    return LoadResult(len(latencies), errors[0], time.perf_counter() - started, latencies)
