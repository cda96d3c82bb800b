"""Who may be contacted or provided: one set-based query, never a Python loop.

The same engine serves provision batches (APPI Art. 27: consent, or opt-out under Art. 27(2)) and
marketing lists per purpose and channel. At a carmaker's scale (millions of customers) the whole
decision runs in the database as EXISTS / NOT EXISTS sub-queries over indexed tables:
- consent: `consentflag_unique_per_channel` (customer, purpose, channel);
- suppressions: `suppression_customer_idx` (customer, lifted_at).
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet

from .models import (
    Channel,
    ConsentFlag,
    ConsentState,
    Customer,
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
) -> QuerySet[Customer]:
    """Customers who may be used for `purpose` over `channel` (and provided to `recipient`).

    - never an erased customer;
    - consent: a flag in force (granted) for the purpose and channel; for opt-out provision
      (Art. 27(2)) everyone who has not opted out (no withdrawn flag);
    - for provision to third parties: no suppression in force, neither for all recipients nor
      for this one (the policy's "we will stop provision upon a customer's request");
    - for a contact channel: the contact data that channel needs.
    """
    flags = ConsentFlag.objects.filter(customer=OuterRef("pk"), purpose=purpose, channel=channel)
    queryset = Customer.objects.filter(erased_at__isnull=True)
    if basis == ProvisionBasis.OPT_OUT:
        queryset = queryset.filter(~Exists(flags.filter(state=ConsentState.WITHDRAWN)))
    else:
        queryset = queryset.filter(Exists(flags.filter(state=ConsentState.GRANTED)))
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


def marketing_list(*, purpose: PurposeOfUse, channel: str) -> QuerySet[Customer]:
    """The customers a marketing campaign over `channel` may reach, by customer number."""
    return eligible_customers(purpose=purpose, channel=channel).order_by("number")
