"""The personal-data inventory: every field of every model, classified in one place.

Why one place: a disclosure (APPI Art. 33(1)) must give the person *all* retained personal data
about them. The disclosure compilation (`requests_app.selectors.disclosure_compilation`) reads
this inventory, and the system check (`checks.py`) fails when any model field is missing from it.
So a personal field added later cannot silently be left out of a disclosure: whoever adds it
must classify it here, and once classified as the person's data it appears in the next disclosure.

How to classify a new field: add `"field_name": <category>` to its model's entry, in its app's
module: `consent.py`, `requests.py`, `incidents.py`, or `site.py` (privacyoffice, Django and the
third-party apps); a new model gets a new `ModelEntry`. Categories in `SUBJECT_CATEGORIES` are
the data subject's personal data and are disclosed; `DERIVED` is a copy of fields already
disclosed (search keys, export files); `STAFF` and `SECURITY` are personal data of our own users
(staff accounts, login logs), outside a customer's disclosure; `NONE` is not personal data.

It lives in `common` because it classifies every app's models: it names them by label
("consent_app.Customer") and imports no app. `checks.py` holds the system check (registered
by privacyoffice's AppConfig).
"""

from __future__ import annotations

from django.apps import apps
from django.db import models

from .consent import CONSENT_APP
from .entries import (
    OTHER_PERSONAL_CATEGORIES,
    SUBJECT_CATEGORIES,
    C,
    Category,
    ModelEntry,
    SubjectQuery,
)
from .incidents import INCIDENTS_APP
from .requests import REQUESTS_APP, TRANSITION_LOG
from .site import PRIVACYOFFICE, THIRD_PARTY

__all__ = [
    "INVENTORY",
    "OTHER_PERSONAL_CATEGORIES",
    "SUBJECT_CATEGORIES",
    "Category",
    "ModelEntry",
    "SubjectQuery",
    "classify",
    "customer_correctable_fields",
    "entry_for",
    "subject_entries",
]

# In disclosure-section order.
INVENTORY: dict[str, ModelEntry] = {
    **CONSENT_APP,
    **REQUESTS_APP,
    **PRIVACYOFFICE,
    **TRANSITION_LOG,
    **THIRD_PARTY,
    **INCIDENTS_APP,
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
