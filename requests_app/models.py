"""Disclosure requests (APPI Arts. 32–35) and what hangs off them.

States (the policy's "Disclosure, Amendment, etc." procedure):
    inquiry ─send_form→ form_sent ─receive_documents→ documents_received ─verify_identity→ verified
    documents_received ─request_more_documents→ form_sent
    verified ─draft_response→ response_drafted ─approve_and_send→ responded ─close→ closed
    response_drafted ─send_back→ verified
    any open state ─withdraw→ withdrawn;  inquiry/form_sent ─lapse→ lapsed

A transition here only changes this row in memory. The services in `services.py` lock, transition,
save, log (django-fsm-log) and enqueue letters in one transaction.

Split by sub-domain: the choices are in choices.py, the records hanging off a request in
models_records.py, the letters with their drafts and alerts in models_letters.py; every name is
imported here.
"""

from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_fsm import ConcurrentTransitionMixin, FSMField, transition
from django_fsm_log.decorators import fsm_log_by, fsm_log_description

from common.dates import validate_birth_date, validate_not_future

from . import conditions
from .choices import (
    OPEN_STATES,
    AgentType,
    Art35Ground,
    DayKind,
    DisclosureMethod,
    FeePaymentMethod,
    Outcome,
    RefusalGround,
    RequestChannel,
    RequestState,
    RequestType,
    UseMeasure,
)
from .conditions import condition


class DeadlineRule(models.Model):
    """Days allowed to answer, per request type; data that managers edit."""

    request_type = models.CharField(
        _("request type"), max_length=24, choices=RequestType.choices, unique=True
    )
    days = models.PositiveSmallIntegerField(_("days"), default=14)
    day_kind = models.CharField(
        _("counted in"), max_length=10, choices=DayKind.choices, default=DayKind.CALENDAR
    )
    closure_start = models.CharField(
        _("year-end closure starts (MM-DD)"), max_length=5, default="12-29"
    )
    closure_end = models.CharField(
        _("year-end closure ends (MM-DD)"), max_length=5, default="01-03"
    )
    # Civil Code Art. 142 moves a period ending on a customary closed day; our office is closed
    # on Saturdays, so by default a Saturday counts as closed (and is no business day).
    saturday_closed = models.BooleanField(_("closed on Saturdays"), default=True)

    class Meta:
        verbose_name = _("deadline rule")
        verbose_name_plural = _("deadline rules")
        ordering = ["request_type"]

    def __str__(self) -> str:
        return f"{self.get_request_type_display()}: {self.days} {self.get_day_kind_display()}"


def _is_not_drafter(instance: "DisclosureRequest", user) -> bool:
    # Four eyes: the manager who sends a response is never the one who drafted it.
    return user.has_perm("requests_app.approve_response") and user.pk != instance.drafted_by_id


class ReferenceCounter(models.Model):
    """The last reference number issued per year (PR-YYYY-NNNNNN), incremented under a row lock."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    last_number = models.PositiveIntegerField(_("last number"), default=0)

    class Meta:
        verbose_name = _("reference counter")
        verbose_name_plural = _("reference counters")

    def __str__(self) -> str:
        return f"{self.year}: {self.last_number}"


# The bounds of request_received_at_plausible: 1900-01-01 and 2101-01-01 in Japan time, kept
# in UTC so the constraint does not depend on the session's time zone.
RECEIVED_AT_EARLIEST = datetime(1899, 12, 31, 15, tzinfo=UTC)
RECEIVED_AT_LATEST = datetime(2100, 12, 31, 15, tzinfo=UTC)


class RequestCase(models.Model):
    """A case (受付案件): every right one person (or their agent) asked for in one letter, call
    or e-mail. The person sees one reference, the case's; each right is a DisclosureRequest under
    it with its own type, rules, state and outcome (README: "Cases and rights")."""

    reference = models.CharField(_("reference"), max_length=20, unique=True, editable=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.reference


class DisclosureRequest(ConcurrentTransitionMixin, models.Model):
    reference = models.CharField(_("reference"), max_length=20, unique=True, editable=False)
    # The case this right belongs to; its first right carries the case's reference.
    case = models.ForeignKey(
        RequestCase,
        verbose_name=_("case"),
        on_delete=models.PROTECT,
        related_name="rights",
    )
    request_type = models.CharField(_("request type"), max_length=24, choices=RequestType.choices)
    channel = models.CharField(
        _("received via"),
        max_length=10,
        choices=RequestChannel.choices,
        default=RequestChannel.POST,
    )
    state = FSMField(
        _("state"),
        max_length=24,
        choices=RequestState.choices,
        default=RequestState.INQUIRY,
        protected=True,
    )

    # The requester as they gave their details (may differ from, or match no, customer).
    requester_name = models.CharField(_("requester name"), max_length=200)
    requester_name_kana = models.CharField(_("requester name (kana)"), max_length=200, blank=True)
    requester_postal_code = models.CharField(_("requester postal code"), max_length=8, blank=True)
    requester_address = models.CharField(_("requester address"), max_length=300, blank=True)
    requester_phone = models.CharField(_("requester phone"), max_length=20, blank=True)
    requester_email = models.EmailField(_("requester e-mail"), blank=True)
    requester_date_of_birth = models.DateField(
        _("requester date of birth"), null=True, blank=True, validators=[validate_birth_date]
    )
    language = models.CharField(
        _("letter language"),
        max_length=2,
        choices=[("ja", _("Japanese")), ("en", _("English"))],
        default="ja",
    )
    agent_type = models.CharField(
        _("requested by"), max_length=24, choices=AgentType.choices, blank=True, default=""
    )
    agent_name = models.CharField(_("agent name"), max_length=200, blank=True)
    agent_address = models.CharField(_("agent address"), max_length=300, blank=True)

    customer = models.ForeignKey(
        "consent_app.Customer",
        verbose_name=_("customer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="privacy_requests",
    )
    no_data_held = models.BooleanField(_("no data held"), default=False)
    possible_duplicate_of = models.ForeignKey(
        "self",
        verbose_name=_("possible duplicate of"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assigned_requests",
    )

    received_at = models.DateTimeField(_("received at"), validators=[validate_not_future])
    form_sent_at = models.DateTimeField(_("form sent at"), null=True, blank=True)
    documents_received_on = models.DateField(
        _("documents received on"), null=True, blank=True, validators=[validate_not_future]
    )
    due_date = models.DateField(_("due date"), null=True, blank=True)
    drafted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("drafted by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    responded_at = models.DateTimeField(_("responded at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    # Disclosure (Art. 33(2)): the method chosen, the method used and why it differs.
    disclosure_method_requested = models.CharField(
        _("disclosure method requested"),
        max_length=12,
        choices=DisclosureMethod.choices,
        blank=True,
    )
    disclosure_method_used = models.CharField(
        _("disclosure method used"), max_length=12, choices=DisclosureMethod.choices, blank=True
    )
    method_fallback_reason = models.TextField(_("reason for a different method"), blank=True)
    # Sections of the compilation not disclosed (keys of the inventory's sections): a partial
    # refusal (Art. 33(2)) stated in the letter with its ground and explanation, never a silent
    # omission. Internal notes are withheld unless staff choose to disclose them.
    withheld_sections = models.JSONField(_("sections withheld"), default=list, blank=True)
    # Each withheld section's own Art. 33(2) ground: section key → ground (issue 12).
    withheld_grounds = models.JSONField(
        _("grounds for the sections withheld"), default=dict, blank=True
    )

    # Fee (Art. 38), for fee-bearing types only.
    fee_amount = models.PositiveIntegerField(_("fee (yen)"), null=True, blank=True)
    fee_payment_method = models.CharField(
        _("fee payment method"), max_length=100, choices=FeePaymentMethod.choices, blank=True
    )
    fee_received_on = models.DateField(
        _("fee received on"), null=True, blank=True, validators=[validate_not_future]
    )

    # Suspension scope: purposes whose use stops, recipient whose provision stops (empty: all).
    suspension_purpose_codes = models.JSONField(_("purposes to suspend"), default=list, blank=True)
    suspension_recipient = models.ForeignKey(
        "consent_app.Recipient",
        verbose_name=_("recipient to stop"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # Art. 35(1): suspension of use or erasure (one request type, two measures).
    use_measure = models.CharField(
        _("measure asked for"), max_length=12, choices=UseMeasure.choices, blank=True
    )
    # Art. 35 ground the person relies on; and their own words (or the Art. 34 claim).
    legal_ground = models.CharField(
        _("legal ground (Art. 35)"), max_length=24, choices=Art35Ground.choices, blank=True
    )
    request_grounds = models.TextField(_("grounds given by the requester"), blank=True)
    # The leak incident an Art. 35(5) "reportable leak" request cites (issue 15). A reference,
    # not a foreign key: incidents_app reads requests_app, never the other way round.
    incident_reference = models.CharField(
        _("incident cited (Art. 26 leak)"), max_length=20, blank=True, db_index=True
    )

    outcome = models.CharField(_("outcome"), max_length=24, choices=Outcome.choices, blank=True)
    refusal_ground = models.CharField(
        _("refusal ground"), max_length=40, choices=RefusalGround.choices, blank=True
    )
    outcome_explanation = models.TextField(_("explanation to the person (Art. 36)"), blank=True)
    response_summary = models.TextField(_("response summary"), blank=True)
    notes = models.TextField(_("notes"), blank=True)
    # The electronic copy (Art. 33(1)) made when the response was approved, kept privately.
    electronic_copy = models.FileField(
        _("electronic copy"), upload_to="disclosures/%Y/%m/", blank=True, editable=False
    )
    electronic_copy_sha256 = models.CharField(
        _("electronic copy SHA-256"), max_length=64, blank=True, editable=False
    )

    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("privacy request")
        verbose_name_plural = _("privacy requests")
        ordering = ["-received_at"]
        permissions = [
            ("work_request", _("Can work on privacy requests")),
            ("approve_response", _("Can approve and send responses")),
            ("extend_deadline", _("Can extend a deadline")),
        ]
        indexes = [
            # Deadline scan and "overdue"/"due soon" filters: open requests by due date.
            models.Index(
                fields=["due_date"],
                name="request_open_due_idx",
                condition=models.Q(
                    state__in=["documents_received", "verified", "response_drafted"]
                ),
            ),
            # Changelist sorted by due date, all requests, either direction (RequestChangeList
            # makes the tie-break follow the due date's direction, so one index scan serves it).
            models.Index(fields=["due_date", "id"], name="request_due_idx"),
            # Changelist default ordering and the dashboard's per-month counts.
            models.Index(fields=["received_at"], name="request_received_idx"),
            # Changelist filter by state and "my open requests".
            models.Index(fields=["assignee", "state"], name="request_assignee_state_idx"),
            models.Index(fields=["state"], name="request_state_idx"),
            # bench (issue 8) — the dashboard's live request figures, answered from the index
            # alone (index-only scans; the table rows are wide): open requests per state, due
            # soon and overdue (privacyoffice.dashboard.request_counts).
            models.Index(
                fields=["state", "due_date"],
                include=["id"],
                name="request_open_state_due_idx",
                condition=models.Q(
                    state__in=[
                        "inquiry",
                        "form_sent",
                        "documents_received",
                        "verified",
                        "response_drafted",
                    ]
                ),
            ),
            # bench (issue 8) — on-time rate and median days over the requests answered in the
            # period (dashboard.response_performance): no scan of every request ever received.
            models.Index(
                fields=["responded_at"],
                include=["documents_received_on", "due_date", "id"],
                name="request_responded_idx",
            ),
            # bench (issue 8) — requests per month and type over 12 months
            # (dashboard.requests_per_month), from the index alone.
            models.Index(
                fields=["received_at"],
                include=["request_type", "id"],
                name="request_received_type_idx",
            ),
        ]
        constraints = [
            # A receipt before 1900 or after 2100 is a typing error that used to break every
            # page showing the request (a BC timestamp cannot be read back; issue 20). Forms
            # refuse it with a message (common.dates); this holds for any other client.
            models.CheckConstraint(
                condition=models.Q(received_at__gte=RECEIVED_AT_EARLIEST)
                & models.Q(received_at__lt=RECEIVED_AT_LATEST),
                name="request_received_at_plausible",
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def fee_due(self) -> bool:
        return self.request_type in RequestType.fee_bearing() and bool(self.fee_amount)

    # --- conditions ---------------------------------------------------------------------------
    def missing_documents(self) -> list[str]:
        """What is still missing before identity can be verified (empty: complete).

        The person sends a copy of an ID document; an agent sends their own ID document and
        the proof of their authority (a power of attorney, or for a legal representative e.g.
        a family register extract). The person's own ID is not demanded from an agent: a
        legal representative of a minor often cannot supply one (Art. 37: no excessive burden).
        """
        # One set of documents serves the whole case (issue 13): whichever right of the case
        # they were uploaded on, they count for every right of it.
        documents = (
            IdentityDocument.objects.filter(request__case_id=self.case_id)
            if self.case_id
            else IdentityDocument.objects.filter(request_id=self.pk)
        )
        docs = list(documents.values_list("document_type", "for_agent"))
        authority = {
            AgentType.APPOINTED_AGENT: IdentityDocument.DocumentType.POWER_OF_ATTORNEY,
            AgentType.LEGAL_REPRESENTATIVE: IdentityDocument.DocumentType.REPRESENTATION_PROOF,
        }
        authority_types = set(authority.values())
        missing = []
        if not self.agent_type:
            if not any(not agent and t not in authority_types for t, agent in docs):
                missing.append(str(_("an identity document of the person")))
            return missing
        if not any(agent and t not in authority_types for t, agent in docs):
            missing.append(str(_("the agent's identity document")))
        needed = authority.get(self.agent_type)
        if needed and not any(t == needed for t, _agent in docs):
            missing.append(str(IdentityDocument.DocumentType(needed).label))
        return missing

    @condition(conditions.documents_missing)
    def has_identity_document(self) -> bool:
        return not self.missing_documents()

    def lapsable_from(self):
        """When the request may lapse: REQUEST_LAPSE_DAYS after the form was sent (or after
        the inquiry, if no form went out); None before either."""
        started = self.form_sent_at or self.received_at
        if started is None:
            return None
        return started + timedelta(days=settings.REQUEST_LAPSE_DAYS)

    @condition(conditions.lapse_too_early)
    def lapse_period_passed(self) -> bool:
        # A request lapses only when no documents came back within REQUEST_LAPSE_DAYS of the
        # form being sent (or of the inquiry, if no form went out).
        lapsable_from = self.lapsable_from()
        return lapsable_from is not None and timezone.now() >= lapsable_from

    @condition(conditions.corrections_missing)
    def has_corrections(self) -> bool:
        return self.request_type != RequestType.CORRECTION or self.corrections.exists()

    @condition(conditions.fee_unpaid)
    def fee_settled(self) -> bool:
        # No response while a due fee is unpaid (Art. 38).
        return not self.fee_due or self.fee_received_on is not None

    def has_outcome(self) -> bool:
        return bool(self.outcome)

    # --- transitions --------------------------------------------------------------------------
    @fsm_log_by
    @fsm_log_description
    @transition(
        field=state,
        source=RequestState.INQUIRY,
        target=RequestState.FORM_SENT,
        permission="requests_app.work_request",
        custom={"label": _("Send request form")},
    )
    def send_form(self, by=None, description=None):
        pass

    @fsm_log_by
    @fsm_log_description
    @transition(
        field=state,
        source=RequestState.FORM_SENT,
        target=RequestState.DOCUMENTS_RECEIVED,
        permission="requests_app.work_request",
        custom={"label": _("Receive form and documents")},
    )
    def receive_documents(self, by=None, description=None):
        pass

    @fsm_log_by
    @fsm_log_description
    @transition(
        field=state,
        source=RequestState.DOCUMENTS_RECEIVED,
        target=RequestState.FORM_SENT,
        permission="requests_app.work_request",
        custom={"label": _("Request more documents")},
    )
    def request_more_documents(self, by=None, description=None):
        pass

    @fsm_log_by
    @fsm_log_description
    @transition(
        field=state,
        source=RequestState.DOCUMENTS_RECEIVED,
        target=RequestState.VERIFIED,
        permission="requests_app.work_request",
        conditions=[has_identity_document],
        custom={"label": _("Verify identity")},
    )
    def verify_identity(self, by=None, description=None):
        pass

    @fsm_log_by
    @fsm_log_description
    @transition(
        field=state,
        source=RequestState.VERIFIED,
        target=RequestState.RESPONSE_DRAFTED,
        permission="requests_app.work_request",
        conditions=[has_corrections],
        custom={"label": _("Draft response")},
    )
    def draft_response(self, by=None, description=None):
        pass

    @fsm_log_by
    @fsm_log_description
    @transition(
        field=state,
        source=RequestState.RESPONSE_DRAFTED,
        target=RequestState.VERIFIED,
        permission="requests_app.work_request",
        custom={"label": _("Send back for rework")},
    )
    def send_back(self, by=None, description=None):
        pass

    @fsm_log_by
    @fsm_log_description
    @transition(
        field=state,
        source=RequestState.RESPONSE_DRAFTED,
        target=RequestState.RESPONDED,
        permission=_is_not_drafter,
        conditions=[fee_settled],
        custom={"label": _("Approve and send")},
    )
    def approve_and_send(self, by=None, description=None):
        pass

    @fsm_log_by
    @fsm_log_description
    @transition(
        field=state,
        source=RequestState.RESPONDED,
        target=RequestState.CLOSED,
        permission="requests_app.work_request",
        # A context: Django's own "Close" (a popup's close link) must keep its own Japanese.
        custom={"label": pgettext_lazy("request transition", "Close")},
    )
    def close(self, by=None, description=None):
        pass

    @fsm_log_by
    @fsm_log_description
    @transition(
        field=state,
        source=OPEN_STATES,
        target=RequestState.WITHDRAWN,
        permission="requests_app.work_request",
        custom={"label": _("Withdraw")},
    )
    def withdraw(self, by=None, description=None):
        pass

    @fsm_log_by
    @fsm_log_description
    @transition(
        field=state,
        source=[RequestState.INQUIRY, RequestState.FORM_SENT],
        target=RequestState.LAPSED,
        permission="requests_app.work_request",
        conditions=[lapse_period_passed],
        custom={"label": _("Lapse (no documents returned)")},
    )
    def lapse(self, by=None, description=None):
        pass


# What hangs off a request, and the letters with their drafts and alerts, live in their own
# modules (split by sub-domain); imported here, after the models they point at, so that Django
# registers them with the app and every `from requests_app.models import ...` keeps working. A
# real cycle: they import DisclosureRequest from this module.
from .models_letters import (  # noqa: E402, F401
    LETTER_LANGUAGES,
    DeadlineAlert,
    Letter,
    LetterDraft,
    LetterKind,
    LetterTemplate,
)
from .models_records import (  # noqa: E402, F401
    DOCUMENT_FORMATS,
    CorrectionItem,
    DeadlineExtension,
    DocumentViewing,
    IdentityDocument,
    RequestComment,
)
