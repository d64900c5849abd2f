"""What a call adds to a job already registered: a chaser (催修) when the customer calls again
about an open job, and the appointment agreed with the customer."""

from models.core import N_, Event, RuleError, db
from models.service.appointments import SLOT_ORDER, SLOT_SHORT, SLOTS, Appointment, Chaser
from models.service.job import Job
from models.service.labels import EVENT_WORDS, OPEN_STATES

__all__ = [
    "SLOTS",
    "SLOT_ORDER",
    "SLOT_SHORT",
    "Appointment",
    "Chaser",
    "last_service",
    "open_jobs_of",
    "register_call",
]

EVENT_WORDS.update(
    {
        "duplicate": N_("registered although %(open)s was still open"),
    }
)


def open_jobs_of(equipment, customer=None):
    """Open jobs on this equipment, or without equipment the customer's open jobs that name no
    equipment, newest first: what a clerk must see before registering a call again."""
    if equipment is not None:
        where = Job.equipment == equipment.id
    elif customer is not None:
        where = (Job.customer == customer.id) & Job.equipment.is_null()
    else:
        return []
    return list(Job.with_people().where(where, Job.state.in_(OPEN_STATES)).order_by(Job.id.desc()))


def register_call(by, *, duplicate_reason="", appointment=None, **fields):
    """Register a call (Art. 7) unless its equipment already has an open job: then the call is a
    chaser on that job, and a second job needs a reason. ``appointment``: (day, slot, agreed)."""
    existing = open_jobs_of(fields.get("equipment"), fields.get("customer"))
    reason = (duplicate_reason or "").strip()[:300]
    if existing and not reason:
        raise RuleError(
            N_(
                "%(number)s is still open for this equipment: add this call to it, "
                "or give the reason for a second job."
            ),
            field="duplicate_reason",
            number=existing[0].number,
        )
    with db.atomic():
        job = Job.register(by, **fields)
        if existing:
            Event.record(
                by, job, "duplicate", note=reason, data={"open": ", ".join(j.number for j in existing)}
            )
        if appointment is not None and appointment[0] is not None:
            Appointment.set(by, job, appointment[0], appointment[1], agreed=appointment[2])
    return job


def last_service(equipment):
    """The last finished job on this equipment (date, work, technician), or None."""
    if equipment is None:
        return None
    return (
        Job.with_people()
        .where(Job.equipment == equipment.id, Job.state.in_(("done", "countersigned", "filed")))
        .order_by(Job.finished_at.desc())
        .first()
    )
