"""The appointment agreed with the customer and the calls made again about an open job
(催修). Their job is a deferred reference: the job's own queries (the board, the technician's
list) join them, so this module cannot import the job's."""

import datetime

from peewee import CharField, DateField, DateTimeField, DeferredForeignKey, ForeignKeyField, TextField, fn

from models.core import N_, BaseModel, Event, RuleError, User, db, now, require, today
from models.core.prepared import Prepared, as_is, where_id
from models.service.labels import OPEN_STATES

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

    job = DeferredForeignKey("Job", backref="+", index=True)
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
        """The job's chaser calls, oldest first (their SQL built once)."""
        return list(_CHASERS.rows(job.id))

    @classmethod
    def _of(cls, mark):
        return (
            cls.select(cls, User.full_name.alias("by_name"))
            .join(User, on=(cls.by == User.id))
            .where(cls.job == as_is(mark))
            .order_by(cls.id)
            .objects()
        )


class Appointment(BaseModel):
    """The day and time slot agreed with the customer (or the customer's preference)."""

    subject = "appointment"

    job = DeferredForeignKey("Job", unique=True, backref="+")
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
    def of(cls, job):
        """The job's appointment, or None (its SQL built once)."""
        return _APPOINTMENT.first(job.id)

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


_CHASERS = Prepared(Chaser._of, slots=1)
_APPOINTMENT = where_id(Appointment, "job")
