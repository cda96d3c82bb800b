from django.apps import AppConfig
from django.db import connections
from django.utils.translation import gettext_lazy as _

from .dbroles import grant_application_privileges
from .ledgers.sql import install


class PrivacyOfficeConfig(AppConfig):
    name = "privacyoffice"
    verbose_name = _("Privacy Office")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from . import checks  # noqa: F401  (registers system checks)
        from .roles import sync_roles_after_migrate

        post_migrate.connect(sync_roles_after_migrate, sender=self)
        post_migrate.connect(install_ledgers_after_migrate, sender=self)


def install_ledgers_after_migrate(sender, using: str = "default", **kwargs) -> None:
    """After every migrate (every app's tables exist by then): the ledgers' triggers and
    functions, then the application role's privileges. PostgreSQL only.

    Not after a flush (the test runner's, between transactional tests: `plan` is None there):
    TRUNCATE keeps triggers, functions and grants, and reinstalling them each time is slow."""
    if kwargs.get("plan") is None:
        return
    connection = connections[using]
    install(connection)
    grant_application_privileges(connection)
