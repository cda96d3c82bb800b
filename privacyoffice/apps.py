from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrivacyOfficeConfig(AppConfig):
    name = "privacyoffice"
    verbose_name = _("Privacy Office")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from . import checks  # noqa: F401  (registers system checks)
        from .roles import sync_roles_after_migrate

        post_migrate.connect(sync_roles_after_migrate, sender=self)
