"""incidents_app models, split by sub-domain: leak incidents, and entrustee supervision."""

from .entrustee import (
    CheckAnswer,
    CheckEvidence,
    CheckQuestion,
    ControlCategory,
    Entrustee,
    SupervisionCheck,
)
from .incident import (
    AffectedCategory,
    AffectedPerson,
    Authority,
    ClockKind,
    Incident,
    IncidentAlert,
    IncidentClockRule,
    IncidentCounter,
    IncidentKind,
    IncidentReport,
    IncidentState,
    NoticeMethod,
    ReportChannel,
    ReportStage,
)

__all__ = [
    "AffectedCategory",
    "AffectedPerson",
    "Authority",
    "CheckAnswer",
    "CheckEvidence",
    "CheckQuestion",
    "ClockKind",
    "ControlCategory",
    "Entrustee",
    "Incident",
    "IncidentAlert",
    "IncidentClockRule",
    "IncidentCounter",
    "IncidentKind",
    "IncidentReport",
    "IncidentState",
    "NoticeMethod",
    "ReportChannel",
    "ReportStage",
    "SupervisionCheck",
]
