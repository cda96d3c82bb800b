"""requests_app's models and the transition log (django-fsm-log) in the personal-data inventory."""

from __future__ import annotations

from datetime import date

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from .entries import C, ModelEntry
from .entries import all_of as _all


def _statelog_for_customer(queryset: QuerySet, customer) -> QuerySet:
    # django-fsm-log keeps a generic relation; the log rows of the customer's requests. The
    # model is looked up by label: this package imports no app.
    request_model = apps.get_model("requests_app", "DisclosureRequest")
    return queryset.filter(
        content_type=ContentType.objects.get_for_model(request_model),
        object_id__in=request_model.objects.filter(customer=customer).values("pk"),
    )


def _letters_issued(queryset: QuerySet, today: date) -> QuerySet:
    # Letters that exist as letters: generated or sent. One still being written (queued, or
    # failed and waiting for a retry) is not yet a letter — and the letter that carries this
    # disclosure is one of those while it renders: a letter never lists itself.
    return queryset.filter(status__in=("generated", "sent"))


def _letters_for_customer(queryset: QuerySet, customer) -> QuerySet:
    # Letters answering the customer's requests, and those addressed to the customer directly
    # (leak notices under Art. 26(2), issue 15).
    return queryset.filter(models.Q(request__customer=customer) | models.Q(customer=customer))


REQUESTS_APP: dict[str, ModelEntry] = {
    "requests_app.DisclosureRequest": ModelEntry(
        subject="customer",
        section="requests",
        title=_("Privacy requests"),
        order_by=("-received_at",),
        vertical=True,
        fields={
            "id": C.NONE,
            "reference": C.REQUEST,
            # The case's reference (the one the person quotes), shown with each right.
            "case": C.REQUEST,
            "request_type": C.REQUEST,
            "channel": C.REQUEST,
            "state": C.REQUEST,
            "requester_name": C.IDENTITY,
            "requester_name_kana": C.IDENTITY,
            "requester_postal_code": C.CONTACT,
            "requester_address": C.CONTACT,
            "requester_phone": C.CONTACT,
            "requester_email": C.CONTACT,
            "requester_date_of_birth": C.IDENTITY,
            "language": C.PREFERENCE,
            "agent_type": C.REQUEST,
            "agent_name": C.REQUEST,
            "agent_address": C.REQUEST,
            "customer": C.NONE,
            "no_data_held": C.REQUEST,
            "possible_duplicate_of": C.NONE,
            "assignee": C.STAFF,
            "received_at": C.REQUEST,
            "form_sent_at": C.REQUEST,
            "documents_received_on": C.REQUEST,
            "due_date": C.REQUEST,
            "drafted_by": C.STAFF,
            "approved_by": C.STAFF,
            "responded_at": C.REQUEST,
            "closed_at": C.REQUEST,
            "disclosure_method_requested": C.REQUEST,
            "disclosure_method_used": C.REQUEST,
            "method_fallback_reason": C.REQUEST,
            "withheld_sections": C.REQUEST,
            "withheld_grounds": C.REQUEST,
            "fee_amount": C.REQUEST,
            "fee_payment_method": C.REQUEST,
            "fee_received_on": C.REQUEST,
            "suspension_purpose_codes": C.REQUEST,
            "suspension_recipient": C.REQUEST,
            "use_measure": C.REQUEST,
            "legal_ground": C.REQUEST,
            "request_grounds": C.REQUEST,
            "incident_reference": C.REQUEST,
            "outcome": C.REQUEST,
            "refusal_ground": C.REQUEST,
            "outcome_explanation": C.REQUEST,
            "response_summary": C.REQUEST,
            "notes": C.REQUEST,
            # A copy of this very compilation, made when an earlier response was sent.
            "electronic_copy": C.DERIVED,
            "electronic_copy_sha256": C.NONE,
            "created_at": C.NONE,
            "updated_at": C.NONE,
        },
    ),
    "requests_app.CorrectionItem": ModelEntry(
        subject="request__customer",
        section="corrections",
        title=_("Corrections asked for"),
        order_by=("request__received_at", "id"),
        fields={
            "id": C.NONE,
            "request": C.REQUEST,
            "kind": C.REQUEST,
            "field_name": C.REQUEST,
            "current_value": C.REQUEST,
            "requested_value": C.REQUEST,
            "accepted": C.REQUEST,
            "applied_at": C.REQUEST,
        },
    ),
    "requests_app.IdentityDocument": ModelEntry(
        subject="request__customer",
        section="identity_documents",
        title=_("Identity documents received"),
        order_by=(
            "request__received_at",
            "request_id",
            "-uploaded_at",
        ),
        fields={
            "id": C.NONE,
            "request": C.IDENTITY_DOCUMENT,
            "document_type": C.IDENTITY_DOCUMENT,
            "for_agent": C.IDENTITY_DOCUMENT,
            # The image itself: disclosed as "held" (the person sent it; a copy is theirs).
            "file": C.IDENTITY_DOCUMENT,
            "content_type": C.NONE,
            "size": C.NONE,
            "sha256": C.NONE,
            "uploaded_by": C.STAFF,
            "uploaded_at": C.IDENTITY_DOCUMENT,
            "purged_at": C.IDENTITY_DOCUMENT,
        },
    ),
    "requests_app.DocumentViewing": ModelEntry(
        # Who of our staff opened a document when: an access log about staff.
        fields={"id": C.NONE, "document": C.NONE, "viewed_by": C.STAFF, "viewed_at": C.NONE},
    ),
    "requests_app.RequestComment": ModelEntry(
        subject="request__customer",
        section="comments",
        title=_("Notes on the requests"),
        order_by=("request__received_at", "request_id", "-created_at"),
        fields={
            "id": C.NONE,
            "request": C.REQUEST,
            "author": C.STAFF,
            "body": C.REQUEST,
            "created_at": C.REQUEST,
        },
    ),
    "requests_app.DeadlineExtension": ModelEntry(
        subject="request__customer",
        section="extensions",
        title=_("Deadline extensions"),
        order_by=(
            "request__received_at",
            "request_id",
            "-extended_at",
        ),
        fields={
            "id": C.NONE,
            "request": C.REQUEST,
            "previous_due_date": C.REQUEST,
            "new_due_date": C.REQUEST,
            "reason": C.REQUEST,
            "extended_by": C.STAFF,
            "extended_at": C.REQUEST,
        },
    ),
    "requests_app.RequestCase": ModelEntry(
        fields={"id": C.NONE, "reference": C.REQUEST, "created_at": C.REQUEST},
        unlinked_reason=(
            "A case holds nothing of the person but its reference and date: both are disclosed "
            "with each of its rights (DisclosureRequest.case and its receipt)."
        ),
    ),
    "requests_app.DeadlineRule": ModelEntry(
        fields=_all(
            C.NONE,
            "id",
            "request_type",
            "days",
            "day_kind",
            "closure_start",
            "closure_end",
            "saturday_closed",
        ),
    ),
    "requests_app.ReferenceCounter": ModelEntry(
        fields=_all(C.NONE, "id", "year", "last_number"),
    ),
    "requests_app.LetterTemplate": ModelEntry(
        fields={
            "id": C.NONE,
            "kind": C.NONE,
            "request_type": C.NONE,
            "language": C.NONE,
            "version": C.NONE,
            "subject": C.NONE,
            "body": C.NONE,
            "date_style": C.NONE,
            "seal_image": C.NONE,
            "is_current": C.NONE,
            "created_by": C.STAFF,
            "created_at": C.NONE,
        },
    ),
    "requests_app.Letter": ModelEntry(
        subject=_letters_for_customer,
        section="letters",
        title=_("Letters sent to the person"),
        order_by=("request__received_at", "request_id", "-created_at"),
        retained=_letters_issued,
        fields={
            "id": C.NONE,
            "request": C.CORRESPONDENCE,
            "customer": C.NONE,
            "kind": C.CORRESPONDENCE,
            "language": C.CORRESPONDENCE,
            "template": C.NONE,
            "draft": C.NONE,
            "occasion": C.NONE,
            "status": C.CORRESPONDENCE,
            # The letters themselves repeat data disclosed in the other sections.
            "file": C.DERIVED,
            "sha256": C.NONE,
            "size": C.NONE,
            "page_count": C.NONE,
            "attempts": C.NONE,
            "error": C.NONE,
            "created_at": C.CORRESPONDENCE,
            "queued_at": C.NONE,
            "unpublished_since": C.NONE,
            "claim": C.NONE,
            "claimed_at": C.NONE,
            "generated_at": C.NONE,
            "sent_at": C.CORRESPONDENCE,
            "sent_via": C.CORRESPONDENCE,
            "tracking_number": C.CORRESPONDENCE,
            "sent_by": C.STAFF,
        },
    ),
    # Drafts of a response letter: working copies; the letter sent is what the person gets.
    "requests_app.LetterDraft": ModelEntry(
        fields={
            "id": C.NONE,
            "request": C.NONE,
            "round": C.NONE,
            "revision": C.NONE,
            "kind": C.NONE,
            "language": C.NONE,
            "template": C.NONE,
            "texts": C.DERIVED,
            "part": C.NONE,
            "created_by": C.STAFF,
            "created_at": C.NONE,
            "status": C.NONE,
            "error": C.NONE,
            "letter_date": C.NONE,
            "part_defaults": C.DERIVED,
            "file": C.DERIVED,
            "sha256": C.NONE,
            "page_count": C.NONE,
            "preview_file": C.DERIVED,
            "rendered_at": C.NONE,
            "approved_by": C.STAFF,
            "approved_at": C.NONE,
            # Ids and change times of the rights a case letter answers: bookkeeping.
            "case_rights": C.NONE,
        },
    ),
    "requests_app.DeadlineAlert": ModelEntry(
        fields={
            "id": C.NONE,
            "request": C.NONE,
            "level": C.NONE,
            "due_date": C.NONE,
            "raised_at": C.NONE,
            "assignee": C.STAFF,
            "emailed_at": C.NONE,
            "managers_notified_on": C.NONE,
            "dismissed_at": C.NONE,
        },
    ),
}


TRANSITION_LOG: dict[str, ModelEntry] = {
    "django_fsm_log.StateLog": ModelEntry(
        subject=_statelog_for_customer,
        section="request_history",
        title=_("Steps taken on the requests"),
        order_by=("-timestamp", "-id"),
        labels={
            "timestamp": _("when"),
            "source_state": _("from"),
            "state": _("to"),
            "transition": _("step"),
            "description": _("comment"),
        },
        fields={
            "id": C.NONE,
            "timestamp": C.REQUEST,
            "by": C.STAFF,
            "source_state": C.REQUEST,
            "state": C.REQUEST,
            "transition": C.REQUEST,
            "content_type": C.NONE,
            "object_id": C.NONE,
            "description": C.REQUEST,
        },
    ),
}
