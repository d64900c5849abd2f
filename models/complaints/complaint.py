"""The complaint record (客户投诉处理单): numbered at once, owned by whoever takes it (首问负责制),
due by the clock, closed only when the customer's satisfaction is recorded (回访).

registered -acknowledge-> acknowledged -investigate-> investigating -resolve-> resolved
-follow_up(satisfied)-> closed; -follow_up(not satisfied)-> investigating again.
Any open state: hand_over / reassign (a new owner), note, add_call (the customer called
again); void (a duplicate, with a reason). Nothing is deleted.
"""

import datetime

from peewee import JOIN, BooleanField, CharField, DateTimeField, ForeignKeyField, IntegerField, TextField, fn

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
from models.core import (
    N_,
    BaseModel,
    Event,
    Label,
    RuleError,
    StatefulModel,
    Transition,
    User,
    can,
    db,
    next_number,
    now,
    require,
    today,
)
from models.core.prepared import Prepared
from models.customers import Customer, phone_digits
from models.service import Job

TRANSITIONS = {
    "acknowledge": Transition(("registered",), "acknowledged", "complaint.handle", N_("Customer contacted")),
    "investigate": Transition(
        ("acknowledged",), "investigating", "complaint.handle", N_("Start investigating")
    ),
    "resolve": Transition(("investigating",), "resolved", "complaint.handle", N_("Resolve")),
    "close": Transition(("resolved",), "closed", "complaint.handle", N_("Customer satisfied: close")),
    "reopen": Transition(("resolved",), "investigating", "complaint.handle", N_("Not satisfied: reopen")),
    "hand_over": Transition(OPEN_STATES, None, "complaint.handle", N_("Hand over")),
    "reassign": Transition(OPEN_STATES, None, "complaint.reassign", N_("Take over or reassign")),
    "note": Transition(OPEN_STATES, None, "complaint.handle", N_("Add a note")),
    "add_call": Transition(OPEN_STATES, None, "complaint.record", N_("The customer called again")),
    "void": Transition(OPEN_STATES, "void", "complaint.handle", N_("Void")),
}
MAX_TEXT = 4000
# The questions every board view and live poll asks (see Complaint.overdue_ones), built once
_PREPARED: dict = {}


def _text(value, field, message, limit=MAX_TEXT):
    value = (value or "").strip()
    if not value:
        raise RuleError(message, field=field)
    return value[:limit]


class Complaint(StatefulModel):
    subject = "complaint"
    STATES = STATES
    TRANSITIONS = TRANSITIONS

    number = CharField(max_length=20, unique=True)
    year = IntegerField()
    seq = IntegerField()
    state = CharField(max_length=20, default="registered", index=True)
    channel = CharField(max_length=12, default="phone")
    severity = CharField(max_length=10, default="normal")

    # Who complains: a customer on file, or a caller not on file yet (name and phone kept here).
    customer = ForeignKeyField(Customer, null=True, backref="complaints")
    caller_name = CharField(max_length=100, default="")
    caller_phone = CharField(max_length=40, default="")
    said = TextField()  # what the customer says, in their words

    # What it concerns: vouchers (ComplaintJob) and the technician.
    technician = ForeignKeyField(User, null=True, backref="+", lazy_load=False)

    # First contact owns it until it is handed over (首问负责制).
    owner = ForeignKeyField(User, backref="+", lazy_load=False)
    registered_by = ForeignKeyField(User, backref="+", lazy_load=False)
    registered_at = DateTimeField(default=now)
    acknowledge_due = DateTimeField()
    resolve_due = DateTimeField(index=True)

    acknowledged_at = DateTimeField(null=True)
    contact_way = CharField(max_length=10, default="")
    investigated_at = DateTimeField(null=True)
    cause = CharField(max_length=12, default="")
    resolved_at = DateTimeField(null=True)
    resolved_by = ForeignKeyField(User, null=True, backref="+", lazy_load=False)
    resolution = TextField(default="")  # what was done
    told_customer = TextField(default="")  # what the customer was told
    told_how = CharField(max_length=10, default="")
    satisfied = BooleanField(null=True)
    satisfaction_note = TextField(default="")
    followed_up_at = DateTimeField(null=True)
    reopened = IntegerField(default=0)
    closed_at = DateTimeField(null=True)
    voided_at = DateTimeField(null=True)
    void_reason = TextField(default="")
    search_text = TextField(default="")

    class Meta:
        table_name = "complaint"
        indexes = (
            (("owner", "state"), False),
            (("technician", "state"), False),
            (("customer", "state"), False),
        )

    # ---- what it is ---------------------------------------------------------------------

    @property
    def who(self):
        """The complaining customer's name as the complaint knows it."""
        return self.caller_name

    @property
    def severity_label(self):
        return SEVERITIES.get(self.severity, self.severity)

    @property
    def channel_label(self):
        return CHANNELS.get(self.channel, self.channel)

    @property
    def cause_label(self):
        return CAUSES.get(self.cause, "")

    @property
    def is_open(self):
        return self.state in OPEN_STATES

    def owned_by(self, user, permission=None):
        """The owner handles it; a reader may also read what they recorded and, once it is
        resolved, a complaint about them (奖惩 evidence is no secret to the person)."""
        if user is None:
            return False
        if permission == "complaint.view":
            return user.id in (self.owner_id, self.registered_by_id) or (
                self.technician_id == user.id and self.state in ("resolved", "closed")
            )
        return self.owner_id == user.id

    @classmethod
    def owned_where(cls, user, permission=None):
        if permission == "complaint.view":
            return (
                (cls.owner == user.id)
                | (cls.registered_by == user.id)
                | ((cls.technician == user.id) & cls.state.in_(("resolved", "closed")))
            )
        return cls.owner == user.id

    def not_yours_message(self):
        return N_("This complaint is handled by its owner; ask them to hand it over.")

    def overdue(self, at=None):
        """(which deadline, how long past it) when an open complaint is overdue, else None."""
        at = at or now()
        if self.state == "registered" and at > self.acknowledge_due:
            return "acknowledge", at - self.acknowledge_due
        if self.state in UNRESOLVED_STATES and at > self.resolve_due:
            return "resolve", at - self.resolve_due
        return None

    def deadline_met(self, which):
        """True / False once the step was taken (in time or late), None while it is open."""
        done = self.acknowledged_at if which == "acknowledge" else self.resolved_at
        due = self.acknowledge_due if which == "acknowledge" else self.resolve_due
        return None if done is None else done <= due

    def index_text(self):
        parts = (self.number, self.caller_name, phone_digits(self.caller_phone), self.said[:200])
        self.search_text = " ".join(p.lower() for p in parts if p)

    def on_save(self):
        self.index_text()

    def jobs(self):
        return list(
            Job.select(Job.id, Job.number, Job.register_day, Job.technician, Job.state, Job.fault)
            .join(ComplaintJob, on=(ComplaintJob.job == Job.id))
            .where(ComplaintJob.complaint == self.id)
            .order_by(Job.id)
        )

    # ---- intake -------------------------------------------------------------------------

    @classmethod
    def record(
        cls,
        by,
        *,
        said,
        severity="normal",
        channel="phone",
        customer=None,
        caller_name="",
        caller_phone="",
        jobs=(),
        technician=None,
    ):
        """Take a complaint: numbered at once, owned by whoever took it, due by the clock."""
        require(by, "complaint.record")
        said = _text(said, "said", N_("Write down what the customer says."))
        if severity not in SEVERITIES:
            raise RuleError(N_("Choose the severity."), field="severity")
        if channel not in CHANNELS:
            raise RuleError(N_("Choose how the complaint came in."), field="channel")
        caller_name = (caller_name or "").strip()[:100] or (customer.name if customer else "")
        caller_phone = (caller_phone or "").strip()[:40] or (customer.first_phone if customer else "")
        if not caller_name:
            raise RuleError(N_("Find the customer, or write down the caller's name."), field="caller_name")
        if customer is None and len(phone_digits(caller_phone)) < 5:
            raise RuleError(
                N_("A caller not on file needs a phone number to call back."), field="caller_phone"
            )
        picked = list(Job.select().where(Job.id.in_([int(j) for j in jobs]))) if jobs else []
        if customer is not None and any(j.customer_id != customer.id for j in picked):
            raise RuleError(N_("Pick only this customer's vouchers."), field="jobs")
        if technician is None:
            techs = {j.technician_id for j in picked if j.technician_id}
            technician = User.get_by_id(techs.pop()) if len(techs) == 1 else None
        elif technician.role != "technician":
            raise RuleError(N_("Choose a technician."), field="technician")
        at = now()
        ack_due, resolve_due = WorkCalendar().deadlines(severity, at)
        with db.atomic():
            number = next_number("TS", today().year)
            complaint = cls(
                number=number.text,
                year=number.year,
                seq=number.seq,
                channel=channel,
                severity=severity,
                customer=customer,
                caller_name=caller_name,
                caller_phone=caller_phone,
                said=said,
                technician=technician.id if technician else None,
                owner=by.id,
                registered_by=by.id,
                registered_at=at,
                acknowledge_due=ack_due,
                resolve_due=resolve_due,
                updated_at=at,
            )
            complaint.index_text()
            complaint.save(force_insert=True)
            for job in picked:
                ComplaintJob.create(complaint=complaint, job=job)
            Event.record(
                by,
                complaint,
                "record",
                to_state="registered",
                note=said[:200],
                data={"severity": severity, "jobs": [j.number for j in picked]},
            )
        return complaint

    # ---- handling -----------------------------------------------------------------------

    def acknowledge(self, by, way, note="", version=None):
        """The customer was contacted: how, and what was said."""
        if way not in CONTACT_WAYS:
            raise RuleError(N_("Say how the customer was contacted."), field="way")
        return self.apply(
            "acknowledge",
            by,
            version,
            note=(note or "").strip()[:MAX_TEXT],
            data={"way": way},
            acknowledged_at=now(),
            contact_way=way,
        )

    def investigate(self, by, note="", cause="", version=None):
        if cause and cause not in CAUSES:
            raise RuleError(N_("Choose the cause."), field="cause")
        changes = {"investigated_at": now()}
        if cause:
            changes["cause"] = cause
        return self.apply("investigate", by, version, note=(note or "").strip()[:MAX_TEXT], **changes)

    def resolve(self, by, cause, resolution, told, how, version=None):
        """What was done, what the customer was told, how; the cause classified."""
        if cause not in CAUSES:
            raise RuleError(N_("Choose the cause."), field="cause")
        resolution = _text(resolution, "resolution", N_("Write down what was done."))
        told = _text(told, "told_customer", N_("Write down what the customer was told."))
        if how not in CONTACT_WAYS:
            raise RuleError(N_("Say how the customer was told."), field="told_how")
        return self.apply(
            "resolve",
            by,
            version,
            note=resolution[:200],
            data={"cause": cause},
            cause=cause,
            resolution=resolution,
            told_customer=told,
            told_how=how,
            resolved_at=now(),
            resolved_by=by.id,
        )

    def follow_up(self, by, satisfied, note="", version=None):
        """回访: the customer's verdict on the resolution. Satisfied closes it; not satisfied
        reopens the investigation. Nothing else closes a complaint."""
        if satisfied not in (True, False):
            raise RuleError(N_("Record whether the customer is satisfied."), field="satisfied")
        note = (note or "").strip()[:MAX_TEXT]
        if not satisfied and not note:
            raise RuleError(N_("Write down what the customer is not satisfied with."), field="note")
        changes = {"satisfied": satisfied, "satisfaction_note": note, "followed_up_at": now()}
        if satisfied:
            return self.apply("close", by, version, note=note, closed_at=now(), **changes)
        return self.apply("reopen", by, version, note=note, reopened=self.reopened + 1, **changes)

    def before(self, action, current, changes):
        if action == "close" and changes.get("satisfied") is not True:
            raise RuleError(N_("A complaint closes only when the customer's satisfaction is recorded."))
        if action == "reopen":
            changes["reopened"] = current.reopened + 1

    def hand_over(self, by, to, reason, version=None):
        """Hand the complaint to a named colleague, with the reason; they own it from now on."""
        return self._new_owner("hand_over", by, to, reason, version)

    def reassign(self, by, to, reason, version=None):
        """The manager takes the complaint over (to themselves) or gives it to someone else."""
        return self._new_owner("reassign", by, to, reason, version)

    def _new_owner(self, action, by, to, reason, version):
        if to is None or not to.active:
            raise RuleError(N_("Choose an active colleague."), field="to")
        if not can(to, "complaint.handle"):
            raise RuleError(N_("%(name)s may not handle complaints."), field="to", name=to.full_name)
        if to.id == self.owner_id:
            raise RuleError(N_("%(name)s already owns this complaint."), field="to", name=to.full_name)
        reason = _text(reason, "reason", N_("Give the reason for the handover."), 300)
        data = {"from_owner": self.owner_id, "to_owner": to.id}
        return self.apply(action, by, version, note=reason, data=data, owner=to.id)

    def add_note(self, by, text, version=None):
        return self.apply("note", by, version, note=_text(text, "note", N_("Write the note.")))

    def add_call(self, by, said, version=None):
        """The customer called again about this complaint: what they said now."""
        return self.apply(
            "add_call", by, version, note=_text(said, "said", N_("Write down what the customer says."))
        )

    def void(self, by, reason, version=None):
        """A duplicate or a mistake: voided with a reason, never deleted."""
        reason = _text(reason, "reason", N_("Give the reason for voiding."), 300)
        return self.apply("void", by, version, note=reason, voided_at=now(), void_reason=reason)

    def conflict_message(self, action, who, last_event):
        return (
            N_(
                "Complaint %(number)s was changed by %(who)s meanwhile (now: %(state)s). Check and try again."
            ),
            {"number": self.number, "who": who, "state": Label(STATES[self.state])},
        )

    # ---- lists --------------------------------------------------------------------------

    @classmethod
    def with_people(cls):
        """Complaints with their owner, recorder and technician joined (one query a list)."""
        owner, recorder, tech = User.alias("owner"), User.alias("recorder"), User.alias("tech")
        return (
            cls.select(cls, owner, recorder, tech)
            .join(owner, on=(cls.owner == owner.id), attr="owner_user")
            .switch(cls)
            .join(recorder, on=(cls.registered_by == recorder.id), attr="recorder")
            .switch(cls)
            .join(tech, join_type=JOIN.LEFT_OUTER, on=(cls.technician == tech.id), attr="tech")
        )

    @classmethod
    def open_ones(cls):
        return cls.state.in_(OPEN_STATES)

    @classmethod
    def overdue_where(cls, at=None):
        at = at or now()
        return ((cls.state == "registered") & (cls.acknowledge_due < at)) | (
            cls.state.in_(UNRESOLVED_STATES) & (cls.resolve_due < at)
        )

    @classmethod
    def _prepared(cls, name, build, slots):
        found = _PREPARED.get(name)
        if found is None:
            found = _PREPARED[name] = Prepared(build, slots)
        return found

    @classmethod
    def overdue_ones(cls, at=None, limit=50):
        """Overdue open complaints, the longest overdue first (the board asks on every view)."""
        at = at or now()
        query = cls._prepared(
            ("overdue", limit),
            lambda ack, res: (
                cls.with_people()
                .where(
                    ((cls.state == "registered") & (cls.acknowledge_due < ack))
                    | (cls.state.in_(UNRESOLVED_STATES) & (cls.resolve_due < res))
                )
                .order_by(cls.resolve_due, cls.id)
                .limit(limit)
            ),
            2,
        )
        return sorted(query.rows(at, at), key=lambda c: -c.overdue(at)[1])

    @classmethod
    def next_deadline(cls, at=None):
        """The next moment an open complaint becomes overdue (for live pages), or None."""
        at = at or now()
        ack = cls._prepared(
            "next_ack",
            lambda after: (
                cls.select(fn.MIN(cls.acknowledge_due))
                .where(cls.state == "registered", cls.acknowledge_due > after)
                .tuples()
            ),
            1,
        )
        res = cls._prepared(
            "next_res",
            lambda after: (
                cls.select(fn.MIN(cls.resolve_due))
                .where(cls.state.in_(UNRESOLVED_STATES), cls.resolve_due > after)
                .tuples()
            ),
            1,
        )
        times = [t for t in (ack.first(at)[0], res.first(at)[0]) if t is not None]
        return min(times) if times else None

    @classmethod
    def open_for_customer(cls, customer):
        if customer is None:
            return []
        return list(cls.select().where(cls.customer == customer.id, cls.open_ones()).order_by(cls.id))

    @classmethod
    def search(cls, query, text):
        text = (text or "").strip().lower()
        if not text:
            return query
        digits = phone_digits(text)
        match = cls.search_text.contains(text)
        if len(digits) >= 3 and digits != text:
            match |= cls.search_text.contains(digits)
        return query.where(match)

    @classmethod
    def about(cls, technician):
        """Every complaint that concerns a technician, newest first (their staff record)."""
        return cls.with_people().where(cls.technician == technician.id).order_by(cls.registered_at.desc())

    @classmethod
    def count_open_owned(cls, user):
        return cls.select().where(cls.owner == user.id, cls.open_ones()).count()


class ComplaintJob(BaseModel):
    """A voucher a complaint concerns."""

    complaint = ForeignKeyField(Complaint, backref="job_links", on_delete="CASCADE")
    job = ForeignKeyField(Job, backref="+")

    class Meta:
        table_name = "complaint_job"
        indexes = ((("complaint", "job"), True),)


def span_minutes(delta):
    return int(delta.total_seconds() // 60) if isinstance(delta, datetime.timedelta) else None
