"""Strings of third-party apps that ship no Japanese, so that our catalogue can translate them.

django-simple-history (the customer's change history staff read), django-fsm-2 (the transition
messages) and django-axes (the lockout records managers check) have no `ja` catalogue. Django
merges every catalogue of a language into one, ours first, so listing their exact English here
makes makemessages extract it into locale/ja and our translation shows in their pages too.
Strings Django itself already translates (Home, History, Close...) are left out on purpose.

Nothing imports this module at run time; it only has to match the apps' msgids, and
tests/test_i18n.py fails when an upgraded app no longer has one of them.
"""

from django.utils.translation import gettext_noop as _

SIMPLE_HISTORY = (
    _("View history: %s"),
    _('The %(name)s "%(obj)s" was changed successfully.'),
    _("You may edit it again below"),
    _("Revert %s"),
    _("Created"),
    _("Changed"),
    _("Deleted"),
    _("Deleted %(type_name)s"),
    _("Choose a date from the list below to revert to a previous version of this object."),
    _("This object doesn't have a change history."),
    _("View %(verbose_name)s"),
    _("Revert %(verbose_name)s"),
    _("Press the 'Revert' button below to revert to this version of the object."),
    _("Press the 'Change History' button below to edit the history."),
    _("Object"),
    _("Changed by"),
    _("Change reason"),
    _("Changes"),
    _("Revert"),
    _("Change History"),
)

DJANGO_FSM = (
    _("FSM transition '{transition_name}' succeeded."),
    _("FSM transition '{transition_name}' failed: {error}."),
    _("FSM transition '{transition_name}' is not allowed."),
    _("Apply"),
)

AXES = (
    _("Locked Out"),
    _("Form Data"),
    _("Meta Data"),
    _("Clean up expired attempts"),
    _("Cleaned up {count} expired access attempts."),
    _("Not set"),
    _("Attempt Remaining"),
    _("Account locked: too many login attempts. Please try again later."),
    _("Account locked: too many login attempts. Contact an admin to unlock your account."),
    _("User Agent"),
    _("IP Address"),
    _("Username"),
    _("HTTP Accept"),
    _("Path"),
    _("Attempt Time"),
    _("Access lock out"),
    _("access failure"),
    _("access failures"),
    _("GET Data"),
    _("POST Data"),
    _("Failed Logins"),
    _("access attempt"),
    _("access attempts"),
    _("Access Attempt"),
    _("Expires At"),
    _("The time when access attempt expires and is no longer valid."),
    _("access attempt expiration"),
    _("access attempt expirations"),
    _("Logout Time"),
    _("Session key hash (sha256)"),
    _("access log"),
    _("access logs"),
)
