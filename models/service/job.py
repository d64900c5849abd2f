"""The service job: one record is both the register line (服务登记簿) and the voucher (服务凭证).

Its life (Art. 7, 8, 10):
registered -dispatch-> dispatched -arrive-> on_site -finish(signed)-> done -countersign->
countersigned -file-> filed; on_site -carry_back(signed for the item)-> in_repair -finish-> done;
the office enters a signed paper voucher the same way (paper_finish, paper_carry_back);
any state before filed -void(reason)-> void. The transition table drives the methods, the
buttons a page shows and the tests.
"""

import datetime

from peewee import (
    BooleanField,
    CharField,
    DateField,
    DateTimeField,
    ForeignKeyField,
    IntegerField,
    TextField,
)

from models.core import (
    N_,
    BaseModel,
    Event,
    Label,
    RuleError,
    Setting,
    Signature,
    Signed,
    StatefulModel,
    Transition,
    User,
    clock,
    db,
    guard_step,
    may,
    next_number,
    now,
    once,
    require,
    today,
)
from models.customers import Customer, Equipment, phone_digits
from models.service.labels import (
    AMEND_STATES,
    AMENDABLE,
    CHANNELS,
    OPEN_STATES,
    SERVICE_TYPES,
    SIGNATURE_KINDS,
    STATES,
)
from models.service.parts import checked_signature, part_lines
from models.service.queries import JobQueries

WORK_STATES = ("dispatched", "on_site", "in_repair")
CARRY_STATES = ("dispatched", "on_site")

TRANSITIONS = {
    "dispatch": Transition(("registered", "dispatched"), "dispatched", "job.dispatch", N_("Dispatch")),
    "arrive": Transition(("dispatched",), "on_site", "job.work", N_("Arrived on site")),
    "carry_back": Transition(CARRY_STATES, "in_repair", "job.work", N_("Carry back for repair")),
    "finish": Transition(WORK_STATES, "done", "job.work", N_("Finish")),
    "paper_carry_back": Transition(
        CARRY_STATES, "in_repair", "job.paper", N_("Carried back (paper voucher)")
    ),
    "paper_finish": Transition(WORK_STATES, "done", "job.paper", N_("Finished (paper voucher)")),
    "countersign": Transition(("done",), "countersigned", "job.countersign", N_("Countersign")),
    "file": Transition(("countersigned",), "filed", "job.file", N_("File")),
    "void": Transition(OPEN_STATES, "void", "job.void", N_("Void")),
}


class Job(JobQueries, Signed, StatefulModel):
    subject = "job"
    STATES = STATES
    TRANSITIONS = TRANSITIONS
    AMENDABLE = AMENDABLE
    AMEND_STATES = AMEND_STATES
    AMEND_PERMISSION = "job.amend"
    SIGNATURE_KINDS = SIGNATURE_KINDS
    # 2: the contact person, purchase date and place, the times of registration and dispatch
    # and the carry-back are covered too (everything the voucher shows the customer signing for).
    CONTENT_VERSION = 2

    number = CharField(max_length=20, unique=True)
    year = IntegerField()
    seq = IntegerField()
    state = CharField(max_length=20, default="registered", index=True)

    # Art. 7: what the clerk records at once, as registered (a snapshot of the file).
    channel = CharField(max_length=10, default="phone")
    customer = ForeignKeyField(Customer, null=True, backref="jobs")
    equipment = ForeignKeyField(Equipment, null=True, backref="jobs")
    customer_name = CharField(max_length=100, default="")
    contact_person = CharField(max_length=60, default="")
    phone = CharField(max_length=40, default="")
    address = CharField(max_length=200, default="")
    product_model = CharField(max_length=80, default="")
    spec = CharField(max_length=120, default="")
    serial = CharField(max_length=80, default="")
    purchase_date = DateField(null=True)
    purchase_place = CharField(max_length=120, default="")
    fault = TextField(default="")
    preferred_time = CharField(max_length=60, default="")

    # Art. 6: the service type, proposed from warranty and contract status.
    service_type = CharField(max_length=10)
    proposed_type = CharField(max_length=10)
    type_reason = CharField(max_length=200, default="")

    # What the register's search box looks in, lower-cased, phone as digits only: one column
    # to scan instead of five expressions per line.
    search_text = TextField(default="")

    registered_at = DateTimeField(default=now)
    register_day = DateField(index=True)
    registered_by = ForeignKeyField(User, backref="+", lazy_load=False)

    # Art. 8 and 10: dispatch, the actual service, countersign, filing.
    technician = ForeignKeyField(User, null=True, backref="+", lazy_load=False)
    dispatched_at = DateTimeField(null=True)
    dispatched_by = ForeignKeyField(User, null=True, backref="+", lazy_load=False)
    arrived_at = DateTimeField(null=True)
    finished_at = DateTimeField(null=True)
    work_done = TextField(default="")
    carried_back = BooleanField(default=False)
    countersigned_at = DateTimeField(null=True)
    countersigned_by = ForeignKeyField(User, null=True, backref="+", lazy_load=False)
    filed_at = DateTimeField(null=True)
    filed_by = ForeignKeyField(User, null=True, backref="+", lazy_load=False)
    voided_at = DateTimeField(null=True)
    void_reason = TextField(default="")

    class Meta:
        table_name = "job"
        indexes = (
            (("state", "register_day"), False),
            (("technician", "state"), False),
        )

    # ---- what it is ---------------------------------------------------------------------

    @property
    def type_label(self):
        return SERVICE_TYPES.get(self.service_type, self.service_type)

    @property
    def channel_label(self):
        return CHANNELS.get(self.channel, self.channel)

    @property
    def closed(self):
        """The register line is closed (注销) once the voucher is filed (or voided)."""
        return self.state in ("filed", "void")

    def carried_from(self, on=None):
        """The day an undispatched job was carried over from (Art. 11), or None."""
        on = on or today()
        if self.state == "registered" and self.register_day < on:
            return self.register_day
        return None

    def owned_by(self, user, permission=None):
        """A technician's own jobs: those dispatched to them."""
        return user is not None and self.technician_id == user.id

    @classmethod
    def owned_where(cls, user, permission=None):
        return cls.technician == user.id

    def not_yours_message(self):
        return N_("This job is not assigned to you.")

    def can_view(self, user):
        return may(user, "job.view", self)

    def index_text(self):
        """Refresh search_text from the fields the register's search looks at."""
        self.search_text = " ".join(
            part.lower()
            for part in (
                self.number,
                self.customer_name,
                self.contact_person,
                phone_digits(self.phone),
                self.serial,
                self.product_model,
            )
            if part
        )

    def on_save(self):
        self.index_text()

    # ---- registration -------------------------------------------------------------------

    @staticmethod
    def propose_type(equipment, on=None):
        """Art. 6: contract service under an active contract, free in warranty, else paid."""
        if equipment is None:
            return "internal"
        coverage = equipment.coverage(on)
        return {"contract": "contract", "warranty": "free"}.get(coverage, "paid")

    @classmethod
    def register(
        cls,
        by,
        *,
        customer=None,
        equipment=None,
        channel="phone",
        fault="",
        preferred_time="",
        service_type=None,
        type_reason="",
        contact_person="",
        phone=None,
        address=None,
    ):
        """Record a call in the register and give it its voucher number (Art. 7)."""
        require(by, "intake.register")
        if channel not in CHANNELS:
            raise RuleError(N_("Choose how the request came in."), field="channel")
        fault = (fault or "").strip()
        if not fault:
            raise RuleError(N_("Describe the fault or the work requested."), field="fault")
        if equipment is not None and customer is not None and equipment.customer_id != customer.id:
            raise RuleError(N_("That equipment belongs to another customer."), field="equipment")
        if equipment is not None and customer is None:
            customer = equipment.customer
        proposed = cls.propose_type(equipment)
        service_type = service_type or proposed
        if service_type not in SERVICE_TYPES:
            raise RuleError(N_("Choose a service type."), field="service_type")
        if service_type != "internal" and (customer is None or equipment is None):
            raise RuleError(N_("Choose the customer's equipment."), field="equipment")
        type_reason = (type_reason or "").strip()
        if service_type != proposed and not type_reason:
            raise RuleError(
                N_("The proposed type is %(type)s: give a reason for changing it."),
                field="type_reason",
                type=Label(SERVICE_TYPES[proposed]),
            )
        at, day = now(), today()
        with db.atomic():
            number = next_number("FW", day.year)
            job = cls(
                number=number.text,
                year=number.year,
                seq=number.seq,
                channel=channel,
                customer=customer,
                equipment=equipment,
                customer_name=customer.name if customer else "",
                contact_person=contact_person or (customer.contact_person if customer else ""),
                phone=phone if phone is not None else (customer.first_phone if customer else ""),
                address=address if address is not None else (customer.address if customer else ""),
                product_model=equipment.product_model if equipment else "",
                spec=equipment.spec if equipment else "",
                serial=equipment.serial if equipment else "",
                purchase_date=equipment.purchase_date if equipment else None,
                purchase_place=equipment.purchase_place if equipment else "",
                fault=fault,
                preferred_time=(preferred_time or "").strip(),
                service_type=service_type,
                proposed_type=proposed,
                type_reason=type_reason,
                registered_at=at,
                register_day=day,
                registered_by=by,
                updated_at=at,
            )
            job.index_text()
            job.save(force_insert=True)
            Event.record(
                by,
                job,
                "register",
                to_state="registered",
                note=fault[:200],
                data={"type": service_type, "proposed": proposed} if service_type != proposed else None,
            )
        return job

    # ---- transitions --------------------------------------------------------------------

    def conflict_message(self, action, who, last_event):
        if self.state == "dispatched" and self.technician_id:
            tech = User.get_or_none(User.id == self.technician_id)
            return (
                N_("%(who)s has already dispatched voucher %(number)s to %(tech)s."),
                {"who": who, "number": self.number, "tech": tech.full_name if tech else "?"},
            )
        return (
            N_("Voucher %(number)s was changed by %(who)s meanwhile (now: %(state)s). Check and try again."),
            {"number": self.number, "who": who, "state": Label(STATES[self.state])},
        )

    def dispatch(self, technician, by, version=None, note=""):
        """Hand the voucher to a technician (派工), or re-dispatch it to another."""
        if technician is None or technician.role != "technician" or not technician.active:
            raise RuleError(N_("Choose an active technician."), field="technician")
        if self.state == "dispatched" and self.technician_id == technician.id:
            raise RuleError(
                N_("Voucher %(number)s is already with %(tech)s."),
                number=self.number,
                tech=technician.full_name,
            )
        data = {"technician": technician.id}
        if self.technician_id:
            data["from_technician"] = self.technician_id
        return self.apply(
            "dispatch",
            by,
            version,
            note=note,
            data=data,
            technician=technician.id,
            dispatched_at=now(),
            dispatched_by=by.id,
        )

    def arrive(self, by, at=None, version=None):
        """The technician is at the customer's site (到场)."""
        return self.apply("arrive", by, version, arrived_at=at or now())

    def finish(
        self,
        by,
        signature,
        work_done,
        arrived_at=None,
        finished_at=None,
        parts=(),
        version=None,
        note="",
        key=None,
    ):
        """The job is done and the customer signed on the technician's screen (Art. 8, 10).

        ``key``: an idempotency key from the form; a repeated submission with the same key
        (a resend after a dropped connection) changes nothing and is not an error.
        """
        return self._complete(
            "finish", by, signature, work_done, arrived_at, finished_at, parts, version, note, key
        )

    def carry_back(self, by, signature, work_done="", arrived_at=None, version=None, note="", key=None):
        """Take the item back for repair (携回修护); the customer signs for the item taken."""
        return self._complete(
            "carry_back", by, signature, work_done, arrived_at, None, (), version, note, key
        )

    def enter_paper(
        self, by, result, signer_name, work_done, arrived_at, finished_at=None, parts=(), version=None
    ):
        """The office enters a voucher the customer signed on paper: finished or carried back."""
        action = {"finish": "paper_finish", "carry_back": "paper_carry_back"}.get(result)
        if action is None:
            raise RuleError(N_("Choose the result."), field="result")
        signature = {"signer_name": signer_name, "on_paper": True}
        return self._complete(
            action, by, signature, work_done, arrived_at, finished_at, parts, version, "", None
        )

    def _complete(self, action, by, signature, work_done, arrived_at, finished_at, parts, version, note, key):
        finishing = action in ("finish", "paper_finish")
        work_done = (work_done or "").strip()
        if finishing and not work_done:
            raise RuleError(N_("Describe the work done."), field="work_done")
        end = (finished_at or now()) if finishing else now()
        arrived_at = arrived_at or self.arrived_at or end
        signer, image, on_paper = checked_signature(signature)
        if image is None and not action.startswith("paper_"):
            raise RuleError(N_("The customer's signature is missing."), field="signature")
        lines = part_lines(parts) if finishing else []
        changes = {"arrived_at": arrived_at, "work_done": work_done}
        if finishing:
            changes["finished_at"] = end
        else:
            changes["carried_back"] = True

        def work():
            # the parts first: whatever follows the step (the charge) and the signature see them
            for name, quantity in lines:
                PartLine.create(job=self, name=name, quantity=quantity)
            self.apply(action, by, version, note=note, **changes)
            kind = "completion" if finishing else "item_taken"
            self.add_signature(by, kind, signer, image=image, on_paper=on_paper)

        once(key, by, self, action.removeprefix("paper_"), work)
        return self.reload()

    def countersign(self, by, version=None, note=""):
        """The manager countersigns the completed voucher (核签): somebody other than whoever
        recorded its service (finished it, carried the item back, entered the paper voucher),
        unless the settings allow it for a department of one; the history then says so."""
        data = {"own_work": True} if by.id in self.recorded_by() else None
        return self.apply(
            "countersign",
            by,
            version,
            note=note,
            data=data,
            countersigned_at=now(),
            countersigned_by=by.id,
        )

    def recorded_by(self):
        """Ids of the users who recorded this voucher's service: whoever took a customer's
        signature on it, on the screen or from the paper voucher."""
        return {
            row.captured_by_id
            for row in Signature.select(Signature.captured_by).where(
                Signature.subject == self.subject, Signature.subject_id == self.id
            )
        }

    def file(self, by, version=None):
        """File the voucher (归档) and close its register line (注销)."""
        return self.apply("file", by, version, filed_at=now(), filed_by=by.id)

    def void(self, by, reason, version=None):
        """Void the voucher with a reason; it keeps its number (作废)."""
        reason = (reason or "").strip()
        if not reason:
            raise RuleError(N_("Give the reason for voiding."), field="reason")
        return self.apply("void", by, version, note=reason, voided_at=now(), void_reason=reason)

    def amend(self, by, reason, version=None, **changes):
        """Correct a signed voucher (Art. 10): only a manager, only with a reason, kept in history.

        The customer's signature keeps the hash of what they signed; the amendment event holds
        every changed field's old and new value, and the print shows it.
        """
        return self.change(by, reason, version, **changes)

    def before(self, action, current, changes):
        if action == "amend":
            for name in ("arrived_at", "finished_at"):
                if name in changes and changes[name] is None and getattr(current, name) is not None:
                    raise RuleError(N_("A signed voucher keeps its service times."), field=name)
        plausible_times(current, changes)

    # ---- what a signature covers --------------------------------------------------------

    def signed_content(self, version=None):
        """What a customer's signature covers: the voucher as it stands (as ``version``
        defined it: signatures given before version 2 did not cover the contact person)."""
        parts = [(p.name, p.quantity) for p in self.parts.order_by(PartLine.id)]
        content = {
            "number": self.number,
            "customer": self.customer_name,
            "phone": self.phone,
            "address": self.address,
            "equipment": [self.product_model, self.spec, self.serial],
            "fault": self.fault,
            "type": self.service_type,
            "technician": self.technician_id,
            "arrived_at": _iso(self.arrived_at),
            "finished_at": _iso(self.finished_at),
            "work_done": self.work_done,
            "parts": parts,
        }
        if (version or self.CONTENT_VERSION) >= 2:
            content.update(
                {
                    "contact": self.contact_person,
                    "purchased": [_iso(self.purchase_date), self.purchase_place],
                    "registered_at": _iso(self.registered_at),
                    "dispatched_at": _iso(self.dispatched_at),
                    "carried_back": self.carried_back,
                }
            )
        return content

    def signatures_list(self):
        return list(self.signatures())

    def __str__(self):
        return self.number


class PartLine(BaseModel):
    job = ForeignKeyField(Job, backref="parts", on_delete="CASCADE")
    name = CharField(max_length=100)
    quantity = IntegerField(default=1)


def _iso(value):
    return value.isoformat() if value is not None else None


# A phone's or a PC's clock may run a little ahead of the server's.
CLOCK_SKEW = datetime.timedelta(minutes=5)
# A voucher's times in the order they happen (Art. 7, 8, 10), with their names.
TIMES = {
    "registered_at": N_("Registered"),
    "dispatched_at": N_("Dispatched at"),
    "arrived_at": N_("Arrived at"),
    "finished_at": N_("Finished at"),
}


def _local(value):
    return clock().to_local(value).strftime("%Y-%m-%d %H:%M")


def plausible_times(current, changes):
    """registered <= dispatched <= arrived <= finished <= now (+ a little clock skew), for each
    time this step sets (a time it leaves as stored is not judged again). Refused next to
    the field."""
    order = list(TIMES)
    values = {name: changes.get(name, getattr(current, name)) for name in order}
    latest = now() + CLOCK_SKEW
    for i, name in enumerate(order):
        value = changes.get(name)
        if value is None or value == getattr(current, name):
            continue
        if value > latest:
            if name == "finished_at":
                raise RuleError(N_("The service end time is in the future."), field=name)
            raise RuleError(N_("%(time)s cannot be in the future."), field=name, time=Label(TIMES[name]))
        earlier = next((n for n in reversed(order[:i]) if values[n] is not None), None)
        if earlier is not None and value < values[earlier]:
            if (name, earlier) == ("finished_at", "arrived_at"):
                raise RuleError(N_("The service cannot end before it started."), field=name)
            raise RuleError(
                N_("%(time)s cannot be earlier than %(other)s (%(when)s)."),
                field=name,
                time=Label(TIMES[name]),
                other=Label(TIMES[earlier]),
                when=_local(values[earlier]),
            )
        later = next((n for n in order[i + 1 :] if values[n] is not None), None)
        if later is not None and value > values[later]:
            if (name, later) == ("arrived_at", "finished_at"):
                raise RuleError(N_("The service cannot end before it started."), field="finished_at")
            raise RuleError(
                N_("%(time)s cannot be later than %(other)s (%(when)s)."),
                field=name,
                time=Label(TIMES[name]),
                other=Label(TIMES[later]),
                when=_local(values[later]),
            )


def _separate_duties(job, by):
    """Countersigning is refused to whoever recorded the service, unless the settings allow
    it (a one-person department). Runs inside the step's transaction, on the locked row."""
    if by.id in job.recorded_by() and not Setting.get_value("countersign_own_work"):
        raise RuleError(
            N_(
                "You recorded the service on this voucher yourself: somebody else countersigns it "
                "(separation of duties)."
            )
        )


guard_step("job", "countersign", _separate_duties)
