"""The lawful basis of a provision, checked before every batch (APPI Arts. 27, 28).

`provision_basis_check` answers "may this batch run, and what proves it?": it returns the proof
(the opt-out filing, the joint-use notice, the Art. 28 basis) or raises a ValidationError whose
message names what is missing. Who among the customers may be provided is the set-based
eligibility query's job (eligibility.py); this module decides on the batch as a whole.

The periodic equivalent-measures check (Rule 18(1)(i)) is here too: a daily beat task records
one result per recipient relying on it, and a batch needs a recent passed check.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from common.countries import country_name

from .models import (
    AdequateCountry,
    EquivalentMeasuresCheck,
    ForeignBasis,
    ForeignTransferInfo,
    JointUseNotice,
    OptOutFiling,
    ProvisionBasis,
    Recipient,
)

logger = logging.getLogger(__name__)

# --- Messages (tests assert these) -------------------------------------------------------------
BASIS_ENTRUSTMENT = _(
    "Entrustment is not a provision to a third party (Art. 27(5)(i)): record the entrusted "
    "processor in the entrustee register instead of running a provision batch."
)
BASIS_UNKNOWN = _("Unknown basis of provision: %(basis)s.")
OPT_OUT_NO_FILING = _(
    "Opt-out provision to %(recipient)s needs an opt-out filing with the PPC that names this "
    "recipient (Art. 27(2)); none is recorded."
)
OPT_OUT_NOT_PUBLISHED = _(
    "The opt-out filing %(reference)s is not yet published (missing: %(missing)s); opt-out "
    "provision may start only after the PPC and the company have published it."
)
OPT_OUT_ITEMS_NOT_FILED = _(
    "The opt-out filing %(reference)s does not cover these data items: %(items)s. File a change "
    "with the PPC first."
)
PUBLISHED_BY_PPC = _("publication by the PPC")
PUBLISHED_BY_COMPANY = _("publication by the company")
JOINT_USE_NO_NOTICE = _(
    "Joint use with %(recipient)s needs a joint-use notice in force on %(date)s that names it "
    "as a joint user (Art. 27(5)(iii)); none is."
)
JOINT_USE_ITEMS = _("The joint-use notice %(notice)s does not name these data items: %(items)s.")
FOREIGN_NO_BASIS = _(
    "%(recipient)s is in %(country)s, a country the PPC has not recognised: record its Art. 28 "
    "basis (consent after the Art. 28 information, or equivalent measures) first."
)
FOREIGN_NO_INFO = _(
    "Provision to %(recipient)s in %(country)s on consent needs the Art. 28 information (the "
    "country, its system, the recipient's measures) recorded for this recipient and country; "
    "none is in force."
)
FOREIGN_CONSENT_NO_OPT_OUT = _(
    "Provision to a recipient in a foreign country on the basis of consent (APPI Art. 28) "
    "cannot be made by opt-out."
)
EQUIVALENT_NO_MEASURES = _(
    "%(recipient)s relies on equivalent measures (Rule 16), but its measures are not recorded."
)
EQUIVALENT_NO_CHECK = _(
    "%(recipient)s relies on equivalent measures: its periodic check (Rule 18) must have passed "
    "within the last %(days)s days (latest: %(latest)s)."
)
NO_CHECK_YET = _("none")
CHECK_NO_MEASURES = _("The recipient's measures are not recorded.")
CHECK_NOT_REVIEWED = _("Its handling was not reviewed within the last %(days)s days.")
CHECK_AGREEMENT_ENDED = _("Its agreement ended on %(end)s.")
CHECK_INACTIVE = _("The recipient is not active.")
CHECK_PASSED = _("Measures recorded, handling reviewed on %(reviewed)s, agreement in force.")

# A batch on equivalent measures needs a passed check this recent (the task runs daily).
CHECK_MAX_AGE_DAYS = 7
# The handling of the recipient is reviewed by a person at least yearly (Rule 18(1)(i)).
REVIEW_MAX_AGE_DAYS = 365


@dataclass(frozen=True)
class BasisProof:
    """What makes a batch lawful: stored on the batch."""

    basis: str
    opt_out_filing: OptOutFiling | None = None
    joint_use_notice: JointUseNotice | None = None
    foreign_basis: str = ""

    @property
    def needs_foreign_consent(self) -> bool:
        return self.foreign_basis == ForeignBasis.CONSENT


def _error(message, code: str, **params) -> ValidationError:
    return ValidationError(message, code=code, params=params or None)


def _day(value: date) -> str:
    return formats.date_format(value, "DATE_FORMAT")


# --- Selectors ---------------------------------------------------------------------------------
def country_is_adequate(code: str) -> bool:
    """Japan, or a country the PPC recognised (the EEA and the UK): treated as Japan."""
    code = (code or "").upper()
    return code == "JP" or AdequateCountry.objects.filter(code=code).exists()


def opt_out_filings_in_force(*, on: date) -> list[OptOutFiling]:
    """Filings published by the PPC and the company by `on`, not replaced by a change in force.

    A change filing replaces the one it names only once it is itself in force: until the
    change is published, the earlier filing still governs.
    """
    published = list(
        OptOutFiling.objects.filter(
            filed_on__lte=on, ppc_published_on__lte=on, company_published_on__lte=on
        ).prefetch_related("recipients")
    )
    replaced = {f.supersedes_id for f in published if f.supersedes_id}
    return [f for f in published if f.pk not in replaced]


def opt_out_filing_for(*, recipient: Recipient, on: date) -> OptOutFiling | None:
    """The filing in force naming `recipient` (else the latest one naming it, to explain)."""
    for filing in opt_out_filings_in_force(on=on):
        if any(r.pk == recipient.pk for r in filing.recipients.all()):
            return filing
    return None


def joint_use_notices_in_force(*, on: date) -> list[JointUseNotice]:
    """Per scheme, the highest version effective on `on` (told before it took effect)."""
    latest: dict[str, JointUseNotice] = {}
    for notice in (
        JointUseNotice.objects.filter(effective_from__lte=on, notified_on__lte=on)
        .prefetch_related("users")
        .order_by("scheme", "-version")
    ):
        latest.setdefault(notice.scheme, notice)
    return list(latest.values())


def joint_use_notice_for(*, recipient: Recipient, on: date) -> JointUseNotice | None:
    for notice in joint_use_notices_in_force(on=on):
        if any(u.pk == recipient.pk for u in notice.users.all()):
            return notice
    return None


def foreign_info_in_force(*, recipient: Recipient, on: date) -> ForeignTransferInfo | None:
    """The Art. 28 information version given for the recipient's current country on `on`."""
    return (
        ForeignTransferInfo.objects.filter(
            recipient=recipient, country=recipient.country.upper(), effective_from__lte=on
        )
        .order_by("-version")
        .first()
    )


def latest_equivalent_check(*, recipient: Recipient) -> EquivalentMeasuresCheck | None:
    return (
        EquivalentMeasuresCheck.objects.filter(recipient=recipient)
        .order_by("-checked_at", "-id")
        .first()
    )


def recipient_needs_art28(recipient: Recipient) -> bool:
    return not country_is_adequate(recipient.country)


# --- The basis check ---------------------------------------------------------------------------
def provision_basis_check(
    *, recipient: Recipient, basis: str, data_items: list[str], on: date
) -> BasisProof:
    """Refuse a batch without a lawful basis, naming what is missing; else return its proof."""
    if basis == ProvisionBasis.ENTRUSTMENT:
        raise _error(BASIS_ENTRUSTMENT, "entrustment")
    if basis not in ProvisionBasis.values:
        raise _error(BASIS_UNKNOWN, "unknown_basis", basis=basis)
    foreign_basis = _foreign_basis(recipient=recipient, basis=basis, on=on)
    if basis == ProvisionBasis.OPT_OUT:
        filing = _opt_out_filing(recipient=recipient, data_items=data_items, on=on)
        return BasisProof(basis=basis, opt_out_filing=filing, foreign_basis=foreign_basis)
    if basis == ProvisionBasis.JOINT_USE:
        notice = joint_use_notice_for(recipient=recipient, on=on)
        if notice is None:
            raise _error(
                JOINT_USE_NO_NOTICE, "no_joint_use_notice", recipient=recipient.name, date=_day(on)
            )
        missing = sorted(set(data_items) - set(notice.data_items or []))
        if missing:
            raise _error(
                JOINT_USE_ITEMS, "joint_use_items", notice=str(notice), items=", ".join(missing)
            )
        return BasisProof(basis=basis, joint_use_notice=notice, foreign_basis=foreign_basis)
    return BasisProof(basis=basis, foreign_basis=foreign_basis)


def _opt_out_filing(*, recipient: Recipient, data_items: list[str], on: date) -> OptOutFiling:
    filing = opt_out_filing_for(recipient=recipient, on=on)
    if filing is None:
        # A filing naming the recipient that is not yet published: say what it lacks.
        pending = (
            OptOutFiling.objects.filter(recipients=recipient, filed_on__lte=on)
            .filter(
                Q(ppc_published_on__isnull=True)
                | Q(ppc_published_on__gt=on)
                | Q(company_published_on__isnull=True)
                | Q(company_published_on__gt=on)
            )
            .order_by("-filed_on", "-id")
            .first()
        )
        if pending is None:
            raise _error(OPT_OUT_NO_FILING, "no_opt_out_filing", recipient=recipient.name)
        missing = []
        if not pending.ppc_published_on or pending.ppc_published_on > on:
            missing.append(str(PUBLISHED_BY_PPC))
        if not pending.company_published_on or pending.company_published_on > on:
            missing.append(str(PUBLISHED_BY_COMPANY))
        raise _error(
            OPT_OUT_NOT_PUBLISHED,
            "opt_out_not_published",
            reference=pending.reference,
            missing=", ".join(missing),
        )
    missing_items = sorted(set(data_items) - set(filing.data_items or []))
    if missing_items:
        raise _error(
            OPT_OUT_ITEMS_NOT_FILED,
            "opt_out_items",
            reference=filing.reference,
            items=", ".join(missing_items),
        )
    return filing


def _foreign_basis(*, recipient: Recipient, basis: str, on: date) -> str:
    """The Art. 28 basis of a foreign recipient ("" at home or in a recognised country)."""
    if not recipient_needs_art28(recipient):
        return ""
    params = {"recipient": recipient.name, "country": country_name(recipient.country)}
    if recipient.foreign_basis == ForeignBasis.CONSENT:
        if basis == ProvisionBasis.OPT_OUT:
            raise _error(FOREIGN_CONSENT_NO_OPT_OUT, "foreign_opt_out")
        if foreign_info_in_force(recipient=recipient, on=on) is None:
            raise _error(FOREIGN_NO_INFO, "foreign_no_info", **params)
        return ForeignBasis.CONSENT
    if recipient.foreign_basis == ForeignBasis.EQUIVALENT_MEASURES:
        if not recipient.equivalent_measures.strip():
            raise _error(EQUIVALENT_NO_MEASURES, "equivalent_no_measures", recipient=recipient.name)
        check = latest_equivalent_check(recipient=recipient)
        fresh = timezone.now() - timedelta(days=CHECK_MAX_AGE_DAYS)
        if check is None or check.result != check.Result.OK or check.checked_at < fresh:
            latest = (
                f"{_day(timezone.localdate(check.checked_at))} {check.get_result_display()}"
                if check
                else str(NO_CHECK_YET)
            )
            raise _error(
                EQUIVALENT_NO_CHECK,
                "equivalent_no_check",
                recipient=recipient.name,
                days=CHECK_MAX_AGE_DAYS,
                latest=latest,
            )
        return ForeignBasis.EQUIVALENT_MEASURES
    raise _error(FOREIGN_NO_BASIS, "foreign_no_basis", **params)


# --- The periodic check (Rule 18) --------------------------------------------------------------
def equivalent_measures_findings(*, recipient: Recipient, today: date) -> list[str]:
    """What is wrong with a recipient's equivalent measures today (empty: confirmed)."""
    findings = []
    if not recipient.active:
        findings.append(str(CHECK_INACTIVE))
    if not recipient.equivalent_measures.strip():
        findings.append(str(CHECK_NO_MEASURES))
    reviewed = recipient.equivalent_measures_reviewed_on
    if reviewed is None or reviewed < today - timedelta(days=REVIEW_MAX_AGE_DAYS):
        findings.append(str(CHECK_NOT_REVIEWED % {"days": REVIEW_MAX_AGE_DAYS}))
    if recipient.agreement_end and recipient.agreement_end < today:
        findings.append(str(CHECK_AGREEMENT_ENDED % {"end": _day(recipient.agreement_end)}))
    return findings


def equivalent_measures_check_run(*, today: date | None = None) -> int:
    """Record today's check of every recipient relying on equivalent measures. Idempotent.

    One result per recipient per day: a second run the same day (a retried task) records
    nothing new. Returns the number of results recorded.
    """
    today = today or timezone.localdate()
    now = timezone.now()
    recorded = 0
    candidates = Recipient.objects.filter(foreign_basis=ForeignBasis.EQUIVALENT_MEASURES)
    for recipient in candidates.order_by("pk"):
        if not recipient_needs_art28(recipient):
            continue
        with transaction.atomic():
            Recipient.objects.select_for_update().filter(pk=recipient.pk).first()
            if EquivalentMeasuresCheck.objects.filter(
                recipient=recipient, checked_by__isnull=True, checked_at__date=today
            ).exists():
                continue
            findings = equivalent_measures_findings(recipient=recipient, today=today)
            result = (
                EquivalentMeasuresCheck.Result.FAILED
                if findings
                else EquivalentMeasuresCheck.Result.OK
            )
            reviewed = recipient.equivalent_measures_reviewed_on
            # No findings means a review date (a missing one is a finding): `reviewed is None`
            # only tells the type checker so.
            text = (
                "\n".join(findings)
                if findings or reviewed is None
                else str(CHECK_PASSED % {"reviewed": _day(reviewed)})
            )
            EquivalentMeasuresCheck.objects.create(
                recipient=recipient, checked_at=now, result=result, findings=text
            )
            recorded += 1
        logger.info("equivalent-measures check of recipient %s: %s", recipient.pk, result)
    return recorded
