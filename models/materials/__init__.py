"""Promotional material (宣传品保管与发放, Art. 13) and purchase requests (物品请购, Art. 3):
items with a low-stock threshold, requests approved by the manager and received into stock,
issues to a customer, an event or a colleague, stocktakes. Every movement is kept and none is
edited or deleted (a correction is a new movement); stock never goes negative."""

import datetime

from peewee import BooleanField, CharField, DateTimeField, ForeignKeyField, IntegerField, TextField, fn

from models.core import (
    N_,
    Action,
    BaseModel,
    Event,
    Label,
    RuleError,
    StatefulModel,
    Subject,
    Transition,
    User,
    clock,
    db,
    is_postgres,
    next_number,
    now,
    register_actions,
    register_subject,
    require,
    today,
)
from models.service import Job

KINDS = {
    "receive": N_("Received into stock"),
    "issue": N_("Issued"),
    "adjust": N_("Stocktake adjustment"),
}
RECIPIENTS = {"customer": N_("a customer"), "event": N_("an event"), "colleague": N_("a colleague")}
REQUEST_STATES = {
    "requested": N_("Requested, awaiting approval"),
    "approved": N_("Approved, awaiting delivery"),
    "rejected": N_("Rejected"),
    "received": N_("Received into stock"),
}
MAX_QUANTITY = 1_000_000

register_actions(
    {
        "materials.view": Action(
            N_("See promotional material and its ledger"), ("clerk", "manager", "technician", "finance")
        ),
        "materials.issue": Action(N_("Issue promotional material"), ("clerk", "manager", "technician")),
        "materials.keep": Action(
            N_("Keep the stock: items, receipts, stocktakes, purchase requests"), ("clerk", "manager")
        ),
        "purchase.approve": Action(N_("Approve purchase requests (物品请购)"), ("manager",)),
    },
    group=N_("Promotional material"),
)


def _quantity(value, field="quantity"):
    if not isinstance(value, int) or isinstance(value, bool) or not 0 < value <= MAX_QUANTITY:
        raise RuleError(N_("Enter a whole number from 1 to 1,000,000."), field=field)
    return value


class Material(BaseModel):
    subject = "material"

    name = CharField(max_length=100)
    spec = CharField(max_length=100, default="")
    unit = CharField(max_length=10, default="份")
    low_stock = IntegerField(default=0)
    balance = IntegerField(default=0)  # kept in step with the movements, in their transaction
    active = BooleanField(default=True)
    created_at = DateTimeField(default=now)

    class Meta:
        table_name = "material"

    @classmethod
    def add(cls, by, name, spec="", unit="份", low_stock=0):
        require(by, "materials.keep")
        name = (name or "").strip()[:100]
        if not name:
            raise RuleError(N_("Enter the name."), field="name")
        if not isinstance(low_stock, int) or not 0 <= low_stock <= MAX_QUANTITY:
            raise RuleError(N_("Enter a whole number from 0 to 1,000,000."), field="low_stock")
        with db.atomic():
            item = cls.create(
                name=name,
                spec=(spec or "").strip()[:100],
                unit=(unit or "份").strip()[:10] or "份",
                low_stock=low_stock,
            )
            Event.record(by, item, "create", note=name)
        return item

    @property
    def low(self):
        return self.active and self.balance <= self.low_stock

    def _locked(self):
        query = Material.select().where(Material.id == self.id)
        if is_postgres():
            query = query.for_update()
        return query.get()

    def _move(self, by, kind, change, **fields):
        """One movement, the balance kept with it; refused if it would go below zero."""
        with db.atomic():
            current = self._locked()  # two people issuing the last items wait for each other
            balance = current.balance + change
            if balance < 0:
                raise RuleError(
                    N_("Only %(n)s %(unit)s of %(name)s in stock: that is more than there is."),
                    field="quantity",
                    n=current.balance,
                    unit=current.unit,
                    name=current.name,
                )
            Material.update(balance=balance).where(Material.id == self.id).execute()
            movement = Movement.create(
                material=self.id, kind=kind, change=change, balance=balance, by=by.id, **fields
            )
            Event.record(by, movement, kind, note=self.name, data={"change": change, "balance": balance})
        self.balance = balance
        return movement

    def receive(self, by, quantity, note="", purchase=None):
        require(by, "materials.keep")
        return self._move(
            by,
            "receive",
            _quantity(quantity),
            note=(note or "").strip()[:200],
            purchase=purchase.id if purchase else None,
        )

    def issue(self, by, quantity, recipient, to_whom, purpose, job=None):
        """Out to a customer, an event or a colleague, with the purpose; optionally for a job."""
        require(by, "materials.issue")
        if recipient not in RECIPIENTS:
            raise RuleError(N_("Say who receives it."), field="recipient")
        to_whom = (to_whom or "").strip()[:100]
        if not to_whom:
            raise RuleError(N_("Name who receives it."), field="to_whom")
        purpose = (purpose or "").strip()[:200]
        if not purpose:
            raise RuleError(N_("Say what it is for."), field="purpose")
        return self._move(
            by,
            "issue",
            -_quantity(quantity),
            recipient=recipient,
            to_whom=to_whom,
            note=purpose,
            job=job.id if job else None,
        )

    def stocktake(self, by, counted, reason):
        """The shelf was counted: the difference is a movement, with the reason."""
        require(by, "materials.keep")
        if not isinstance(counted, int) or not 0 <= counted <= MAX_QUANTITY:
            raise RuleError(N_("Enter a whole number from 0 to 1,000,000."), field="counted")
        reason = (reason or "").strip()[:200]
        if not reason:
            raise RuleError(N_("Give the reason for the adjustment."), field="reason")
        change = counted - Material.get_by_id(self.id).balance
        if change == 0:
            raise RuleError(N_("The count matches the ledger: nothing to adjust."), field="counted")
        return self._move(by, "adjust", change, note=reason)

    def balance_on(self, day):
        """The balance at the end of a local day, from the movements."""
        end = datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time(0), clock().zone)
        end = end.astimezone(datetime.UTC).replace(tzinfo=None)
        total = Movement.select(fn.SUM(Movement.change)).where(
            Movement.material == self.id, Movement.at < end
        )
        return int(total.scalar() or 0)

    def ledger(self, start=None, end=None):
        query = (
            Movement.select(Movement, User.full_name.alias("by_name"))
            .join(User, on=(Movement.by == User.id))
            .where(Movement.material == self.id)
        )
        if start:
            low = datetime.datetime.combine(start, datetime.time(0), clock().zone).astimezone(datetime.UTC)
            query = query.where(Movement.at >= low.replace(tzinfo=None))
        if end:
            high = datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time(0), clock().zone)
            query = query.where(Movement.at < high.astimezone(datetime.UTC).replace(tzinfo=None))
        return list(query.order_by(Movement.id).objects())

    @classmethod
    def running_low(cls):
        return list(cls.select().where(cls.active, cls.balance <= cls.low_stock).order_by(cls.name))


class Movement(BaseModel):
    """One line of the ledger. Kept as written: saving it again or deleting it is refused."""

    subject = "movement"

    material = ForeignKeyField(Material, backref="+", index=True)
    at = DateTimeField(default=now)
    kind = CharField(max_length=10)
    change = IntegerField()
    balance = IntegerField()
    recipient = CharField(max_length=10, default="")
    to_whom = CharField(max_length=100, default="")
    note = TextField(default="")
    job = ForeignKeyField(Job, null=True, backref="+")
    purchase = IntegerField(null=True)
    by = ForeignKeyField(User, backref="+", lazy_load=False)

    class Meta:
        table_name = "material_movement"

    def save(self, *args, **kwargs):
        if self.id is not None and not kwargs.get("force_insert"):
            raise RuleError(N_("A ledger line is never changed: record a new movement instead."))
        return super().save(*args, **kwargs)

    def delete_instance(self, *args, **kwargs):
        raise RuleError(N_("A ledger line is never deleted: record a new movement instead."))

    @property
    def kind_label(self):
        return Label(KINDS.get(self.kind, self.kind))


class PurchaseRequest(StatefulModel):
    """物品请购: a quantity and its reason, approved by the manager, received when it arrives."""

    subject = "purchase"
    STATES = REQUEST_STATES
    TRANSITIONS = {
        "approve": Transition(("requested",), "approved", "purchase.approve", N_("Approve")),
        "reject": Transition(("requested",), "rejected", "purchase.approve", N_("Reject")),
        "receive": Transition(("approved",), "received", "materials.keep", N_("Received into stock")),
    }

    number = CharField(max_length=20, unique=True)
    state = CharField(max_length=20, default="requested")
    material = ForeignKeyField(Material, backref="+")
    quantity = IntegerField()
    reason = TextField()
    requested_by = ForeignKeyField(User, backref="+", lazy_load=False)
    requested_at = DateTimeField(default=now)
    decided_by = ForeignKeyField(User, null=True, backref="+", lazy_load=False)
    decision_note = TextField(default="")

    class Meta:
        table_name = "purchase_request"

    @classmethod
    def ask(cls, by, material, quantity, reason):
        require(by, "materials.keep")
        reason = (reason or "").strip()[:500]
        if not reason:
            raise RuleError(N_("Give the reason for the purchase."), field="reason")
        with db.atomic():
            number = next_number("QG", today().year)
            request = cls.create(
                number=number.text,
                material=material.id,
                quantity=_quantity(quantity),
                reason=reason,
                requested_by=by.id,
            )
            Event.record(
                by,
                request,
                "ask",
                to_state="requested",
                note=reason[:200],
                data={"material": material.name, "quantity": quantity},
            )
        return request

    def approve(self, by, note="", version=None):
        return self.apply(
            "approve", by, version, note=note, decided_by=by.id, decision_note=(note or "")[:500]
        )

    def reject(self, by, note, version=None):
        note = (note or "").strip()
        if not note:
            raise RuleError(N_("Say why the request is rejected."), field="note")
        return self.apply("reject", by, version, note=note, decided_by=by.id, decision_note=note[:500])

    def receive(self, by, quantity=None, version=None):
        """The goods arrived: into stock (the quantity delivered), the request closed."""
        quantity = self.quantity if quantity is None else quantity
        with db.atomic():
            self.apply("receive", by, version, data={"quantity": quantity})
            Material.get_by_id(self.material_id).receive(by, quantity, note=self.number, purchase=self)
        return self


MODELS = [Material, Movement, PurchaseRequest]

for key, label, actions in (
    ("material", N_("Promotional material"), {"create": N_("added the item")}),
    (
        "movement",
        N_("Ledger line"),
        {
            "receive": N_("received into stock"),
            "issue": N_("issued"),
            "adjust": N_("adjusted after a stocktake"),
        },
    ),
    (
        "purchase",
        N_("Purchase request"),
        {
            "ask": N_("requested a purchase"),
            "approve": N_("approved the request"),
            "reject": N_("rejected the request"),
            "receive": N_("received the goods"),
        },
    ),
):
    register_subject(
        Subject(
            key,
            label,
            states=REQUEST_STATES if key == "purchase" else {},
            actions=actions,
            reader="materials.view",
        )
    )
