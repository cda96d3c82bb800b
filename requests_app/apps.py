from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RequestsAppConfig(AppConfig):
    name = "requests_app"
    verbose_name = _("Privacy request handling")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Registers the request-type check (every type: templates, handler, deadline rule).
        from . import request_types  # noqa: F401
