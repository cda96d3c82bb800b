"""What every customer and consent write checks: the error it raises, a request reference's
length, an erased customer."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

CUSTOMER_ERASED = _("This customer has been erased; their data can no longer be changed.")
REQUEST_REFERENCE_TOO_LONG = _("A request reference has at most 20 characters.")


def _error(message, code: str, **params: Any) -> ValidationError:
    return ValidationError(message, code=code, params=params or None)


def _check_reference(reference: str) -> None:
    if len(reference) > 20:
        raise _error(REQUEST_REFERENCE_TOO_LONG, "reference_too_long")
