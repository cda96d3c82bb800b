"""The personal-data inventory: every field of every model, classified in one place.

Why one place: a disclosure (APPI Art. 33(1)) must give the person *all* retained personal data
about them. The disclosure compilation (`selectors.disclosure_compilation`) reads this inventory,
and the system check below fails when any model field is missing from it. So a personal field
added later cannot silently be left out of a disclosure: whoever adds it must classify it here,
and once classified as the person's data it appears in the next disclosure.

How to classify a new field: add `"field_name": <category>` to its model's entry in `INVENTORY`
(a new model gets a new `ModelEntry`). Categories in `SUBJECT_CATEGORIES` are the data subject's
personal data and are disclosed; `DERIVED` is a copy of fields already disclosed (search keys,
export files); `STAFF` and `SECURITY` are personal data of our own users (staff accounts, login
logs), outside a customer's disclosure; `NONE` is not personal data.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from django.apps import apps
from django.core import checks
from django.db import models
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _


class Category(models.TextChoices):
    IDENTITY = "identity", _("Identity")
    CONTACT = "contact", _("Contact details")
    PREFERENCE = "preference", _("Preferences")
    RELATIONSHIP = "relationship", _("Customer relationship")
    CONSENT = "consent", _("Consent")
    PROVISION = "provision", _("Third-party provision")
    REQUEST = "request", _("Privacy requests")
    IDENTITY_DOCUMENT = "identity_document", _("Identity documents")
    CORRESPONDENCE = "correspondence", _("Correspondence")
    DERIVED = "derived", _("Derived copy of disclosed data")
    STAFF = "staff", _("Staff user data")
    SECURITY = "security", _("Security and login data")
    NONE = "none", _("Not personal data")


# The data subject's own personal data: what a disclosure shows.
SUBJECT_CATEGORIES: frozenset[str] = frozenset(
    {
        Category.IDENTITY,
        Category.CONTACT,
        Category.PREFERENCE,
        Category.RELATIONSHIP,
        Category.CONSENT,
        Category.PROVISION,
        Category.REQUEST,
        Category.IDENTITY_DOCUMENT,
        Category.CORRESPONDENCE,
    }
)
# Personal data that is not the customer's (or only a copy of it): classified, never disclosed.
OTHER_PERSONAL_CATEGORIES: frozenset[str] = frozenset(
    {Category.DERIVED, Category.STAFF, Category.SECURITY}
)

C = Category  # short alias for the table below

# Subject lookups the compilation uses when a model reaches the customer in a non-ORM way.
SubjectQuery = Callable[[QuerySet, object], QuerySet]


def _statelog_for_customer(queryset: QuerySet, customer) -> QuerySet:
    # django-fsm-log keeps a generic relation; the log rows of the customer's requests.
    from django.contrib.contenttypes.models import ContentType

    from .models import DisclosureRequest

    return queryset.filter(
        content_type=ContentType.objects.get_for_model(DisclosureRequest),
        object_id__in=DisclosureRequest.objects.filter(customer=customer).values("pk"),
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


def _records_within_retention(queryset: QuerySet, today: date) -> QuerySet:
    # Art. 29 records are disclosed while they are retained (33(5)); past retain_until they
    # are due for the purge and no longer "retained".
    return queryset.filter(retain_until__gte=today)


@dataclass(frozen=True)
class ModelEntry:
    """The classification of one model's fields, and how its rows reach the data subject."""

    fields: dict[str, str]
    # ORM lookup from this model to the Customer ("" for the customer itself), or a callable.
    subject: str | SubjectQuery | None = None
    # Disclosure section: key, title, order of rows; "vertical" lists item/value pairs.
    section: str = ""
    title: str = ""
    order_by: tuple[str, ...] = ()
    vertical: bool = False
    # Narrows the rows disclosed (e.g. records within retention); receives (queryset, today).
    retained: Callable[[QuerySet, date], QuerySet] | None = None
    # Why a model with subject data has no subject lookup (documented exceptions).
    unlinked_reason: str = ""
    # Column names for fields whose own verbose name is not meant for the person (third-party
    # models name theirs in English internals: "history_type", "source state").
    labels: dict = field(default_factory=dict)

    def label(self, model, name: str) -> str:
        return str(self.labels.get(name) or model._meta.get_field(name).verbose_name)

    def disclosed_fields(self) -> list[str]:
        return [name for name, cat in self.fields.items() if cat in SUBJECT_CATEGORIES]


# Third-party models, classified as a whole (their fields are all of one kind).
def _all(category: str, *names: str) -> dict[str, str]:
    return dict.fromkeys(names, category)


# The customer's profile fields, classified once: the customer and its history rows (simple-history
# copies the same fields) must never disagree on what a field is.
_CUSTOMER_PROFILE: dict[str, Category] = {
    "number": C.IDENTITY,
    "family_name": C.IDENTITY,
    "given_name": C.IDENTITY,
    "family_name_kana": C.IDENTITY,
    "given_name_kana": C.IDENTITY,
    "postal_code": C.CONTACT,
    "prefecture": C.CONTACT,
    "address": C.CONTACT,
    "phone": C.CONTACT,
    "email": C.CONTACT,
    "date_of_birth": C.IDENTITY,
    "preferred_language": C.PREFERENCE,
}

INVENTORY: dict[str, ModelEntry] = {
    # --- consent_app ---------------------------------------------------------------------------
    "consent_app.Customer": ModelEntry(
        subject="",
        section="profile",
        title=_("Customer profile"),
        vertical=True,
        fields={
            "id": C.NONE,
            **_CUSTOMER_PROFILE,
            "dealer": C.RELATIONSHIP,
            "search_name": C.DERIVED,
            "search_grams": C.DERIVED,
            "search_phone": C.DERIVED,
            "search_email": C.DERIVED,
            "erased_at": C.RELATIONSHIP,
            "created_at": C.RELATIONSHIP,
            "updated_at": C.NONE,
        },
    ),
    "consent_app.HistoricalCustomer": ModelEntry(
        subject="id",
        section="profile_history",
        title=_("Changes to the customer profile"),
        order_by=("-history_date",),
        labels={
            "history_date": _("changed at"),
            "history_change_reason": _("reason for the change"),
            "history_type": _("change"),
        },
        fields={
            "id": C.NONE,
            **_CUSTOMER_PROFILE,
            "erased_at": C.RELATIONSHIP,
            "created_at": C.NONE,
            "dealer": C.RELATIONSHIP,
            "history_id": C.NONE,
            "history_date": C.RELATIONSHIP,
            "history_change_reason": C.RELATIONSHIP,
            "history_type": C.RELATIONSHIP,
            "history_user": C.STAFF,
        },
    ),
    "consent_app.ConsentFlag": ModelEntry(
        subject="customer",
        section="consent_state",
        title=_("Consent in force"),
        order_by=("purpose__sort_order", "channel"),
        fields={
            "id": C.NONE,
            "customer": C.NONE,
            "purpose": C.CONSENT,
            "channel": C.CONSENT,
            "state": C.CONSENT,
            "updated_at": C.CONSENT,
            "last_event": C.NONE,
        },
    ),
    "consent_app.ConsentEvent": ModelEntry(
        subject="customer",
        section="consent_ledger",
        title=_("Consent history"),
        order_by=("-occurred_at", "-id"),
        fields={
            "id": C.NONE,
            "customer": C.NONE,
            "purpose": C.CONSENT,
            "channel": C.CONSENT,
            "old_state": C.CONSENT,
            "new_state": C.CONSENT,
            "occurred_at": C.CONSENT,
            "recorded_at": C.NONE,
            "actor": C.CONSENT,
            "recorded_by": C.STAFF,
            "source": C.CONSENT,
            "request_reference": C.CONSENT,
            "note": C.CONSENT,
            "notice": C.CONSENT,
            "evidence": C.CONSENT,
            "foreign_transfer_info": C.CONSENT,
        },
    ),
    "consent_app.ProvisionSuppression": ModelEntry(
        subject="customer",
        section="suppressions",
        title=_("Stops of provision to third parties"),
        order_by=("-created_at",),
        fields={
            "id": C.NONE,
            "customer": C.NONE,
            "recipient": C.PROVISION,
            "request_reference": C.PROVISION,
            "consent_event": C.NONE,
            "note": C.PROVISION,
            "created_at": C.PROVISION,
            "created_by": C.STAFF,
            "lifted_at": C.PROVISION,
            "lifted_by": C.STAFF,
        },
    ),
    "consent_app.ProvisionRecord": ModelEntry(
        subject="customer",
        section="provision_records",
        title=_("Records of provision to third parties (Art. 29)"),
        order_by=("-provided_on", "-id"),
        retained=_records_within_retention,
        fields={
            "id": C.NONE,
            "batch": C.NONE,
            "recipient": C.PROVISION,
            "customer": C.NONE,
            "provided_on": C.PROVISION,
            "data_items": C.PROVISION,
            "basis": C.PROVISION,
            "record_method": C.PROVISION,
            "retain_until": C.PROVISION,
        },
    ),
    "consent_app.DataReceiptPerson": ModelEntry(
        subject="customer",
        section="receipt_records",
        title=_("Records of data received from third parties (Art. 30)"),
        order_by=("-receipt__received_on", "-id"),
        retained=_records_within_retention,
        fields={
            "id": C.NONE,
            "receipt": C.PROVISION,
            "customer": C.NONE,
            "retain_until": C.PROVISION,
        },
    ),
    "consent_app.DataReceipt": ModelEntry(
        # About many people at once; each person's entry (DataReceiptPerson) discloses it.
        fields=_all(
            C.NONE,
            "id",
            "provider",
            "provider_name",
            "provider_address",
            "provider_representative",
            "acquisition",
            "acquisition_detail",
            "includes_special_care",
            "received_on",
            "data_items",
            "person_count",
            "retain_until",
            "note",
            "created_at",
        )
        | {"created_by": C.STAFF},
    ),
    "consent_app.RetainedIdentity": ModelEntry(
        subject="customer",
        section="retained_identity",
        title=_("Identity kept with the retained records (Rule 20)"),
        vertical=True,
        retained=_records_within_retention,
        fields={
            "id": C.NONE,
            "customer": C.NONE,
            "number": C.IDENTITY,
            "family_name": C.IDENTITY,
            "given_name": C.IDENTITY,
            "family_name_kana": C.IDENTITY,
            "given_name_kana": C.IDENTITY,
            "postal_code": C.CONTACT,
            "address": C.CONTACT,
            "date_of_birth": C.IDENTITY,
            "retain_until": C.PROVISION,
            "created_at": C.NONE,
        },
    ),
    # Companies and published texts, not people.
    "consent_app.AdequateCountry": ModelEntry(
        fields=_all(C.NONE, "id", "code", "name_ja", "name_en", "recognised_on"),
    ),
    "consent_app.OptOutFiling": ModelEntry(
        fields=_all(
            C.NONE,
            "id",
            "reference",
            "title",
            "data_items",
            "acquisition_method",
            "provision_method",
            "opt_out_method",
            "filed_on",
            "ppc_published_on",
            "company_published_on",
            "supersedes",
            "created_at",
        ),
    ),
    "consent_app.JointUseNotice": ModelEntry(
        fields=_all(
            C.NONE,
            "id",
            "scheme",
            "version",
            "users_description",
            "data_items",
            "purposes",
            "responsible_party",
            "notified_on",
            "effective_from",
            "created_at",
        ),
    ),
    "consent_app.ForeignTransferInfo": ModelEntry(
        fields=_all(
            C.NONE,
            "id",
            "recipient",
            "country",
            "version",
            "country_name",
            "country_system",
            "recipient_measures",
            "effective_from",
            "created_at",
        ),
    ),
    "consent_app.EquivalentMeasuresCheck": ModelEntry(
        fields=_all(C.NONE, "id", "recipient", "checked_at", "result", "findings")
        | {"checked_by": C.STAFF},
    ),
    "consent_app.ProvisionBatch": ModelEntry(
        fields={
            "id": C.NONE,
            "recipient": C.NONE,
            "purpose": C.NONE,
            "provided_on": C.NONE,
            "data_items": C.NONE,
            "basis": C.NONE,
            "opt_out_filing": C.NONE,
            "joint_use_notice": C.NONE,
            "foreign_basis": C.NONE,
            "status": C.NONE,
            "customer_count": C.NONE,
            # The exported file holds many customers' data: copies of what each record discloses.
            "file": C.DERIVED,
            "sha256": C.NONE,
            "error": C.NONE,
            "created_by": C.STAFF,
            "created_at": C.NONE,
            "completed_at": C.NONE,
            "file_purged_at": C.NONE,
        },
    ),
    "consent_app.Recipient": ModelEntry(
        # Companies, not people.
        fields=_all(
            C.NONE,
            "id",
            "name",
            "code",
            "category",
            "agreement_reference",
            "agreement_start",
            "agreement_end",
            "country",
            "data_items",
            "basis",
            "contract_serves_as_record",
            "address",
            "representative",
            "foreign_basis",
            "equivalent_measures",
            "equivalent_measures_reviewed_on",
            "active",
        ),
    ),
    "consent_app.PurposeOfUse": ModelEntry(
        fields=_all(
            C.NONE,
            "id",
            "code",
            "title_ja",
            "title_en",
            "description",
            "channels",
            "is_third_party_provision",
            "active",
            "sort_order",
        ),
    ),
    "consent_app.PrivacyNotice": ModelEntry(
        fields=_all(
            C.NONE,
            "id",
            "version",
            "effective_from",
            "company",
            "purposes",
            "procedures",
            "security_measures",
            "contacts",
            "accredited_organisation",
            "fee_yen",
            "created_at",
        ),
    ),
    # --- requests_app --------------------------------------------------------------------------
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
    # --- privacyoffice -------------------------------------------------------------------------
    # A background customer import: the file (many people's data) is kept until the job ends;
    # a problem's message may quote a value from a row (copies of the customer records).
    "consent_app.CustomerImportJob": ModelEntry(
        fields={
            **_all(
                C.NONE,
                "id",
                "created_at",
                "status",
                "size",
                "encoding",
                "dry_run",
                "collected_by_us",
                "receipt",
                "estimated_rows",
                "progress_rows",
                "started_at",
                "heartbeat_at",
                "finished_at",
                "rows",
                "created",
                "updated",
                "unchanged",
                "error_count",
                "message",
            ),
            "uploaded_by": C.STAFF,
            "file": C.DERIVED,
            "errors": C.DERIVED,
        },
    ),
    "privacyoffice.ExportLog": ModelEntry(
        fields={
            "id": C.NONE,
            "report": C.NONE,
            "filters": C.NONE,
            "encoding": C.NONE,
            "exported_by": C.STAFF,
            "created_at": C.NONE,
            "finished_at": C.NONE,
            "status": C.NONE,
            "row_count": C.NONE,
            "is_background": C.NONE,
            # A report file holds many people's data: copies of what their disclosures show.
            "file": C.DERIVED,
            "error": C.NONE,
            "header": C.NONE,
            "started_at": C.NONE,
            "estimated_rows": C.NONE,
            "progress_rows": C.NONE,
            "replaced_characters": C.NONE,
            "size": C.NONE,
            "sha256": C.NONE,
            "file_purged_at": C.NONE,
            "values": C.NONE,
            "retry_of": C.NONE,
            "heartbeat_at": C.NONE,
        },
    ),
    # Hash chains of the ledgers (privacyoffice.ledgers): sequence numbers, hashes and ids only.
    "privacyoffice.LedgerHead": ModelEntry(fields=_all(C.NONE, "ledger", "seq", "hash")),
    "privacyoffice.RetentionPurge": ModelEntry(
        fields=_all(
            C.NONE,
            "id",
            "ledger",
            "rule",
            "purged_at",
            "first_seq",
            "last_seq",
            "last_hash",
            "row_count",
            "object_ids",
        )
    ),
    "privacyoffice.LedgerDigest": ModelEntry(
        fields=_all(C.NONE, "id", "taken_at", "heads", "digest")
    ),
    "privacyoffice.WorkerHeartbeat": ModelEntry(fields=_all(C.NONE, "id", "name", "last_seen")),
    "privacyoffice.DashboardSummary": ModelEntry(
        # Aggregated counts only.
        fields=_all(C.NONE, "id", "key", "data", "computed_at", "duration_ms"),
    ),
    # A staff user's own setting (the admin language): staff data, never a customer's.
    "privacyoffice.StaffPreference": ModelEntry(
        fields={"id": C.NONE, "user": C.STAFF, "language": C.STAFF, "updated_at": C.NONE},
    ),
    # --- transition log (django-fsm-log) --------------------------------------------------------
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
    # --- Django and third-party apps: staff accounts, security logs, infrastructure -------------
    "admin.LogEntry": ModelEntry(
        fields={
            "id": C.NONE,
            "action_time": C.NONE,
            "user": C.STAFF,
            "content_type": C.NONE,
            "object_id": C.NONE,
            # str() of the object changed: may repeat a customer's name (a copy, not new data);
            # customer_erase rewrites it to the tombstone.
            "object_repr": C.DERIVED,
            "action_flag": C.NONE,
            "change_message": C.NONE,
        },
    ),
    "auth.User": ModelEntry(
        fields={
            "id": C.NONE,
            "password": C.SECURITY,
            "last_login": C.STAFF,
            "is_superuser": C.NONE,
            "username": C.STAFF,
            "first_name": C.STAFF,
            "last_name": C.STAFF,
            "email": C.STAFF,
            "is_staff": C.NONE,
            "is_active": C.NONE,
            "date_joined": C.STAFF,
        },
    ),
    "auth.Group": ModelEntry(fields=_all(C.NONE, "id", "name")),
    "auth.Permission": ModelEntry(fields=_all(C.NONE, "id", "name", "content_type", "codename")),
    "contenttypes.ContentType": ModelEntry(fields=_all(C.NONE, "id", "app_label", "model")),
    "sessions.Session": ModelEntry(
        fields=_all(C.SECURITY, "session_key", "session_data", "expire_date"),
    ),
    "otp_totp.TOTPDevice": ModelEntry(
        fields=_all(
            C.SECURITY,
            "id",
            "user",
            "name",
            "confirmed",
            "throttling_failure_timestamp",
            "throttling_failure_count",
            "created_at",
            "last_used_at",
            "key",
            "step",
            "t0",
            "digits",
            "tolerance",
            "drift",
            "last_t",
        ),
    ),
    "axes.AccessAttempt": ModelEntry(
        fields=_all(
            C.SECURITY,
            "id",
            "user_agent",
            "ip_address",
            "username",
            "http_accept",
            "path_info",
            "attempt_time",
            "get_data",
            "post_data",
            "failures_since_start",
        ),
    ),
    "axes.AccessAttemptExpiration": ModelEntry(
        fields=_all(C.SECURITY, "access_attempt", "expires_at"),
    ),
    "axes.AccessFailureLog": ModelEntry(
        fields=_all(
            C.SECURITY,
            "id",
            "user_agent",
            "ip_address",
            "username",
            "http_accept",
            "path_info",
            "attempt_time",
            "locked_out",
        ),
    ),
    "axes.AccessLog": ModelEntry(
        fields=_all(
            C.SECURITY,
            "id",
            "user_agent",
            "ip_address",
            "username",
            "http_accept",
            "path_info",
            "attempt_time",
            "logout_time",
            "session_hash",
        ),
    ),
    "django_celery_beat.SolarSchedule": ModelEntry(
        fields=_all(C.NONE, "id", "event", "latitude", "longitude"),
    ),
    "django_celery_beat.IntervalSchedule": ModelEntry(
        fields=_all(C.NONE, "id", "every", "period"),
    ),
    "django_celery_beat.ClockedSchedule": ModelEntry(fields=_all(C.NONE, "id", "clocked_time")),
    "django_celery_beat.CrontabSchedule": ModelEntry(
        fields=_all(
            C.NONE,
            "id",
            "minute",
            "hour",
            "day_of_month",
            "month_of_year",
            "day_of_week",
            "timezone",
        ),
    ),
    "django_celery_beat.PeriodicTasks": ModelEntry(fields=_all(C.NONE, "ident", "last_update")),
    "django_celery_beat.PeriodicTask": ModelEntry(
        fields=_all(
            C.NONE,
            "id",
            "name",
            "task",
            "interval",
            "crontab",
            "solar",
            "clocked",
            "args",
            "kwargs",
            "queue",
            "exchange",
            "routing_key",
            "headers",
            "priority",
            "expires",
            "expire_seconds",
            "one_off",
            "start_time",
            "enabled",
            "last_run_at",
            "total_run_count",
            "date_changed",
            "description",
        ),
    ),
    # --- incidents_app (issue 15) -----------------------------------------------------------
    "incidents_app.IncidentClockRule": ModelEntry(
        fields=_all(
            C.NONE,
            "id",
            "preliminary_days",
            "preliminary_day_kind",
            "final_days",
            "final_days_unlawful",
            "closure_start",
            "closure_end",
            "saturday_closed",
        ),
    ),
    "incidents_app.IncidentCounter": ModelEntry(
        fields=_all(C.NONE, "id", "year", "last_number"),
    ),
    # An incident describes an event, not a person; who is affected is AffectedPerson.
    "incidents_app.Incident": ModelEntry(
        fields={
            **_all(
                C.NONE,
                "id",
                "reference",
                "state",
                "kind",
                "learned_at",
                "occurred_on",
                "logged_at",
                "title",
                "what_happened",
                "systems",
                "data_items",
                "high_level_encryption",
                "encryption_reason",
                "special_care",
                "special_care_reason",
                "financial_loss",
                "financial_loss_reason",
                "unlawful_purpose",
                "unlawful_purpose_acquiring",
                "unlawful_purpose_reason",
                "over_thousand",
                "over_thousand_reason",
                "classified_at",
                "classification_note",
                "preliminary_due",
                "final_due",
                "preliminary_submitted_on",
                "final_submitted_on",
                "affected_count",
                "affected_frozen_at",
                "notice_method",
                "public_announcement_reason",
                "public_announcement_on",
                "notices_queued_at",
                "notices_count",
                "notices_published_at",
                "closed_at",
            ),
            **_all(
                C.STAFF,
                "logged_by",
                "assessed_by",
                "classified_by",
                "affected_frozen_by",
                "notices_queued_by",
                "closed_by",
            ),
        },
    ),
    # That a leak involved the person's data is theirs to know (and grounds Art. 35(5)).
    "incidents_app.AffectedPerson": ModelEntry(
        subject="customer",
        section="incidents",
        title=_("Leak incidents involving the person's data"),
        order_by=("-added_at",),
        labels={"incident": _("incident")},
        fields={
            "id": C.NONE,
            "incident": C.RELATIONSHIP,
            "customer": C.NONE,
            "category": C.RELATIONSHIP,
            "source": C.NONE,
            "added_at": C.RELATIONSHIP,
        },
    ),
    "incidents_app.IncidentReport": ModelEntry(
        fields={
            **_all(
                C.NONE,
                "id",
                "incident",
                "version",
                "stage",
                "overview",
                "personal_data",
                "people_count",
                "cause",
                "secondary_damage",
                "notice_to_people",
                "public_announcement",
                "recurrence_prevention",
                "other",
                "created_at",
                "status",
                "file",
                "sha256",
                "page_count",
                "error",
                "generated_at",
                "submitted_on",
                "authority",
                "authority_name",
                "channel",
                "receipt_number",
            ),
            "created_by": C.STAFF,
            "submitted_by": C.STAFF,
        },
    ),
    "incidents_app.IncidentAlert": ModelEntry(
        fields=_all(
            C.NONE,
            "id",
            "incident",
            "check_sheet",
            "clock",
            "level",
            "due_date",
            "raised_at",
            "emailed_at",
            "dismissed_at",
        ),
    ),
    # Entrustees are companies; their contacts are not customers' data.
    "incidents_app.Entrustee": ModelEntry(
        fields=_all(
            C.NONE,
            "id",
            "name",
            "address",
            "parent",
            "recipient",
            "purpose",
            "data_items",
            "all_customers",
            "contract_reference",
            "contract_signed_on",
            "contract_ends_on",
            "security_clauses",
            "check_interval_months",
            "next_check_due",
            "active",
            "created_at",
        ),
    ),
    "incidents_app.CheckQuestion": ModelEntry(
        fields=_all(C.NONE, "id", "category", "text_ja", "text_en", "sort_order", "active"),
    ),
    "incidents_app.SupervisionCheck": ModelEntry(
        fields={
            **_all(
                C.NONE,
                "id",
                "entrustee",
                "due_on",
                "state",
                "opened_at",
                "answered_at",
                "reviewed_at",
                "result",
                "review_notes",
            ),
            **_all(C.STAFF, "opened_by", "answered_by", "reviewed_by"),
        },
    ),
    "incidents_app.CheckAnswer": ModelEntry(
        fields=_all(
            C.NONE,
            "id",
            "check_sheet",
            "question",
            "category",
            "question_text",
            "answer",
            "comment",
        ),
    ),
    "incidents_app.CheckEvidence": ModelEntry(
        fields={
            **_all(
                C.NONE,
                "id",
                "check_sheet",
                "description",
                "file",
                "content_type",
                "size",
                "sha256",
                "uploaded_at",
            ),
            "uploaded_by": C.STAFF,
        },
    ),
}


# --- queries on the inventory ------------------------------------------------------------------
def entry_for(model: type[models.Model]) -> ModelEntry | None:
    return INVENTORY.get(model._meta.label)


def subject_entries() -> list[tuple[type[models.Model], ModelEntry]]:
    """Models holding the data subject's personal data, in inventory order (the section order)."""
    result = []
    for label, entry in INVENTORY.items():
        if not entry.section:
            continue
        try:
            model = apps.get_model(label)
        except LookupError:
            continue
        result.append((model, entry))
    return result


def classify(model: type[models.Model], field_name: str) -> str | None:
    entry = entry_for(model)
    return entry.fields.get(field_name) if entry else None


def customer_correctable_fields() -> list[str]:
    """Customer fields an Art. 34 correction may change: the person's own data, but neither the
    customer number (it identifies the person across systems) nor the tombstone date."""
    entry = INVENTORY["consent_app.Customer"]
    return [
        name
        for name, cat in entry.fields.items()
        if cat in {C.IDENTITY, C.CONTACT, C.PREFERENCE}
        and name not in {"number", "erased_at", "created_at"}
    ]


# --- the system check --------------------------------------------------------------------------
def _concrete_field_names(model: type[models.Model]) -> list[str]:
    return [f.name for f in model._meta.concrete_fields]


@checks.register(checks.Tags.models)
def check_personal_data_inventory(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """Every field of every model must be classified in `requests_app/inventory.py`."""
    errors: list[checks.CheckMessage] = []
    models_seen = set()
    for model in apps.get_models():
        if model._meta.proxy:
            continue
        label = model._meta.label
        models_seen.add(label)
        entry = INVENTORY.get(label)
        if entry is None:
            errors.append(
                checks.Error(
                    f"Model {label} is not in the personal-data inventory.",
                    hint=(
                        "Add a ModelEntry for it to INVENTORY in requests_app/inventory.py, "
                        "classifying each field (personal data or not, and its category)."
                    ),
                    obj=model,
                    id="requests_app.E001",
                )
            )
            continue
        names = _concrete_field_names(model)
        for name in names:
            if name not in entry.fields:
                errors.append(
                    checks.Error(
                        f"Field {label}.{name} is not classified in the personal-data inventory.",
                        hint=(
                            f"Add '{name}': Category.<...> to INVENTORY['{label}'] in "
                            "requests_app/inventory.py; a field of the data subject is then "
                            "included in every disclosure."
                        ),
                        obj=model,
                        id="requests_app.E002",
                    )
                )
        for name, category in entry.fields.items():
            if name not in names:
                # Stale, but harmless to a disclosure's completeness: a warning.
                errors.append(
                    checks.Warning(
                        f"The inventory classifies {label}.{name}, which does not exist.",
                        hint="Remove it from INVENTORY in requests_app/inventory.py.",
                        obj=model,
                        id="requests_app.W002",
                    )
                )
            if category not in Category.values:
                errors.append(
                    checks.Error(
                        f"{label}.{name} has an unknown category {category!r}.",
                        obj=model,
                        id="requests_app.E004",
                    )
                )
        if entry.disclosed_fields() and entry.subject is None and not entry.unlinked_reason:
            errors.append(
                checks.Error(
                    f"{label} holds the data subject's personal data but says neither how its "
                    "rows reach the customer nor why they cannot.",
                    hint="Give its ModelEntry a subject lookup and a section, so disclosures "
                    "include it.",
                    obj=model,
                    id="requests_app.E005",
                )
            )
        if entry.subject is not None and not entry.section:
            errors.append(
                checks.Error(
                    f"{label} reaches the customer but has no disclosure section.",
                    obj=model,
                    id="requests_app.E006",
                )
            )
    for label in INVENTORY:
        if label not in models_seen:
            errors.append(
                checks.Warning(
                    f"The inventory names {label}, which is not an installed model.",
                    id="requests_app.W001",
                )
            )
    return errors
