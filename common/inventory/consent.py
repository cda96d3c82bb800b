"""consent_app's models in the personal-data inventory."""

from __future__ import annotations

from datetime import date

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from .entries import C, Category, ModelEntry
from .entries import all_of as _all


def _records_within_retention(queryset: QuerySet, today: date) -> QuerySet:
    # Art. 29 records are disclosed while they are retained (33(5)); past retain_until they
    # are due for the purge and no longer "retained".
    return queryset.filter(retain_until__gte=today)


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


CONSENT_APP: dict[str, ModelEntry] = {
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
}
