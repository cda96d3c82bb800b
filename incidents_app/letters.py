"""What incidents print: the context of a leak notice, and the PPC report's PDF.

Both go through the letter pipeline of requests_app: the notice is a `Letter` rendered by the one
letter task (this module only builds its context, registered in `apps.py`); the report uses the
letter engine, the letters' fonts and `html_to_pdf`, so it can fetch nothing but those fonts.
Contexts are plain dicts and strings, never model instances (a template cannot call methods).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count
from django.template import Context
from django.utils import timezone

from requests_app.letters.context import company_context, customer_recipient_context
from requests_app.letters.rendering import (
    SANS_FAMILY,
    SERIF_FAMILY,
    RenderedPdf,
    font_face_css,
    html_to_pdf,
    letter_engine,
)
from requests_app.models import LetterKind

from .models import AffectedCategory, Authority, Incident, IncidentKind, IncidentReport

REPORT_TEMPLATE = "letters/incident_report.html"
NOTICE_OCCASION_PREFIX = "incident-"

# The legal wording in both languages lives here, not in the UI catalogue (a letter is a legal
# document; its text must not depend on whether a UI string is translated).
KIND_TEXT = {
    IncidentKind.LEAK: {"ja": "漏えい", "en": "leak"},
    IncidentKind.LOSS: {"ja": "滅失", "en": "loss"},
    IncidentKind.DAMAGE: {"ja": "毀損", "en": "damage"},
}
TRIGGER_TEXT = [
    ("special_care", "第1号 要配慮個人情報"),
    ("financial_loss", "第2号 財産的被害のおそれ"),
    ("unlawful_purpose", "第3号 不正の目的によるおそれ"),
    ("over_thousand", "第4号 1,000人を超える"),
]
CATEGORY_TEXT = {
    AffectedCategory.PROVISION: "提供記録",
    AffectedCategory.ENTRUSTEE: "委託先の委託範囲",
    AffectedCategory.IMPORT: "取込み",
    AffectedCategory.QUERY: "検索条件",
}
AUTHORITY_TEXT = {Authority.PPC: "個人情報保護委員会", Authority.MINISTRY: ""}


def notice_occasion(incident_id: int) -> str:
    """The occasion of an incident's notices: one letter per customer per incident."""
    return f"{NOTICE_OCCASION_PREFIX}{incident_id}"


def incident_id_from_occasion(occasion: str) -> int:
    return int(occasion.removeprefix(NOTICE_OCCASION_PREFIX))


def _latest_report(incident: Incident) -> IncidentReport | None:
    return incident.reports.order_by("-version").first()


def notice_incident_context(incident: Incident, language: str) -> dict[str, Any]:
    report = _latest_report(incident)
    return {
        "reference": incident.reference,
        "kind_text": KIND_TEXT[incident.kind][language if language == "en" else "ja"],
        "overview": report.overview if report else incident.what_happened,
        "learned_on": timezone.localtime(incident.learned_at).date(),
        "data_items": (report.personal_data if report and report.personal_data else "")
        or incident.data_items,
        "cause": report.cause if report else "",
        "secondary_damage": report.secondary_damage if report else "",
        "measures": report.recurrence_prevention if report else "",
    }


def notice_context(letter, today: dt.date) -> dict[str, Any]:
    """The context of one leak notice (Art. 26(2), PPC Rule 10 items) to one customer."""
    incident = Incident.objects.get(pk=incident_id_from_occasion(letter.occasion))
    customer = letter.customer
    language = letter.language
    return {
        "language": language,
        "kind": letter.kind,
        "today": today,
        "letter": {"number": f"{incident.reference}-{letter.pk}", "kind": letter.kind},
        "note": "",
        "company": company_context(language),
        "recipient": customer_recipient_context(customer, language),
        # The layout prints `request.reference` in the footer and the PDF title.
        "request": {"reference": incident.reference},
        "customer": {"number": customer.number, "name": customer.full_name},
        "incident": notice_incident_context(incident, language),
    }


SAMPLE_REFERENCE = "INC-2026-0042"
SAMPLE_INCIDENT_TEXT = {
    "ja": {
        "overview": (
            "販売会社の店舗で保管していた紙の顧客台帳1冊が所在不明となりました。"
            "店舗内および関係先を捜索しましたが、現在まで発見されておりません。"
        ),
        "data_items": "氏名、住所、電話番号、ご購入車両の車台番号",
        "cause": "台帳を施錠保管庫に戻さず、閉店後も事務室の机上に置いていたため。",
        "secondary_damage": "現時点で、不正利用などの二次被害は確認されておりません。",
        "measures": (
            "紙の台帳を廃止して電子化し、持出しと返却の記録を義務付けました。"
            "全販売会社で保管状況の点検を行います。"
        ),
    },
    "en": {
        "overview": (
            "A paper customer ledger kept at a dealer's showroom went missing. The showroom "
            "and related sites were searched; it has not been found."
        ),
        "data_items": "Name, address, telephone number, chassis number of the vehicle bought",
        "cause": "The ledger was left on an office desk after closing instead of in the locked "
        "cabinet.",
        "secondary_damage": "No misuse or other secondary damage has been found so far.",
        "measures": (
            "Paper ledgers are replaced by an electronic register with a log of every "
            "removal and return; every dealer's storage is being inspected."
        ),
    },
}


def notice_sample_context(language: str, today: dt.date) -> dict[str, Any]:
    """What a leak notice adds to the preview's demo data: a sample incident (no real one)."""
    text = SAMPLE_INCIDENT_TEXT["en" if language == "en" else "ja"]
    return {
        # A real notice names no member of staff (notice_context): nor does its sample.
        "staff": {"name": ""},
        "letter": {"number": f"{SAMPLE_REFERENCE}-1", "kind": LetterKind.INCIDENT_NOTICE},
        "request": {"reference": SAMPLE_REFERENCE},
        "incident": {
            "reference": SAMPLE_REFERENCE,
            "kind_text": KIND_TEXT[IncidentKind.LOSS]["en" if language == "en" else "ja"],
            "learned_on": today - dt.timedelta(days=12),
            **text,
        },
    }


def report_context(report: IncidentReport, today: dt.date | None = None) -> dict[str, Any]:
    incident = report.incident
    by_category = incident.affected.values("category").annotate(n=Count("pk")).order_by("category")
    authority = AUTHORITY_TEXT.get(report.authority, "") or report.authority_name
    return {
        "today": today or timezone.localdate(),
        "company": company_context("ja"),
        "incident": {
            "reference": incident.reference,
            "learned_on": timezone.localtime(incident.learned_at).date(),
            "occurred_on": incident.occurred_on,
            "triggers": [
                {
                    "label": label,
                    "answer": bool(getattr(incident, name)),
                    "reason": getattr(incident, f"{name}_reason"),
                }
                for name, label in TRIGGER_TEXT
            ],
            "acquiring": incident.unlawful_purpose_acquiring,
            "encrypted": incident.high_level_encryption,
            "entrustees": [e.name for e in incident.entrustees.order_by("name")],
        },
        "report": {
            "version": report.version,
            "stage": report.stage,
            "authority_text": authority or AUTHORITY_TEXT[Authority.PPC],
            "overview": report.overview,
            "personal_data": report.personal_data,
            "people_count": f"{report.people_count:,}",
            "by_category": [
                {"label": CATEGORY_TEXT.get(row["category"], row["category"]), "count": row["n"]}
                for row in by_category
            ],
            "cause": report.cause,
            "secondary_damage": report.secondary_damage,
            "notice_to_people": report.notice_to_people,
            "public_announcement": report.public_announcement,
            "recurrence_prevention": report.recurrence_prevention,
            "other": report.other,
        },
    }


def render_report_pdf(*, report: IncidentReport) -> RenderedPdf:
    """The report as PDF, through the letter engine and fonts (nothing else may be fetched)."""
    context = report_context(report)
    html = (
        letter_engine()
        .get_template(REPORT_TEMPLATE)
        .render(
            Context(
                {
                    **context,
                    "font_face_css": font_face_css(),
                    "serif_family": SERIF_FAMILY,
                    "sans_family": SANS_FAMILY,
                },
                autoescape=True,
            )
        )
    )
    # The title carries the reference only, never a person's name.
    return html_to_pdf(html, title=f"{report.incident.reference} v{report.version}")
