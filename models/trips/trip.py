"""The out-of-town application (异地服务申请单, Art. 12): applied before departure, approved by
the manager; afterwards the actual costs (差旅费 by kind, with receipts, and 补贴费 days),
approved and booked to the service cost (服务成本) of the trip's jobs, split to the fen."""

import datetime

from peewee import JOIN, CharField, DateField, DateTimeField, ForeignKeyField, IntegerField, TextField, fn

from models.core import (
    N_,
    BaseModel,
    Event,
    FenField,
    Label,
    RuleError,
    Setting,
    StatefulModel,
    Transition,
    User,
    db,
    next_number,
    now,
    require,
    today,
)
from models.core.prepared import Prepared, as_is
from models.service import Job
from models.trips.labels import COST_KINDS, OPEN_STATES, STATES, TRANSPORT

MAX_FEN = 1_000_000_00
TRANSITIONS = {
    "approve": Transition(("applied",), "approved", "trip.approve", N_("Approve")),
    "reject": Transition(("applied",), "rejected", "trip.approve", N_("Reject")),
    "enter_costs": Transition(
        ("approved", "costs_entered"), "costs_entered", "trip.apply", N_("Enter the costs")
    ),
    "approve_costs": Transition(("costs_entered",), "booked", "trip.approve", N_("Approve the costs")),
    "return_costs": Transition(("costs_entered",), "approved", "trip.approve", N_("Send the costs back")),
    "cancel": Transition(("applied", "approved"), "cancelled", "trip.apply", N_("Cancel")),
}


def _fen(value, field):
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_FEN:
        raise RuleError(N_("Enter an amount from 0 to 1,000,000 yuan."), field=field)
    return value


def _days(value, field):
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 366:
        raise RuleError(N_("Enter a number of days from 0 to 366."), field=field)
    return value


def split_fen(total, weights):
    """``total`` fen split in proportion to ``weights`` ({key: weight}), every fen placed:
    each gets the floor of its share, the remaining fen go to the largest remainders (ties to
    the smallest key). Equal weights when all are zero."""
    keys = sorted(weights)
    if not keys:
        return {}
    if sum(weights[k] for k in keys) <= 0:
        weights = {k: 1 for k in keys}
    whole = sum(weights[k] for k in keys)
    shares = {k: total * weights[k] // whole for k in keys}
    left = total - sum(shares.values())
    order = sorted(keys, key=lambda k: (-(total * weights[k] % whole), k))
    for k in order[:left]:
        shares[k] += 1
    return shares


class Trip(StatefulModel):
    subject = "trip"
    STATES = STATES
    TRANSITIONS = TRANSITIONS

    number = CharField(max_length=20, unique=True)
    state = CharField(max_length=20, default="applied", index=True)
    technician = ForeignKeyField(User, backref="+", lazy_load=False)
    applied_by = ForeignKeyField(User, backref="+", lazy_load=False)
    applied_at = DateTimeField(default=now)
    destination = CharField(max_length=100)
    depart_on = DateField()
    return_on = DateField()
    transport = CharField(max_length=10)
    purpose = TextField(default="")
    est_travel_fen = FenField(default=0)
    est_lodging_fen = FenField(default=0)
    est_allowance_days = IntegerField(default=0)
    allowance_rate_fen = FenField(default=0)
    decided_by = ForeignKeyField(User, null=True, backref="+", lazy_load=False)
    decided_at = DateTimeField(null=True)
    decision_note = TextField(default="")
    cost_round = IntegerField(default=0)
    allowance_days = IntegerField(default=0)
    cost_total_fen = FenField(default=0)
    booked_at = DateTimeField(null=True)

    class Meta:
        table_name = "trip"

    @property
    def est_allowance_fen(self):
        return self.est_allowance_days * self.allowance_rate_fen

    @property
    def est_total_fen(self):
        return self.est_travel_fen + self.est_lodging_fen + self.est_allowance_fen

    @property
    def transport_label(self):
        return TRANSPORT.get(self.transport, self.transport)

    def owned_by(self, user, permission=None):
        return user is not None and self.technician_id == user.id

    @classmethod
    def owned_where(cls, user, permission=None):
        return cls.technician == user.id

    def not_yours_message(self):
        return N_("This is another technician's trip.")

    def jobs(self):
        return list(
            Job.select()
            .join(TripJob, on=(TripJob.job == Job.id))
            .where(TripJob.trip == self.id)
            .order_by(Job.id)
        )

    def costs(self):
        return list(
            TripCost.select()
            .where(TripCost.trip == self.id, TripCost.round == self.cost_round)
            .order_by(TripCost.id)
        )

    @classmethod
    def apply_for(
        cls,
        by,
        technician,
        jobs,
        *,
        destination,
        depart_on,
        return_on,
        transport,
        purpose="",
        travel_fen=0,
        lodging_fen=0,
        allowance_days=0,
    ):
        """A technician (or the manager for them) applies before leaving, with the estimate."""
        destination = (destination or "").strip()[:100]
        if not destination:
            raise RuleError(N_("Where to?"), field="destination")
        if depart_on is None:
            raise RuleError(N_("Enter the day of departure."), field="depart_on")
        if return_on is None or return_on < depart_on:
            raise RuleError(N_("The return cannot be before the departure."), field="return_on")
        if (return_on - depart_on).days > 60:
            raise RuleError(
                N_("A trip of more than 60 days is not an out-of-town service."), field="return_on"
            )
        if transport not in TRANSPORT:
            raise RuleError(N_("Choose the transport."), field="transport")
        if not jobs:
            raise RuleError(N_("Choose the job or jobs the trip serves."), field="jobs")
        if technician is None or technician.role != "technician":
            raise RuleError(N_("Choose the technician who travels."), field="technician")
        for job in jobs:
            if job.technician_id != technician.id or job.state not in ("dispatched", "registered"):
                raise RuleError(
                    N_("Voucher %(number)s is not waiting for %(name)s to go."),
                    field="jobs",
                    number=job.number,
                    name=technician.full_name,
                )
        probe = cls(technician=technician.id)
        require(by, "trip.apply", probe, probe.not_yours_message())
        _fen(travel_fen, "travel")
        _fen(lodging_fen, "lodging")
        _days(allowance_days, "allowance_days")
        with db.atomic():
            taken = (
                TripJob.select()
                .join(Trip)
                .where(TripJob.job.in_([j.id for j in jobs]), Trip.state.in_(OPEN_STATES))
            )
            if taken.exists():
                raise RuleError(N_("One of these jobs already has an open application."), field="jobs")
            number = next_number("YD", today().year)
            trip = cls.create(
                number=number.text,
                technician=technician.id,
                applied_by=by.id,
                destination=destination,
                depart_on=depart_on,
                return_on=return_on,
                transport=transport,
                purpose=(purpose or "").strip()[:1000],
                est_travel_fen=travel_fen,
                est_lodging_fen=lodging_fen,
                est_allowance_days=allowance_days,
                allowance_rate_fen=Setting.get_value("allowance_per_day_fen"),
            )
            for job in jobs:
                TripJob.create(trip=trip, job=job.id)
                OutOfTown.mark(by, job, note=number.text, quiet=True)
            Event.record(
                by,
                trip,
                "apply",
                to_state="applied",
                note=destination,
                data={"jobs": [j.number for j in jobs], "estimate": trip.est_total_fen},
            )
        return trip

    def approve(self, by, note="", version=None):
        return self.apply(
            "approve",
            by,
            version,
            note=note,
            decided_by=by.id,
            decided_at=now(),
            decision_note=(note or "").strip()[:500],
        )

    def reject(self, by, note, version=None):
        note = (note or "").strip()
        if not note:
            raise RuleError(N_("Say why the trip is rejected."), field="note")
        return self.apply(
            "reject", by, version, note=note, decided_by=by.id, decided_at=now(), decision_note=note[:500]
        )

    def cancel(self, by, note="", version=None):
        return self.apply("cancel", by, version, note=note)

    def enter_costs(self, by, lines, allowance_days, version=None):
        """After the trip: actual costs by kind [(kind, fen, receipts, note)] and allowance days."""
        _days(allowance_days, "allowance_days")
        clean = []
        for kind, fen, receipts, note in lines:
            if kind not in COST_KINDS or kind == "allowance":
                raise RuleError(N_("Choose the kind of cost."), field="costs")
            _fen(fen, "costs")
            if not isinstance(receipts, int) or not 0 <= receipts <= 999:
                raise RuleError(N_("Enter the number of receipts (0 to 999)."), field="costs")
            if fen:
                clean.append((kind, fen, receipts, (note or "").strip()[:200]))
        allowance = allowance_days * self.allowance_rate_fen
        total = sum(fen for _, fen, _, _ in clean) + allowance
        with db.atomic():
            current = self.locked()
            round_ = current.cost_round + 1
            for kind, fen, receipts, note in clean:
                TripCost.create(
                    trip=self.id, round=round_, kind=kind, amount_fen=fen, receipts=receipts, note=note
                )
            if allowance:
                TripCost.create(
                    trip=self.id,
                    round=round_,
                    kind="allowance",
                    amount_fen=allowance,
                    receipts=0,
                    note=f"{allowance_days} × {self.allowance_rate_fen}",
                )
            self.apply(
                "enter_costs",
                by,
                version,
                data={"total": total, "allowance_days": allowance_days},
                cost_round=round_,
                allowance_days=allowance_days,
                cost_total_fen=total,
            )
        return self

    def approve_costs(self, by, version=None):
        """Book the approved costs to the trip's jobs (服务成本), split to the fen."""
        jobs = self.jobs()
        if Setting.get_value("trip_cost_split") == "time":
            weights = {j.id: _minutes(j) for j in jobs}
        else:
            weights = {j.id: 1 for j in jobs}
        shares = split_fen(self.cost_total_fen, weights)
        with db.atomic():
            self.apply(
                "approve_costs",
                by,
                version,
                data={"total": self.cost_total_fen, "shares": shares},
                booked_at=now(),
            )
            for job_id, fen in shares.items():
                JobCost.create(job=job_id, trip=self.id, amount_fen=fen)
        return self

    def return_costs(self, by, note, version=None):
        note = (note or "").strip()
        if not note:
            raise RuleError(N_("Say what is wrong with the costs."), field="note")
        return self.apply("return_costs", by, version, note=note)

    @classmethod
    def with_people(cls):
        tech = User.alias("tech")
        return cls.select(cls, tech).join(tech, JOIN.LEFT_OUTER, on=(cls.technician == tech.id), attr="tech")

    @classmethod
    def for_job(cls, job_id):
        """The job's latest trip (or None); its SQL built once (every job's screen asks)."""
        return _FOR_JOB.first(job_id)


def _minutes(job):
    if job.arrived_at and job.finished_at and job.finished_at > job.arrived_at:
        return int((job.finished_at - job.arrived_at).total_seconds() // 60)
    return 0


class TripJob(BaseModel):
    trip = ForeignKeyField(Trip, backref="+")
    job = ForeignKeyField(Job, backref="+")

    class Meta:
        table_name = "trip_job"
        indexes = ((("trip", "job"), True),)


class TripCost(BaseModel):
    """An actual cost of a trip; a correction is a new round, earlier rounds stay."""

    trip = ForeignKeyField(Trip, backref="+")
    round = IntegerField()
    kind = CharField(max_length=12)
    amount_fen = FenField()
    receipts = IntegerField(default=0)
    note = CharField(max_length=200, default="")

    class Meta:
        table_name = "trip_cost"

    @property
    def kind_label(self):
        return Label(COST_KINDS.get(self.kind, self.kind))


class JobCost(BaseModel):
    """A job's share of a trip's approved costs (its 服务成本 from travel)."""

    job = ForeignKeyField(Job, backref="+", index=True)
    trip = ForeignKeyField(Trip, backref="+")
    amount_fen = FenField()
    booked_at = DateTimeField(default=now)

    class Meta:
        table_name = "job_cost"

    @classmethod
    def for_jobs(cls, job_ids):
        if not job_ids:
            return {}
        rows = (
            cls.select(cls.job, fn.SUM(cls.amount_fen))
            .where(cls.job.in_(list(job_ids)))
            .group_by(cls.job)
            .tuples()
        )
        return {job: int(total or 0) for job, total in rows}


class OutOfTown(BaseModel):
    """A job the manager marked out-of-town: it may not start before its trip is approved."""

    subject = "out_of_town"

    job = ForeignKeyField(Job, unique=True, backref="+")
    marked_by = ForeignKeyField(User, backref="+", lazy_load=False)
    marked_at = DateTimeField(default=now)
    note = CharField(max_length=200, default="")

    class Meta:
        table_name = "out_of_town"

    @classmethod
    def mark(cls, by, job, note="", quiet=False):
        if not quiet:
            require(by, "job.out_of_town")
        with db.atomic():
            found = cls.get_or_none(cls.job == job.id)
            if found is not None:
                return found
            marked = cls.create(job=job.id, marked_by=by.id, note=(note or "")[:200])
            Event.record(by, marked, "mark", note=job.number)
        return marked

    @classmethod
    def is_marked(cls, job_id):
        return _MARKED.first(job_id) is not None

    @staticmethod
    def proposed(job):
        """Out-of-town by its address: the customer is outside the department's city."""
        city = (Setting.get_value("department_city") or "").strip()
        return bool(city and job.address and city not in job.address)


def may_start(job):
    """None when an out-of-town job may start; else the trip (or None) that holds it back."""
    if not OutOfTown.is_marked(job.id):
        return None
    trip = Trip.for_job(job.id)
    if trip is not None and trip.state in ("approved", "costs_entered", "booked"):
        return None
    return trip or False


def travel_days(trip):
    return (trip.return_on - trip.depart_on).days + 1 if isinstance(trip.depart_on, datetime.date) else 0


_FOR_JOB = Prepared(
    lambda job_id: (
        Trip.select()
        .join(TripJob, on=(TripJob.trip == Trip.id))
        .where(TripJob.job == as_is(job_id))
        .order_by(Trip.id.desc())
        .limit(1)
    ),
    slots=1,
)


_MARKED = Prepared(
    lambda job: OutOfTown.select(OutOfTown.id).where(OutOfTown.job == as_is(job)).limit(1), slots=1
)
