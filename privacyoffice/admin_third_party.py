"""Third-party admin pages (superusers only) in the user's language.

django-otp's authenticator-device admin (the lost-phone procedure):
django-otp marks none of its names for translation: the app is "Otp_Totp", the model "TOTP
device", every label and help text plain English. Names of the app and the model are set on
their config and `_meta` when the admin loads (as privacyoffice.fsm_log_apps does; migrations
read a model's options from `_meta.original_attrs`, which this leaves alone). Field labels and
help texts cannot be changed on the fields themselves without a migration in django-otp's app,
so this admin gives them through its form, and its columns and read-only values through
display methods.

django-axes's records title their pages with an English sentence and an ISO timestamp
("Access Log for admin @ 2026-12-16 10:05:00+00:00"); they get a numbered title instead, the
page itself showing the user name and the time.
"""

from __future__ import annotations

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django import forms
from django.apps import apps
from django.contrib import admin
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from django_celery_beat import admin as beat_admin
from django_celery_beat.models import PeriodicTask
from django_otp.plugins.otp_totp.admin import TOTPDeviceAdmin
from django_otp.plugins.otp_totp.models import TOTPDevice

LABELS = {
    "user": (_("user"), _("The user this authenticator belongs to.")),
    "name": (_("device name"), _("A name that tells the user's devices apart.")),
    "confirmed": (_("confirmed"), _("Whether the device is ready for use.")),
    "key": (_("secret key"), _("The hex-encoded secret key (up to 40 bytes).")),
    "step": (_("time step"), _("The time step in seconds.")),
    "t0": (_("start time"), _("The Unix time at which counting steps begins.")),
    "digits": (_("digits"), _("The number of digits in a code.")),
    "tolerance": (_("tolerance"), _("Time steps before or after now that are accepted.")),
    "drift": (_("drift"), _("Time steps the device's clock is known to be off by.")),
    "throttling_failure_timestamp": (
        _("last failed attempt"),
        _("When the last code was wrong (empty after a right one)."),
    ),
    "throttling_failure_count": (_("failed attempts"), _("Wrong codes in a row.")),
}
FIELDSET_TITLES = {
    "Identity": _("Device"),
    "Timestamps": _("Dates"),
    "Configuration": _("Settings"),
    "State": _("State"),
    "Throttling": _("Wrong codes"),
}


class TOTPDeviceForm(forms.ModelForm):
    class Meta:
        model = TOTPDevice
        fields = list(LABELS)
        labels = {name: label for name, (label, _help) in LABELS.items()}
        help_texts = {name: help_text for name, (_label, help_text) in LABELS.items()}


class ConfirmedFilter(admin.SimpleListFilter):
    title = _("confirmed")
    parameter_name = "confirmed"

    def lookups(self, request, model_admin):
        return [("1", _("Yes")), ("0", _("No"))]

    def queryset(self, request, queryset):
        if self.value() in ("0", "1"):
            return queryset.filter(confirmed=self.value() == "1")
        return queryset


class JapaneseTOTPDeviceAdmin(TOTPDeviceAdmin):
    form = TOTPDeviceForm
    list_filter = [ConfirmedFilter]
    list_display = ["user", "device_name", "created", "last_used", "is_confirmed"]
    readonly_fields = ["created", "last_used", "qrcode_link"]

    @admin.display(description=_("device name"), ordering="name")
    def device_name(self, device: TOTPDevice) -> str:
        return device.name

    search_help_text = _("Search by the user's user name or e-mail address.")

    @admin.display(description=_("created at"), ordering="created_at")
    def created(self, device: TOTPDevice) -> str:
        return _when(device.created_at)

    @admin.display(description=_("last used at"), ordering="last_used_at")
    def last_used(self, device: TOTPDevice) -> str:
        return _when(device.last_used_at)

    @admin.display(description=_("confirmed"), boolean=True, ordering="confirmed")
    def is_confirmed(self, device: TOTPDevice) -> bool:
        return device.confirmed

    def get_fieldsets(self, request, obj=None):
        renamed = {"created_at": "created", "last_used_at": "last_used"}
        return [
            (
                FIELDSET_TITLES.get(title, title) if title else None,
                {**options, "fields": [renamed.get(f, f) for f in options["fields"]]},
            )
            for title, options in super().get_fieldsets(request, obj)
        ]


def _when(moment) -> str:
    # Formatted here: a read-only page shows a method's value as str() (ISO with +00:00).
    return date_format(timezone.localtime(moment), "DATETIME_FORMAT") if moment else "-"


# django-celery-beat: the crontab "in words" and the schedules' task lists, labelled.
class TaskFilter(admin.AllValuesFieldListFilter):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.title = _("task")


class JapanesePeriodicTaskAdmin(beat_admin.PeriodicTaskAdmin):
    list_filter = ["enabled", "one_off", ("task", TaskFilter), "start_time", "last_run_at"]

    @admin.display(description=_("In words"))
    def crontab_translation(self, obj: PeriodicTask) -> str:
        return obj.crontab.human_readable if obj.crontab_id else ""


def _beat_names() -> None:
    # The tasks listed under a schedule: by name (the task's dotted path and its JSON
    # arguments are the periodic task's own page's business).
    inline = beat_admin.PeriodicTaskInline
    inline.fields = inline.readonly_fields = ("name", "enabled")
    inline.verbose_name = inline.verbose_name_plural = _("Periodic tasks using this schedule")


def _numbered_title(record) -> str:
    return f"{record._meta.verbose_name} #{record.pk}"


def _rename() -> None:
    apps.get_app_config("otp_totp").verbose_name = _("Two-factor authentication")
    TOTPDevice._meta.verbose_name = _("authenticator device")
    TOTPDevice._meta.verbose_name_plural = _("authenticator devices")
    for model in (AccessAttempt, AccessFailureLog, AccessLog):
        model.__str__ = _numbered_title
    apps.get_app_config("axes").verbose_name = _("Login lockouts")
    _beat_names()


_rename()
admin.site.unregister(TOTPDevice)
admin.site.register(TOTPDevice, JapaneseTOTPDeviceAdmin)
admin.site.unregister(PeriodicTask)
admin.site.register(PeriodicTask, JapanesePeriodicTaskAdmin)
