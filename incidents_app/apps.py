from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IncidentsAppConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "incidents_app"
    verbose_name = _("Leak incidents and entrustees")

    def ready(self) -> None:
        # The one letter task (requests_app) renders leak notices with the context this app
        # builds; registering it here keeps requests_app free of any import of incidents_app.
        from requests_app.letters.context import register_customer_letter_context
        from requests_app.models import LetterKind

        from .letters import notice_context, notice_sample_context

        register_customer_letter_context(
            kind=LetterKind.INCIDENT_NOTICE, builder=notice_context, sample=notice_sample_context
        )
