"""The request's summary header: the file's cover sheet, read before its details (a selector).

What a privacy officer looks for first when opening a request: who asks (and through whom),
for which right, when it must be answered and how many days are left, what the next step is and
who may take it, which documents came in and which letters went out; for a case of several
rights (issue 13) the case's one due date and its rights. Three queries (the case's documents,
its letters, its rights) beyond the request and its people, whatever its history. The page
shows it through its own include, templates/admin/requests_app/disclosurerequest/_summary.html,
whose only context is this Summary.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .cases import case_identity_documents
from .models import OPEN_STATES, DisclosureRequest, Letter, RequestState, RequestType
from .selectors import staff_name
from .services.workflow import transition_label

# The main path: the step that moves the request on from each state.
NEXT_STEP = {
    RequestState.INQUIRY: "send_form",
    RequestState.FORM_SENT: "receive_documents",
    RequestState.DOCUMENTS_RECEIVED: "verify_identity",
    RequestState.VERIFIED: "draft_response",
    RequestState.RESPONSE_DRAFTED: "approve_and_send",
    RequestState.RESPONDED: "close",
}
WHO_WORKS = _("privacy staff or a privacy manager")
WHO_APPROVES = _("a privacy manager other than the drafter (%(drafter)s)")


@dataclass(frozen=True)
class Summary:
    reference: str
    state: str  # its label, shown where no step is next (a closed request)
    requester: str
    agent: str
    right: str
    customer: str
    received_on: date | None
    due_date: date | None
    days_left: int | None  # negative: overdue by that many days
    clock_running: bool
    next_step: str
    next_step_by: str
    documents: list[str] = field(default_factory=list)
    letters: list[str] = field(default_factory=list)
    # The case (issue 13): its reference, its one due date (the earliest of its open rights)
    # and its rights ("type reference: state"), shown when the case has more than this right.
    case_reference: str = ""
    case_due_date: date | None = None
    case_rights: list[str] = field(default_factory=list)

    @property
    def overdue_days(self) -> int:
        return -self.days_left if self.days_left is not None and self.days_left < 0 else 0


def request_summary(*, request: DisclosureRequest, today: date | None = None) -> Summary:
    today = today or timezone.localdate()
    clock_running = request.state in RequestState.clock_running_states()
    days_left = (request.due_date - today).days if request.due_date and clock_running else None
    step = NEXT_STEP.get(request.state, "")
    if step == "approve_and_send":
        drafter = staff_name(request.drafted_by) if request.drafted_by_id else "—"
        who = WHO_APPROVES % {"drafter": drafter}
    else:
        who = str(WHO_WORKS) if step else ""
    if request.customer_id:
        customer = str(request.customer)
    elif request.no_data_held:
        customer = gettext("no data held")
    else:
        customer = gettext("not yet verified")
    agent = ""
    if request.agent_type:
        agent = f"{request.agent_name} ({request.get_agent_type_display()})"
    # One set of documents per case: the ones uploaded on another right of it say which.
    documents = [
        document.get_document_type_display()
        + (gettext(" (agent's)") if document.for_agent else "")
        + (f" ({document.request.reference})" if document.request_id != request.pk else "")
        for document in case_identity_documents(request.case_id)
    ]
    rights = list(
        DisclosureRequest.objects.filter(case_id=request.case_id)
        .order_by("pk")
        .values_list("reference", "request_type", "state", "due_date", "case__reference")
    )
    open_dues = [due for _r, _t, state, due, _c in rights if state in OPEN_STATES and due]
    case_rights = (
        [
            f"{_choice(RequestType, rtype)} {reference}: {_choice(RequestState, state)}"
            for reference, rtype, state, _due, _case in rights
        ]
        if len(rights) > 1
        else []
    )
    # The case's letters: its one response letter may hang on another right of it.
    letters = [
        f"{letter.get_kind_display()} ({letter.get_status_display()})"
        + (
            f" ({letter.request.reference})"
            if letter.request and letter.request_id != request.pk
            else ""
        )
        for letter in Letter.objects.filter(request__case_id=request.case_id)
        .select_related("request")
        .order_by("created_at", "pk")
    ]
    return Summary(
        reference=request.reference,
        state=request.get_state_display(),
        requester=request.requester_name,
        agent=agent,
        right=request.get_request_type_display(),
        customer=customer,
        received_on=timezone.localtime(request.received_at).date() if request.received_at else None,
        due_date=request.due_date,
        days_left=days_left,
        clock_running=clock_running,
        next_step=transition_label(step) if step else "",
        next_step_by=who,
        documents=documents,
        letters=letters,
        case_reference=rights[0][4] if rights else "",
        case_due_date=min(open_dues) if open_dues else None,
        case_rights=case_rights,
    )


def _choice(choices, value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value
