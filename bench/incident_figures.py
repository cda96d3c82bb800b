"""Issue 15's figures: an incident's snapshot of the people affected, and its notice letters.

Both go through the path the user takes (bench/http.py): gunicorn with production settings, the
role's own persona logged in through the login form, the whole HTTP round trip timed on the
client. Privacy staff scopes the people affected from an entrustee that handles every customer
and freezes them; a privacy manager queues the notice letters: `queue_time` is that POST (every
letter row inserted, queued, and the one publisher task queued). Publishing the render tasks is
the worker's job; it is timed once in-process against the real broker, for information (its rate
need only exceed the render rate), and the queue is purged afterwards. The server commits what
the figures write, so each run deletes its incident, snapshot and letters afterwards.
"""

from __future__ import annotations

import datetime as dt
import secrets
import time

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.storage import default_storage
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from .harness import Result, Stats
from .http import PERSONAS, gunicorn_server
from .scales import Scale

# Setup-only accounts (the four-eyes pair that logs and classifies the incident the measured
# POST works on); a fresh password per run, they exist only in the bench database.
SETUP_PASSWORD = secrets.token_urlsafe(24)
ASSESSOR_USER, CLASSIFIER_USER = "bench-inc-assessor", "bench-inc-classifier"
NOTICE_TARGET = 100_000  # the figure: 100,000 notice letters
RENDER_SAMPLE = 5


def _setup_user(username: str):
    from privacyoffice import roles

    User = get_user_model()
    user, _created = User.objects.get_or_create(
        username=username, defaults={"is_staff": True, "email": f"{username}@example.invalid"}
    )
    user.set_password(SETUP_PASSWORD)
    user.save()
    user.groups.set([Group.objects.get(name=roles.PRIVACY_MANAGER)])
    return user


def _step_path(incident, name: str) -> str:
    return reverse("admin:incidents_app_incident_step", args=[incident.pk, name])


def _post_step(site, session, incident, name: str, data: dict) -> None:
    response = site.post(session, _step_path(incident, name), data)
    if response.status_code != 302:
        raise AssertionError(f"POST {name} answered {response.status_code} (form errors?)")


def _incident(*, reportable: bool):
    from incidents_app.services import incidents

    assessor, classifier = _setup_user(ASSESSOR_USER), _setup_user(CLASSIFIER_USER)
    incident = incidents.incident_log(
        by=assessor,
        title="bench incident",
        what_happened="委託先のクラウドで顧客データが閲覧可能な状態だった",
        learned_at=timezone.now() - dt.timedelta(hours=1),
        data_items="氏名、住所、車両情報",
        special_care=False,
        special_care_reason="なし",
        financial_loss=False,
        financial_loss_reason="なし",
        unlawful_purpose=False,
        unlawful_purpose_reason="なし",
        over_thousand=True,
        over_thousand_reason="全顧客",
    )
    if reportable:
        incident = incidents.incident_classify(
            incident=incident, by=classifier, reportable=True, note="bench"
        )
    return incident


def _delete(incident, entrustee=None) -> None:
    """What the server committed for one run: the letters, the snapshot, the incident."""
    from incidents_app.letters import notice_occasion
    from incidents_app.models import AffectedPerson
    from requests_app.models import Letter

    Letter.objects.filter(request__isnull=True, occasion=notice_occasion(incident.pk)).delete()
    AffectedPerson.objects.filter(incident=incident).delete()
    incident.alerts.all().delete()
    incident.delete()
    if entrustee is not None:
        entrustee.delete()


def incident_snapshot(scale: Scale) -> list[Result]:
    """`incident_snapshot.time`: staff scopes every customer from an entrustee and freezes."""
    from incidents_app.models import AffectedPerson, Entrustee

    times, counts = [], []
    with gunicorn_server(workers=2) as site:
        session = site.login(PERSONAS["staff"])
        for _run in range(scale.heavy_runs):
            entrustee = Entrustee.objects.create(name="bench entrustee", all_customers=True)
            incident = _incident(reportable=False)
            try:
                started = time.perf_counter()
                _post_step(site, session, incident, "scope_entrustee", {"entrustee": entrustee.pk})
                _post_step(site, session, incident, "freeze", {"confirm": "on"})
                times.append(time.perf_counter() - started)
                incident.refresh_from_db()
                counts.append(incident.affected_count)
                rows = AffectedPerson.objects.filter(incident=incident).count()
                if rows != incident.affected_count or not incident.affected_frozen_at:
                    raise AssertionError("the frozen count differs from the snapshot's rows")
            finally:
                _delete(incident, entrustee)
    stats = Stats(times)
    return [
        Result(
            "incident_snapshot.time",
            round(stats.median, 2),
            "s",
            "< 30",
            stats.median < 30,
            stats=stats.as_dict(2),
            note=f"{counts[0]:,} people affected (every customer not erased, from an entrustee's "
            "scope): POST scope_entrustee + POST freeze as privacy staff, gunicorn (production "
            "settings), login form, client-side time (each POST after a GET of its form page)",
        )
    ]


def _seed_snapshot(incident, n: int) -> int:
    """Setup, not measured: the first n customers not erased as the incident's frozen snapshot."""
    from consent_app.models import Customer
    from incidents_app.models import AffectedPerson, Incident

    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {AffectedPerson._meta.db_table} "  # noqa: S608  # nosec B608  # _meta table names, values bound
            "(incident_id, customer_id, category, source, added_at) "
            f"SELECT %s, id, 'query', 'bench', now() FROM {Customer._meta.db_table} "
            "WHERE erased_at IS NULL ORDER BY id LIMIT %s",
            [incident.pk, n],
        )
        count = cursor.rowcount
    Incident.objects.filter(pk=incident.pk).update(
        affected_frozen_at=timezone.now(), affected_count=count
    )
    return count


def incident_notices(scale: Scale) -> list[Result]:
    """`incident_notices.queue_time`: a manager queues one notice letter per person."""
    from celery import current_app

    from incidents_app.letters import notice_occasion
    from incidents_app.services.notices import incident_notices_publish_all
    from requests_app.letters.services import letter_generate
    from requests_app.models import Letter, LetterKind

    # 100,000 letters at the full scale (1 M customers), a tenth at "small", as for the load.
    wanted = max(NOTICE_TARGET * scale.customers // 1_000_000, 10)
    queue_times, publish_times, renders = [], [], []
    duplicates = second_added = letters = 0
    stored: list[str] = []
    try:
        with gunicorn_server(workers=2) as site:
            session = site.login(PERSONAS["manager"])
            for _run in range(scale.heavy_runs):
                incident = _incident(reportable=True)
                try:
                    people = _seed_snapshot(incident, wanted)
                    path = _step_path(incident, "queue_notices")
                    page = site.get(session, path)  # the confirm form, as the manager opens it
                    token = page.text.split('name="csrfmiddlewaretoken" value="', 1)[1]
                    token = token.split('"', 1)[0]
                    started = time.perf_counter()
                    answer = session.post(
                        site.base_url + path,
                        data={"csrfmiddlewaretoken": token, "confirm": "on"},
                        headers={"Referer": site.origin + path},
                        allow_redirects=False,
                        timeout=3600,
                    )
                    queue_times.append(time.perf_counter() - started)
                    if answer.status_code != 302:
                        raise AssertionError(f"queue_notices answered {answer.status_code}")
                    notices = Letter.objects.filter(
                        request__isnull=True,
                        kind=LetterKind.INCIDENT_NOTICE,
                        occasion=notice_occasion(incident.pk),
                    )
                    letters = notices.count()
                    duplicates = letters - notices.values("customer").distinct().count()
                    # Queueing again (a double click, a retried request) adds no letter.
                    site.post(session, path, {"confirm": "on"})
                    second_added = notices.count() - letters
                    if letters != people:
                        raise AssertionError(f"{people} people, {letters} letters")
                    if not publish_times:
                        # Once, for information: the worker's publisher task (its rate need only
                        # exceed the render rate) and the letter task's own rendering rate.
                        started = time.perf_counter()
                        incident_notices_publish_all(incident_id=incident.pk)
                        publish_times.append(time.perf_counter() - started)
                        sample = list(
                            notices.order_by("pk").values_list("pk", flat=True)[:RENDER_SAMPLE]
                        )
                        started = time.perf_counter()
                        for letter_id in sample:
                            letter_generate(letter_id=letter_id)
                        renders.append((time.perf_counter() - started) / len(sample))
                        stored += list(
                            Letter.objects.filter(pk__in=sample).values_list("file", flat=True)
                        )
                finally:
                    # The publisher task the POST queued and the render tasks name letters
                    # deleted here: drop them from the broker before anything consumes them.
                    current_app.control.purge()
                    _delete(incident)
    finally:
        current_app.control.purge()
        for name in stored:
            if name and default_storage.exists(name):
                default_storage.delete(name)
    stats = Stats(queue_times)
    per_letter = renders[0] if renders else None
    return [
        Result(
            "incident_notices.queue_time",
            round(stats.median, 2),
            "s",
            "< 60 for 100,000, no duplicate",
            stats.median < 60 and duplicates == 0 and second_added == 0,
            stats=stats.as_dict(2),
            note=f"{letters:,} notice letters queued (rows inserted, publisher task queued) by "
            f"the manager's POST through gunicorn (login form, client-side time); duplicates "
            f"{duplicates}, a second POST added {second_added}",
        ),
        Result(
            "incident_notices.publish_rate",
            round(letters / publish_times[0], 1) if publish_times else None,
            "tasks/s",
            None,
            None,
            status="info",
            note="the worker's publisher task (incident_notices_publish_all) putting one "
            "letter_render task per letter on the real broker, one producer",
        ),
        Result(
            "incident_notices.render_rate",
            round(1 / per_letter, 1) if per_letter else None,
            "letters/s",
            None,
            None,
            status="info",
            note=f"letter_generate (the letter task's service) on {RENDER_SAMPLE} notices, in "
            "one process: the rate one worker produces them at",
        ),
    ]
