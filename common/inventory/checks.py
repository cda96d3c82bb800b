"""The system check: every field of every installed model is classified in the inventory."""

from __future__ import annotations

from django.apps import apps
from django.core import checks
from django.db import models

from . import INVENTORY, Category


# --- the system check --------------------------------------------------------------------------
def _concrete_field_names(model: type[models.Model]) -> list[str]:
    return [f.name for f in model._meta.concrete_fields]


@checks.register(checks.Tags.models)
def check_personal_data_inventory(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """Every field of every model must be classified in `common/inventory/`."""
    errors: list[checks.CheckMessage] = []
    models_seen = set()
    for model in apps.get_models():
        if model._meta.proxy:
            continue
        label = model._meta.label
        models_seen.add(label)
        entry = INVENTORY.get(label)
        if entry is None:
            errors.append(
                checks.Error(
                    f"Model {label} is not in the personal-data inventory.",
                    hint=(
                        "Add a ModelEntry for it to INVENTORY in common/inventory/, "
                        "classifying each field (personal data or not, and its category)."
                    ),
                    obj=model,
                    id="inventory.E001",
                )
            )
            continue
        names = _concrete_field_names(model)
        for name in names:
            if name not in entry.fields:
                errors.append(
                    checks.Error(
                        f"Field {label}.{name} is not classified in the personal-data inventory.",
                        hint=(
                            f"Add '{name}': Category.<...> to INVENTORY['{label}'] in "
                            "common/inventory/; a field of the data subject is then "
                            "included in every disclosure."
                        ),
                        obj=model,
                        id="inventory.E002",
                    )
                )
        for name, category in entry.fields.items():
            if name not in names:
                # Stale, but harmless to a disclosure's completeness: a warning.
                errors.append(
                    checks.Warning(
                        f"The inventory classifies {label}.{name}, which does not exist.",
                        hint="Remove it from INVENTORY in common/inventory/.",
                        obj=model,
                        id="inventory.W002",
                    )
                )
            if category not in Category.values:
                errors.append(
                    checks.Error(
                        f"{label}.{name} has an unknown category {category!r}.",
                        obj=model,
                        id="inventory.E004",
                    )
                )
        if entry.disclosed_fields() and entry.subject is None and not entry.unlinked_reason:
            errors.append(
                checks.Error(
                    f"{label} holds the data subject's personal data but says neither how its "
                    "rows reach the customer nor why they cannot.",
                    hint="Give its ModelEntry a subject lookup and a section, so disclosures "
                    "include it.",
                    obj=model,
                    id="inventory.E005",
                )
            )
        if entry.subject is not None and not entry.section:
            errors.append(
                checks.Error(
                    f"{label} reaches the customer but has no disclosure section.",
                    obj=model,
                    id="inventory.E006",
                )
            )
    for label in INVENTORY:
        if label not in models_seen:
            errors.append(
                checks.Warning(
                    f"The inventory names {label}, which is not an installed model.",
                    id="inventory.W001",
                )
            )
    return errors
