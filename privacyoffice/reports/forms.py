"""The export form of every report: a date range and the Excel options."""

from django import forms
from django.utils.translation import gettext_lazy as _

from common.dates import validate_plausible_date
from privacyoffice.models import ExportLog

from .services import DATE_RANGE_REVERSED


class ExportOptionsForm(forms.Form):
    """The options every export has (a marketing list has no date range)."""

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
    values = forms.ChoiceField(
        label=_("Values"),
        choices=ExportLog.Values.choices,
        initial=ExportLog.Values.CODES,
        widget=forms.RadioSelect,
        # Optional: a form posted before this option existed exports codes, as it did then.
        required=False,
        help_text=_("Japanese display values write 開示請求 instead of disclosure, and so on."),
    )

    def clean_values(self):
        return self.cleaned_data.get("values") or ExportLog.Values.CODES


class ExportForm(ExportOptionsForm):
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
    field_order = ["date_from", "date_to", "encoding", "header", "values"]

    def clean(self):
        cleaned = super().clean()
        date_from, date_to = cleaned.get("date_from"), cleaned.get("date_to")
        if date_from and date_to and date_from > date_to:
            raise forms.ValidationError(DATE_RANGE_REVERSED, code="date_range_reversed")
        return cleaned
