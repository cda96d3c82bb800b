"""The export form of every report: a date range and the Excel options."""

from django import forms
from django.utils.translation import gettext_lazy as _

from privacyoffice.dates import validate_plausible_date
from privacyoffice.models import ExportLog

from .services import DATE_RANGE_REVERSED


class ExportForm(forms.Form):
    date_from = forms.DateField(
        label=_("From"),
        required=False,
        validators=[validate_plausible_date],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("First day included (Japan time). Empty: from the beginning."),
    )
    date_to = forms.DateField(
        label=_("To"),
        required=False,
        validators=[validate_plausible_date],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Last day included (Japan time). Empty: up to now."),
    )
    encoding = forms.ChoiceField(
        label=_("Encoding"),
        choices=ExportLog.Encoding.choices,
        initial=ExportLog.Encoding.UTF8,
        widget=forms.RadioSelect,
        help_text=_(
            "UTF-8 keeps every character. Excel opens UTF-8 with BOM directly. CP932 writes "
            "characters it cannot hold as &#x…; references (counted in the export log)."
        ),
    )
    header = forms.ChoiceField(
        label=_("Header row"),
        choices=ExportLog.Header.choices,
        initial=ExportLog.Header.CODES,
        widget=forms.RadioSelect,
    )

    def clean(self):
        cleaned = super().clean()
        date_from, date_to = cleaned.get("date_from"), cleaned.get("date_to")
        if date_from and date_to and date_from > date_to:
            raise forms.ValidationError(DATE_RANGE_REVERSED, code="date_range_reversed")
        return cleaned
