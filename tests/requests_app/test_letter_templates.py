"""Letter templates: versions, the manager's editing in the admin, the preview, the seed."""

from __future__ import annotations

import io

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from pypdf import PdfReader

from requests_app.admin_letter_templates import TEMPLATE_INVALID, TEMPLATE_OLD_VERSION
from requests_app.letters import services
from requests_app.letters.seed import SEED_TEMPLATES
from requests_app.models import LetterKind, LetterTemplate, RequestType

from .letters_helpers import flat, pdf_fonts, pdf_text, write_sample

pytestmark = pytest.mark.django_db


def current(kind="more_documents", request_type="", language="ja") -> LetterTemplate:
    return LetterTemplate.objects.get(
        kind=kind, request_type=request_type, language=language, is_current=True
    )


def change_url(template: LetterTemplate) -> str:
    return reverse("admin:requests_app_lettertemplate_change", args=[template.pk])


# --- the seed ----------------------------------------------------------------------------------
def test_every_kind_has_a_current_template_in_japanese_and_english():
    for kind in LetterKind.values:
        for language in ("ja", "en"):
            assert LetterTemplate.objects.filter(
                kind=kind, language=language, is_current=True
            ).exists(), (kind, language)


def test_every_request_type_has_its_own_response_template_in_both_languages():
    for request_type in RequestType.values:
        for language in ("ja", "en"):
            assert current("response", request_type, language).version == 1


def test_the_seed_lists_each_template_once():
    keys = [(kind, rtype, lang) for kind, rtype, lang, _s, _f in SEED_TEMPLATES]
    assert len(keys) == len(set(keys)) == LetterTemplate.objects.count()


# --- versions ----------------------------------------------------------------------------------
def test_publishing_makes_a_new_current_version_and_keeps_the_old_one(manager):
    old = current()

    new = services.letter_template_publish(
        kind=old.kind,
        request_type="",
        language="ja",
        subject="新しい件名",
        body="<p>新しい本文</p>",
        by=manager,
        base=old,
    )

    old.refresh_from_db()
    assert new.version == old.version + 1
    assert new.is_current and not old.is_current
    assert new.created_by == manager
    assert old.body != new.body  # the old text is kept as it was


def test_only_one_version_is_current_by_constraint():
    old = current()

    with pytest.raises(IntegrityError), transaction.atomic():
        LetterTemplate.objects.create(
            kind=old.kind,
            request_type=old.request_type,
            language=old.language,
            version=old.version + 1,
            subject="x",
            body="x",
            is_current=True,
        )


def test_editing_from_an_old_version_is_refused_and_changes_nothing():
    old = current()
    services.letter_template_publish(
        kind=old.kind, request_type="", language="ja", subject="v2", body="v2", base=old
    )

    with pytest.raises(ValueError) as error:
        services.letter_template_publish(
            kind=old.kind, request_type="", language="ja", subject="v3", body="v3", base=old
        )

    assert str(error.value) == str(services.TEMPLATE_NOT_CURRENT)
    assert LetterTemplate.objects.filter(kind=old.kind, language="ja").count() == 2


# --- editing in the admin ----------------------------------------------------------------------
def test_a_manager_saving_a_template_creates_a_new_version(client, manager):
    client.force_login(manager)
    old = current()

    response = client.post(
        change_url(old), {"subject": "追加書類のお願い（改訂）", "body": "<p>改訂した本文</p>"}
    )

    assert response.status_code == 302
    new = current()
    assert new.version == old.version + 1
    assert new.body == "<p>改訂した本文</p>"
    assert new.created_by == manager
    old.refresh_from_db()
    assert not old.is_current
    assert old.body != new.body


def test_a_template_that_does_not_render_is_refused_with_the_reason(client, manager):
    client.force_login(manager)
    old = current()

    response = client.post(change_url(old), {"subject": "件名", "body": "{% if %}壊れた{% endif"})

    assert response.status_code == 200
    errors = response.context["adminform"].form.non_field_errors()
    assert str(TEMPLATE_INVALID).split("%")[0] in errors[0]
    assert current() == old  # no new version


def test_a_template_with_a_character_no_letter_font_has_is_refused_naming_it(client, manager):
    client.force_login(manager)
    old = current()

    response = client.post(change_url(old), {"subject": "件名", "body": "<p>ご案内 \U0001f600</p>"})

    assert response.status_code == 200
    errors = response.context["adminform"].form.non_field_errors()
    assert "U+1F600" in errors[0]
    assert current() == old  # no new version


def test_a_template_error_in_a_branch_the_sample_reaches_only_for_one_outcome_is_caught(
    client, manager
):
    client.force_login(manager)
    old = current("response", "disclosure")
    body = (
        '{% if request.outcome == "partly_fulfilled" %}{% include "letters/nope.html" %}{% endif %}'
    )

    response = client.post(change_url(old), {"subject": "件名", "body": body})

    assert response.status_code == 200
    assert current("response", "disclosure") == old


def test_an_old_version_opens_read_only(client, manager):
    client.force_login(manager)
    old = current()
    services.letter_template_publish(
        kind=old.kind, request_type="", language="ja", subject="v2", body="<p>v2</p>", base=old
    )

    page = client.get(change_url(old))
    post = client.post(change_url(old), {"subject": "x", "body": "<p>x</p>"})

    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert post.status_code == 403
    assert LetterTemplate.objects.filter(kind=old.kind, language="ja").count() == 2


def test_the_form_refuses_an_edit_of_a_version_replaced_meanwhile():
    from requests_app.admin_letter_templates import LetterTemplateForm

    old = current()
    services.letter_template_publish(
        kind=old.kind, request_type="", language="ja", subject="v2", body="<p>v2</p>", base=old
    )
    old.is_current = True  # the editor's page still shows it as current

    form = LetterTemplateForm({"subject": "x", "body": "<p>x</p>"}, instance=old)

    assert not form.is_valid()
    assert str(TEMPLATE_OLD_VERSION) in form.non_field_errors()


def test_staff_may_read_templates_but_not_change_them(client, staff):
    client.force_login(staff)
    old = current()

    assert client.get(change_url(old)).status_code == 200
    assert client.post(change_url(old), {"subject": "x", "body": "x"}).status_code == 403
    assert current() == old


def test_templates_are_never_deleted(client, manager):
    client.force_login(manager)
    old = current()

    url = reverse("admin:requests_app_lettertemplate_delete", args=[old.pk])

    assert client.post(url, {"post": "yes"}).status_code == 403
    assert LetterTemplate.objects.filter(pk=old.pk).exists()


def test_the_list_shows_current_versions_unless_asked_for_old_ones(client, manager):
    client.force_login(manager)
    old = current()
    services.letter_template_publish(
        kind=old.kind, request_type="", language="ja", subject="v2", body="<p>v2</p>", base=old
    )
    url = reverse("admin:requests_app_lettertemplate_changelist")

    default = client.get(url)
    old_ones = client.get(url, {"is_current__exact": "0"})

    assert old not in default.context["cl"].result_list
    assert list(old_ones.context["cl"].result_list) == [old]


def test_restoring_an_old_version_makes_it_current_again_as_a_new_version(client, manager):
    client.force_login(manager)
    old = current()
    services.letter_template_publish(
        kind=old.kind, request_type="", language="ja", subject="v2", body="<p>v2</p>", base=old
    )

    client.post(
        reverse("admin:requests_app_lettertemplate_changelist") + "?is_current__exact=0",
        {"action": "restore_version", "_selected_action": [old.pk]},
    )

    restored = current()
    assert restored.version == 3
    assert restored.body == old.body


def test_a_manager_adds_a_template_for_a_request_type(client, manager):
    client.force_login(manager)

    response = client.post(
        reverse("admin:requests_app_lettertemplate_add"),
        {
            "kind": "request_form",
            "request_type": "correction",
            "language": "ja",
            "subject": "訂正請求書のご送付",
            "body": "<p>{{ recipient.name }}様</p>",
        },
    )

    assert response.status_code == 302
    added = current("request_form", "correction")
    assert added.version == 1 and added.created_by == manager


# --- preview -----------------------------------------------------------------------------------
@pytest.mark.parametrize("language", ["ja", "en"])
def test_the_preview_renders_a_sample_pdf_from_demo_data(client, manager, language):
    client.force_login(manager)
    template = current("request_form", "", language)

    response = client.get(reverse("admin:requests_app_lettertemplate_preview", args=[template.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    pdf = response.content
    text = pdf_text(pdf)
    assert ("山田 花子" if language == "ja" else "Hanako Yamada") in text
    assert all(pdf_fonts(pdf).values())
    write_sample(f"preview.request_form.{language}", pdf)


def test_the_preview_of_a_response_can_show_each_outcome(client, manager):
    client.force_login(manager)
    template = current("response", "disclosure")
    url = reverse("admin:requests_app_lettertemplate_preview", args=[template.pk])

    partly = client.get(url, {"outcome": "partly_fulfilled"})

    assert partly.status_code == 200
    assert "第33条第2項第2号" in flat(pdf_text(partly.content))


def test_the_preview_button_renders_unsaved_text_and_saves_nothing(client, manager):
    client.force_login(manager)
    old = current()

    response = client.post(
        change_url(old),
        {"subject": "件名", "body": "<p>まだ保存していない文面</p>", "_preview": "1"},
    )

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "まだ保存していない文面" in flat(pdf_text(response.content))
    assert current() == old


def test_the_preview_button_with_a_broken_template_answers_with_the_error(client, manager):
    client.force_login(manager)
    old = current()

    response = client.post(
        change_url(old), {"subject": "件名", "body": "{% bogus_tag %}", "_preview": "1"}
    )

    assert response.status_code == 400
    assert "bogus_tag" in response.content.decode()
    assert current() == old


def test_an_outsider_cannot_preview(client, outsider):
    client.force_login(outsider)
    template = current()

    response = client.get(reverse("admin:requests_app_lettertemplate_preview", args=[template.pk]))

    assert response.status_code in (302, 403)
    assert response.get("Content-Type") != "application/pdf"


def test_a_template_cannot_pull_a_local_file_into_the_letter(client, manager, tmp_path):
    """Letters fetch nothing but their fonts: a manager's template cannot attach or embed a
    file of the server."""
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT")
    client.force_login(manager)
    old = current()
    body = (
        f'<p>本文</p><link rel="attachment" href="{secret.as_uri()}">'
        f'<img src="{secret.as_uri()}"><a rel="attachment" href="{secret.as_uri()}">a</a>'
    )

    response = client.post(change_url(old), {"subject": "件名", "body": body, "_preview": "1"})

    assert response.status_code == 200
    reader = PdfReader(io.BytesIO(response.content))
    assert dict(reader.attachments) == {}  # WeasyPrint's default fetcher would attach it
    assert not reader.pages[0].images
