"""Third-party admin pages (superusers only) made safe against bad input.

django-celery-beat's crontab page shows the schedule "in words" from the instance being edited,
so an invalid field (say month "-1") that reaches the instance crashes the page with a 500
instead of showing the error. Each crontab field is checked with Celery's own parser first; a
field that fails gets a form error and never reaches the instance.
"""

from __future__ import annotations

from celery.schedules import ParseException, crontab_parser
from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from django_celery_beat.admin import CrontabScheduleAdmin
from django_celery_beat.models import CrontabSchedule

INVALID_CRONTAB_FIELD = _("Not a valid crontab value: %(value)s")

# Field -> (number of values, first value), as Celery's crontab reads them.
CRONTAB_FIELDS = {
    "minute": (60, 0),
    "hour": (24, 0),
    "day_of_week": (7, 0),
    "day_of_month": (31, 1),
    "month_of_year": (12, 1),
}


class CheckedCrontabForm(forms.ModelForm):
    class Meta:
        model = CrontabSchedule
        fields = ["minute", "hour", "day_of_month", "month_of_year", "day_of_week", "timezone"]

    def clean(self) -> dict:
        super().clean()
        cleaned = self.cleaned_data  # what ModelForm.clean() returns
        for name, (size, first) in CRONTAB_FIELDS.items():
            value = cleaned.get(name)
            if value is None:
                continue
            try:
                crontab_parser(size, first).parse(value)
            except (ParseException, ValueError, IndexError, KeyError):
                self.add_error(
                    name,
                    forms.ValidationError(
                        INVALID_CRONTAB_FIELD, code="invalid", params={"value": value}
                    ),
                )
        return cleaned


class CheckedCrontabScheduleAdmin(CrontabScheduleAdmin):
    form = CheckedCrontabForm
    # The schedule in words, labelled in the page's language (the library's property has none).
    list_display = ("__str__", "in_words")
    fields = ("in_words", *CheckedCrontabForm.Meta.fields)
    readonly_fields = ("in_words",)

    @admin.display(description=_("In words"))
    def in_words(self, obj: CrontabSchedule) -> str:
        return obj.human_readable if obj.pk else ""


admin.site.unregister(CrontabSchedule)
admin.site.register(CrontabSchedule, CheckedCrontabScheduleAdmin)
