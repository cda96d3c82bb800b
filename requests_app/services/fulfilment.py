"""Outcomes and what fulfilling a request really changes (APPI Arts. 32–36).

`validate_outcome` is checked when the response is drafted; `request_fulfil` runs inside the
approve-and-send transaction, so the data changes exactly when a second manager approves
(four eyes), and not at all if anything in that transaction fails.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable
from datetime import date

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.inventory import customer_correctable_fields
from consent_app.models import ConsentEvent
from consent_app.services import (
    consent_withdraw_all,
    customer_erase,
    customer_update,
    suppression_create,
)

from .. import selectors
from ..models import (
    CorrectionItem,
    DisclosureMethod,
    DisclosureRequest,
    Outcome,
    RefusalGround,
    RequestType,
    UseMeasure,
)
from ..request_types import spec_for
from .documents import identity_documents_purge_for_request

logger = logging.getLogger(__name__)

# --- Messages (tests assert these) -------------------------------------------------------------
OUTCOME_REQUIRED = _("Choose the outcome.")
OUTCOME_UNKNOWN = _("Unknown outcome: %(outcome)s.")
REFUSAL_GROUND_REQUIRED = _(
    "A refusal, in whole or in part, must state one of the grounds the law allows for this type "
    "of request."
)
REFUSAL_GROUND_INVALID = _("“%(ground)s” is not a ground the law allows for this type of request.")
REFUSAL_GROUND_UNEXPECTED = _("A refusal ground is only recorded for a refusal or a partial one.")
EXPLANATION_REQUIRED = _(
    "Explain the reasons to the person (Art. 36): a refusal, a partial fulfilment or an "
    "alternative measure needs an explanation."
)
NO_DATA_MISMATCH = _(
    "“No data held” is the outcome exactly when verification found no data on the person."
)
CUSTOMER_REQUIRED = _("Link the request to a customer before fulfilling it.")
ALTERNATIVE_ONLY_ART35 = _(
    "An alternative measure is only possible for suspension, erasure or stopping provision "
    "(Art. 35), where acting is very costly or difficult."
)
METHOD_USED_REQUIRED = _("Record the method used for the disclosure.")
FALLBACK_ONLY_TO_PAPER = _(
    "When the chosen method is very costly or difficult, the law allows a fall-back to paper "
    "only (Art. 33(2))."
)
FALLBACK_REASON_REQUIRED = _(
    "The disclosure uses a method other than the one the person chose: record the reason (it is "
    "told to the person)."
)
PARTIAL_ERASURE = _(
    "An erasure cannot be partly fulfilled; record a suspension of use for the part granted, or "
    "refuse with a ground."
)
CORRECTION_OUTCOME_MISMATCH = _(
    "The outcome does not match the corrections: fulfilled needs every correction accepted, "
    "refused needs none, partly fulfilled needs some."
)
CORRECTION_FIELD_INVALID = _("“%(field)s” is not a customer field that a correction can change.")
CORRECTION_DATE_INVALID = _("Enter the date of birth as YYYY-MM-DD.")
MEASURE_REQUIRED = _("Record whether the person asks for suspension of use or for erasure.")

WITHHOLDING_IS_PARTIAL = _(
    "Withholding part of the data is a partial refusal (Art. 33(2)): choose “partly fulfilled” "
    "with its ground and an explanation for the person."
)
WITHHOLDING_ONLY_FOR_DISCLOSURE = _("Only a disclosure can withhold parts of the data.")
WITHHOLDING_UNKNOWN = _("Unknown sections: %(sections)s.")
WITHHOLDING_GROUND_INVALID = _(
    "“%(ground)s” is not a ground the law allows for withholding “%(section)s” (Art. 33(2))."
)
_WITHHELD_OUTCOMES = {Outcome.PARTLY_FULFILLED}

_NEEDS_EXPLANATION = {Outcome.REFUSED, Outcome.PARTLY_FULFILLED, Outcome.ALTERNATIVE_MEASURE}
_REFUSING = {Outcome.REFUSED, Outcome.PARTLY_FULFILLED}


def validate_outcome(
    *,
    request: DisclosureRequest,
    outcome: str,
    refusal_ground: str = "",
    explanation: str = "",
    method_used: str = "",
    fallback_reason: str = "",
    withheld_sections: Iterable[str] = (),
    withheld_grounds: dict[str, str] | None = None,
) -> None:
    """Raise ValidationError (field → messages) unless the outcome is lawful for this request.

    `withheld_grounds`: each withheld section's ground; every one must be a ground the law
    allows for this type (Art. 33(2))."""
    errors: dict[str, list] = {}

    def add(field: str, message, **params) -> None:
        errors.setdefault(field, []).append(
            ValidationError(message, code=field, params=params or None)
        )

    if not outcome:
        add("outcome", OUTCOME_REQUIRED)
        raise ValidationError(errors)
    if outcome not in Outcome.values:
        add("outcome", OUTCOME_UNKNOWN, outcome=outcome)
        raise ValidationError(errors)
    if (outcome == Outcome.NO_DATA_HELD) != bool(request.no_data_held):
        add("outcome", NO_DATA_MISMATCH)
    if outcome != Outcome.NO_DATA_HELD and request.customer_id is None:
        add("outcome", CUSTOMER_REQUIRED)
    spec = spec_for(request.request_type)
    if outcome == Outcome.ALTERNATIVE_MEASURE and not spec.art35:
        add("outcome", ALTERNATIVE_ONLY_ART35)
    if (
        outcome == Outcome.PARTLY_FULFILLED
        and request.request_type == RequestType.ERASURE
        and request.use_measure == UseMeasure.ERASE
    ):
        add("outcome", PARTIAL_ERASURE)
    if (
        request.request_type == RequestType.ERASURE
        and outcome in {Outcome.FULFILLED, Outcome.PARTLY_FULFILLED}
        and not request.use_measure
    ):
        add("outcome", MEASURE_REQUIRED)
    if outcome in _REFUSING:
        if not refusal_ground:
            add("refusal_ground", REFUSAL_GROUND_REQUIRED)
        elif refusal_ground not in RefusalGround.for_type(request.request_type):
            add("refusal_ground", REFUSAL_GROUND_INVALID, ground=refusal_ground)
    elif refusal_ground:
        add("refusal_ground", REFUSAL_GROUND_UNEXPECTED)
    if outcome in _NEEDS_EXPLANATION and not explanation.strip():
        add("outcome_explanation", EXPLANATION_REQUIRED)
    withheld = list(withheld_sections)
    if withheld:
        unknown = sorted(set(withheld) - set(selectors.compilation_section_titles()))
        if not spec.discloses_data:
            add("withheld_sections", WITHHOLDING_ONLY_FOR_DISCLOSURE)
        elif unknown:
            add("withheld_sections", WITHHOLDING_UNKNOWN, sections=", ".join(unknown))
        elif outcome not in _WITHHELD_OUTCOMES:
            add("withheld_sections", WITHHOLDING_IS_PARTIAL)
        else:
            titles = selectors.compilation_section_titles()
            allowed = RefusalGround.for_type(request.request_type)
            for key in withheld:
                ground = (withheld_grounds or {}).get(key) or refusal_ground
                if ground and ground not in allowed:
                    add(
                        "withheld_grounds",
                        WITHHOLDING_GROUND_INVALID,
                        ground=RefusalGround(ground).label
                        if ground in RefusalGround.values
                        else ground,
                        section=titles.get(key, key),
                    )
    if request.request_type == RequestType.CORRECTION and outcome in {
        Outcome.FULFILLED,
        Outcome.PARTLY_FULFILLED,
        Outcome.REFUSED,
    }:
        accepted = list(request.corrections.values_list("accepted", flat=True))
        expected = {
            Outcome.FULFILLED: bool(accepted) and all(accepted),
            Outcome.REFUSED: not any(accepted),
            Outcome.PARTLY_FULFILLED: any(accepted) and not all(accepted),
        }[outcome]
        if not expected:
            add("outcome", CORRECTION_OUTCOME_MISMATCH)
    if spec.discloses_data and outcome in {
        Outcome.FULFILLED,
        Outcome.PARTLY_FULFILLED,
    }:
        requested = request.disclosure_method_requested or DisclosureMethod.PAPER
        if not method_used:
            add("disclosure_method_used", METHOD_USED_REQUIRED)
        elif method_used != requested:
            if method_used != DisclosureMethod.PAPER:
                add("disclosure_method_used", FALLBACK_ONLY_TO_PAPER)
            elif not fallback_reason.strip():
                add("method_fallback_reason", FALLBACK_REASON_REQUIRED)
    if errors:
        raise ValidationError(errors)


def correction_value(*, field_name: str, kind: str, requested_value: str):
    """The value a correction item writes into the customer field (validated)."""
    if field_name not in customer_correctable_fields():
        raise ValidationError(
            CORRECTION_FIELD_INVALID, code="field_name", params={"field": field_name}
        )
    if kind == CorrectionItem.Kind.DELETE:
        return None if field_name == "date_of_birth" else ""
    value = (requested_value or "").strip()
    if field_name == "date_of_birth":
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise ValidationError(CORRECTION_DATE_INVALID, code="date_of_birth") from None
    return value


def _apply_corrections(request: DisclosureRequest, by: AbstractBaseUser) -> None:

    items = list(request.corrections.filter(accepted=True, applied_at__isnull=True))
    if not items:
        return
    changes = {
        item.field_name: correction_value(
            field_name=item.field_name, kind=item.kind, requested_value=item.requested_value
        )
        for item in items
    }
    # The history entry names the request, so the customer's history says why it changed.
    customer_update(customer=request.customer, changes=changes, by=by, reason=request.reference)
    CorrectionItem.objects.filter(pk__in=[item.pk for item in items]).update(
        applied_at=timezone.now()
    )


def _store_electronic_copy(request: DisclosureRequest) -> None:
    data = selectors.disclosure_electronic_copy(request=request, fmt="csv")
    request.electronic_copy.save(f"{request.reference}.csv", ContentFile(data), save=False)
    request.electronic_copy_sha256 = hashlib.sha256(data).hexdigest()


def request_fulfil(*, request: DisclosureRequest, by: AbstractBaseUser) -> None:
    """Make the data changes the approved outcome calls for. Runs inside the caller's transaction.

    - correction (Art. 34): the accepted corrections amend the customer, with history;
    - erasure (Art. 35(1)): the customer is anonymised (consent withdrawn through the ledger by
      consent_app) and the request's identity document files are purged;
    - suspension of use (Art. 35(1)): the consent flags concerned (all when none chosen) withdrawn;
    - suspension of provision (Art. 35(3)): a suppression, for one recipient or all;
    - disclosure (Art. 33): the electronic copy, when the method used is electronic.
    Refusals, "no data held" and alternative measures change no data (the outcome is the record).
    """
    if request.outcome not in {Outcome.FULFILLED, Outcome.PARTLY_FULFILLED}:
        return
    spec_for(request.request_type).fulfil(request, by)
    logger.info("request %s fulfilled (%s, %s)", request.pk, request.request_type, request.outcome)


# --- the fulfilment handlers, one per type (named by requests_app.request_types) -----------------
def fulfil_nothing(request: DisclosureRequest, by: AbstractBaseUser) -> None:
    """Purpose notice (Art. 32(2)): the letter is the fulfilment; no data changes."""


def fulfil_correction(request: DisclosureRequest, by: AbstractBaseUser) -> None:
    """Correction (Art. 34): the accepted corrections amend the customer, with history."""
    _apply_corrections(request, by)


def fulfil_erasure(request: DisclosureRequest, by: AbstractBaseUser) -> None:
    """Erasure: anonymise and purge the ID documents; suspension of use: withdraw consent."""
    customer = request.customer
    if request.use_measure == UseMeasure.ERASE:
        if customer.erased_at is None:
            customer_erase(customer=customer, by=by, request_reference=request.reference)
        identity_documents_purge_for_request(request=request)
        return
    consent_withdraw_all(
        customer=customer,
        by=by,
        source=ConsentEvent.Source.REQUEST,
        request_reference=request.reference,
        purpose_codes=list(request.suspension_purpose_codes) or None,
        note=str(_("Suspension of use (Art. 35)")),
    )


def fulfil_provision_stop(request: DisclosureRequest, by: AbstractBaseUser) -> None:
    """Suspension of provision (Art. 35(3)): a suppression, for one recipient or all."""
    suppression_create(
        customer=request.customer,
        recipient=request.suspension_recipient,
        by=by,
        request_reference=request.reference,
        note=str(_("Suspension of provision (Art. 35(3))")),
    )


def fulfil_disclosure(request: DisclosureRequest, by: AbstractBaseUser) -> None:
    """Disclosure (Art. 33): the electronic copy, when the method used is electronic."""
    if request.disclosure_method_used == DisclosureMethod.ELECTRONIC:
        _store_electronic_copy(request)
