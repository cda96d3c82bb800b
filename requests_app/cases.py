"""Selectors of a case (受付案件): its rights and the one due date the person is given.

A case is the envelope of one letter, call or e-mail; each right under it is a DisclosureRequest
with its own type, rules, state and outcome (README: "Cases and rights").
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Min, QuerySet

from .models import OPEN_STATES, DisclosureRequest, IdentityDocument, RequestCase


def case_rights(case: RequestCase) -> QuerySet[DisclosureRequest]:
    """The rights of `case`, in the order they were asked for (the first carries its reference)."""
    return DisclosureRequest.objects.filter(case=case).order_by("pk")


def case_due_date(case: RequestCase) -> dt.date | None:
    """The case's one due date: the earliest its open rights' rules give (None: no clock runs)."""
    return (
        DisclosureRequest.objects.filter(case=case, state__in=OPEN_STATES, due_date__isnull=False)
        .aggregate(due=Min("due_date"))
        .get("due")
    )


def case_identity_documents(case_id: int) -> QuerySet[IdentityDocument]:
    """The case's one set of identity documents, whichever right they were uploaded on."""
    return (
        IdentityDocument.objects.filter(request__case_id=case_id)
        .select_related("request")
        .order_by("uploaded_at", "pk")
    )


def case_has_open_rights(case_id: int) -> bool:
    return DisclosureRequest.objects.filter(case_id=case_id, state__in=OPEN_STATES).exists()
