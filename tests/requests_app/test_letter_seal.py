"""The company seal (角印) per template (issue 12, item 5): uploaded by a manager as a PNG, kept
privately, carried to each new version, printed over the sender's name; anything else refused."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image
from pypdf import PdfReader

from requests_app.letters.tasks import letter_render
from requests_app.models import Letter, LetterTemplate
from tests.factories import DisclosureRequestFactory, LetterFactory

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


def png(size=(200, 200), color=(200, 30, 30, 255)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGBA", size, color).save(buffer, format="PNG")
    return buffer.getvalue()


def current() -> LetterTemplate:
    return LetterTemplate.objects.get(
        kind="request_form", request_type="", language="ja", is_current=True
    )


def save_with(client, template, **files):
    url = reverse("admin:requests_app_lettertemplate_change", args=[template.pk])
    data = {"subject": template.subject, "body": template.body, "date_style": "western", **files}
    return client.post(url, data)


def images_on_first_page(pdf: bytes) -> int:
    return len(PdfReader(io.BytesIO(pdf)).pages[0].images)


def test_a_manager_adds_a_seal_and_the_letter_prints_it(client, manager):
    client.force_login(manager)

    response = save_with(
        client, current(), seal_image=SimpleUploadedFile("seal.png", png(), "image/png")
    )

    assert response.status_code == 302
    template = current()
    assert template.seal_image and not template.seal_image.url.startswith("/static")
    letter = LetterFactory(request=DisclosureRequestFactory(), kind="request_form")
    letter_render.apply(args=[letter.pk])
    letter.refresh_from_db()
    assert letter.status == Letter.Status.GENERATED, letter.error
    with letter.file.open("rb") as handle:
        assert images_on_first_page(handle.read()) == 1


def test_the_seal_is_carried_to_the_next_version(client, manager):
    client.force_login(manager)
    save_with(client, current(), seal_image=SimpleUploadedFile("seal.png", png(), "image/png"))
    with_seal = current()

    save_with(client, with_seal)

    assert current().version == with_seal.version + 1
    assert current().seal_image.name == with_seal.seal_image.name


def test_without_a_seal_the_letter_has_no_image(db):
    letter = LetterFactory(request=DisclosureRequestFactory(), kind="request_form")
    letter_render.apply(args=[letter.pk])
    letter.refresh_from_db()
    with letter.file.open("rb") as handle:
        assert images_on_first_page(handle.read()) == 0


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("seal.png", b"GIF89a" + b"\x00" * 100),  # not a PNG
        ("seal.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 100),  # a PNG header, then garbage
        ("seal.png", png(size=(4000, 4000))),  # far more pixels than a seal needs
    ],
    ids=["gif", "broken", "huge"],
)
def test_a_seal_that_is_not_a_small_png_is_refused_and_nothing_is_saved(
    client, manager, name, content
):
    client.force_login(manager)
    before = current()

    response = save_with(client, before, seal_image=SimpleUploadedFile(name, content, "image/png"))

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["seal_image"]
    assert current() == before and not current().seal_image
