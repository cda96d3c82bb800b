"""Letters to PDF: a Django template (the manager's body inside a fixed layout) → HTML → WeasyPrint.

The letter engine is a separate Django template Engine: it sees only `templates/letters/`, has our
filters built in, and is never used for the admin pages. WeasyPrint fetches nothing but the font
files named in settings.LETTER_FONT_FILES (a manager-edited template cannot pull a local file or
a URL into a PDF), and a missing font file is an error, never a letter in boxes (tofu).

Every character a letter prints must be in one of its fonts: before WeasyPrint runs, the text of
the letter is checked against the fonts' character maps (`missing_glyphs`). WeasyPrint itself would
only log a warning and draw the .notdef box; here the letter fails, naming the character (U+XXXXX),
and is never marked generated.
"""

from __future__ import annotations

import base64
import hashlib
import io
import logging
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from django.conf import settings
from django.template import Context, Engine
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from fontTools.ttLib import TTFont
from weasyprint import HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher

from .context import letter_context
from .samples import sample_context
from .template_library import date_style

logger = logging.getLogger(__name__)

FONT_MISSING = _(
    "Letter font file %(path)s is missing: install the IPAex fonts (make system-deps) or set "
    "LETTER_FONT_FILES. Letters are never rendered without their Japanese font."
)
NO_FONTS = _("LETTER_FONT_FILES is empty: letters need a Japanese font.")
NO_TEMPLATE = _(
    "No current letter template for %(kind)s in %(language)s: a manager must create one."
)
FETCH_REFUSED = _("Letters may not load external resources (%(url)s).")
GLYPH_MISSING = _(
    "The letter cannot be printed: no letter font has the character(s) %(characters)s. Check "
    "the spelling of the name or address (a variant form may exist), or install a font that has "
    "it (LETTER_FALLBACK_FONT_FILES)."
)

LAYOUT_TEMPLATE = "letters/layout.html"
CONTACT_MARKER = "data-letter-contact"
# The font families the letter CSS uses; the first font file is the serif (Mincho) face, the
# second the sans (Gothic) face for headings; with one file both use it.
SERIF_FAMILY = "LetterSerif"
SANS_FAMILY = "LetterSans"
# Every face falls back to these (IPAmj Mincho: the MJ character set) for what it lacks.
FALLBACK_FAMILY = "LetterFallback"


class LetterFontMissing(RuntimeError):
    """A configured font file does not exist: a configuration error, never retried."""


class LetterTemplateMissing(LookupError):
    """No template version to render with."""


class LetterGlyphMissing(ValueError):
    """The letter holds a character none of its fonts can draw: never retried, never tofu."""

    def __init__(self, characters: list[str]):
        self.characters = characters
        shown = ", ".join(f"U+{ord(c):04X} ({c})" for c in characters[:10])
        super().__init__(str(GLYPH_MISSING % {"characters": shown}))


@dataclass(frozen=True)
class RenderedPdf:
    pdf: bytes
    page_count: int
    sha256: str


@lru_cache(maxsize=1)
def letter_engine() -> Engine:
    return Engine(
        dirs=[str(Path(settings.BASE_DIR) / "templates")],
        app_dirs=False,
        builtins=["requests_app.letters.template_library"],
        autoescape=True,
        debug=False,
    )


def _existing(paths: list[str]) -> list[Path]:
    found = [Path(p) for p in paths if p]
    for path in found:
        if not path.is_file():
            raise LetterFontMissing(str(FONT_MISSING % {"path": path}))
    return found


def font_files() -> list[Path]:
    """The configured main font files; raises LetterFontMissing if any is absent."""
    paths = _existing(settings.LETTER_FONT_FILES)
    if not paths:
        raise LetterFontMissing(str(NO_FONTS))
    return paths


def fallback_font_files() -> list[Path]:
    """The fallback font files behind the main faces (may be none); each must exist."""
    return _existing(settings.LETTER_FALLBACK_FONT_FILES)


def font_face_css() -> str:
    paths = font_files()
    serif = paths[0]
    sans = paths[1] if len(paths) > 1 else paths[0]
    faces = [
        f'@font-face {{ font-family: "{SERIF_FAMILY}"; src: url("{serif.as_uri()}"); }}',
        f'@font-face {{ font-family: "{SANS_FAMILY}"; src: url("{sans.as_uri()}"); }}',
    ]
    faces += [
        f'@font-face {{ font-family: "{FALLBACK_FAMILY}"; src: url("{path.as_uri()}"); }}'
        for path in fallback_font_files()
    ]
    return "\n".join(faces) + "\n"


@lru_cache(maxsize=8)
def _font_codepoints(path: str, mtime: float) -> frozenset[int]:
    # The mtime is part of the key: a font upgraded under a running worker is read again.
    font = TTFont(path, lazy=True, fontNumber=0)
    try:
        return frozenset(font.getBestCmap() or {})
    finally:
        font.close()


def letter_codepoints() -> frozenset[int]:
    """Every character some letter font can draw."""
    covered: frozenset[int] = frozenset()
    for path in [*font_files(), *fallback_font_files()]:
        covered |= _font_codepoints(str(path), path.stat().st_mtime)
    return covered


class _TextCollector(HTMLParser):
    """The text a reader sees: text nodes outside <style>, <title>, <script> and <head>."""

    _SKIP = {"style", "title", "script", "head"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping: list[str] = []

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag in self._SKIP:
            self._skipping.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if self._skipping and self._skipping[-1] == tag:
            self._skipping.pop()

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)


def _needs_glyph(char: str) -> bool:
    # Spaces, line breaks and format characters (zero-width joiners, variation selectors such
    # as the IVS after a kanji: Cf, Mn in the VS blocks) draw nothing of their own.
    category = unicodedata.category(char)
    if category in ("Cc", "Cf", "Zs", "Zl", "Zp"):
        return False
    code = ord(char)
    return not (0xFE00 <= code <= 0xFE0F or 0xE0100 <= code <= 0xE01EF)


def missing_glyphs(html: str) -> list[str]:
    """The characters of the letter's visible text that no letter font has, in order."""
    collector = _TextCollector()
    collector.feed(html)
    covered = letter_codepoints()
    missing: list[str] = []
    for char in dict.fromkeys("".join(collector.parts)):
        if _needs_glyph(char) and ord(char) not in covered:
            missing.append(char)
    return missing


def seal_data_uri(template) -> str:
    """The template's company seal as a data: URI (the PDF embeds it; nothing is fetched), or ""."""
    seal = getattr(template, "seal_image", None)
    if not seal:
        return ""
    with seal.open("rb") as handle:
        data = handle.read()
    return "data:image/png;base64," + base64.b64encode(data).decode("ascii")


def render_template_string(source: str, context: dict[str, Any]) -> str:
    """Render a manager-edited template string with the letter engine."""
    return letter_engine().from_string(source).render(Context(context, autoescape=True))


def render_letter_html(
    *,
    subject_source: str,
    body_source: str,
    context: dict[str, Any],
    wareki_dates: bool = False,
    seal: str = "",
    watermark: str = "",
) -> str:
    """The whole letter as HTML: subject and body rendered, then placed in the layout.

    `wareki_dates`: the template's date style is 和暦 (Japanese letters write 令和8年…).
    `seal`: the company seal as a data: URI (`seal_data_uri`), printed over the sender's name.
    `watermark`: printed across every page (a draft's 下書き / DRAFT); nothing else differs.
    The context's `letter_parts` holds staff's texts for the template's free-text parts.
    """
    language = context.get("language") or "ja"
    with translation.override(language), date_style(wareki_dates and language == "ja"):
        subject = render_template_string(subject_source, context).strip()
        body = render_template_string(body_source, context)
        layout = letter_engine().get_template(LAYOUT_TEMPLATE)
        return layout.render(
            Context(
                {
                    **context,
                    "subject": subject,
                    "body": body,
                    # A body that placed the contact box itself (before an annex) gets no second.
                    "body_has_contact": CONTACT_MARKER in body,
                    "font_face_css": font_face_css(),
                    "serif_family": SERIF_FAMILY,
                    "sans_family": SANS_FAMILY,
                    "fallback_family": FALLBACK_FAMILY,
                    "seal": seal,
                    "watermark": watermark,
                },
                autoescape=True,
            )
        )


def _url_fetcher_for(allowed: set[str]):
    """A WeasyPrint URL fetcher that loads the font files and nothing else."""

    class FontsOnlyFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            if url in allowed:
                return super().fetch(url, headers)
            # Not fatal: WeasyPrint logs it and leaves the resource out of the letter.
            raise ValueError(str(FETCH_REFUSED % {"url": url[:100]}))

    return FontsOnlyFetcher(allowed_protocols={"file", "data"})


def html_to_pdf(html: str, *, title: str = "", images: tuple[str, ...] = ()) -> RenderedPdf:
    """WeasyPrint: HTML → PDF bytes with the page count and SHA-256.

    Raises LetterGlyphMissing before rendering when a character would print as a box.
    """

    missing = missing_glyphs(html)
    if missing:
        raise LetterGlyphMissing(missing)
    # The fonts, and the data: URIs of the images we put in ourselves (the seal); a template
    # cannot add any other.
    allowed = {path.as_uri() for path in [*font_files(), *fallback_font_files()]} | set(images)
    font_config = FontConfiguration()
    document = HTML(string=html, url_fetcher=_url_fetcher_for(allowed), base_url=None).render(
        font_config=font_config
    )
    if title:
        document.metadata.title = title
    document.metadata.authors = [settings.COMPANY_NAME]
    buffer = io.BytesIO()
    document.write_pdf(buffer)
    pdf = buffer.getvalue()
    return RenderedPdf(
        pdf=pdf, page_count=len(document.pages), sha256=hashlib.sha256(pdf).hexdigest()
    )


def render_pdf(
    *,
    subject_source: str,
    body_source: str,
    context: dict[str, Any],
    wareki_dates: bool = False,
    seal: str = "",
) -> RenderedPdf:
    html = render_letter_html(
        subject_source=subject_source,
        body_source=body_source,
        context=context,
        wareki_dates=wareki_dates,
        seal=seal,
    )
    # The title is the reference and kind only: PDF metadata must not carry a person's name.
    reference = context.get("request", {}).get("reference", "")
    return html_to_pdf(
        html,
        title=f"{reference} {context.get('kind', '')}".strip(),
        images=(seal,) if seal else (),
    )


def render_letter_pdf(*, letter) -> RenderedPdf:
    """Render a Letter row with the template version it records (and, for a letter approved
    from a draft, the draft's texts)."""
    template = letter.template
    if template is None:
        raise LetterTemplateMissing(
            str(NO_TEMPLATE % {"kind": letter.get_kind_display(), "language": letter.language})
        )
    context = letter_context(letter=letter)
    if letter.draft_id:
        context["letter_parts"] = dict(letter.draft.texts or {})
    return render_pdf(
        subject_source=template.subject,
        body_source=template.body,
        context=context,
        wareki_dates=template.date_style == template.DateStyle.WAREKI,
        seal=seal_data_uri(template),
    )


def render_letter_pair(*, template, context: dict[str, Any]) -> tuple[RenderedPdf, RenderedPdf]:
    """The final letter and its watermarked draft, from one context: the same HTML but for
    the watermark (下書き in a Japanese letter, DRAFT in an English one)."""
    from django.utils.translation import gettext

    options = {
        "subject_source": template.subject,
        "body_source": template.body,
        "context": context,
        "wareki_dates": template.date_style == template.DateStyle.WAREKI,
        "seal": seal_data_uri(template),
    }
    language = context.get("language") or "ja"
    with translation.override(language):
        mark = gettext("DRAFT")
    reference = context.get("request", {}).get("reference", "")
    title = f"{reference} {context.get('kind', '')}".strip()
    images = (options["seal"],) if options["seal"] else ()
    final = html_to_pdf(render_letter_html(**options), title=title, images=images)
    draft = html_to_pdf(render_letter_html(**options, watermark=mark), title=title, images=images)
    return final, draft


def render_preview_pdf(
    *,
    subject: str,
    body: str,
    kind: str,
    request_type: str,
    language: str,
    outcome: str = "",
    wareki_dates: bool = False,
    seal: str = "",
) -> RenderedPdf:
    """A sample PDF from demo data, for the template preview button."""

    context = sample_context(
        kind=kind, request_type=request_type, language=language, outcome=outcome
    )
    return render_pdf(
        subject_source=subject,
        body_source=body,
        context=context,
        wareki_dates=wareki_dates,
        seal=seal,
    )
