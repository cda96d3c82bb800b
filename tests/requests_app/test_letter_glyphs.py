"""Every glyph drawn (issue 12): names outside JIS X 0208 print, a character no font has fails
the letter with its code point, and nothing is ever a box (.notdef)."""

from __future__ import annotations

import pytest

from requests_app.letters import rendering
from requests_app.letters.tasks import letter_render
from requests_app.models import Letter
from tests.factories import DisclosureRequestFactory, LetterFactory

from .letters_helpers import flat, pdf_fonts, pdf_text, write_sample

pytestmark = pytest.mark.django_db

# Outside JIS X 0208: 𠮷 (U+20BB7, a supplementary-plane kanji), 髙 (U+9AD9), 﨑 (U+FA11),
# 𩸽 (U+29E3D), 辻 with its one-dot form in MJ; and a kanji followed by an IVS selector.
RARE_NAMES = ["𠮷田 𩸽子", "髙橋 﨑子", "渡邉 葛\U000e0100子"]
# U+30000 (CJK Extension G) is in no installed letter font; U+E000 is a private-use code.
UNPRINTABLE = "\U00030000"


@pytest.fixture(autouse=True)
def letter_storage(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "private"), "base_url": None},
        },
    }


def render(name: str) -> tuple[Letter, bytes | None]:
    request = DisclosureRequestFactory(requester_name=name)
    letter = LetterFactory(request=request)
    letter_render.apply(args=[letter.pk])  # as the worker runs it: a failure marks the letter
    letter.refresh_from_db()
    if letter.status != Letter.Status.GENERATED:
        return letter, None
    with letter.file.open("rb") as handle:
        return letter, handle.read()


@pytest.mark.parametrize("name", RARE_NAMES)
def test_a_name_outside_jis_x_0208_is_printed_with_the_fallback_font(name):
    letter, pdf = render(name)

    assert letter.status == Letter.Status.GENERATED, letter.error
    write_sample(f"glyphs-{letter.pk}", pdf)
    visible = name.replace("\U000e0100", "").replace(" ", "")
    assert visible in flat(pdf_text(pdf)).replace(" ", "").replace("\U000e0100", "")
    # What IPAex lacks comes from the fallback face (IPAmj Mincho), embedded like the main faces.
    main = set()
    for path in rendering.font_files():
        main |= rendering._font_codepoints(str(path), path.stat().st_mtime)
    needs_fallback = any(ord(char) not in main for char in visible)
    fonts = pdf_fonts(pdf)
    assert any(rendering.FALLBACK_FAMILY in font for font in fonts) == needs_fallback, fonts
    assert all(fonts.values())


def test_a_character_no_font_has_fails_the_letter_naming_its_code_point():
    letter, pdf = render(f"山田 {UNPRINTABLE}子")

    assert pdf is None
    assert letter.status == Letter.Status.FAILED
    assert "U+30000" in letter.error
    assert not letter.file and not letter.generated_at
    assert letter.attempts == 1  # the name will not change by retrying


def test_a_private_use_character_is_refused_too():
    letter, _pdf = render("山田 \ue000子")

    assert letter.status == Letter.Status.FAILED
    assert "U+E000" in letter.error


def test_the_check_reads_only_the_visible_text():
    html = (
        "<html><head><title>\U00030000</title><style>p{content:'\U00030000'}</style></head>"
        "<body><p>山田 花子</p></body></html>"
    )

    assert rendering.missing_glyphs(html) == []


def test_every_missing_character_is_named_once_in_order():
    html = f"<p>{UNPRINTABLE}a{UNPRINTABLE}\ue001</p>"

    assert rendering.missing_glyphs(html) == [UNPRINTABLE, "\ue001"]


def test_a_missing_fallback_font_is_a_configuration_error(settings):
    settings.LETTER_FALLBACK_FONT_FILES = ["/nonexistent/ipamjm.ttf"]

    letter, pdf = render("山田 花子")

    assert pdf is None
    assert "LetterFontMissing" in letter.error and "/nonexistent/ipamjm.ttf" in letter.error
