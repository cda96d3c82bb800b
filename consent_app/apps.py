from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConsentAppConfig(AppConfig):
    name = "consent_app"
    verbose_name = _("Customers and consent")
    default_auto_field = "django.db.models.BigAutoField"
