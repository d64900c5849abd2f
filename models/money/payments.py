"""Money collected (Art. 9): on site with a numbered receipt (收据), on a later visit, or by
finance; handed over to finance in batches (交款) that finance counts; the cash journal
(现金收支, Art. 3) that finance reconciles per day and closes."""

import datetime

from peewee import JOIN, CharField, DateField, DateTimeField, ForeignKeyField, IntegrityError, TextField, fn

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
from models.money.amounts import yuan_text
from models.money.charges import Charge
from models.money.labels import HANDOVER_STATES, METHODS, PAYMENT_STATES
from models.service import Job

OPEN_PAYMENT = ("in_hand", "handed_over", "received", "differs")


class CollectionVisit(BaseModel):
    """A visit dispatched like a job to collect what a customer owes (另行前往收费)."""

    job = ForeignKeyField(Job, backref="+")  # the job that is owed for
    visit = ForeignKeyField(Job, backref="+", unique=True)  # the internal job the technician takes
    requested_by = ForeignKeyField(User, backref="+", lazy_load=False)
    requested_at = DateTimeField(default=now)

    class Meta:
        table_name = "collection_visit"


class Handover(StatefulModel):
    """A batch of collected sums a technician hands to finance (交款), counted item by item."""

    subject = "handover"
    STATES = HANDOVER_STATES
    TRANSITIONS = {
        "settle": Transition(("submitted",), None, "money.confirm", N_("Counted")),
        "resolve": Transition(("differs",), "resolved", "money.confirm", N_("Resolve the difference")),
    }

    number = CharField(max_length=20, unique=True)
    technician = ForeignKeyField(User, backref="+", lazy_load=False)
    state = CharField(max_length=20, default="submitted", index=True)
    total_fen = FenField()
    submitted_at = DateTimeField(default=now)
    counted_fen = FenField(null=True)
    confirmed_by = ForeignKeyField(User, null=True, backref="+", lazy_load=False)
    confirmed_at = DateTimeField(null=True)
    resolution = TextField(default="")

    class Meta:
        table_name = "handover"

    def owned_by(self, user, permission=None):
        return user is not None and self.technician_id == user.id

    @property
    def difference_fen(self):
        return None if self.counted_fen is None else self.counted_fen - self.total_fen

    @classmethod
    def submit(cls, by, payment_ids):
        """Hand these sums to finance. A sum is in one batch only, also when two requests race:
        the batch takes them with one conditional update and is refused if any was taken."""
        require(by, "money.hand")
        ids = sorted({int(i) for i in payment_ids})
        if not ids:
            raise RuleError(N_("Choose what you hand over."), field="payments")
        with db.atomic():
            payments = list(Payment.select().where(Payment.id.in_(ids)))
            if len(payments) != len(ids) or any(p.collected_by_id != by.id for p in payments):
                raise RuleError(N_("Hand over only what you collected yourself."), field="payments")
            total = sum(p.amount_fen for p in payments)
            number = next_number("JK", today().year)
            batch = cls.create(number=number.text, technician=by.id, total_fen=total)
            taken = (
                Payment.update(
                    handover=batch.id, state="handed_over", version=Payment.version + 1, updated_at=now()
                )
                .where(Payment.id.in_(ids), Payment.state == "in_hand", Payment.handover.is_null())
                .execute()
            )
            if taken != len(ids):
                raise RuleError(N_("Some of these sums were handed over meanwhile. Reload the page."))
            Event.record(
                by,
                batch,
                "submit",
                to_state="submitted",
                note=number.text,
                data={"total": total, "receipts": [p.receipt for p in payments]},
            )
            for payment in payments:
                Event.record(by, payment, "hand", "in_hand", "handed_over", note=number.text)
        return batch

    def items(self):
        return list(
            Payment.select(Payment, Job.number, Job.customer_name)
            .join(Job, on=(Payment.job == Job.id))
            .where(Payment.handover == self.id)
            .order_by(Payment.id)
            .objects()
        )

    def settle(self, by):
        """Once every sum is counted: confirmed, or a difference that stays until resolved."""
        items = self.items()
        if any(p.state == "handed_over" for p in items):
            return self
        counted = sum(p.counted_fen or 0 for p in items)
        state = "confirmed" if counted == self.total_fen else "differs"
        return self.apply(
            "settle",
            by,
            data={"counted": counted},
            counted_fen=counted,
            state=state,
            confirmed_by=by.id,
            confirmed_at=now(),
        )

    def resolve(self, by, reason, version=None):
        reason = (reason or "").strip()
        if not reason:
            raise RuleError(N_("Give the reason the difference is settled."), field="reason")
        return self.apply("resolve", by, version, note=reason, resolution=reason)

    @classmethod
    def with_people(cls):
        tech = User.alias("tech")
        return cls.select(cls, tech).join(tech, JOIN.LEFT_OUTER, on=(cls.technician == tech.id), attr="tech")


class Payment(StatefulModel):
    """One sum received for a job: who took it, how, and where it is now."""

    subject = "payment"
    STATES = PAYMENT_STATES
    TRANSITIONS = {
        "receive": Transition(("handed_over",), None, "money.confirm", N_("Counted and received")),
        "void": Transition(("in_hand",), "void", "money.confirm", N_("Void")),
    }

    job = ForeignKeyField(Job, backref="+", index=True)
    kind = CharField(max_length=10)
    method = CharField(max_length=10)
    amount_fen = FenField()
    receipt = CharField(max_length=20, null=True, unique=True)  # SJ2026-000001 for on-site sums
    state = CharField(max_length=20, default="in_hand", index=True)
    collected_by = ForeignKeyField(User, backref="+", lazy_load=False)
    collected_at = DateTimeField(default=now)
    handover = ForeignKeyField(Handover, null=True, backref="+", lazy_load=False)
    counted_fen = FenField(null=True)
    received_by = ForeignKeyField(User, null=True, backref="+", lazy_load=False)
    received_at = DateTimeField(null=True)
    note = TextField(default="")

    class Meta:
        table_name = "payment"

    def owned_by(self, user, permission=None):
        return user is not None and self.collected_by_id == user.id

    @property
    def title(self):
        return self.receipt or f"#{self.id}"

    @property
    def method_label(self):
        return METHODS.get(self.method, self.method)

    @property
    def difference_fen(self):
        return None if self.counted_fen is None else self.counted_fen - self.amount_fen

    @classmethod
    def paid_for(cls, job_ids):
        """{job id: fen received or collected} (everything not voided)."""
        if not job_ids:
            return {}
        rows = (
            cls.select(cls.job, fn.SUM(fn.COALESCE(cls.counted_fen, cls.amount_fen)))
            .where(cls.job.in_(list(job_ids)), cls.state.in_(OPEN_PAYMENT))
            .group_by(cls.job)
            .tuples()
        )
        return {job: int(total or 0) for job, total in rows}

    @classmethod
    def collect(cls, by, job, method, amount_fen, kind="on_site", note="", visit=None):
        """A technician collects on site and gives a numbered receipt; on a collection visit
        (``visit``: the visit's own job) likewise, for the job that is owed for."""
        if kind == "visit":
            if (
                visit is None
                or CollectionVisit.get_or_none(
                    CollectionVisit.visit == visit.id, CollectionVisit.job == job.id
                )
                is None
            ):
                raise RuleError(N_("This visit does not collect for that job."))
            require(by, "money.collect", visit)
        else:
            require(by, "money.collect", job)
        if method not in METHODS:
            raise RuleError(N_("Choose how the customer paid."), field="method")
        charge = Charge.for_job(job.id)
        if charge is None or charge.total_fen <= 0:
            raise RuleError(N_("This job has nothing to collect."))
        if charge.state != "priced":
            raise RuleError(N_("The office still has to price this job before it is collected."))
        owed = charge.total_fen - cls.paid_for([job.id]).get(job.id, 0)
        if not 0 < amount_fen <= owed:
            raise RuleError(
                N_("Collect an amount from ¥0.01 to the ¥%(owed)s still owed."),
                field="amount",
                owed=yuan_text(owed),
            )
        if kind == "on_site":
            if job.state not in ("done", "countersigned", "filed"):
                raise RuleError(N_("Collect once the job is finished and signed."))
            limit = Setting.get_value("small_fee_limit_fen")
            if charge.total_fen > limit:
                raise RuleError(
                    N_(
                        "Above the small-fee limit of ¥%(limit)s: finance invoices first, "
                        "and it is collected later."
                    ),
                    limit=yuan_text(limit),
                )
        with db.atomic():
            number = next_number("SJ", today().year)
            payment = cls.create(
                job=job.id,
                kind=kind,
                method=method,
                amount_fen=amount_fen,
                receipt=number.text,
                collected_by=by.id,
                note=(note or "").strip()[:300],
            )
            Event.record(
                by,
                payment,
                "collect",
                to_state="in_hand",
                note=number.text,
                data={"amount": amount_fen, "method": method, "job": job.number},
            )
        return payment

    @classmethod
    def receive_bank(cls, by, job, method, amount_fen, on=None, note=""):
        """Finance records money that reached the company's account (a transfer, a later payment)."""
        require(by, "money.confirm")
        if method not in METHODS:
            raise RuleError(N_("Choose how the customer paid."), field="method")
        if amount_fen <= 0:
            raise RuleError(N_("The amount must be more than zero."), field="amount")
        with db.atomic():
            payment = cls.create(
                job=job.id,
                kind="bank",
                method=method,
                amount_fen=amount_fen,
                state="received",
                collected_by=by.id,
                counted_fen=amount_fen,
                received_by=by.id,
                received_at=now(),
                note=(note or "").strip()[:300],
            )
            Event.record(
                by, payment, "bank", to_state="received", data={"amount": amount_fen, "job": job.number}
            )
            JournalLine.book(by, payment, amount_fen, N_("Payment received"))
        return payment

    def receive(self, by, counted_fen, version=None):
        """Finance counts what the handover brought: a difference is flagged, never hidden."""
        if not isinstance(counted_fen, int) or counted_fen < 0:
            raise RuleError(N_("Enter the amount counted."), field="counted")
        state = "received" if counted_fen == self.amount_fen else "differs"
        with db.atomic():
            self.apply(
                "receive",
                by,
                version,
                data={"counted": counted_fen},
                counted_fen=counted_fen,
                received_by=by.id,
                received_at=now(),
                state=state,
            )
            if counted_fen:
                JournalLine.book(by, self, counted_fen, N_("Handed over by the technician"))
            Handover.get_by_id(self.handover_id).settle(by)
        return self

    @classmethod
    def in_hand_of(cls, user):
        return list(
            cls.select(cls, Job.number, Job.customer_name)
            .join(Job, on=(cls.job == Job.id))
            .where(cls.collected_by == user.id, cls.state == "in_hand")
            .order_by(cls.id)
            .objects()
        )


class JournalDay(BaseModel):
    """A day of the cash journal that finance closed: its lines cannot change any more."""

    subject = "journal"

    day = DateField(unique=True)
    closed_by = ForeignKeyField(User, backref="+", lazy_load=False)
    closed_at = DateTimeField(default=now)
    total_fen = FenField()

    class Meta:
        table_name = "journal_day"

    @classmethod
    def is_closed(cls, day):
        return cls.select().where(cls.day == day).exists()

    @classmethod
    def close(cls, by, day):
        require(by, "journal.close")
        if day > today():
            raise RuleError(N_("A day can be closed once it has begun."), field="day")
        try:
            with db.atomic():
                total = (
                    JournalLine.select(fn.SUM(JournalLine.amount_fen)).where(JournalLine.day == day).scalar()
                    or 0
                )
                closed = cls.create(day=day, closed_by=by.id, total_fen=int(total))
                Event.record(by, closed, "close", note=day.isoformat(), data={"total": int(total)})
        except IntegrityError:
            raise RuleError(N_("That day is already closed.")) from None
        return closed


class JournalLine(BaseModel):
    """One sum received, on the day finance has it (现金收支)."""

    day = DateField(index=True)
    at = DateTimeField(default=now)
    amount_fen = FenField()
    payment = ForeignKeyField(Payment, null=True, backref="+")
    method = CharField(max_length=10, default="cash")
    text = CharField(max_length=200)
    by = ForeignKeyField(User, backref="+", lazy_load=False)
    corrects = ForeignKeyField("self", null=True, backref="+")

    class Meta:
        table_name = "journal_line"

    @property
    def text_label(self):
        return Label(self.text)

    @classmethod
    def book(cls, by, payment, amount_fen, text):
        day = today()
        if JournalDay.is_closed(day):
            raise RuleError(N_("Today's cash journal is closed: nothing more can be booked on it."))
        return cls.create(
            day=day, amount_fen=amount_fen, payment=payment.id, method=payment.method, text=text, by=by.id
        )

    @classmethod
    def correct(cls, by, line, amount_fen, reason):
        """A correction is a new line today (closed days never change)."""
        require(by, "money.confirm")
        reason = (reason or "").strip()
        if not reason:
            raise RuleError(N_("Give the reason for the correction."), field="reason")
        day = today()
        if JournalDay.is_closed(day):
            raise RuleError(N_("Today's cash journal is closed: nothing more can be booked on it."))
        with db.atomic():
            fixed = cls.create(
                day=day,
                amount_fen=amount_fen,
                payment=line.payment_id,
                method=line.method,
                text=reason[:200],
                by=by.id,
                corrects=line.id,
            )
        return fixed

    @classmethod
    def of_day(cls, day):
        return list(cls.select().where(cls.day == day).order_by(cls.id))


def age_days(since, on=None):
    on = on or today()
    return (on - since).days if isinstance(since, datetime.date) else None
