"""Notices to the people (Art. 26(2)): one letter per person, exactly once, in their language."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation
from pypdf import PdfReader

from incidents_app.letters import notice_occasion
from incidents_app.models import NoticeMethod
from incidents_app.services import notices as svc
from incidents_app.services.affected import affected_add_from_query, affected_freeze
from requests_app.letters.services import letter_generate
from requests_app.models import Letter, LetterKind
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def frozen_incident(reportable_incident, staff):
    f.PoCustomerFactory(prefecture="愛知県", preferred_language="ja", number="C-JA-1")
    f.PoCustomerFactory(prefecture="愛知県", preferred_language="en", number="C-EN-1")
    affected_add_from_query(incident=reportable_incident, by=staff, prefecture="愛知県")
    return affected_freeze(incident=reportable_incident, by=staff)


def _letters(incident):
    return Letter.objects.filter(
        kind=LetterKind.INCIDENT_NOTICE, occasion=notice_occasion(incident.pk)
    )


def test_one_letter_per_person_in_their_language(frozen_incident, manager, monkeypatch):
    monkeypatch.setattr(
        "incidents_app.services.notices.incident_notices_publish.delay", lambda pk: None
    )
    assert svc.incident_notices_queue(incident=frozen_incident, by=manager) == 2
    languages = dict(_letters(frozen_incident).values_list("customer__number", "language"))
    assert languages == {"C-JA-1": "ja", "C-EN-1": "en"}
    frozen_incident.refresh_from_db()
    assert frozen_incident.notice_method == NoticeMethod.INDIVIDUAL
    assert frozen_incident.notices_count == 2


def test_queueing_twice_sends_nobody_a_second_letter(frozen_incident, manager, monkeypatch):
    monkeypatch.setattr(
        "incidents_app.services.notices.incident_notices_publish.delay", lambda pk: None
    )
    svc.incident_notices_queue(incident=frozen_incident, by=manager)
    with translation.override("ja"), pytest.raises(ValidationError) as exc:
        svc.incident_notices_queue(incident=frozen_incident, by=manager)
    assert _letters(frozen_incident).count() == 2
    today = timezone.localdate()  # said as a Japanese reader writes a date, never 2026-12-02
    assert f"{today.year}年{today.month}月{today.day}日" in exc.value.messages[0]


def test_the_publish_task_is_queued_after_commit(
    frozen_incident, manager, monkeypatch, django_capture_on_commit_callbacks
):
    published = []
    monkeypatch.setattr(
        "incidents_app.services.notices.incident_notices_publish.delay", published.append
    )
    with django_capture_on_commit_callbacks(execute=True):
        svc.incident_notices_queue(incident=frozen_incident, by=manager)
    assert published == [frozen_incident.pk]


def test_the_publisher_publishes_each_queued_letter_once(frozen_incident, manager, monkeypatch):
    monkeypatch.setattr(
        "incidents_app.services.notices.incident_notices_publish.delay", lambda pk: None
    )
    svc.incident_notices_queue(incident=frozen_incident, by=manager)
    sent = []
    monkeypatch.setattr(
        "requests_app.letters.tasks.letter_render.apply_async",
        lambda args, producer=None: sent.append(args[0]),
    )
    assert svc.incident_notices_publish_all(incident_id=frozen_incident.pk) == 2
    assert sorted(sent) == sorted(_letters(frozen_incident).values_list("pk", flat=True))


def test_a_notice_renders_through_the_letter_task_in_the_persons_language(
    frozen_incident, manager, monkeypatch
):
    monkeypatch.setattr(
        "incidents_app.services.notices.incident_notices_publish.delay", lambda pk: None
    )
    svc.incident_notices_queue(incident=frozen_incident, by=manager)
    english = _letters(frozen_incident).get(language="en")
    japanese = _letters(frozen_incident).get(language="ja")
    assert letter_generate(letter_id=english.pk) and letter_generate(letter_id=japanese.pk)
    assert not letter_generate(letter_id=japanese.pk)  # generated once
    texts = {}
    for letter in (english, japanese):
        letter.refresh_from_db()
        with letter.file.open("rb") as handle:
            texts[letter.language] = PdfReader(io.BytesIO(handle.read())).pages[0].extract_text()
    assert "Article 26(2)" in texts["en"] and frozen_incident.reference in texts["en"]
    assert "第26条第2項" in texts["ja"] and "C-JA-1" in texts["ja"]


def test_notices_need_a_frozen_snapshot(reportable_incident, manager):
    with pytest.raises(ValidationError) as exc:
        svc.incident_notices_queue(incident=reportable_incident, by=manager)
    assert exc.value.messages == [str(svc.NOT_FROZEN)]


def test_staff_cannot_send_notices(frozen_incident, staff):
    with pytest.raises(PermissionDenied):
        svc.incident_notices_queue(incident=frozen_incident, by=staff)


def test_a_public_announcement_replaces_the_letters_with_its_reason(frozen_incident, manager):
    with pytest.raises(ValidationError):
        svc.incident_public_announcement_record(
            incident=frozen_incident, by=manager, reason="", published_on=timezone.localdate()
        )
    incident = svc.incident_public_announcement_record(
        incident=frozen_incident,
        by=manager,
        reason="連絡先が不明な対象者が大半のため",
        published_on=timezone.localdate(),
    )
    assert incident.notice_method == NoticeMethod.PUBLIC
    with pytest.raises(ValidationError) as exc:
        svc.incident_notices_queue(incident=incident, by=manager)
    assert exc.value.messages == [str(svc.PUBLIC_INSTEAD)]


def test_an_erased_customer_gets_no_letter(frozen_incident, manager, monkeypatch):
    from consent_app.models import Customer

    Customer.objects.filter(number="C-EN-1").update(erased_at=timezone.now())
    monkeypatch.setattr(
        "incidents_app.services.notices.incident_notices_publish.delay", lambda pk: None
    )
    assert svc.incident_notices_queue(incident=frozen_incident, by=manager) == 1


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("ja", ["INC-2026-0042", "滅失", "顧客台帳", "氏名、住所、電話番号", "再発防止策", "施錠"]),
        ("en", ["INC-2026-0042", "loss", "customer ledger", "Measures against recurrence"]),
    ],
)
def test_the_notice_template_preview_shows_a_sample_incident_filled_in(
    client, manager, language, expected
):
    """GIVEN a manager reviewing the leak-notice template WHEN they open its preview
    THEN every field the person will read is filled from a sample incident, none empty."""
    from requests_app.models import LetterTemplate
    from tests.live_http import PASSWORD
    from tests.requests_app.letters_helpers import flat, pdf_text, write_sample

    login = client.post(
        "/admin/login/?next=/admin/", {"username": manager.username, "password": PASSWORD}
    )
    assert login.status_code == 302
    template = LetterTemplate.objects.get(
        kind=LetterKind.INCIDENT_NOTICE, language=language, is_current=True
    )
    response = client.get(f"/admin/requests_app/lettertemplate/{template.pk}/preview/")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = flat(pdf_text(response.content)) if language == "ja" else pdf_text(response.content)
    text = " ".join(text.split()) if language == "en" else text
    for value in expected:
        assert value in text, value
    write_sample(f"preview.incident_notice.{language}", response.content)
