"""factory_boy factories, one section per app. Add yours under your heading."""

import factory  # noqa: F401
from factory.django import DjangoModelFactory  # noqa: F401

# === consent_app ================================================================================


# === requests_app: workflow =====================================================================


# === requests_app: letters and alerts ===========================================================


# === privacyoffice ==============================================================================
