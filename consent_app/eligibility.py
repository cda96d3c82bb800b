"""Who may be contacted or provided: one set-based query, never a Python loop.

The same engine serves provision batches (APPI Art. 27: consent, or opt-out under Art. 27(2)) and
marketing lists per purpose and channel. At a carmaker's scale (millions of customers) the whole
decision runs in the database as EXISTS / NOT EXISTS sub-queries over indexed tables:
- consent: `consentflag_unique_per_channel` (customer, purpose, channel);
- suppressions: `suppression_customer_idx` (customer, lifted_at);
- opt-out: `receiptperson_customer_idx` (customer, receipt) finds data itself obtained by
  opt-out or carrying special-care data (never provided by opt-out, Art. 27(2));
- foreign consent: `consentevent_customer_idx` (customer, occurred_at) finds a consent to
  foreign provision naming the Art. 28 information, not withdrawn since.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet

from .models import (
    AcquisitionMethod,
    Channel,
    ConsentEvent,
    ConsentFlag,
    ConsentState,
    Customer,
    DataReceiptPerson,
    ProvisionBasis,
    ProvisionSuppression,
    PurposeOfUse,
    Recipient,
)

# A channel is only usable when we hold the contact data it needs.
_CONTACT_REQUIRED: dict[str, Q] = {
    Channel.POST: ~Q(address="") & ~Q(postal_code=""),
    Channel.PHONE: ~Q(search_phone=""),
    Channel.EMAIL: ~Q(search_email=""),
}


def eligible_customers(
    *,
    purpose: PurposeOfUse,
    channel: str = Channel.ANY,
    recipient: Recipient | None = None,
    basis: str = ProvisionBasis.CONSENT,
    foreign_consent: bool = False,
) -> QuerySet[Customer]:
    """Customers who may be used for `purpose` over `channel` (and provided to `recipient`).

    - never an erased customer;
    - consent: a flag in force (granted) for the purpose and channel; for opt-out provision
      (Art. 27(2)) everyone who has not opted out (no withdrawn flag), except people whose
      data was itself obtained by opt-out or came with special-care data (Art. 27(2) proviso);
      for joint use (Art. 27(5)(iii)) everyone the notice covers: the joint users are not third
      parties, so no consent is asked;
    - `foreign_consent` (Art. 28): also a consent to foreign provision to this recipient, given
      after the Art. 28 information for its country, with no withdrawal since;
    - for provision to third parties: no suppression in force, neither for all recipients nor
      for this one (the policy's "we will stop provision upon a customer's request");
    - for a contact channel: the contact data that channel needs.
    """
    flags = ConsentFlag.objects.filter(customer=OuterRef("pk"), purpose=purpose, channel=channel)
    queryset = Customer.objects.filter(erased_at__isnull=True)
    if basis == ProvisionBasis.OPT_OUT:
        queryset = queryset.filter(~Exists(flags.filter(state=ConsentState.WITHDRAWN)))
        not_by_opt_out = DataReceiptPerson.objects.filter(
            Q(receipt__acquisition=AcquisitionMethod.OPT_OUT)
            | Q(receipt__includes_special_care=True),
            customer=OuterRef("pk"),
        )
        queryset = queryset.filter(~Exists(not_by_opt_out))
    elif basis != ProvisionBasis.JOINT_USE:
        queryset = queryset.filter(Exists(flags.filter(state=ConsentState.GRANTED)))
    if foreign_consent and recipient is not None:
        queryset = queryset.filter(Exists(_foreign_consents(purpose=purpose, recipient=recipient)))
    if purpose.is_third_party_provision or recipient is not None:
        recipient_q = Q(recipient__isnull=True)
        if recipient is not None:
            recipient_q |= Q(recipient=recipient)
        suppressed = ProvisionSuppression.objects.filter(
            recipient_q, customer=OuterRef("pk"), lifted_at__isnull=True
        )
        queryset = queryset.filter(~Exists(suppressed))
    if channel in _CONTACT_REQUIRED:
        queryset = queryset.filter(_CONTACT_REQUIRED[channel])
    return queryset


def _foreign_consents(*, purpose: PurposeOfUse, recipient: Recipient) -> QuerySet[ConsentEvent]:
    """A customer's consents to foreign provision to `recipient` not withdrawn since.

    The event names the Art. 28 information for the recipient's current country, and was given
    on or after the day that information was given (consent_change refuses anything earlier).
    """
    withdrawn_since = ConsentEvent.objects.filter(
        customer=OuterRef("customer"),
        purpose=purpose,
        new_state=ConsentState.WITHDRAWN,
        occurred_at__gt=OuterRef("occurred_at"),
    )
    return ConsentEvent.objects.filter(
        customer=OuterRef("pk"),
        purpose=purpose,
        new_state=ConsentState.GRANTED,
        foreign_transfer_info__recipient=recipient,
        foreign_transfer_info__country=recipient.country.upper(),
    ).filter(~Exists(withdrawn_since))


def marketing_list(*, purpose: PurposeOfUse, channel: str) -> QuerySet[Customer]:
    """The customers a marketing campaign over `channel` may reach, by customer number."""
    return eligible_customers(purpose=purpose, channel=channel).order_by("number")
