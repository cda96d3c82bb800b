"""Issue 20 item 8's measurement: an auditor's page while three letter-owing presses hang on a
frozen broker.

On the user's path (`bench/http.py`): gunicorn with the production settings (gunicorn.conf.py:
3 gthread workers of 4 threads),
the personas logged in through the login form. The broker (and the cache: production uses one
Redis for both) is a private redis-server on a free port started for the figure, never the
machine's shared Redis. Each round: Redis is frozen (SIGSTOP: connections open, nothing
answers, like a partition), three staff sessions press "send the form" (a transition that owes
a letter) on three requests in `inquiry` at once, and while those presses are in flight the
auditor persona reloads the dashboard back to back; then Redis is thawed.

- `frozen_broker.auditor_page.time`: p95 (ms) of the auditor's dashboard during the presses
  (target <= 1000 ms; before the publish bound a press held its web worker 15 s, three held all
  of them, and the auditor waited 4.35 s);
- `frozen_broker.press.time`: the slowest press's answer (ms; target <= 2000 ms), each press
  having to answer 200 on the request's page saying the letter will follow.

The presses commit (the requests move to `form_sent`, their letters stay queued and unpublished
for the sweep): the figure logs its own requests in `inquiry` first (`request_create`, as the
staff persona), so a rerun on reused data finds fresh ones.
"""

from __future__ import annotations

import contextlib
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

import requests
from django.conf import settings
from django.urls import reverse

from .harness import Result, failed
from .http import _CSRF_INPUT, PERSONAS, HttpStats, Site, free_port, gunicorn_server
from .scales import Scale

PRESSES = 3
PAGE_LIMIT_MS = 1000
PRESS_LIMIT_MS = 2000
DASHBOARD = "/admin/dashboard/"


def _will_follow_ja() -> str:
    """What the request's page says after a press whose publish did not get through (in the
    Japanese UI, as the page escapes it)."""
    import html

    from django.utils import translation

    from requests_app.letters.services import LETTER_WILL_FOLLOW

    with translation.override("ja"):
        return html.escape(str(LETTER_WILL_FOLLOW), quote=False)


def rounds_for(scale: Scale) -> int:
    return {"tiny": 1, "small": 3}.get(scale.name, 5)


@dataclass
class PrivateRedis:
    """A throwaway redis-server on a free loopback port, frozen and thawed at will."""

    proc: subprocess.Popen[bytes]
    port: int

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def freeze(self) -> None:
        self.proc.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGCONT)


@contextlib.contextmanager
def private_redis() -> Iterator[PrivateRedis]:
    binary = shutil.which("redis-server")
    if binary is None:
        raise RuntimeError("redis-server is not installed")
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="bench-redis-", dir=settings.VAR_DIR) as folder:
        proc = subprocess.Popen(  # noqa: S603 - the redis-server binary found on PATH
            [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--dir", folder],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        server = PrivateRedis(proc=proc, port=port)
        try:
            _wait_for_redis(port)
            yield server
        finally:
            server.thaw()
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()


def _wait_for_redis(port: int) -> None:
    import redis

    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with contextlib.suppress(redis.RedisError):
            if redis.Redis(port=port, socket_timeout=1).ping():
                return
        time.sleep(0.1)
    raise RuntimeError("the private redis-server did not start")


def _inquiries(count: int) -> list[int]:
    """`count` requests in `inquiry` for the presses: logged now by the staff persona, as staff
    log a request received by post (the presses move them on, so a rerun needs fresh ones)."""
    from django.contrib.auth import get_user_model
    from django.db.models.functions import Length
    from django.utils import timezone

    from requests_app.models import DisclosureRequest, ReferenceCounter
    from requests_app.services.intake import request_create

    # The loader writes references without the year's counter: start after the last one.
    prefix = f"PR-{timezone.localdate().year}-"
    last = (
        DisclosureRequest.objects.filter(reference__startswith=prefix)
        .annotate(n=Length("reference"))
        .order_by("-n", "-reference")
        .values_list("reference", flat=True)
        .first()
    )
    if last and last[len(prefix) :].isdigit():
        counter, _ = ReferenceCounter.objects.get_or_create(year=int(prefix[3:7]))
        if counter.last_number < int(last[len(prefix) :]):
            counter.last_number = int(last[len(prefix) :])
            counter.save(update_fields=["last_number"])
    staff = get_user_model().objects.get(username=PERSONAS["staff"])
    return [
        request_create(
            by=staff, request_type="disclosure", requester_name=f"ベンチ 請求者{number}"
        ).pk
        for number in range(count)
    ]


@dataclass
class Press:
    seconds: float = 0.0
    post_seconds: float = 0.0  # the POST's own answer (the redirect), before the page
    ok: bool = False
    detail: str = ""


def _press(
    site: Site, session: requests.Session, pk: int, token: str, note: str, out: Press
) -> None:
    change = reverse("admin:requests_app_disclosurerequest_change", args=[pk])
    path = reverse("admin:requests_app_disclosurerequest_transition", args=[pk, "send_form"])
    started = time.perf_counter()
    try:
        response = session.post(
            site.base_url + path,
            data={"csrfmiddlewaretoken": token, "expected_state": "inquiry"},
            headers={"Referer": site.origin + change},
            timeout=60,
            allow_redirects=False,
        )
        # The browser then shows the page it is sent to (followed here, not by requests: its
        # own redirect handling drops the Secure cookies LoopbackSession lets through).
        out.post_seconds = time.perf_counter() - started
        if response.status_code == 302:
            response = session.get(site.base_url + response.headers["Location"], timeout=60)
    except requests.RequestException as exc:
        out.seconds, out.detail = time.perf_counter() - started, type(exc).__name__
        return
    out.seconds = time.perf_counter() - started
    on_page = response.url.split("?")[0].endswith(change)
    out.ok = response.status_code == 200 and on_page and note in response.text
    if not out.ok:
        shown = re.search(r'<ul class="messagelist">(.*?)</ul>', response.text, re.S)
        said = re.sub(r"<[^>]+>|\s+", " ", shown.group(1)).strip()[:160] if shown else "no message"
        out.detail = f"request {pk}: {response.status_code} at {response.url[-60:]}: {said}"


def frozen_broker(scale: Scale) -> list[Result]:
    rounds = rounds_for(scale)
    page_key, press_key = "frozen_broker.auditor_page.time", "frozen_broker.press.time"
    page_times: list[float] = []
    presses: list[Press] = []
    note = _will_follow_ja()
    with (
        private_redis() as redis_server,
        gunicorn_server(workers=3, REDIS_URL=redis_server.url) as site,
    ):
        pks = _inquiries(rounds * PRESSES)  # after the server made the personas
        auditor = site.login(PERSONAS["auditor"])
        staff = [site.login(PERSONAS["staff"]) for _ in range(PRESSES)]
        site.get(auditor, DASHBOARD)  # warm
        for number in range(rounds):
            batch = pks[number * PRESSES : (number + 1) * PRESSES]
            tokens = []
            for session, pk in zip(staff, batch, strict=True):
                page = site.get(
                    session, reverse("admin:requests_app_disclosurerequest_change", args=[pk])
                )
                match = _CSRF_INPUT.search(page.text)
                tokens.append(match.group(1) if match else "")
            outs = [Press() for _ in batch]
            threads = [
                threading.Thread(target=_press, args=(site, s, pk, t, note, o))
                for s, pk, t, o in zip(staff, batch, tokens, outs, strict=True)
            ]
            redis_server.freeze()
            try:
                for thread in threads:
                    thread.start()
                time.sleep(0.1)  # the presses are in their web workers
                while any(thread.is_alive() for thread in threads):
                    started = time.perf_counter()
                    try:
                        site.get(auditor, DASHBOARD)
                    except (AssertionError, requests.RequestException) as exc:
                        return [
                            failed(page_key, "ms (p95)", "", f"dashboard: {exc}"[:300]),
                            failed(press_key, "ms", "", "not measured"),
                        ]
                    page_times.append(time.perf_counter() - started)
                for thread in threads:
                    thread.join(timeout=120)
            finally:
                redis_server.thaw()
            presses += outs
            time.sleep(1)  # let the thawed Redis and the sockets settle between rounds
    return _results(page_times, presses, rounds)


def _results(page_times: list[float], presses: list[Press], rounds: int) -> list[Result]:
    page = HttpStats([v * 1000 for v in page_times])
    press = HttpStats([p.seconds * 1000 for p in presses])
    bad = [p.detail for p in presses if not p.ok]
    slowest = max(press.values)
    return [
        Result(
            "frozen_broker.auditor_page.time",
            round(page.p95, 1),
            "ms (p95)",
            f"<= {PAGE_LIMIT_MS} (p95, auditor, HTTP, {PRESSES} presses in flight, Redis frozen)",
            page.p95 <= PAGE_LIMIT_MS,
            stats=page.as_dict(1),
            note=f"{len(page_times)} dashboard loads during {rounds} round(s) of {PRESSES} presses",
        ),
        Result(
            "frozen_broker.press.time",
            round(slowest, 1),
            "ms (slowest)",
            f"<= {PRESS_LIMIT_MS} each, answering on the request's page that the letter follows",
            slowest <= PRESS_LIMIT_MS and not bad,
            stats=press.as_dict(1),
            note="; ".join(bad[:3]) or f"{len(presses)} presses, each answered with the note",
            extra={
                "letter_publish_timeout_s": settings.LETTER_PUBLISH_TIMEOUT,
                "post_only_ms": [round(p.post_seconds * 1000, 1) for p in presses],
            },
        ),
    ]
