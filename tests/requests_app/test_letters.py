"""Letters: queueing, the render task, the re-queue sweep, the PDF itself, marking sent.

Celery is tested three ways: the task called directly, the enqueue checked where it happens
(on commit), and one run through a real worker over real Redis (marked `services`).
With LETTER_SAMPLE_DIR set, the tests that render letters also keep them there as PDFs.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from unittest import mock

import pytest
from django.core.files.storage import default_storage
from django.db import OperationalError, transaction
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from requests_app.letters import rendering, services
from requests_app.letters.seed import SEED_TEMPLATES
from requests_app.letters.tasks import RETRYABLE, letter_render, letters_requeue_stale_task
from requests_app.letters.template_library import endate, jdate, postal, wareki, yen
from requests_app.models import Letter, LetterKind, LetterTemplate
from tests.factories import (
    CorrectionItemFactory,
    DisclosureRequestFactory,
    LetterFactory,
    LetterTemplateFactory,
)

from .letters_helpers import flat, pdf_fonts, pdf_page_texts, pdf_text, write_sample

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def letter_storage(settings, tmp_path):
    """Letters go to a private folder of this test, never under a served path."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "private"), "base_url": None},
        },
    }
    return tmp_path / "private"


def generated(letter: Letter) -> tuple[Letter, bytes]:
    """Run the render task body for a letter and return the row and the PDF bytes."""
    letter_render(letter.pk)
    letter.refresh_from_db()
    assert letter.status == Letter.Status.GENERATED, letter.error
    with letter.file.open("rb") as handle:
        return letter, handle.read()


# --- queueing ----------------------------------------------------------------------------------
def test_queue_creates_a_queued_letter_with_the_current_template_version():
    request = DisclosureRequestFactory(request_type="disclosure", language="ja")
    current = LetterTemplate.objects.get(
        kind="request_form", request_type="", language="ja", is_current=True
    )

    letter = services.letter_queue(request=request, kind="request_form", occasion="statelog-1")

    assert letter.status == Letter.Status.QUEUED
    assert letter.template == current
    assert letter.language == "ja"
    assert letter.queued_at is not None


def test_queueing_the_same_occasion_twice_gives_one_letter():
    request = DisclosureRequestFactory()

    first = services.letter_queue(request=request, kind="request_form", occasion="statelog-7")
    second = services.letter_queue(request=request, kind="request_form", occasion="statelog-7")

    assert first.pk == second.pk
    assert Letter.objects.filter(request=request).count() == 1


def test_queueing_another_occasion_gives_a_second_letter():
    request = DisclosureRequestFactory()

    services.letter_queue(request=request, kind="more_documents", occasion="statelog-1")
    services.letter_queue(request=request, kind="more_documents", occasion="statelog-2")

    assert Letter.objects.filter(request=request).count() == 2


def test_letter_is_in_the_verified_customers_preferred_language(customer):
    customer.preferred_language = "en"
    customer.save(update_fields=["preferred_language"])
    request = DisclosureRequestFactory(language="ja", customer=customer, state="verified")

    letter = services.letter_queue(request=request, kind="extension_notice", occasion="x-1")

    assert letter.language == "en"
    assert letter.template.language == "en"


def test_letter_is_in_the_requests_language_before_identity_is_verified():
    request = DisclosureRequestFactory(language="en")

    letter = services.letter_queue(request=request, kind="request_form", occasion="x-1")

    assert letter.language == "en"


@pytest.mark.parametrize(
    ("outcome", "kind"),
    [
        ("refused", LetterKind.REFUSAL),
        ("no_data_held", LetterKind.NO_DATA_HELD),
        ("fulfilled", LetterKind.RESPONSE),
        ("partly_fulfilled", LetterKind.RESPONSE),
    ],
)
def test_a_response_letter_takes_the_kind_the_outcome_calls_for(outcome, kind):
    request = DisclosureRequestFactory(state="response_drafted", outcome=outcome)

    letter = services.letter_queue(request=request, kind="response", occasion="statelog-9")

    assert letter.kind == kind


def test_a_template_for_the_request_type_beats_the_template_for_any_type():
    specific = LetterTemplateFactory(kind="request_form", request_type="correction", language="ja")
    request = DisclosureRequestFactory(request_type="correction")

    letter = services.letter_queue(request=request, kind="request_form", occasion="x-1")

    assert letter.template == specific


def test_an_unknown_kind_is_refused_and_nothing_is_written():
    request = DisclosureRequestFactory()

    with pytest.raises(ValueError) as error:
        services.letter_queue(request=request, kind="love_letter", occasion="x-1")

    assert str(error.value) == str(services.UNKNOWN_KIND % {"kind": "love_letter"})
    assert not Letter.objects.exists()


def test_the_render_task_is_published_only_after_the_transaction_commits(
    django_capture_on_commit_callbacks,
):
    request = DisclosureRequestFactory()
    with mock.patch.object(letter_render, "delay") as delay:
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            letter = services.letter_queue(request=request, kind="request_form", occasion="x-1")
            assert not delay.called  # still inside the transaction
        assert len(callbacks) == 1
    delay.assert_called_once_with(letter.pk)


def test_a_rolled_back_transition_publishes_nothing(django_capture_on_commit_callbacks):
    request = DisclosureRequestFactory()
    with (
        mock.patch.object(letter_render, "delay") as delay,
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        services.letter_queue(request=request, kind="request_form", occasion="x-1")
        raise RuntimeError("the transition failed after queueing")

    assert not delay.called
    assert not Letter.objects.exists()


def test_a_broker_outage_leaves_the_letter_queued_and_the_caller_unharmed(
    django_capture_on_commit_callbacks, caplog
):
    """GIVEN Redis is down WHEN a transition queues a letter THEN the caller's request succeeds
    and the letter stays queued for the sweep."""
    request = DisclosureRequestFactory()
    with (
        mock.patch.object(letter_render, "delay", side_effect=BrokerError("Connection refused")),
        django_capture_on_commit_callbacks(execute=True),
    ):
        letter = services.letter_queue(request=request, kind="request_form", occasion="x-1")

    letter.refresh_from_db()
    assert letter.status == Letter.Status.QUEUED
    assert "the sweep will re-queue it" in caplog.text


# --- the render task ---------------------------------------------------------------------------
def test_the_task_stores_the_pdf_with_its_checksum_size_and_page_count(letter_storage):
    letter = LetterFactory(request__requester_name="佐藤 一郎")

    letter, pdf = generated(letter)

    assert pdf.startswith(b"%PDF-")
    assert letter.sha256 == hashlib.sha256(pdf).hexdigest()
    assert letter.size == len(pdf)
    assert letter.page_count == len(pdf_page_texts(pdf)) >= 2  # the letter and the form
    assert letter.generated_at is not None
    assert (letter_storage / letter.file.name).is_file()
    assert "佐藤" not in letter.file.name  # no personal data in storage names


def test_running_the_task_twice_yields_one_file(letter_storage):
    letter = LetterFactory()

    letter_render(letter.pk)
    letter_render(letter.pk)

    letter.refresh_from_db()
    files = list(letter_storage.rglob("*.pdf"))
    assert len(files) == 1
    assert letter.attempts == 1  # the second run found it generated and did nothing


def test_a_rerun_after_a_crash_replaces_the_half_written_file(letter_storage):
    """GIVEN a worker died after writing the file but before committing WHEN the task runs
    again THEN the same storage name is reused: still one file, the new one."""
    letter = LetterFactory()
    name = services.letter_storage_name(letter=letter)
    default_storage.save(name, __import__("io").BytesIO(b"half a PDF"))

    letter, pdf = generated(letter)

    assert letter.file.name == name
    assert len(list(letter_storage.rglob("*.pdf"))) == 1
    assert pdf.startswith(b"%PDF-")


def test_the_task_returns_quietly_for_a_letter_that_is_gone(caplog):
    """GIVEN no letter 987654321 WHEN its task runs THEN it logs the id and writes nothing."""
    other = LetterFactory()

    with caplog.at_level("INFO", logger="requests_app.letters.tasks"):
        assert letter_render(987654321) is None

    assert "letter 987654321 no longer exists" in caplog.messages
    assert list(Letter.objects.values_list("pk", flat=True)) == [other.pk]
    other.refresh_from_db()
    assert (other.status, other.attempts) == (Letter.Status.QUEUED, 0)


def test_the_task_declares_its_retries_and_late_acknowledgement():
    assert set(letter_render.autoretry_for) == set(RETRYABLE)
    assert OperationalError in letter_render.autoretry_for
    assert letter_render.retry_backoff and letter_render.retry_jitter
    assert letter_render.max_retries == 5
    assert letter_render.retry_backoff_max < 3600  # under the Redis visibility timeout
    assert letter_render.acks_late and letter_render.reject_on_worker_lost
    assert letter_render.time_limit < 3600


def test_a_transient_database_error_is_retried_and_the_letter_still_generated():
    letter = LetterFactory()
    real = rendering.render_letter_pdf
    calls = {"n": 0}

    def flaky(**kwargs):
        calls["n"] += 1
        if calls["n"] == 1:
            raise OperationalError("server closed the connection unexpectedly")
        return real(**kwargs)

    with mock.patch.object(rendering, "render_letter_pdf", side_effect=flaky):
        letter_render.apply(args=[letter.pk])

    letter.refresh_from_db()
    assert letter.status == Letter.Status.GENERATED
    assert letter.attempts == 2


def test_when_the_retries_are_spent_the_letter_is_failed_with_the_error():
    letter = LetterFactory()
    boom = OperationalError("could not connect to server")

    with mock.patch.object(rendering, "render_letter_pdf", side_effect=boom):
        letter_render.apply(args=[letter.pk])

    letter.refresh_from_db()
    assert letter.status == Letter.Status.FAILED
    assert "OperationalError: could not connect to server" in letter.error
    assert letter.attempts == letter_render.max_retries + 1


def test_a_missing_font_fails_loudly_and_never_renders_boxes(settings):
    settings.LETTER_FONT_FILES = ["/nonexistent/fonts/ipaexm.ttf"]
    letter = LetterFactory()

    letter_render.apply(args=[letter.pk])

    letter.refresh_from_db()
    assert letter.status == Letter.Status.FAILED
    assert "LetterFontMissing" in letter.error
    assert "/nonexistent/fonts/ipaexm.ttf" in letter.error
    assert letter.attempts == 1  # a configuration error is not retried
    assert not letter.file


def test_a_letter_with_no_template_fails_with_a_clear_error():
    LetterTemplate.objects.filter(kind="no_data_held").update(is_current=False)
    request = DisclosureRequestFactory(state="response_drafted", outcome="no_data_held")
    letter = services.letter_queue(request=request, kind="response", occasion="x-1")

    letter_render.apply(args=[letter.pk])

    letter.refresh_from_db()
    assert letter.status == Letter.Status.FAILED
    expected = rendering.NO_TEMPLATE % {"kind": letter.get_kind_display(), "language": "ja"}
    assert str(expected) in letter.error


def test_a_failed_letter_queued_again_is_generated_with_the_template_created_since():
    LetterTemplate.objects.filter(kind="no_data_held", language="ja").update(is_current=False)
    request = DisclosureRequestFactory(state="response_drafted", outcome="no_data_held")
    letter = services.letter_queue(request=request, kind="response", occasion="x-1")
    letter_render.apply(args=[letter.pk])
    new = services.letter_template_publish(
        kind="no_data_held", request_type="", language="ja", subject="件名", body="<p>本文</p>"
    )

    services.letter_retry(letter=Letter.objects.get(pk=letter.pk))
    letter_render(letter.pk)

    letter.refresh_from_db()
    assert letter.status == Letter.Status.GENERATED
    assert letter.template == new


# --- the re-queue sweep ------------------------------------------------------------------------
def test_the_sweep_requeues_letters_queued_for_more_than_five_minutes(
    django_capture_on_commit_callbacks,
):
    stale = LetterFactory(queued_at=timezone.now() - dt.timedelta(minutes=6))
    fresh = LetterFactory(queued_at=timezone.now() - dt.timedelta(minutes=1))

    with (
        mock.patch.object(letter_render, "delay") as delay,
        django_capture_on_commit_callbacks(execute=True),
    ):
        count = letters_requeue_stale_task()

    assert count == 1
    delay.assert_called_once_with(stale.pk)
    stale.refresh_from_db()
    assert stale.queued_at > timezone.now() - dt.timedelta(minutes=1)  # the clock restarted
    fresh.refresh_from_db()
    assert fresh.status == Letter.Status.QUEUED


def test_the_sweep_leaves_generated_sent_and_failed_letters_alone(
    django_capture_on_commit_callbacks,
):
    old = timezone.now() - dt.timedelta(hours=2)
    for status in ("generated", "sent", "failed"):
        LetterFactory(status=status, queued_at=old)

    with (
        mock.patch.object(letter_render, "delay") as delay,
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert services.letters_requeue_stale() == 0

    assert not delay.called


def test_a_letter_queued_while_the_broker_was_down_is_generated_after_the_sweep(
    django_capture_on_commit_callbacks,
):
    """GIVEN a letter queued while Redis was down WHEN the sweep runs with Redis back and the
    task runs THEN the letter is generated, once."""
    request = DisclosureRequestFactory()
    with (
        mock.patch.object(letter_render, "delay", side_effect=BrokerError("down")),
        django_capture_on_commit_callbacks(execute=True),
    ):
        letter = services.letter_queue(request=request, kind="request_form", occasion="x-1")
    letter.refresh_from_db()
    assert letter.unpublished_since is not None  # the next sweep takes it without waiting

    with (
        mock.patch.object(letter_render, "delay") as delay,
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert services.letters_requeue_stale() == 1
    # The broker hands the published task to a worker (here: this process, which sees the
    # test's data; the publish itself ran on the publisher thread).
    delay.assert_called_once_with(letter.pk)
    letter_render(letter.pk)

    letter.refresh_from_db()
    assert letter.unpublished_since is None
    assert letter.status == Letter.Status.GENERATED
    assert Letter.objects.filter(request=request).count() == 1


# --- the PDF -----------------------------------------------------------------------------------
def test_the_pdf_carries_the_requesters_name_address_and_japanese_text():
    letter = LetterFactory(
        request__requester_name="高橋 陽子",
        request__requester_postal_code="5300001",
        request__requester_address="大阪府大阪市北区梅田1-2-3",
    )

    _letter, pdf = generated(letter)

    text = pdf_text(pdf)
    assert "高橋 陽子" in text
    assert "様" in text
    assert "〒530-0001" in text
    assert "大阪府大阪市北区梅田1-2-3" in text
    assert "保有個人データ開示等請求書" in text
    assert "拝啓" in text and "敬具" in text
    write_sample("request_form.ja.real", pdf)


def test_the_pdf_embeds_every_font_it_uses():
    _letter, pdf = generated(LetterFactory())

    fonts = pdf_fonts(pdf)

    assert fonts, "the PDF uses no font at all"
    assert all(fonts.values()), f"fonts not embedded: {fonts}"
    assert any("LetterSerif" in name for name in fonts)  # the IPAex Mincho face


def test_the_date_is_written_the_japanese_way(time_machine):
    time_machine.move_to(dt.datetime(2026, 11, 24, 10, 0, tzinfo=dt.UTC), tick=False)

    _letter, pdf = generated(LetterFactory())

    assert "2026年11月24日" in pdf_text(pdf)


def test_an_english_letter_is_written_in_english():
    letter = LetterFactory(language="en", request__requester_name="John Smith")

    _letter, pdf = generated(letter)

    text = pdf_text(pdf)
    assert "Dear John Smith" in text
    assert "Yours sincerely" in text


def test_html_in_a_requesters_name_is_printed_as_text_not_markup():
    letter = LetterFactory(request__requester_name="<b>山田</b><img src=x>")

    _letter, pdf = generated(letter)

    assert "<b>山田</b><img src=x>" in pdf_text(pdf)


def test_a_letter_keeps_the_template_version_it_was_made_with():
    letter = LetterFactory()
    used = letter.template
    services.letter_template_publish(
        kind=used.kind,
        request_type=used.request_type,
        language=used.language,
        subject="新しい件名",
        body="<p>新しい本文</p>",
        base=used,
    )

    letter, pdf = generated(letter)

    assert letter.template == used
    assert "新しい本文" not in pdf_text(pdf)


def test_a_request_for_more_documents_names_the_missing_documents(staff):
    from requests_app.services import request_more_documents
    from tests.requests_app.helpers import request_in

    request = request_in("documents_received")
    request_more_documents(request=request, by=staff, reason="運転免許証の裏面の写しがありません")
    letter = Letter.objects.get(request=request, kind="more_documents")

    _letter, pdf = generated(letter)

    assert "運転免許証の裏面の写しがありません" in flat(pdf_text(pdf))


def test_a_refusal_cites_its_legal_ground_and_the_article_36_explanation():
    request = DisclosureRequestFactory(
        state="response_drafted",
        outcome="refused",
        refusal_ground="harm_to_person",
        outcome_explanation="第三者の生命に危険が及ぶおそれがあります。",
    )
    letter = services.letter_queue(request=request, kind="response", occasion="x-1")

    _letter, pdf = generated(letter)

    text = flat(pdf_text(pdf))
    assert "個人情報保護法第33条第2項第1号" in text
    assert "個人情報保護法第33条第3項" in text  # the notice duty
    assert "第36条" in text
    assert "第三者の生命に危険が及ぶおそれがあります。" in text


def test_a_correction_response_lists_each_change_and_what_was_done():
    request = DisclosureRequestFactory(
        request_type="correction", state="responded", outcome="fulfilled"
    )
    CorrectionItemFactory(request=request, requested_value="東京都港区芝公園4-2-8")
    letter = services.letter_queue(request=request, kind="response", occasion="x-1")

    _letter, pdf = generated(letter)

    text = flat(pdf_text(pdf))
    assert "東京都港区芝公園4-2-8" in text
    assert "訂正いたしました" in text
    assert "個人情報保護法第34条第3項" in text


def test_the_disclosure_response_prints_the_compiled_data_as_tables_on_numbered_pages(
    customer,
):
    request = DisclosureRequestFactory(
        request_type="disclosure",
        state="responded",
        outcome="fulfilled",
        customer=customer,
        disclosure_method_requested="paper",
        disclosure_method_used="paper",
    )
    letter = services.letter_queue(request=request, kind="response", occasion="x-1")

    letter, pdf = generated(letter)

    pages = pdf_page_texts(pdf)
    assert letter.page_count == len(pages) >= 2  # the letter, then the data from a new page
    assert all(f"{n} / {len(pages)}" in page for n, page in enumerate(pages, 1))
    annex = "\n".join(pages[1:])
    assert customer.number in annex
    assert customer.family_name in annex
    assert customer.address in annex
    assert "保有個人データの開示" in pages[0]
    write_sample("response.disclosure.ja.real", pdf)


def _request_for_template(kind: str, request_type: str, customer, language: str):
    """A request whose state and outcome owe a letter of this kind."""
    fields = {"request_type": request_type or "disclosure", "language": language}
    if kind in ("response", "refusal", "no_data_held"):
        outcome = {"refusal": "refused", "no_data_held": "no_data_held"}.get(kind, "fulfilled")
        fields.update(
            state="responded", outcome=outcome, documents_received_on=dt.date(2026, 11, 2)
        )
        if kind == "refusal":
            fields.update(
                refusal_ground={
                    "purpose_notice": "purpose_already_clear",
                    "correction": "content_true",
                    "erasure": "art35_grounds_not_met",
                    "provision_stop": "art35_grounds_not_met",
                }.get(fields["request_type"], "business_hindrance"),
                outcome_explanation="説明文",
            )
        if kind == "response":
            fields["customer"] = customer
    elif kind == "extension_notice":
        fields.update(state="verified", due_date=dt.date(2026, 12, 1))
    return DisclosureRequestFactory(**fields)


@pytest.mark.parametrize(
    ("kind", "request_type", "language"),
    [(kind, rtype, lang) for kind, rtype, lang, _s, _f in SEED_TEMPLATES],
    ids=[f"{kind}-{rtype or 'any'}-{lang}" for kind, rtype, lang, _s, _f in SEED_TEMPLATES],
)
def test_every_seeded_letter_renders_as_a_real_letter(
    kind, request_type, language, customer, staff
):
    """Each seeded kind, in both languages, generated end to end from a real request."""
    from requests_app.models import DeadlineExtension

    customer.preferred_language = language
    customer.save(update_fields=["preferred_language"])
    request = _request_for_template(kind, request_type, customer, language)
    if kind == "extension_notice":
        DeadlineExtension.objects.create(
            request=request,
            previous_due_date=dt.date(2026, 11, 17),
            new_due_date=dt.date(2026, 12, 1),
            reason="販売会社からの記録の取り寄せ",
            extended_by=staff,
        )
    letter = services.letter_queue(request=request, kind=kind, occasion="sample")
    assert (letter.kind, letter.language) == (kind, language)
    assert letter.template.request_type == request_type

    letter, pdf = generated(letter)

    text = pdf_text(pdf)
    assert request.requester_name in text
    assert request.reference in text
    if language == "ja":
        assert "様" in text and "株式会社" in text
    else:
        assert "Yours sincerely" in text
    write_sample(f"{kind}.{request_type or 'any'}.{language}", pdf)


# --- marking sent, retrying --------------------------------------------------------------------
def test_staff_mark_a_letter_sent_by_post_with_a_tracking_number(staff):
    letter = LetterFactory(status="generated")

    services.letter_mark_sent(
        letter=letter, by=staff, sent_via="post", tracking_number=" 1234-5678-9012 "
    )

    letter.refresh_from_db()
    assert letter.status == Letter.Status.SENT
    assert letter.tracking_number == "1234-5678-9012"
    assert letter.sent_by == staff
    assert letter.sent_at is not None


def test_a_tracking_number_on_an_e_mailed_letter_is_refused(staff):
    letter = LetterFactory(status="generated")

    with pytest.raises(ValueError) as error:
        services.letter_mark_sent(letter=letter, by=staff, sent_via="email", tracking_number="123")

    assert str(error.value) == str(services.TRACKING_ONLY_FOR_POST)
    letter.refresh_from_db()
    assert letter.status == Letter.Status.GENERATED


def test_a_letter_not_yet_generated_cannot_be_marked_sent(staff):
    letter = LetterFactory(status="queued")

    with pytest.raises(ValueError) as error:
        services.letter_mark_sent(letter=letter, by=staff, sent_via="post")

    assert str(error.value) == str(services.NOT_GENERATED)


def test_a_letter_cannot_be_marked_sent_twice(staff):
    letter = LetterFactory(status="generated")
    services.letter_mark_sent(letter=letter, by=staff, sent_via="post")

    with pytest.raises(ValueError) as error:
        services.letter_mark_sent(letter=letter, by=staff, sent_via="email")

    assert str(error.value) == str(services.ALREADY_SENT)


def test_retry_queues_a_failed_letter_again(django_capture_on_commit_callbacks, staff):
    letter = LetterFactory(status="failed", error="OperationalError: boom")

    with (
        mock.patch.object(letter_render, "delay") as delay,
        django_capture_on_commit_callbacks(execute=True),
    ):
        services.letter_retry(letter=letter, by=staff)

    letter.refresh_from_db()
    assert letter.status == Letter.Status.QUEUED
    assert letter.error == ""
    delay.assert_called_once_with(letter.pk)


def test_only_a_failed_letter_can_be_retried(staff):
    letter = LetterFactory(status="generated")

    with pytest.raises(ValueError) as error:
        services.letter_retry(letter=letter, by=staff)

    assert str(error.value) == str(services.ONLY_FAILED_RETRY)


# --- filters -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (dt.date(2026, 11, 24), "令和8年11月24日"),
        (dt.date(2019, 5, 1), "令和元年5月1日"),
        (dt.date(2019, 4, 30), "平成31年4月30日"),
    ],
)
def test_wareki_writes_the_era_year(value, expected):
    assert wareki(value) == expected


def test_date_and_money_filters():
    day = dt.date(2026, 11, 24)
    assert jdate(day) == "2026年11月24日"
    assert endate(day) == "24 November 2026"
    assert postal("1000005") == "〒100-0005"
    assert postal("100-0005") == "〒100-0005"
    assert yen(1000) == "1,000円"


def test_a_datetime_is_dated_in_tokyo_not_utc():
    late_utc = dt.datetime(2026, 11, 24, 16, 0, tzinfo=dt.UTC)  # 01:00 on the 25th in Tokyo
    assert jdate(late_utc) == "2026年11月25日"


# --- a real worker over real Redis -------------------------------------------------------------
@pytest.mark.services
def test_a_real_worker_generates_a_real_letter_end_to_end(live_worker, settings):
    """GIVEN a live Celery worker on Redis WHEN a transition queues a letter and commits
    THEN the worker renders and stores the PDF and marks the letter generated."""
    from requests_app.letters.seed import seed_letter_templates
    from tests.conftest import wait_for

    # A transactional test before this one may have flushed the migrations' seed rows.
    seed_letter_templates(LetterTemplate)
    request = DisclosureRequestFactory(requester_name="鈴木 健")
    with transaction.atomic():
        letter = services.letter_queue(request=request, kind="request_form", occasion="live-1")

    def done():
        letter.refresh_from_db()
        return letter.status != Letter.Status.QUEUED

    wait_for(done, timeout=90)
    assert letter.status == Letter.Status.GENERATED, letter.error
    # The worker stored it through the default storage of its own settings.
    from django.core.files.storage import FileSystemStorage

    storage = FileSystemStorage(location=str(settings.VAR_DIR / "private"))
    with storage.open(letter.file.name, "rb") as handle:
        pdf = handle.read()
    try:
        assert hashlib.sha256(pdf).hexdigest() == letter.sha256
        assert "鈴木 健" in pdf_text(pdf)
        assert Letter.objects.filter(request=request).count() == 1
    finally:
        storage.delete(letter.file.name)


def test_a_letter_that_keeps_killing_its_worker_is_failed_after_the_attempt_limit():
    """GIVEN a letter whose renders never finish (the hard time limit kills the worker, so no
    failure handler runs) WHEN it is swept and delivered again past the limit THEN it is
    failed for a person to look at, not retried for ever."""
    letter = LetterFactory(attempts=services.MAX_RENDER_ATTEMPTS)

    letter_render(letter.pk)

    letter.refresh_from_db()
    assert letter.status == Letter.Status.FAILED
    expected = services.GAVE_UP % {"attempts": services.MAX_RENDER_ATTEMPTS}
    assert letter.error == str(expected)


def test_an_unexpected_publish_error_still_leaves_the_callers_commit_standing(
    django_capture_on_commit_callbacks,
):
    """GIVEN the Celery connection pool is in a broken state WHEN a transition's letter is
    published after commit THEN the error is logged, not raised into the caller's page."""
    request = DisclosureRequestFactory()
    with (
        mock.patch.object(letter_render, "delay", side_effect=RuntimeError("closed pool")),
        django_capture_on_commit_callbacks(execute=True),
    ):
        letter = services.letter_queue(request=request, kind="request_form", occasion="x-1")

    letter.refresh_from_db()
    assert letter.status == Letter.Status.QUEUED
