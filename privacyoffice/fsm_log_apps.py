"""django-fsm-log under a translated name, without forking it.

The library names its app "Django FSM Log" and its model "state log" as plain English strings, so
the Japanese admin showed them untranslated in the sidebar, on the home page and in the
breadcrumbs. This config (in INSTALLED_APPS instead of "django_fsm_log") keeps the app label,
the table, the admin URLs and the permissions as they are, and only renames.

The model's names are set on `_meta` when the app is ready rather than through a proxy model: a
proxy would bring its own content type, permissions and admin URLs (roles, the role walk and the
links to the log would all move) for what is only a label. Migrations never see the change:
the autodetector reads a model's options from `_meta.original_attrs`, which this leaves alone.
Here, in its own module, because a second AppConfig in privacyoffice/apps.py would stop Django
from picking PrivacyOfficeConfig for "privacyoffice" on its own.
"""

from django.utils.translation import gettext_lazy as _
from django_fsm_log.apps import DjangoFSMLogAppConfig


def _entry_title(entry) -> str:
    return str(_("Transition log entry #%(id)s") % {"id": entry.pk})


class TransitionLogConfig(DjangoFSMLogAppConfig):
    verbose_name = _("Transition log")

    def ready(self) -> None:
        super().ready()
        opts = self.get_model("StateLog")._meta
        opts.verbose_name = _("transition log entry")
        opts.verbose_name_plural = _("transition log entries")
        # Its own __str__ ("2026-12-16 10:05:00.123+00:00 - PR-2026-000001 - send_form") is the
        # title of its page and breadcrumb: an ISO timestamp and a code. The entry's number reads
        # as a file's does; the page itself shows the step's label and the time.
        self.get_model("StateLog").__str__ = _entry_title
