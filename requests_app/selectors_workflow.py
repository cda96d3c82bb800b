"""Which workflow steps a user is offered on a request, and why the others are held back.

The request page draws its buttons from `request_workflow_actions`; the rules (state, role,
four eyes, each transition's conditions) are the services' own (`transition_blockers`), so a
button is offered exactly when its service would accept the step.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .models import DisclosureRequest
from .services.workflow import TRANSITION_SERVICES, transition_blockers, transition_label

# Reasons that hide a step instead of explaining it: not possible from this state, or not this
# user's role. The others (four eyes, a condition not met) are shown with their message.
HIDDEN_REASONS = frozenset({"not_allowed", "forbidden"})


@dataclass(frozen=True)
class WorkflowStep:
    name: str
    label: str


@dataclass(frozen=True)
class BlockedStep:
    name: str
    label: str
    reason: str


@dataclass(frozen=True)
class WorkflowActions:
    available: list[WorkflowStep] = field(default_factory=list)
    blocked: list[BlockedStep] = field(default_factory=list)


def request_workflow_actions(*, request: DisclosureRequest, user) -> WorkflowActions:
    """The steps `user` may take on `request` now, in workflow order, and the steps their role
    allows from this state but a rule holds back, each with the first reason."""
    if not (
        user.has_perm("requests_app.work_request") or user.has_perm("requests_app.approve_response")
    ):
        return WorkflowActions()
    actions = WorkflowActions()
    for name in TRANSITION_SERVICES:
        reasons = transition_blockers(request, name, user)
        label = transition_label(name)
        if not reasons:
            actions.available.append(WorkflowStep(name=name, label=label))
        elif reasons[0].code not in HIDDEN_REASONS:
            actions.blocked.append(
                BlockedStep(name=name, label=label, reason=reasons[0].messages[0])
            )
    return actions
