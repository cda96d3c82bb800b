"""The kinds of the personal-data inventory: field categories, and one model's entry."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from django.db import models
from django.db.models import QuerySet
from django.utils.functional import Promise
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


@dataclass(frozen=True)
class ModelEntry:
    """The classification of one model's fields, and how its rows reach the data subject."""

    fields: dict[str, str]
    # ORM lookup from this model to the Customer ("" for the customer itself), or a callable.
    subject: str | SubjectQuery | None = None
    # Disclosure section: key, title, order of rows; "vertical" lists item/value pairs.
    section: str = ""
    title: str | Promise = ""
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


def all_of(category: str, *names: str) -> dict[str, str]:
    """Fields classified as a whole (a model whose fields are all of one kind)."""
    return dict.fromkeys(names, category)
