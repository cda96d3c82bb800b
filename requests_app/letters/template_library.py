"""Filters available in every letter template (a builtin of the letter template engine).

Dates: `jdate` writes the Western year the Japanese way (2026年11月24日), which is what the seeded
templates use; `wareki` writes the era (令和8年11月24日) for a manager who prefers it; `endate`
is the English style (24 November 2026).
"""

from __future__ import annotations

import contextvars
import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager

from django import template
from django.utils import timezone

register = template.Library()

# The date style of the letter being rendered (its template's option): `jdate` writes the era
# year while a letter whose template chose 和暦 renders. A context variable, so concurrent renders
# in one process never see each other's style.
_WAREKI = contextvars.ContextVar("letter_wareki", default=False)


@contextmanager
def date_style(wareki_dates: bool) -> Iterator[None]:
    token = _WAREKI.set(wareki_dates)
    try:
        yield
    finally:
        _WAREKI.reset(token)


# Era start dates (the first day of each era); 元年 is the first year of an era.
_ERAS: list[tuple[dt.date, str, str]] = [
    (dt.date(2019, 5, 1), "令和", "Reiwa"),
    (dt.date(1989, 1, 8), "平成", "Heisei"),
    (dt.date(1926, 12, 25), "昭和", "Showa"),
    (dt.date(1912, 7, 30), "大正", "Taisho"),
]
_MONTHS_EN = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]


def _as_date(value) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


@register.filter
def jdate(value) -> str:
    """2026-11-24 → 2026年11月24日 (令和8年11月24日 in a letter whose template uses 和暦)."""
    if _WAREKI.get():
        return wareki(value)
    day = _as_date(value)
    return f"{day.year}年{day.month}月{day.day}日" if day else ""


@register.filter
def wareki(value) -> str:
    """2026-11-24 → 令和8年11月24日 (2019-05-01 → 令和元年5月1日)."""
    day = _as_date(value)
    if not day:
        return ""
    for start, name, _latin in _ERAS:
        if day >= start:
            year = day.year - start.year + 1
            return f"{name}{'元' if year == 1 else year}年{day.month}月{day.day}日"
    return jdate(day)


@register.filter
def endate(value) -> str:
    """2026-11-24 → 24 November 2026."""
    day = _as_date(value)
    return f"{day.day} {_MONTHS_EN[day.month - 1]} {day.year}" if day else ""


@register.filter
def yen(value) -> str:
    """1000 → 1,000円."""
    if value in (None, ""):
        return ""
    try:
        return f"{int(value):,}円"
    except (TypeError, ValueError):
        return str(value)


@register.filter
def yen_en(value) -> str:
    """1000 → JPY 1,000."""
    if value in (None, ""):
        return ""
    try:
        return f"JPY {int(value):,}"
    except (TypeError, ValueError):
        return str(value)


@register.filter
def postal(value) -> str:
    """1000005 or 100-0005 → 〒100-0005 (empty stays empty)."""
    digits = "".join(ch for ch in str(value or "") if ch.isdigit())
    if len(digits) == 7:
        return f"〒{digits[:3]}-{digits[3:]}"
    return f"〒{value}" if value else ""


@register.filter
def checkbox(value) -> str:
    """A ticked or empty box for forms (■ / □ are in every JIS font)."""
    return "■" if value else "□"


# --- free-text parts staff may edit (issue 12) -----------------------------------------------
# A template declares a part with `{% part "explanation" "indent" %}default{% endpart %}`: the
# default is template HTML; staff replace it with plain text (never HTML) on the request page.
# Their text prints as paragraphs (a blank line starts a new one) with the given CSS class; an
# empty text leaves the part out. The context's `letter_parts` holds staff's texts by name.
PART_NAME_MAX = 40


class PartNode(template.Node):
    def __init__(self, name: str, css_class: str, nodelist: template.NodeList):
        self.name = name
        self.css_class = css_class
        self.nodelist = nodelist

    def render(self, context) -> str:
        default = self.nodelist.render(context)
        collected = context.get("_part_defaults")
        if isinstance(collected, dict):
            collected.setdefault(self.name, default)
        texts = context.get("letter_parts") or {}
        if self.name not in texts:
            return default
        return paragraphs_html(str(texts[self.name]), self.css_class)


def paragraphs_html(text: str, css_class: str = "") -> str:
    """Plain text → escaped <p> paragraphs (a blank line between them), lines joined by <br>."""
    from django.utils.html import escape

    attribute = f' class="{escape(css_class)}"' if css_class else ""
    blocks = [block.strip() for block in text.replace("\r\n", "\n").split("\n\n")]
    return "".join(
        f"<p{attribute}>" + "<br>".join(escape(line) for line in block.split("\n")) + "</p>"
        for block in blocks
        if block
    )


@register.tag(name="part")
def do_part(parser, token) -> PartNode:
    bits = token.split_contents()
    if len(bits) not in (2, 3):
        raise template.TemplateSyntaxError(
            '"part" takes a name and an optional CSS class: {% part "explanation" "indent" %}'
        )
    names = [bit.strip("\"'") for bit in bits[1:]]
    name = names[0]
    if not name or len(name) > PART_NAME_MAX or not name.replace("_", "").isalnum():
        raise template.TemplateSyntaxError(f'"part" name {name!r} is not a short word')
    nodelist = parser.parse(("endpart",))
    parser.delete_first_token()
    return PartNode(name, names[1] if len(names) > 1 else "", nodelist)
