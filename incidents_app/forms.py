"""Small forms feeding the incident and supervision services (validation of shape only: the
rules live in the services, whose errors the views put back on the form)."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from consent_app.models import Recipient, RecipientCategory

from .models import (
    Authority,
    CheckAnswer,
    Entrustee,
    Incident,
    ReportChannel,
    ReportStage,
    SupervisionCheck,
)
from .services.incidents import EDITABLE_FIELDS, incident_validate


class IncidentForm(forms.ModelForm):
    """The incident's facts and trigger assessment (the admin's add and change page)."""

    class Meta:
        model = Incident
        fields = [*EDITABLE_FIELDS, "recipients", "entrustees"]

    def clean(self):
        data = super().clean()
        # The service's own rules, so a missing reason shows on its field, nothing typed lost.
        incident_validate(data)
        return data


class ConfirmForm(forms.Form):
    """A step that needs no input beyond the click (freeze, queue the notices, close)."""

    confirm = forms.BooleanField(label=_("I confirm"), required=True)

    def service_kwargs(self) -> dict:
        return {}


class ClassifyForm(forms.Form):
    reportable = forms.TypedChoiceField(
        label=_("Decision"),
        choices=[("yes", _("Reportable to the PPC")), ("no", _("Not reportable"))],
        coerce=lambda value: value == "yes",
    )
    note = forms.CharField(label=_("Reasons for the decision"), widget=forms.Textarea)

    def service_kwargs(self) -> dict:
        return {"reportable": self.cleaned_data["reportable"], "note": self.cleaned_data["note"]}


class ScopeProvisionsForm(forms.Form):
    recipient = forms.ModelChoiceField(label=_("recipient"), queryset=Recipient.objects.all())
    date_from = forms.DateField(label=_("provided from"))
    date_to = forms.DateField(label=_("provided to"))

    def service_kwargs(self) -> dict:
        return dict(self.cleaned_data)


class ScopeEntrusteeForm(forms.Form):
    entrustee = forms.ModelChoiceField(
        label=_("entrustee"), queryset=Entrustee.objects.filter(active=True)
    )

    def service_kwargs(self) -> dict:
        return dict(self.cleaned_data)


class ScopeImportForm(forms.Form):
    upload = forms.FileField(
        label=_("customer numbers (CSV, first column)"),
        help_text=_("One customer number per line; numbers we do not hold are counted, not added."),
    )

    def service_kwargs(self) -> dict:
        return dict(self.cleaned_data)


class ScopeQueryForm(forms.Form):
    dealer = forms.ModelChoiceField(
        label=_("serving dealer"),
        queryset=Recipient.objects.filter(category=RecipientCategory.DEALER),
        required=False,
    )
    prefecture = forms.CharField(label=_("prefecture"), max_length=10, required=False)
    created_from = forms.DateField(label=_("customer since (from)"), required=False)
    created_to = forms.DateField(label=_("customer since (to)"), required=False)

    def service_kwargs(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if v not in (None, "")}


class ReportDraftForm(forms.Form):
    stage = forms.ChoiceField(label=_("stage"), choices=ReportStage.choices)
    overview = forms.CharField(label=_("(1) overview of the incident"), widget=forms.Textarea)
    personal_data = forms.CharField(
        label=_("(2) personal data concerned"), widget=forms.Textarea, required=False
    )
    cause = forms.CharField(label=_("(4) cause"), widget=forms.Textarea, required=False)
    secondary_damage = forms.CharField(
        label=_("(5) secondary damage or its risk"), widget=forms.Textarea, required=False
    )
    notice_to_people = forms.CharField(
        label=_("(6) notice to the people"), widget=forms.Textarea, required=False
    )
    public_announcement = forms.CharField(
        label=_("(7) public announcement"), widget=forms.Textarea, required=False
    )
    recurrence_prevention = forms.CharField(
        label=_("(8) measures to prevent recurrence"), widget=forms.Textarea, required=False
    )
    other = forms.CharField(label=_("(9) other matters"), widget=forms.Textarea, required=False)

    def service_kwargs(self) -> dict:
        return dict(self.cleaned_data)


class PublicAnnouncementForm(forms.Form):
    published_on = forms.DateField(label=_("published on"), initial=timezone.localdate)
    reason = forms.CharField(
        label=_("why individual notice is difficult"), widget=forms.Textarea, required=False
    )

    def service_kwargs(self) -> dict:
        return dict(self.cleaned_data)


class ReportSubmitForm(forms.Form):
    submitted_on = forms.DateField(label=_("submitted on"), initial=timezone.localdate)
    authority = forms.ChoiceField(label=_("authority"), choices=Authority.choices)
    authority_name = forms.CharField(
        label=_("ministry (if delegated)"), max_length=100, required=False
    )
    channel = forms.ChoiceField(label=_("channel"), choices=ReportChannel.choices)
    receipt_number = forms.CharField(label=_("receipt number"), max_length=60, required=False)

    def service_kwargs(self) -> dict:
        return dict(self.cleaned_data)


class OpenCheckForm(forms.Form):
    due_on = forms.DateField(label=_("due on"))

    def service_kwargs(self) -> dict:
        return dict(self.cleaned_data)


class ReviewCheckForm(forms.Form):
    result = forms.ChoiceField(label=_("result"), choices=SupervisionCheck.Result.choices)
    notes = forms.CharField(label=_("review notes"), widget=forms.Textarea, required=False)

    def service_kwargs(self) -> dict:
        return dict(self.cleaned_data)


class EvidenceForm(forms.Form):
    description = forms.CharField(label=_("description"), max_length=200)
    file = forms.FileField(label=_("file (PDF, JPEG or PNG)"))

    def service_kwargs(self) -> dict:
        return dict(self.cleaned_data)


class AnswersForm(forms.Form):
    """One answer and comment field per question of the check-sheet."""

    complete = forms.BooleanField(label=_("All answered: send for review"), required=False)

    def __init__(self, *args, check: SupervisionCheck, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.rows = list(check.answers.order_by("category", "pk"))
        for row in self.rows:
            self.fields[f"answer_{row.pk}"] = forms.ChoiceField(
                label=f"[{row.get_category_display()}] {row.question_text}",
                choices=CheckAnswer.Answer.choices,
                initial=row.answer,
                required=False,
            )
            self.fields[f"comment_{row.pk}"] = forms.CharField(
                label=_("comment"), initial=row.comment, required=False
            )
        # The checkbox last, after the questions.
        self.fields["complete"] = self.fields.pop("complete")

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "answers": {
                row.pk: (data.get(f"answer_{row.pk}") or "", data.get(f"comment_{row.pk}") or "")
                for row in self.rows
            },
            "complete": bool(data.get("complete")),
        }
