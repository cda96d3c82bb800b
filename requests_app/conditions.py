"""The conditions a request's transitions may fail on, each carrying the message staff read.

A condition is a model method listed in a transition's `conditions=[...]` (django-fsm calls it
with the request). `@condition(message)` attaches to the method itself the function that says
why it failed, so renaming the method cannot lose its message; a test checks that every
condition of every transition carries one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

DOCUMENTS_MISSING = _("Identity cannot be verified yet; missing: %(missing)s.")
CORRECTIONS_MISSING = _("Enter the corrections asked for before drafting the response.")
FEE_UNPAID = _(
    "The fee has not been received: no response is sent while a due fee is unpaid (Art. 38)."
)
LAPSE_TOO_EARLY = _(
    "A request lapses only when no documents came back within %(days)s days of the form: "
    "this one may lapse from %(date)s."
)

Message = Callable[[Any], ValidationError]


def condition(message: Message) -> Callable[[Callable], Callable]:
    """Mark a model method as a transition condition whose failure reads `message(request)`."""

    def mark(method: Callable) -> Callable:
        method.blocked_message = message  # type: ignore[attr-defined]
        return method

    return mark


def message_of(condition_method: Callable) -> Message | None:
    return getattr(condition_method, "blocked_message", None)


# --- the messages ------------------------------------------------------------------------------
def documents_missing(request) -> ValidationError:
    return ValidationError(
        DOCUMENTS_MISSING,
        code="documents_missing",
        params={"missing": ", ".join(request.missing_documents())},
    )


def corrections_missing(request) -> ValidationError:
    return ValidationError(CORRECTIONS_MISSING, code="corrections_missing")


def fee_unpaid(request) -> ValidationError:
    return ValidationError(FEE_UNPAID, code="fee_unpaid")


def lapse_too_early(request) -> ValidationError:
    lapsable_from = request.lapsable_from()
    return ValidationError(
        LAPSE_TOO_EARLY,
        code="too_early",
        params={
            "days": settings.REQUEST_LAPSE_DAYS,
            "date": date_format(timezone.localtime(lapsable_from)) if lapsable_from else "—",
        },
    )
