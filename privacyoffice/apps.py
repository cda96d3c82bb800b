from django.apps import AppConfig
from django.contrib.auth import get_user_model
from django.db import connections
from django.db.models.signals import post_migrate
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .dbroles import grant_application_privileges
from .ledgers.sql import install


class PrivacyOfficeConfig(AppConfig):
    name = "privacyoffice"
    verbose_name = _("Privacy Office")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:

        from common.inventory import checks as inventory_checks  # noqa: F401  (registers it)

        from . import (
            checks,  # noqa: F401  (registers system checks)
            stored_dates,
        )
        from .roles import sync_roles_after_migrate

        post_migrate.connect(sync_roles_after_migrate, sender=self)
        _users_shown_by_name()
        _permissions_shown_translated()
        post_migrate.connect(install_ledgers_after_migrate, sender=self)
        # Rows stored before the date bounds never break a page (issue 20).
        stored_dates.connect()


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


def _users_shown_by_name() -> None:
    """Wherever Django prints a user (a list's "uploaded by" column, a filter, a select, a
    history row), show the person as a Japanese office writes them: 佐藤 花子, family name
    first; the user name only for a user with no name. Django's User prints its user name, and
    a custom user model this late would mean migrating every foreign key to it; reports and
    logs name users by user name or id explicitly, never through str()."""

    from requests_app.selectors import staff_name

    get_user_model().__str__ = staff_name


# The four default permissions by codename prefix: Django stores their names in English at
# migrate time ("Can add customer"), so the group and user pages would show English.
_DEFAULT_ACTIONS = {
    "add": _("Add"),
    "change": _("Change"),
    "delete": _("Delete"),
    "view": _("View"),
}


def _permission_label(permission) -> str:
    """顧客・同意管理 | 顧客 | 追加: the permission in the user's language. A custom permission's
    name is the (English) msgid its Meta declared, which our catalogue translates."""
    action, _sep, model_name = permission.codename.partition("_")
    if action in _DEFAULT_ACTIONS and model_name == permission.content_type.model:
        name = _DEFAULT_ACTIONS[action]
    else:
        name = gettext(permission.name)
    return f"{permission.content_type} | {name}"


def _permissions_shown_translated() -> None:
    from django.contrib.auth.models import Permission

    Permission.__str__ = _permission_label
