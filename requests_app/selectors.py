"""Reads for the request workflow: disclosure compilation, timeline, queues and counts.

The disclosure compilation is built from the personal-data inventory (`inventory.py`), never from
a hand-written list of fields, so a personal field added anywhere appears in the next disclosure.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import formats, timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_fsm_log.models import StateLog

from common import inventory
from common.csv_safety import csv_safe
from consent_app.models import ConsentFlag, Customer
from consent_app.provision import DATA_ITEMS
from consent_app.selectors import provision_stopped_for_flag

from .due import due_soon_q, overdue_q
from .models import (
    OPEN_STATES,
    DeadlineExtension,
    DisclosureRequest,
    DocumentViewing,
    IdentityDocument,
    Letter,
    ReferenceCounter,
    RequestComment,
    RequestState,
)
from .request_types import spec_for

# --- disclosure compilation --------------------------------------------------------------------
ELECTRONIC_FORMATS = ("csv", "json")
UNKNOWN_FORMAT = _("Unknown electronic copy format: %(fmt)s (use csv or json).")
# A spreadsheet program would run a cell starting with one of these as a formula.


def compilation_language(*, request: DisclosureRequest) -> str:
    """The verified customer's preferred language, else the language the requester asked for
    (the same rule the letters follow)."""
    customer = request.customer
    if customer is not None and customer.erased_at is None and customer.preferred_language:
        return customer.preferred_language
    return request.language or "ja"


def _state_label(value: str) -> str:
    try:
        return str(RequestState(value).label)
    except ValueError:
        return value or ""


def _transition_label(value: str) -> str:
    method = getattr(DisclosureRequest, value, None)
    meta = getattr(method, "_django_fsm", None)
    if meta is None:
        return value
    for transition in meta.transitions.values():
        label = transition.custom.get("label")
        if label:
            return str(label)
    return value


def _customer_field_label(value: str) -> str:

    try:
        return str(Customer._meta.get_field(value).verbose_name)
    except FieldDoesNotExist:
        return value


def _data_items_label(value: Any) -> str:
    # Provision records store the data items as codes (["name_kana", "address"]): the person
    # reads 氏名（フリガナ）、住所.

    codes = value if isinstance(value, list | tuple) else []
    labels = [str(DATA_ITEMS[code][0]) if code in DATA_ITEMS else str(code) for code in codes]
    return ("、" if translation.get_language() == "ja" else ", ").join(labels)


def _withheld_sections_label(value: Any) -> str:
    # A partial refusal's sections by their titles, not their keys (issue 12).
    titles = compilation_section_titles()
    keys = value if isinstance(value, list | tuple) else []
    return ("、" if translation.get_language() == "ja" else ", ").join(
        titles.get(str(key), str(key)) for key in keys
    )


def _withheld_grounds_label(value: Any) -> str:
    # Each withheld section's ground by its label: "社内メモ: 業務の適正な実施に…".
    from .models import RefusalGround

    titles = compilation_section_titles()
    grounds = value if isinstance(value, dict) else {}
    labels = dict(RefusalGround.choices)
    return "; ".join(
        f"{titles.get(str(key), str(key))}: {labels.get(ground, ground)}"
        for key, ground in grounds.items()
    )


# Foreign keys whose related row's name is not what the person should read.
_RELATED_FORMATTERS: dict[tuple[str, str], Any] = {
    # A receipt entry (Art. 30) discloses where the data came from, not a record number.
    ("consent_app.DataReceiptPerson", "receipt"): lambda receipt: receipt.disclosure_text(),
}

# Fields whose stored values are codes the person could not read.
_FORMATTERS: dict[tuple[str, str], Any] = {
    ("consent_app.ProvisionRecord", "data_items"): _data_items_label,
    ("django_fsm_log.StateLog", "state"): _state_label,
    ("django_fsm_log.StateLog", "source_state"): _state_label,
    ("django_fsm_log.StateLog", "transition"): _transition_label,
    ("requests_app.CorrectionItem", "field_name"): _customer_field_label,
    ("requests_app.DisclosureRequest", "withheld_sections"): _withheld_sections_label,
    ("requests_app.DisclosureRequest", "withheld_grounds"): _withheld_grounds_label,
}


# Foreign keys whose emptiness means something the person must read (the admin's list says the
# same): a suppression without a recipient stops provision to all of them.
_EMPTY_MEANS: dict[tuple[str, str], Any] = {
    ("consent_app.ProvisionSuppression", "recipient"): _("All recipients"),
}


def display_value(obj: models.Model, field: models.Field) -> str:
    """A field's value as the person should read it (choices by label, dates in Tokyo time)."""
    label = obj._meta.label
    if isinstance(field, models.ForeignKey):
        related = getattr(obj, field.name)
        if related is None:
            return str(_EMPTY_MEANS.get((label, field.name), ""))
        related_formatter = _RELATED_FORMATTERS.get((label, field.name))
        return related_formatter(related) if related_formatter else str(related)
    if field.name == "state" and getattr(obj, "provision_stopped", False):
        # A consent to provision overridden by a suppression for all recipients (the
        # ConsentFlag section's annotation, consent_app.selectors.provision_stopped_for_flag).
        return gettext("%(state)s (provision stopped)") % {"state": obj.get_state_display()}
    value = getattr(obj, field.attname)
    formatter = _FORMATTERS.get((label, field.name))
    if formatter is not None:
        return formatter(value)
    if value is None or value == "":
        return ""
    if isinstance(field, models.FileField):
        # The file's presence, never its storage path (a random name, meaningless to the person).
        return gettext("held") if value else ""
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return gettext("Yes") if value else gettext("No")
    # Dates as the reader of the active language writes them (2026年12月16日 / Dec. 16, 2026).
    if isinstance(value, datetime):
        return formats.date_format(timezone.localtime(value), "DATETIME_FORMAT")
    if isinstance(value, date):
        return formats.date_format(value, "DATE_FORMAT")
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def _section_queryset(
    model: type[models.Model], entry: inventory.ModelEntry, customer, today: date
) -> QuerySet:
    queryset = model._default_manager.all()
    if callable(entry.subject):
        queryset = entry.subject(queryset, customer)
    elif entry.subject == "":
        queryset = queryset.filter(pk=customer.pk)
    else:
        # The primary key: works for foreign keys and for plain id columns (history rows).
        queryset = queryset.filter(**{entry.subject: customer.pk})
    if entry.retained is not None:
        queryset = entry.retained(queryset, today)
    if model is ConsentFlag:
        queryset = queryset.annotate(provision_stopped=provision_stopped_for_flag())
    related = [
        name
        for name in entry.disclosed_fields()
        if isinstance(model._meta.get_field(name), models.ForeignKey)
    ]
    if related:
        queryset = queryset.select_related(*related)
    if entry.order_by:
        queryset = queryset.order_by(*entry.order_by)
    return queryset


def _build_section(model, entry: inventory.ModelEntry, objects: list) -> dict[str, Any]:
    fields = [model._meta.get_field(name) for name in entry.disclosed_fields()]
    if entry.vertical and entry.subject == "":
        columns = [gettext("Item"), gettext("Value")]
        rows = [
            [entry.label(model, f.name), value]
            for obj in objects
            for f in fields
            if (value := display_value(obj, f))
        ]
    elif entry.vertical:
        columns = [gettext("Record"), gettext("Item"), gettext("Value")]
        rows = [
            [str(obj), entry.label(model, f.name), value]
            for obj in objects
            for f in fields
            if (value := display_value(obj, f))
        ]
    else:
        columns = [entry.label(model, f.name) for f in fields]
        rows = [[display_value(obj, f) for f in fields] for obj in objects]
    return {"key": entry.section, "title": str(entry.title), "columns": columns, "rows": rows}


def _steps_per_request(section: dict[str, Any], objects: list, customer) -> None:
    """The transition log names its request only by id: add the reference the person knows as
    the first column, and group the steps per request (oldest request first, in time order), so
    the steps of two requests never read as one story."""
    references = dict(
        DisclosureRequest.objects.filter(customer=customer).values_list("pk", "reference")
    )
    keyed = [
        (references.get(int(obj.object_id), "") if str(obj.object_id).isdigit() else "", obj, row)
        for obj, row in zip(objects, section["rows"], strict=True)
    ]
    keyed.sort(key=lambda item: (item[0], item[1].timestamp, item[1].pk))
    section["columns"] = [gettext("Request"), *section["columns"]]
    section["rows"] = [[reference, *row] for reference, _obj, row in keyed]


# Withheld from a disclosure unless staff choose otherwise: notes written for the office's own
# work (Art. 33(2)(ii): disclosing internal deliberation may seriously hinder its business).
DEFAULT_WITHHELD_SECTIONS = ("comments",)


def compilation_section_titles() -> dict[str, str]:
    """Every section a disclosure can hold: key → title (in the active language)."""
    return {
        entry.section: str(entry.title)
        for _model, entry in inventory.subject_entries()
        if entry.section
    }


def disclosure_compilation(
    *,
    request: DisclosureRequest,
    language: str | None = None,
    withheld: tuple[str, ...] | list[str] = (),
) -> dict[str, Any]:
    """Everything we hold on the request's verified customer, section by section.

    Sections follow the personal-data inventory: profile (and its change history), consent in
    force and the consent ledger, suppressions, third-party provision records still retained
    (Art. 29/33(5)), the person's privacy requests with their corrections, documents, letters,
    notes and steps. A record disclosure (Art. 33(5)) gets the provision records only. With no
    linked customer (no data held) the list of sections is empty. Titles, column names and
    values are in the person's language. One query per section, whatever the data volume.
    `withheld`: section keys left out of what is disclosed (the letter states them; the staff
    page of the data held shows everything).
    """
    customer = request.customer
    language = language or compilation_language(request=request)
    generated_at = timezone.now()
    sections: list[dict[str, Any]] = []
    with translation.override(language):
        if customer is not None:
            # The type's sections (the registry; record disclosure: the Art. 29/30 records).
            wanted = spec_for(request.request_type).compilation_sections
            today = timezone.localdate(generated_at)
            for model, entry in inventory.subject_entries():
                if wanted is not None and entry.section not in wanted:
                    continue
                if entry.section in withheld:
                    continue
                objects = list(_section_queryset(model, entry, customer, today))
                section = _build_section(model, entry, objects)
                if model._meta.label == "django_fsm_log.StateLog":
                    _steps_per_request(section, objects, customer)
                sections.append(section)
    return {
        "reference": request.reference,
        "customer_number": getattr(customer, "number", ""),
        "language": language,
        "sections": sections,
        "generated_at": generated_at,
    }


def disclosure_electronic_copy(*, request: DisclosureRequest, fmt: str = "csv") -> bytes:
    """The compilation as an electronic record (Art. 33(1): the method the person chose).

    CSV: UTF-8 with a byte-order mark (Excel on Japanese Windows opens it correctly), one block
    per section (title line, header line, rows, blank line), formula-like cells neutralised.
    JSON: UTF-8, the same sections with each row also as an object keyed by column.
    """
    if fmt not in ELECTRONIC_FORMATS:
        raise ValueError(UNKNOWN_FORMAT % {"fmt": fmt})
    compilation = disclosure_compilation(request=request, withheld=request.withheld_sections)
    generated = timezone.localtime(compilation["generated_at"]).isoformat(timespec="seconds")
    if fmt == "json":
        payload = {
            "reference": compilation["reference"],
            "customer_number": compilation["customer_number"],
            "generated_at": generated,
            "sections": [
                {
                    **section,
                    "records": [
                        dict(zip(section["columns"], row, strict=True)) for row in section["rows"]
                    ],
                }
                for section in compilation["sections"]
            ],
        }
        return json.dumps(payload, ensure_ascii=False, indent=2).encode("utf-8")
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    with translation.override(compilation["language"]):
        writer.writerow([gettext("Reference"), compilation["reference"]])
        writer.writerow([gettext("Generated at"), generated])
    writer.writerow([])
    for section in compilation["sections"]:
        writer.writerow([csv_safe(section["title"])])
        writer.writerow([csv_safe(c) for c in section["columns"]])
        for row in section["rows"]:
            writer.writerow([csv_safe(v) for v in row])
        writer.writerow([])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


# --- identity documents --------------------------------------------------------------------------
# A request has ended in these states; each sets closed_at, which starts the purge period.
ENDED_STATES = (RequestState.CLOSED, RequestState.WITHDRAWN, RequestState.LAPSED)


def identity_documents_due_for_purge(*, now: datetime | None = None) -> QuerySet[IdentityDocument]:
    """Documents whose file is due for purge: not purged yet, request ended (closed, withdrawn
    or lapsed) IDENTITY_DOCUMENT_PURGE_DAYS or more ago.

    The one definition the purge task, the dashboard's count and the document list's
    `?purge=due` filter share, so the three always agree.
    """
    now = now or timezone.now()
    # One set of documents serves the whole case (issue 13): kept while any right of it is open.
    case_open = DisclosureRequest.objects.filter(
        case_id=OuterRef("request__case_id"), state__in=OPEN_STATES
    )
    return IdentityDocument.objects.filter(
        purged_at__isnull=True,
        request__state__in=ENDED_STATES,
        request__closed_at__lte=now - timedelta(days=settings.IDENTITY_DOCUMENT_PURGE_DAYS),
    ).exclude(Exists(case_open))


# --- queues and due status ---------------------------------------------------------------------
# The conditions are defined once, in requests_app.due (the dashboard counts with them).
def requests_overdue(*, today: date | None = None) -> QuerySet[DisclosureRequest]:
    """Open requests whose clock runs and whose due date has passed."""
    return DisclosureRequest.objects.filter(overdue_q(today=today or timezone.localdate()))


def requests_due_soon(*, today: date | None = None) -> QuerySet[DisclosureRequest]:
    """Open requests due today or within the next DUE_SOON_DAYS days."""
    return DisclosureRequest.objects.filter(due_soon_q(today=today or timezone.localdate()))


def requests_lapsable(*, now: datetime | None = None) -> QuerySet[DisclosureRequest]:
    """Requests with no documents back within REQUEST_LAPSE_DAYS (the lapse condition)."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.REQUEST_LAPSE_DAYS)
    return DisclosureRequest.objects.filter(
        Q(state=RequestState.FORM_SENT, form_sent_at__lte=cutoff)
        | Q(state=RequestState.INQUIRY, form_sent_at__isnull=True, received_at__lte=cutoff)
    )


def requests_open_for(*, user) -> QuerySet[DisclosureRequest]:
    return DisclosureRequest.objects.filter(assignee=user, state__in=OPEN_STATES)


def possible_duplicates(
    *,
    name: str = "",
    email: str = "",
    phone: str = "",
    customer_id: int | None = None,
    exclude_pk: int | None = None,
) -> QuerySet[DisclosureRequest]:
    """Open requests from (possibly) the same person: same name, e-mail, phone or customer."""
    condition = Q()
    if name:
        condition |= Q(requester_name=name)
    if email:
        condition |= Q(requester_email__iexact=email)
    if phone:
        condition |= Q(requester_phone=phone)
    if customer_id:
        condition |= Q(customer_id=customer_id)
    if not condition:
        return DisclosureRequest.objects.none()
    queryset = DisclosureRequest.objects.filter(condition, state__in=OPEN_STATES)
    if exclude_pk:
        queryset = queryset.exclude(pk=exclude_pk)
    return queryset.order_by("received_at", "pk")


# --- timeline ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    kind: str  # "transition", "letter", "viewing", "comment", "extension"
    actor: str
    title: str
    detail: str = ""


def staff_name(user) -> str:
    """A staff member as a Japanese office writes a person: family name first (佐藤 花子).

    Django's get_full_name() puts the given name first; its get_short_name() is the given name
    alone, which reads as over-familiar in a Japanese office. The user name stands in for a
    user with no name.
    """
    full = " ".join(part for part in (user.last_name.strip(), user.first_name.strip()) if part)
    return full or user.get_username()


def _user_label(user) -> str:
    if user is None:
        return gettext("System")
    return staff_name(user)


def request_timeline(*, request: DisclosureRequest) -> list[TimelineEntry]:
    """Transitions, letters, document viewings, deadline extensions and comments, newest first.

    A fixed number of queries (one per kind), whatever the length of the history.
    """

    entries: list[TimelineEntry] = []
    logs = StateLog.objects.filter(
        content_type=ContentType.objects.get_for_model(DisclosureRequest), object_id=request.pk
    ).select_related("by")
    for log in logs:
        entries.append(
            TimelineEntry(
                at=log.timestamp,
                kind="transition",
                actor=_user_label(log.by),
                title=gettext("%(transition)s: %(source)s → %(target)s")
                % {
                    "transition": _transition_label(log.transition),
                    "source": _state_label(log.source_state or ""),
                    "target": _state_label(log.state),
                },
                detail=log.description or "",
            )
        )
    for letter in Letter.objects.filter(request=request).select_related("sent_by"):
        entries.append(
            TimelineEntry(
                at=letter.created_at,
                kind="letter",
                actor=_user_label(letter.sent_by) if letter.sent_by_id else gettext("System"),
                title=gettext("Letter: %(kind)s (%(status)s)")
                % {"kind": letter.get_kind_display(), "status": letter.get_status_display()},
                detail=letter.tracking_number or "",
            )
        )
    viewings = DocumentViewing.objects.filter(document__request=request).select_related(
        "viewed_by", "document"
    )
    for viewing in viewings:
        entries.append(
            TimelineEntry(
                at=viewing.viewed_at,
                kind="viewing",
                actor=_user_label(viewing.viewed_by),
                title=gettext("Viewed identity document: %(document)s")
                % {"document": str(viewing.document)},
            )
        )
    for extension in DeadlineExtension.objects.filter(request=request).select_related(
        "extended_by"
    ):
        entries.append(
            TimelineEntry(
                at=extension.extended_at,
                kind="extension",
                actor=_user_label(extension.extended_by),
                title=gettext("Deadline extended: %(old)s → %(new)s")
                % {"old": extension.previous_due_date, "new": extension.new_due_date},
                detail=extension.reason,
            )
        )
    for comment in RequestComment.objects.filter(request=request).select_related("author"):
        entries.append(
            TimelineEntry(
                at=comment.created_at,
                kind="comment",
                actor=_user_label(comment.author),
                title=gettext("Comment"),
                detail=comment.body,
            )
        )
    entries.sort(key=lambda e: e.at, reverse=True)
    return entries


# A reference as staff type part of it: "PR-2026-000043", "2026-000043", "2026-43", "000043", "43".
_REFERENCE_FULL = re.compile(r"^(?:PR-?)?(\d{4})-(\d{1,6})$")
_REFERENCE_SERIAL = re.compile(r"^\d{1,6}$")


def request_references_matching(*, term: str) -> list[str] | None:
    """The references a (partial) reference number can mean; None when `term` is not one.

    "2026-000043" (or "PR-2026-43") is one reference; a serial alone ("000043", "43") is that
    number in every year whose counter reached it. The list is matched with `reference IN (…)`
    on the unique index, never with a LIKE '%…' that would read every request.
    """
    text = term.strip().upper()
    if match := _REFERENCE_FULL.match(text):
        return [f"PR-{match[1]}-{int(match[2]):06d}"]
    if not _REFERENCE_SERIAL.match(text) or int(text) == 0:
        return None
    serial = int(text)
    years = ReferenceCounter.objects.filter(last_number__gte=serial).values_list("year", flat=True)
    return [f"PR-{year}-{serial:06d}" for year in sorted(years)]


def requests_citing_incident(*, reference: str) -> QuerySet[DisclosureRequest]:
    """Requests on the Art. 35(5) reportable-leak ground that name this incident (issue 15).

    Requests keep the incident's reference only: incidents_app reads this, requests_app never
    imports incidents_app.
    """
    return DisclosureRequest.objects.filter(incident_reference=reference).order_by("-received_at")
