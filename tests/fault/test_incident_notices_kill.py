"""Leak notices (issue 15, Art. 26(2)) survive a Celery worker killed with SIGKILL mid-batch.

A manager queues the notices of a reportable incident (one INSERT … SELECT of the letters, then
one task that publishes a render task per letter); a real worker publishes and renders them; it is
killed with SIGKILL while it holds one notice mid-render (the other pool process wherever it is);
a new worker starts. Every person of the frozen snapshot then has exactly one notice letter,
generated, with its own file, and no file is stored twice or left over. The guarantees are the
letter task's (acks_late, reject_on_worker_lost, the claim inside the render transaction, a file
name fixed per letter: test_worker_kill.py) plus the notices' own unique constraint per customer
and incident.

The PDFs are one-page stubs (tests/fault/worker.py): the HTML of each notice is still built from
its template and the incident's context; WeasyPrint would take minutes for hundreds of letters.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db.models import Count

from consent_app.models import Customer
from incidents_app.letters import notice_occasion
from incidents_app.services import incidents as incident_svc
from incidents_app.services import notices as notice_svc
from incidents_app.services.affected import affected_add_from_query, affected_freeze
from requests_app.models import Letter, LetterKind
from tests import factories as f

from .conftest import wait_until

pytestmark = [pytest.mark.fault, pytest.mark.services, pytest.mark.postgres]

PEOPLE = 400
JST = dt.timezone(dt.timedelta(hours=9))


def _frozen_reportable_incident(staff, manager, people: int):
    """An incident classified reportable, its people scoped from our data and frozen."""
    Customer.objects.bulk_create(
        f.PoCustomerFactory.build(
            number=f"C-KILL-{n:05d}",
            prefecture="愛知県",
            preferred_language="en" if n % 5 == 0 else "ja",
        )
        for n in range(people)
    )
    incident = incident_svc.incident_log(
        by=staff,
        title="顧客台帳の紛失",
        what_happened="販売会社の店舗で顧客台帳が所在不明",
        learned_at=dt.datetime(2026, 11, 24, 10, 0, tzinfo=JST),
        data_items="氏名、住所、電話番号",
        special_care=False,
        special_care_reason="要配慮個人情報は含まれない",
        financial_loss=False,
        financial_loss_reason="決済情報は含まれない",
        unlawful_purpose=False,
        unlawful_purpose_reason="不正アクセスの形跡なし",
        over_thousand=True,
        over_thousand_reason="約2,300人分の台帳（うち当社データで特定できた者を通知）",
    )
    incident = incident_svc.incident_classify(
        incident=incident, by=manager, reportable=True, note="第4号に該当"
    )
    affected_add_from_query(incident=incident, by=staff, prefecture="愛知県")
    return affected_freeze(incident=incident, by=staff)


def test_every_person_gets_exactly_one_notice_when_the_worker_is_killed_mid_batch(
    web_broker, workers, letter_templates, letter_storage, staff, manager, tmp_path
):
    """GIVEN a reportable incident with 400 people frozen WHEN a manager queues the notices,
    a worker is killed with SIGKILL mid-batch and a new worker starts
    THEN each of the 400 has exactly one notice, generated, in their language, with its own file,
    and nothing failed, was lost or was stored twice."""
    incident = _frozen_reportable_incident(staff, manager, PEOPLE)
    # The web side's path: the rows are inserted and the publish task is queued on commit.
    assert notice_svc.incident_notices_queue(incident=incident, by=manager) == PEOPLE
    notices = Letter.objects.filter(
        kind=LetterKind.INCIDENT_NOTICE, occasion=notice_occasion(incident.pk)
    )
    ids = list(notices.order_by("pk").values_list("pk", flat=True))
    assert len(ids) == PEOPLE
    gated = ids[PEOPLE * 3 // 10]  # held mid-render when the worker is killed
    gate = tmp_path / "gate"
    gate.mkdir()

    first = workers.start(concurrency=2, gate=gate, gate_letters=[gated], cheap_pdf=True)
    wait_until((gate / f"started-{gated}").exists, timeout=120, why=workers.logs)
    first.kill()
    done_at_kill = notices.filter(status=Letter.Status.GENERATED).count()
    second = workers.start(concurrency=2, cheap_pdf=True)
    wait_until(
        lambda: not notices.filter(status=Letter.Status.QUEUED).exists(),
        timeout=240,
        why=workers.logs,
    )

    assert 0 < done_at_kill < PEOPLE, done_at_kill  # the kill really fell mid-batch
    # Exactly one notice per person of the snapshot, and none to anyone else.
    per_person = dict(
        notices.values("customer_id").annotate(n=Count("pk")).values_list("customer_id", "n")
    )
    snapshot = set(incident.affected.values_list("customer_id", flat=True))
    assert set(per_person) == snapshot and len(snapshot) == PEOPLE
    assert set(per_person.values()) == {1}
    assert notices.filter(status=Letter.Status.GENERATED).count() == PEOPLE
    assert not notices.exclude(status=Letter.Status.GENERATED).exists()
    # In the person's language.
    wrong_language = notices.exclude(language="en").filter(customer__preferred_language="en")
    assert not wrong_language.exists()
    assert notices.filter(language="en").count() == PEOPLE // 5
    # A distinct file per letter, each the one its row describes, and no other file stored.
    rows = dict(notices.values_list("file", "sha256"))
    assert len(rows) == PEOPLE
    assert letter_storage.names() == set(rows)
    assert all(letter_storage.sha256(name) == sha for name, sha in rows.items())
    assert Letter.objects.get(pk=gated).attempts == 2  # the killed render and the one that ran
    assert second.alive()
