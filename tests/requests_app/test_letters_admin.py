"""Letters in the admin: the permission-checked download, marking sent, retrying a failure."""

from __future__ import annotations

from unittest import mock

import pytest
from django.urls import reverse

from requests_app.letters import services
from requests_app.letters.tasks import letter_render
from requests_app.models import Letter
from tests.factories import LetterFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def letter_storage(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "private"), "base_url": None},
        },
    }


@pytest.fixture
def generated_letter():
    letter = LetterFactory()
    letter_render(letter.pk)
    letter.refresh_from_db()
    return letter


def download_url(letter: Letter) -> str:
    return reverse("admin:requests_app_letter_download", args=[letter.pk])


def change_url(letter: Letter) -> str:
    return reverse("admin:requests_app_letter_change", args=[letter.pk])


# --- download ----------------------------------------------------------------------------------
@pytest.mark.parametrize("persona", ["staff", "manager", "auditor"])
def test_roles_download_the_pdf_as_an_attachment(client, request, generated_letter, persona):
    client.force_login(request.getfixturevalue(persona))

    response = client.get(download_url(generated_letter))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert generated_letter.request.reference in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
    assert b"".join(response.streaming_content).startswith(b"%PDF-")


def test_a_user_without_a_role_cannot_download_a_letter(client, outsider, generated_letter):
    client.force_login(outsider)

    response = client.get(download_url(generated_letter))

    assert response.status_code in (302, 403)
    assert response.get("Content-Type") != "application/pdf"


def test_an_anonymous_visitor_is_sent_to_the_login_page(client, generated_letter):
    response = client.get(download_url(generated_letter))

    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]


def test_a_staff_member_without_view_letter_permission_is_refused(
    client, generated_letter, django_user_model
):
    user = django_user_model.objects.create_user("nolet", is_staff=True)
    client.force_login(user)

    assert client.get(download_url(generated_letter)).status_code == 403


def test_a_letter_not_yet_generated_has_nothing_to_download(client, staff):
    letter = LetterFactory()
    client.force_login(staff)

    assert client.get(download_url(letter)).status_code == 404


def test_no_url_of_the_site_serves_the_stored_file(client, staff, generated_letter, settings):
    client.force_login(staff)

    for prefix in ("/", settings.MEDIA_URL, "/media/", f"/{settings.STATIC_URL}"):
        response = client.get(f"{prefix}{generated_letter.file.name}")
        assert response.status_code == 404, prefix


# --- the change page ---------------------------------------------------------------------------
def test_the_letter_page_offers_the_download_and_the_mark_sent_form(
    client, staff, generated_letter
):
    client.force_login(staff)

    page = client.get(change_url(generated_letter)).content.decode()

    assert download_url(generated_letter) in page
    assert reverse("admin:requests_app_letter_mark_sent", args=[generated_letter.pk]) in page
    assert 'name="_save"' not in page  # nothing on a letter is edited by hand


def test_a_failed_letter_shows_its_error_and_a_retry_button(client, staff):
    letter = LetterFactory(status="failed", error="LetterFontMissing: ipaexm.ttf is missing")
    client.force_login(staff)

    page = client.get(change_url(letter)).content.decode()

    assert "LetterFontMissing: ipaexm.ttf is missing" in page
    assert reverse("admin:requests_app_letter_retry", args=[letter.pk]) in page


def test_the_retry_button_queues_the_letter_again(
    client, staff, django_capture_on_commit_callbacks
):
    letter = LetterFactory(status="failed", error="boom")
    client.force_login(staff)

    with (
        mock.patch.object(letter_render, "delay") as delay,
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = client.post(reverse("admin:requests_app_letter_retry", args=[letter.pk]))

    assert response.status_code == 302
    letter.refresh_from_db()
    assert letter.status == Letter.Status.QUEUED
    delay.assert_called_once_with(letter.pk)


def test_an_auditor_cannot_retry_or_mark_sent(client, auditor):
    failed = LetterFactory(status="failed")
    done = LetterFactory(status="generated")
    client.force_login(auditor)

    retry = client.post(reverse("admin:requests_app_letter_retry", args=[failed.pk]))
    sent = client.post(
        reverse("admin:requests_app_letter_mark_sent", args=[done.pk]), {"sent_via": "post"}
    )

    assert retry.status_code == sent.status_code == 403
    failed.refresh_from_db()
    done.refresh_from_db()
    assert (failed.status, done.status) == ("failed", "generated")


def test_staff_mark_a_letter_sent_with_its_tracking_number(client, staff, generated_letter):
    client.force_login(staff)

    response = client.post(
        reverse("admin:requests_app_letter_mark_sent", args=[generated_letter.pk]),
        {"sent_via": "post", "tracking_number": "1234-5678-9012"},
        follow=True,
    )

    generated_letter.refresh_from_db()
    assert generated_letter.status == Letter.Status.SENT
    assert generated_letter.tracking_number == "1234-5678-9012"
    assert response.status_code == 200


def test_a_tracking_number_with_e_mail_gets_the_message_and_changes_nothing(
    client, staff, generated_letter
):
    client.force_login(staff)

    response = client.post(
        reverse("admin:requests_app_letter_mark_sent", args=[generated_letter.pk]),
        {"sent_via": "email", "tracking_number": "999"},
        follow=True,
    )

    assert str(services.TRACKING_ONLY_FOR_POST) in response.content.decode()
    generated_letter.refresh_from_db()
    assert generated_letter.status == Letter.Status.GENERATED


def test_an_unknown_sending_method_is_refused(client, staff, generated_letter):
    client.force_login(staff)

    client.post(
        reverse("admin:requests_app_letter_mark_sent", args=[generated_letter.pk]),
        {"sent_via": "pigeon"},
    )

    generated_letter.refresh_from_db()
    assert generated_letter.status == Letter.Status.GENERATED


def test_the_mark_sent_url_refuses_get(client, staff, generated_letter):
    client.force_login(staff)

    response = client.get(
        reverse("admin:requests_app_letter_mark_sent", args=[generated_letter.pk])
    )

    assert response.status_code == 405


# --- the list and its actions ------------------------------------------------------------------
def test_the_list_costs_the_same_number_of_queries_for_many_letters(client, staff):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    url = reverse("admin:requests_app_letter_changelist")
    LetterFactory(status="generated")
    client.force_login(staff)
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for _ in range(25):
        LetterFactory(status="generated")

    with CaptureQueriesContext(connection) as many:
        response = client.get(url)

    assert len(response.context["cl"].result_list) == 26
    assert len(many) == len(few) <= 15


def test_the_mark_sent_action_skips_letters_not_generated(client, staff):
    ready = LetterFactory(status="generated")
    queued = LetterFactory(status="queued")
    client.force_login(staff)

    client.post(
        reverse("admin:requests_app_letter_changelist"),
        {"action": "mark_sent_post", "_selected_action": [ready.pk, queued.pk]},
    )

    ready.refresh_from_db()
    queued.refresh_from_db()
    assert (ready.status, ready.sent_via) == ("sent", "post")
    assert queued.status == "queued"


def test_the_retry_action_requeues_failed_letters_only(
    client, staff, django_capture_on_commit_callbacks
):
    failed = LetterFactory(status="failed")
    ready = LetterFactory(status="generated")
    client.force_login(staff)

    with (
        mock.patch.object(letter_render, "delay") as delay,
        django_capture_on_commit_callbacks(execute=True),
    ):
        client.post(
            reverse("admin:requests_app_letter_changelist"),
            {"action": "retry_failed", "_selected_action": [failed.pk, ready.pk]},
        )

    delay.assert_called_once_with(failed.pk)
    ready.refresh_from_db()
    assert ready.status == "generated"


def test_letters_cannot_be_added_or_deleted_in_the_admin(client, manager, generated_letter):
    client.force_login(manager)

    add = client.get(reverse("admin:requests_app_letter_add"))
    delete = client.post(
        reverse("admin:requests_app_letter_delete", args=[generated_letter.pk]), {"post": "yes"}
    )

    assert add.status_code == delete.status_code == 403
    assert Letter.objects.filter(pk=generated_letter.pk).exists()
