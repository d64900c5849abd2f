"""Complaint management (客户投诉管理, section 四; Art. 1, 2): complaints from any channel,
numbered at once, owned by the first contact, due by the clock, closed when the customer is
satisfied, and every complaint kept as evidence in the technician's record."""

from models.complaints.complaint import TRANSITIONS, Complaint, ComplaintJob, span_minutes
from models.complaints.deadlines import WorkCalendar
from models.complaints.labels import (
    CAUSES,
    CHANNELS,
    CONTACT_WAYS,
    OPEN_STATES,
    SEVERITIES,
    STATES,
    UNRESOLVED_STATES,
)
from models.core import N_, Label, Subject, register_guard, register_subject

MODELS = [Complaint, ComplaintJob]


def _phrase(event):
    data = event.data if isinstance(event.data, dict) else {}
    if event.action == "record" and data.get("severity"):
        return N_("recorded the complaint (%(severity)s)"), {
            "severity": Label(SEVERITIES.get(data["severity"], data["severity"]))
        }
    if event.action == "acknowledge" and data.get("way"):
        return N_("contacted the customer (%(way)s)"), {
            "way": Label(CONTACT_WAYS.get(data["way"], data["way"]))
        }
    if event.action == "resolve" and data.get("cause"):
        return N_("resolved the complaint (cause: %(cause)s)"), {
            "cause": Label(CAUSES.get(data["cause"], ""))
        }
    return None


register_subject(
    Subject(
        "complaint",
        N_("Complaint"),
        states=STATES,
        actions={
            "record": N_("recorded the complaint"),
            "acknowledge": N_("contacted the customer"),
            "investigate": N_("started the investigation"),
            "resolve": N_("resolved the complaint"),
            "close": N_("closed it: the customer is satisfied"),
            "reopen": N_("reopened it: the customer is not satisfied"),
            "hand_over": N_("handed it over %(from_owner)s → %(to_owner)s"),
            "reassign": N_("reassigned it %(from_owner)s → %(to_owner)s"),
            "note": N_("added a note"),
            "add_call": N_("recorded another call from the customer"),
            "void": N_("voided the complaint"),
        },
        people=("from_owner", "to_owner"),
        reader="complaint.view",
        titles=lambda ids: {
            c.id: c.number
            for c in Complaint.select(Complaint.id, Complaint.number).where(Complaint.id.in_(list(ids)))
        },
        phrase=_phrase,
    )
)


@register_guard
def _complaints_owned(user):
    n = Complaint.count_open_owned(user)
    if n:
        return N_("%(name)s still owns %(n)s open complaints: hand them over first."), {"n": n}
    return None


__all__ = [
    "CAUSES",
    "CHANNELS",
    "CONTACT_WAYS",
    "MODELS",
    "OPEN_STATES",
    "SEVERITIES",
    "STATES",
    "TRANSITIONS",
    "UNRESOLVED_STATES",
    "Complaint",
    "ComplaintJob",
    "WorkCalendar",
    "span_minutes",
]
