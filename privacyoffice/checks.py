"""System checks of the project package (the personal-data inventory registers its own).

Registered as ordinary checks, not `deploy=True` ones: `migrate`, `runserver` and `check` run them
at every start-up, and `check --deploy` with them. Each fires only with DEBUG off, so the demo
(`make run`, debug on, mail on the console) starts as before.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core import checks

# Backends that accept a message and deliver it to nobody. With debug off a deadline alert sent
# through one of them is lost without a trace, so production must name a real one (SMTP) or say
# on purpose that it does not want mail (EMAIL_ALLOW_UNDELIVERED=1).
NON_DELIVERING_EMAIL_BACKENDS = frozenset(
    {
        "django.core.mail.backends.console.EmailBackend",
        "django.core.mail.backends.locmem.EmailBackend",
        "django.core.mail.backends.dummy.EmailBackend",
        "django.core.mail.backends.filebased.EmailBackend",
    }
)


@checks.register()
def check_email_backend(app_configs: Sequence[Any] | None = None, **kwargs: Any) -> list:
    if settings.DEBUG or settings.EMAIL_ALLOW_UNDELIVERED:
        return []
    if settings.EMAIL_BACKEND not in NON_DELIVERING_EMAIL_BACKENDS:
        return []
    return [
        checks.Error(
            f"EMAIL_BACKEND is {settings.EMAIL_BACKEND}, which delivers no e-mail, and debug "
            "is off: deadline alerts and the managers' digest would reach nobody.",
            hint="Set EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend and EMAIL_HOST "
            "(see the README), or EMAIL_ALLOW_UNDELIVERED=1 if this site must send no mail.",
            id="privacyoffice.E001",
        )
    ]


@checks.register()
def check_site_url(app_configs: Sequence[Any] | None = None, **kwargs: Any) -> list:
    if settings.DEBUG:
        return []
    url = settings.SITE_URL
    parts = urlsplit(url)
    if parts.scheme in ("http", "https") and parts.netloc:
        return []
    problem = "is not set" if not url else f"is {url!r}, not an absolute http(s) address"
    return [
        checks.Error(
            f"SITE_URL {problem}: the links in alert e-mails would lead nowhere.",
            hint="Set SITE_URL to the admin's public address, e.g. https://privacy.example.co.jp",
            id="privacyoffice.E002",
        )
    ]
