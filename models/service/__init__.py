"""The service spine (Art. 6–11): the register line and voucher of each job, its dispatch,
on-site work, signatures, countersign and filing, the daily reconciliation."""

from models.core import N_, Subject, User, register_guard, register_subject
from models.service.ageing import AGEING, waiting_since
from models.service.calls import (
    SLOT_SHORT,
    SLOTS,
    Appointment,
    Chaser,
    last_service,
    open_jobs_of,
    register_call,
)
from models.service.job import TRANSITIONS, Job, PartLine
from models.service.labels import (
    ACTIVE_STATES,
    AMENDABLE,
    CHANNELS,
    EVENT_WORDS,
    IN_HAND_STATES,
    OPEN_STATES,
    SERVICE_TYPES,
    SIGNATURE_KINDS,
    STATES,
    event_phrase,
)
from models.service.reconcile import reconciliation
from models.service.stats import DayStat, MonthStat

MODELS = [Job, PartLine, Chaser, Appointment, DayStat, MonthStat]


def _numbers(ids):
    return {row.id: row.number for row in Job.select(Job.id, Job.number).where(Job.id.in_(list(ids)))}


register_subject(
    Subject(
        "job",
        N_("Service voucher"),
        states=STATES,
        actions=EVENT_WORDS,
        fields=AMENDABLE,
        people=("technician", "from_technician"),
        reader="job.view",
        titles=_numbers,
        phrase=event_phrase,
    )
)


register_subject(
    Subject(
        "chaser",
        N_("Chaser call (催修)"),
        actions={"chase": N_("the customer called again")},
        reader="job.view",
    )
)
register_subject(
    Subject(
        "appointment", N_("Appointment"), actions={"set": N_("agreed the appointment")}, reader="job.view"
    )
)


@register_guard
def _jobs_in_hand(user: User):
    n = Job.count_in_hand(user)
    if n:
        return N_("%(name)s still has %(n)s jobs in hand: re-dispatch them first."), {"n": n}
    return None


__all__ = [
    "AGEING",
    "SLOTS",
    "SLOT_SHORT",
    "Appointment",
    "Chaser",
    "ACTIVE_STATES",
    "AMENDABLE",
    "CHANNELS",
    "IN_HAND_STATES",
    "MODELS",
    "OPEN_STATES",
    "SERVICE_TYPES",
    "SIGNATURE_KINDS",
    "STATES",
    "TRANSITIONS",
    "Job",
    "PartLine",
    "last_service",
    "open_jobs_of",
    "reconciliation",
    "register_call",
    "waiting_since",
]
