"""Forms of the request screens. They collect input; the services decide (rules live there).

Form field names match the field names the services report errors on, so a service's
ValidationError lands next to the right field (`add_service_errors`).
"""

from __future__ import annotations

from django import forms
from django.contrib.admin.widgets import AdminSplitDateTime
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.dates import validate_not_future, validate_plausible_date
from common.forms import add_service_errors
from common.inventory import customer_correctable_fields
from consent_app.models import Customer, PurposeOfUse, Recipient
from consent_app.normalize import normalize_customer_number

from . import selectors
from .models import (
    Art35Ground,
    CorrectionItem,
    DisclosureMethod,
    DisclosureRequest,
    FeePaymentMethod,
    IdentityDocument,
    Outcome,
    RefusalGround,
    RequestType,
    UseMeasure,
)
from .request_types import spec_for
from .selectors import staff_name
from .services import correction_value, validate_identity_document_file, validate_request_details
from .services.intake import DETAIL_FIELDS

CUSTOMER_NUMBER_UNKNOWN = _("No customer has the number %(number)s.")
CHOOSE_ONE_CUSTOMER = _("Choose a candidate or type a customer number, not both.")


def _purpose_choices() -> list[tuple[str, str]]:

    return [(p.code, str(p)) for p in PurposeOfUse.objects.filter(active=True)]


def staff_users():
    """Users a request can be assigned to: active, with the permission to work on requests."""
    User = get_user_model()
    return (
        User.objects.filter(is_active=True)
        .filter(
            Q(is_superuser=True)
            | Q(groups__permissions__codename="work_request")
            | Q(user_permissions__codename="work_request")
        )
        .distinct()
        .order_by("username")
    )


FEE_PREFILLED_HELP = _(
    "The fee the privacy notice in force publishes (%(fee)s yen), charged unless you change "
    "it; left as it is, it is dropped for a right that bears no fee (Art. 38)."
)


class RequestForm(forms.ModelForm):
    """Add and change form of a request (details only; the workflow fields have their steps)."""

    suspension_purpose_codes = forms.MultipleChoiceField(
        label=_("purposes to suspend"),
        required=False,
        choices=_purpose_choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Suspension of use only; none chosen: every purpose."),
    )

    class Meta:
        model = DisclosureRequest
        fields = ["request_type", "assignee", "received_at", *DETAIL_FIELDS]
        widgets = {
            "request_grounds": forms.Textarea(attrs={"rows": 3}),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "assignee" in self.fields:
            self.fields["assignee"].queryset = staff_users()
            self.fields["assignee"].label_from_instance = staff_name
        if "received_at" in self.fields:
            self.fields["received_at"].initial = timezone.now
        if "fee_amount" in self.fields and self.instance.pk is None:
            # Issue 16: the fee charged is the one the privacy notice in force publishes, unless
            # staff change it; a right that bears no fee drops the untouched default (clean).
            from .letters.context import published_fee

            fee = published_fee(timezone.localdate())
            self.fields["fee_amount"].initial = fee
            self.fields["fee_amount"].help_text = FEE_PREFILLED_HELP % {"fee": f"{fee:,}"}
        if "suspension_recipient" in self.fields:
            self.fields["suspension_recipient"].queryset = Recipient.objects.filter(active=True)

    def clean(self):
        cleaned = super().clean()
        request_type = cleaned.get("request_type") or getattr(self.instance, "request_type", "")
        if (
            self.instance.pk is None
            and "fee_amount" in self.fields
            and "fee_amount" not in self.changed_data
            and request_type not in RequestType.fee_bearing()
        ):
            cleaned["fee_amount"] = None  # the published fee, pre-filled, left as it was
        if request_type:
            values = {name: cleaned.get(name) for name in DETAIL_FIELDS if name in self.fields}
            try:
                validate_request_details(request_type=request_type, fields=values)
            except ValidationError as exc:
                add_service_errors(self, exc)
        return cleaned


# --- transition forms ----------------------------------------------------------------------------
class TransitionForm(forms.Form):
    """Every transition form carries the state the user saw, to detect a concurrent change."""

    expected_state = forms.CharField(widget=forms.HiddenInput)
    comment = forms.CharField(
        label=_("comment (recorded in the log)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, request_obj: DisclosureRequest, user=None, **kwargs):
        self.request_obj = request_obj
        self.user = user
        kwargs.setdefault("initial", {})["expected_state"] = request_obj.state
        super().__init__(*args, **kwargs)
        if "comment" in self.fields:  # the step's own fields first, the optional comment last
            self.order_fields([name for name in self.fields if name != "comment"] + ["comment"])

    def service_kwargs(self) -> dict:
        return {"comment": self.cleaned_data.get("comment", "")}


class ReasonForm(TransitionForm):
    # None removes the inherited field (Django's way); the stubs type it as the field.
    comment = None  # type: ignore[assignment]
    reason = forms.CharField(
        label=_("reason (recorded in the log)"), widget=forms.Textarea(attrs={"rows": 3})
    )

    def service_kwargs(self) -> dict:
        return {"reason": self.cleaned_data["reason"]}


class LapseForm(ReasonForm):
    reason = forms.CharField(
        label=_("reason (recorded in the log)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ReceiveDocumentsForm(TransitionForm):
    received_on = forms.DateField(
        label=_("received on"),
        validators=[validate_not_future],
        initial=timezone.localdate,
        help_text=_("The day the completed form and ID documents arrived; the clock starts here."),
    )
    # Fee-bearing types only (Art. 38): the fee enclosed with the form. Left empty when none came;
    # no response can then be sent until it is recorded on the request.
    fee_amount = forms.IntegerField(label=_("fee received (yen)"), required=False, min_value=1)
    fee_payment_method = forms.ChoiceField(
        label=_("fee payment method"),
        required=False,
        choices=[("", "---------"), *FeePaymentMethod.choices],
    )
    fee_received_on = forms.DateField(label=_("fee received on"), required=False)

    FEE_FIELDS = ("fee_amount", "fee_payment_method", "fee_received_on")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not spec_for(self.request_obj.request_type).fee_bearing:
            for name in self.FEE_FIELDS:
                del self.fields[name]
        else:
            self.fields["fee_amount"].initial = self.request_obj.fee_amount
            self.fields["fee_payment_method"].initial = self.request_obj.fee_payment_method

    def service_kwargs(self) -> dict:
        kwargs = {**super().service_kwargs(), "received_on": self.cleaned_data["received_on"]}
        if "fee_amount" in self.fields:
            kwargs["fee_amount"] = self.cleaned_data.get("fee_amount")
            kwargs["fee_payment_method"] = self.cleaned_data.get("fee_payment_method") or ""
            kwargs["fee_received_on"] = self.cleaned_data.get("fee_received_on")
        return kwargs


class VerifyIdentityForm(TransitionForm):
    candidate = forms.ChoiceField(
        label=_("matching customer"), required=False, widget=forms.RadioSelect
    )
    customer_number = forms.CharField(
        label=_("or customer number"),
        required=False,
        max_length=20,
        help_text=_("A customer who is not among the candidates."),
    )
    no_data_held = forms.BooleanField(label=_("no data is held on this person"), required=False)

    def __init__(self, *args, candidates=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.candidates = list(candidates)
        self.fields["candidate"].choices = [
            (
                str(c.pk),
                f"{c.number} {c.full_name}（{c.full_name_kana}） {c.date_of_birth or ''} "
                f"〒{c.postal_code} {c.address}",
            )
            for c in self.candidates
        ]

    def clean(self):

        cleaned = super().clean()
        number = normalize_customer_number(cleaned.get("customer_number") or "")
        candidate = cleaned.get("candidate")
        if candidate and number:
            raise ValidationError(CHOOSE_ONE_CUSTOMER)
        customer = None
        if candidate:
            customer = next((c for c in self.candidates if str(c.pk) == candidate), None)
        elif number:
            customer = Customer.objects.filter(number=number).first()
            if customer is None:
                self.add_error(
                    "customer_number",
                    ValidationError(CUSTOMER_NUMBER_UNKNOWN, params={"number": number}),
                )
        cleaned["customer"] = customer
        return cleaned

    def service_kwargs(self) -> dict:
        return {
            **super().service_kwargs(),
            "customer": self.cleaned_data.get("customer"),
            "no_data_held": self.cleaned_data.get("no_data_held", False),
        }


WITHHELD_GROUND_PREFIX = "withheld_ground__"


class DraftResponseForm(TransitionForm):
    outcome = forms.ChoiceField(label=_("outcome"), choices=Outcome.choices)
    refusal_ground = forms.ChoiceField(label=_("refusal ground"), required=False)
    outcome_explanation = forms.CharField(
        label=_("explanation to the person (Art. 36)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Required for a refusal, a partial fulfilment or an alternative measure."),
    )
    response_summary = forms.CharField(
        label=_("response summary"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    disclosure_method_used = forms.ChoiceField(
        label=_("disclosure method used"),
        required=False,
        choices=[("", "---------"), *DisclosureMethod.choices],
    )
    method_fallback_reason = forms.CharField(
        label=_("reason for a different method"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    withheld_sections = forms.MultipleChoiceField(
        label=_("parts not disclosed"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Ticked parts are left out of the disclosure: a partial refusal, stated in the letter "
            "with the ground and the explanation above (choose “partly fulfilled”). Internal "
            "notes are ticked unless you decide to disclose them."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        obj = self.request_obj
        grounds = RefusalGround.for_type(obj.request_type)
        spec = spec_for(obj.request_type)
        # Withholding is offered where the whole compilation is disclosed (Art. 33(1)).
        if spec.discloses_data and spec.compilation_sections is None:
            titles = selectors.compilation_section_titles()
            self.fields["withheld_sections"].choices = list(titles.items())
            self.fields["withheld_sections"].initial = obj.withheld_sections or list(
                selectors.DEFAULT_WITHHELD_SECTIONS
            )
            # Each section withheld may have its own Art. 33(2) ground (else the one above).
            for key, title in titles.items():
                field = forms.ChoiceField(
                    label=_("ground for withholding “%(section)s”") % {"section": title},
                    required=False,
                    choices=[("", _("the refusal ground above"))]
                    + [(g, RefusalGround(g).label) for g in grounds],
                    initial=(obj.withheld_grounds or {}).get(key, ""),
                    help_text=_("Only if this section is ticked above."),
                )
                self.fields[f"{WITHHELD_GROUND_PREFIX}{key}"] = field
        else:
            del self.fields["withheld_sections"]
        self.fields["refusal_ground"].choices = [("", "---------")] + [
            (g, RefusalGround(g).label) for g in grounds
        ]
        if not spec.discloses_data:
            del self.fields["disclosure_method_used"]
            del self.fields["method_fallback_reason"]
        else:
            self.fields["disclosure_method_used"].initial = obj.disclosure_method_requested
        for name in ("outcome", "refusal_ground", "outcome_explanation", "response_summary"):
            value = getattr(obj, name, "")
            if value:
                self.fields[name].initial = value
        if obj.no_data_held:
            self.fields["outcome"].initial = Outcome.NO_DATA_HELD

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            **super().service_kwargs(),
            "outcome": data["outcome"],
            "refusal_ground": data.get("refusal_ground", ""),
            "explanation": data.get("outcome_explanation", ""),
            "summary": data.get("response_summary", ""),
            "method_used": data.get("disclosure_method_used", ""),
            "fallback_reason": data.get("method_fallback_reason", ""),
            "withheld_sections": data.get("withheld_sections", []),
            "withheld_grounds": {
                name.removeprefix(WITHHELD_GROUND_PREFIX): value
                for name, value in data.items()
                if name.startswith(WITHHELD_GROUND_PREFIX) and value
            },
        }


class ApproveForm(TransitionForm):
    confirm = forms.BooleanField(
        label=_("I have checked the response; send it and make the changes it calls for"),
    )
    # The draft revision and the SHA-256 of its final PDF shown on the page (letters/drafts.py).
    draft_id = forms.IntegerField(widget=forms.HiddenInput, required=False)
    draft_sha256 = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from .services.case_letters import approval_draft_for

        # Its own draft, or the case letter's for a right answered with its case (issue 13).
        draft = approval_draft_for(self.request_obj)
        if draft is not None:
            self.initial.setdefault("draft_id", draft.pk)
            self.initial.setdefault("draft_sha256", draft.sha256)
        withheld = self.request_obj.withheld_sections
        if withheld:
            # The approver sees what the disclosure leaves out before approving it.
            titles = selectors.compilation_section_titles()
            grounds = self.request_obj.withheld_grounds or {}
            self.fields["confirm"].help_text = _("Not disclosed (partial refusal): %(parts)s") % {
                "parts": "、".join(
                    f"{titles.get(key, key)}（{RefusalGround(grounds[key]).label}）"
                    if grounds.get(key) in RefusalGround.values
                    else titles.get(key, key)
                    for key in withheld
                )
            }

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        if data.get("draft_id") is None:
            return super().service_kwargs()
        return {
            **super().service_kwargs(),
            "draft_id": data["draft_id"],
            "draft_sha256": data.get("draft_sha256") or "",
        }


TRANSITION_FORMS: dict[str, type[TransitionForm]] = {
    "send_form": TransitionForm,
    "receive_documents": ReceiveDocumentsForm,
    "request_more_documents": ReasonForm,
    "verify_identity": VerifyIdentityForm,
    "draft_response": DraftResponseForm,
    "send_back": ReasonForm,
    "approve_and_send": ApproveForm,
    "close": TransitionForm,
    "withdraw": ReasonForm,
    "lapse": LapseForm,
}
# Transitions taken with one click from the request page (the comment is optional).
ONE_CLICK_TRANSITIONS = frozenset({"send_form", "close"})


# --- other request-page forms ------------------------------------------------------------------
class ExtendDeadlineForm(forms.Form):
    expected_state = forms.CharField(widget=forms.HiddenInput)
    new_due_date = forms.DateField(label=_("new due date"), validators=[validate_plausible_date])
    reason = forms.CharField(
        label=_("reason (told to the person)"), widget=forms.Textarea(attrs={"rows": 3})
    )


class ReceiptCorrectionForm(forms.Form):
    """Correct the receipt date of a request (services.request_correct_received_at)."""

    received_at = forms.SplitDateTimeField(
        label=_("received at"), widget=AdminSplitDateTime, validators=[validate_not_future]
    )
    reason = forms.CharField(
        label=_("reason for the correction"), widget=forms.Textarea(attrs={"rows": 3})
    )


class CaseAddRightForm(forms.Form):
    """Add a right to the request's case (services.cases.case_add_right): the person wrote again."""

    request_type = forms.ChoiceField(label=_("request type"), choices=RequestType.choices)
    legal_ground = forms.ChoiceField(
        label=_("legal ground (Art. 35)"),
        choices=[("", "---------"), *Art35Ground.choices],
        required=False,
        help_text=_("For suspension of use, erasure or suspension of provision only."),
    )
    use_measure = forms.ChoiceField(
        label=_("measure asked for"),
        choices=[("", "---------"), *UseMeasure.choices],
        required=False,
    )
    reason = forms.CharField(
        label=_("reason (who asked, in which letter)"), widget=forms.Textarea(attrs={"rows": 3})
    )


class CaseSplitRightForm(forms.Form):
    """Split this right off into its own case (services.cases.case_split_right)."""

    reason = forms.CharField(
        label=_("reason for the split"), widget=forms.Textarea(attrs={"rows": 3})
    )


class UploadDocumentForm(forms.Form):
    document_type = forms.ChoiceField(
        label=_("document type"), choices=IdentityDocument.DocumentType.choices
    )
    for_agent = forms.BooleanField(label=_("the agent's document"), required=False)
    file = forms.FileField(
        label=_("file (PDF, JPEG or PNG)"), validators=[validate_identity_document_file]
    )


class CommentForm(forms.Form):
    body = forms.CharField(label=_("comment"), widget=forms.Textarea(attrs={"rows": 3}))


class BulkAssignForm(forms.Form):
    assignee = forms.ModelChoiceField(
        label=_("assign to"),
        queryset=None,
        required=False,
        empty_label=_("(nobody: unassign)"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = staff_users()
        self.fields["assignee"].label_from_instance = staff_name


class BulkLapseForm(forms.Form):
    reason = forms.CharField(
        label=_("reason (recorded in each request's log)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class CorrectionItemForm(forms.ModelForm):
    field_name = forms.ChoiceField(label=_("field"))

    class Meta:
        model = CorrectionItem
        fields = ["kind", "field_name", "current_value", "requested_value", "accepted"]
        widgets = {
            "current_value": forms.TextInput(attrs={"size": 30}),
            "requested_value": forms.TextInput(attrs={"size": 30}),
        }

    def __init__(self, *args, **kwargs):

        super().__init__(*args, **kwargs)
        self.fields["field_name"].choices = [
            (name, Customer._meta.get_field(name).verbose_name)
            for name in customer_correctable_fields()
        ]

    def clean(self):

        cleaned = super().clean()
        if cleaned.get("field_name") and cleaned.get("kind"):
            try:
                correction_value(
                    field_name=cleaned["field_name"],
                    kind=cleaned["kind"],
                    requested_value=cleaned.get("requested_value", ""),
                )
            except ValidationError as exc:
                self.add_error("requested_value", exc)
        return cleaned
