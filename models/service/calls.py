"""What a call adds to a job already registered: a chaser (催修) when the customer calls again
about an open job, and the appointment agreed with the customer."""

import datetime

from peewee import CharField, DateField, DateTimeField, ForeignKeyField, TextField, fn

from models.core import N_, BaseModel, Event, RuleError, User, db, now, require, today
from models.service.job import Job
from models.service.labels import EVENT_WORDS, OPEN_STATES

SLOT_ORDER = ("morning", "afternoon", "evening", "any")
SLOT_SHORT = {"morning": N_("am"), "afternoon": N_("pm"), "evening": N_("evening"), "any": ""}
SLOTS = {
    "morning": N_("Morning (9–12)"),
    "afternoon": N_("Afternoon (13–17)"),
    "evening": N_("Evening (17–20)"),
    "any": N_("Any time that day"),
}


class Chaser(BaseModel):
    """The customer called again about an open job (催修): when, and what they said."""

    subject = "chaser"

    job = ForeignKeyField(Job, backref="+", index=True)
    at = DateTimeField(default=now)
    said = TextField()
    by = ForeignKeyField(User, backref="+", lazy_load=False)

    class Meta:
        table_name = "chaser"

    @classmethod
    def add(cls, by, job, said):
        require(by, "intake.register")
        said = (said or "").strip()[:2000]
        if not said:
            raise RuleError(N_("Write down what the customer said."), field="fault")
        if job.state not in OPEN_STATES:
            raise RuleError(
                N_("Voucher %(number)s is closed: register a new call instead."), number=job.number
            )
        with db.atomic():
            chaser = cls.create(job=job.id, said=said, by=by.id)
            Event.record(by, chaser, "chase", note=said[:200], data={"job": job.number})
        return chaser

    @classmethod
    def counts(cls, job_ids):
        """{job id: number of chasers} in one grouped query (board cards flag them)."""
        if not job_ids:
            return {}
        rows = (
            cls.select(cls.job, fn.COUNT(cls.id)).where(cls.job.in_(list(job_ids))).group_by(cls.job).tuples()
        )
        return dict(rows)

    @classmethod
    def of(cls, job):
        return list(
            cls.select(cls, User.full_name.alias("by_name"))
            .join(User, on=(cls.by == User.id))
            .where(cls.job == job.id)
            .order_by(cls.id)
            .objects()
        )


class Appointment(BaseModel):
    """The day and time slot agreed with the customer (or the customer's preference)."""

    subject = "appointment"

    job = ForeignKeyField(Job, unique=True, backref="+")
    day = DateField(index=True)
    slot = CharField(max_length=10, default="any")
    agreed = CharField(max_length=10, default="agreed")  # agreed | preferred
    note = CharField(max_length=200, default="")
    by = ForeignKeyField(User, backref="+", lazy_load=False)
    at = DateTimeField(default=now)

    class Meta:
        table_name = "appointment"

    @property
    def slot_label(self):
        return SLOTS.get(self.slot, self.slot)

    @classmethod
    def set(cls, by, job, day, slot="any", agreed=True, note=""):
        """Agree (or note the customer's preference for) a day and slot; a change is an event."""
        require(by, "intake.register")
        if not isinstance(day, datetime.date):
            raise RuleError(N_("Enter the day of the appointment."), field="appointment_day")
        if day < today() or day > today() + datetime.timedelta(days=365):
            raise RuleError(
                N_("The appointment must be from today to a year ahead."), field="appointment_day"
            )
        if slot not in SLOTS:
            raise RuleError(N_("Choose the time of day."), field="appointment_slot")
        with db.atomic():
            found = cls.get_or_none(cls.job == job.id)
            values = {
                "day": day,
                "slot": slot,
                "agreed": "agreed" if agreed else "preferred",
                "note": (note or "").strip()[:200],
                "by": by.id,
                "at": now(),
            }
            if found is None:
                found = cls.create(job=job.id, **values)
                old = None
            else:
                old = [found.day.isoformat(), found.slot]
                cls.update(**values).where(cls.id == found.id).execute()
            Event.record(by, found, "set", note=job.number, data={"from": old, "to": [day.isoformat(), slot]})
        return cls.get_by_id(found.id)

    @classmethod
    def for_jobs(cls, job_ids):
        if not job_ids:
            return {}
        return {a.job_id: a for a in cls.select().where(cls.job.in_(list(job_ids)))}


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
