"""The service job: one record is both the register line (服务登记簿) and the voucher (服务凭证).

Its life (Art. 7, 8, 10):
registered -dispatch-> dispatched -arrive-> on_site -finish(signed)-> done -countersign->
countersigned -file-> filed; on_site -carry_back(signed for the item, a receipt)-> in_repair
-repair(the workshop)-> repaired -finish(signed on delivery)-> done; the office enters a signed
paper voucher the same way (paper_finish, paper_carry_back); any state before filed
-void(reason)-> void. Nothing is finished or carried back before the technician arrived (or
said when). The transition table drives the methods, the buttons a page shows and the tests.
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
    check_png,
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
    IN_HAND_STATES,
    OPEN_STATES,
    RECEIPT_KINDS,
    SERVICE_TYPES,
    SIGNATURE_KINDS,
    STATES,
    TECHNICIAN_KINDS,
)
from models.service.parts import checked_signature, part_lines
from models.service.queries import JobQueries

# On the technician's screen: finished on site, or delivered after the workshop's repair.
FINISH_STATES = ("on_site", "repaired")
# From the paper voucher the office enters whatever the customer signed, times included.
PAPER_STATES = ("dispatched", "on_site", "in_repair", "repaired")
CARRY_STATES = ("dispatched", "on_site")

TRANSITIONS = {
    "dispatch": Transition(("registered", "dispatched"), "dispatched", "job.dispatch", N_("Dispatch")),
    "arrive": Transition(("dispatched",), "on_site", "job.work", N_("Arrived on site")),
    "carry_back": Transition(("on_site",), "in_repair", "job.work", N_("Carry back for repair")),
    "repair": Transition(("in_repair",), "repaired", "job.work", N_("Repaired, awaiting return")),
    "finish": Transition(FINISH_STATES, "done", "job.work", N_("Finish")),
    "paper_carry_back": Transition(
        CARRY_STATES, "in_repair", "job.paper", N_("Carried back (paper voucher)")
    ),
    "paper_finish": Transition(PAPER_STATES, "done", "job.paper", N_("Finished (paper voucher)")),
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
    # 3: the carry-back receipt (item, serial, accessories, condition, return date) and the
    # times of the carry-back and of the workshop's repair.
    CONTENT_VERSION = 3
    # A signature for an item taken (the customer's and the technician's) covers the carry-back
    # receipt alone, which stays as signed while the repair and the delivery go on. Its versions
    # count from 101 so that they never meet the voucher's.
    RECEIPT_VERSION = 101

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
    register_day = DateField()
    registered_by = ForeignKeyField(User, backref="+", lazy_load=False)

    # Art. 8 and 10: dispatch, the actual service, countersign, filing.
    technician = ForeignKeyField(User, null=True, backref="+", lazy_load=False)
    dispatched_at = DateTimeField(null=True)
    dispatched_by = ForeignKeyField(User, null=True, backref="+", lazy_load=False)
    arrived_at = DateTimeField(null=True)
    finished_at = DateTimeField(null=True)
    work_done = TextField(default="")
    carried_back = BooleanField(default=False)
    # The carry-back receipt (携回修护): what was taken, in what state, back by when.
    carried_back_at = DateTimeField(null=True)
    carry_item = CharField(max_length=200, default="")
    carry_serial = CharField(max_length=80, default="")
    carry_accessories = CharField(max_length=200, default="")
    carry_condition = CharField(max_length=200, default="")
    carry_note = TextField(default="")
    return_by = DateField(null=True)
    # The workshop's step: repaired, awaiting return (修复完成，待送回).
    repaired_at = DateTimeField(null=True)
    repaired_by = ForeignKeyField(User, null=True, backref="+", lazy_load=False)
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
            (("register_day", "seq"), False),  # a register page in its order (migration 0012)
            (("technician", "state"), False),
            (("finished_at",), False),  # the jobs finished today (dashboard)
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

    @classmethod
    def my_day(cls, technician):
        """The technician's phone list in one query: (jobs in hand, in their order; jobs they
        finished today, the latest first)."""
        start = clock().to_utc(datetime.datetime.combine(today(), datetime.time.min))
        rows = list(
            cls.in_hand(technician).orwhere(
                (cls.technician == technician.id)
                & (cls.finished_at >= start)
                & cls.state.in_(("done", "countersigned", "filed"))
            )
        )
        in_hand = [job for job in rows if job.state in IN_HAND_STATES]
        done = sorted((job for job in rows if job.state not in IN_HAND_STATES), key=lambda j: j.finished_at)
        return in_hand, done[::-1]

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

    def check(self, by, action):
        """The general refusal, said the technician's way for the steps that come too early."""
        if action in ("finish", "carry_back") and may(by, "job.work", self):
            if self.state == "dispatched":
                raise RuleError(
                    N_("Voucher %(number)s: record the arrival on site first (or when you arrived)."),
                    number=self.number,
                )
            if self.state == "in_repair" and action == "finish":
                raise RuleError(
                    N_("Voucher %(number)s: the item is in the workshop; record the repair first."),
                    number=self.number,
                )
        return super().check(by, action)

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
        """The technician is at the customer's site (到场): now, or, recorded afterwards, at
        the time they say (so that the service time stays true)."""
        data = {"late": True, "at": _local(at)} if at is not None else None
        return self.apply("arrive", by, version, data=data, arrived_at=at or now())

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
        technician_signature=None,
    ):
        """The job is done and the customer signed on the technician's screen (Art. 8, 10), on
        site or when the repaired item is delivered; the technician signs too (a PNG).

        ``key``: an idempotency key from the form; a repeated submission with the same key
        (a resend after a dropped connection) changes nothing and is not an error.
        """
        return self._complete(
            "finish",
            by,
            signature,
            work_done,
            arrived_at,
            finished_at,
            parts,
            version,
            note,
            key,
            technician_signature=technician_signature,
        )

    def carry_back(
        self,
        by,
        signature,
        work_done="",
        arrived_at=None,
        version=None,
        note="",
        key=None,
        receipt=None,
        technician_signature=None,
    ):
        """Take the item back for repair (携回修护). The receipt says what was taken, with
        which accessories, in what condition and back by when (``receipt``: item, serial,
        accessories, condition, return_by; the item and serial default to the equipment);
        the customer signs for exactly that, and so does the technician."""
        return self._complete(
            "carry_back",
            by,
            signature,
            work_done,
            arrived_at,
            None,
            (),
            version,
            note,
            key,
            receipt=receipt,
            technician_signature=technician_signature,
        )

    def repair(self, by, work_done, parts=(), version=None, note="", key=None):
        """The workshop repaired the item carried back (修复完成，待送回): what was done and the
        parts used. It then waits to be returned; the customer signs on delivery (finish)."""
        work_done = (work_done or "").strip()
        if not work_done:
            raise RuleError(N_("Describe the repair."), field="work_done")
        lines = part_lines(parts)

        def work():
            for name, quantity in lines:
                PartLine.create(job=self, name=name, quantity=quantity)
            self.apply(
                "repair", by, version, note=note, work_done=work_done, repaired_at=now(), repaired_by=by.id
            )

        once(key, by, self, "repair", work)
        return self.reload()

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

    def _complete(
        self,
        action,
        by,
        signature,
        work_done,
        arrived_at,
        finished_at,
        parts,
        version,
        note,
        key,
        receipt=None,
        technician_signature=None,
    ):
        finishing = action in ("finish", "paper_finish")
        work_done = (work_done or "").strip()
        if finishing and not work_done:
            raise RuleError(N_("Describe the work done."), field="work_done")
        end = (finished_at or now()) if finishing else now()
        arrived_at = arrived_at or self.arrived_at  # none: refused once the state is checked
        signer, image, on_paper = checked_signature(signature)
        if image is None and not action.startswith("paper_"):
            raise RuleError(N_("The customer's signature is missing."), field="signature")
        if technician_signature is not None:
            try:
                technician_signature = check_png(technician_signature)
            except RuleError as error:
                error.field = "tech_signature"
                raise
        lines = part_lines(parts) if finishing else []
        changes = {"arrived_at": arrived_at, "work_done": work_done}
        if finishing:
            changes["finished_at"] = end
        else:
            changes.update(carried_back=True, carried_back_at=end, **self._receipt(receipt, work_done))

        def work():
            # the parts first: whatever follows the step (the charge) and the signature see them
            for name, quantity in lines:
                PartLine.create(job=self, name=name, quantity=quantity)
            self.apply(action, by, version, note=note, **changes)
            kind = "completion" if finishing else "item_taken"
            self.add_signature(by, kind, signer, image=image, on_paper=on_paper)
            if technician_signature is not None:
                self.add_signature(by, TECHNICIAN_KINDS[kind], by.full_name, image=technician_signature)

        once(key, by, self, action.removeprefix("paper_"), work)
        return self.reload()

    def _receipt(self, receipt, note):
        """The carry-back receipt's fields as stored; the item and serial default to the equipment."""
        receipt = dict(receipt or {})
        item = (receipt.get("item") or "").strip()
        item = item or " ".join(part for part in (self.product_model, self.spec) if part)
        if not item:
            raise RuleError(N_("Say which item is taken."), field="carry_item")
        serial = receipt["serial"] if "serial" in receipt else self.serial
        return_by = receipt.get("return_by")
        if return_by is not None:
            if return_by < today():
                raise RuleError(N_("The return date has already passed."), field="return_by")
            if return_by > today() + datetime.timedelta(days=366):
                raise RuleError(N_("The return date is more than a year away."), field="return_by")
        return {
            "carry_item": item[:200],
            "carry_serial": (serial or "").strip()[:80],
            "carry_accessories": (receipt.get("accessories") or "").strip()[:200],
            "carry_condition": (receipt.get("condition") or "").strip()[:200],
            "carry_note": note,
            "return_by": return_by,
        }

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
        if action in ("finish", "carry_back", "paper_finish", "paper_carry_back"):
            if changes.get("arrived_at") is None and current.arrived_at is None:
                # Never the end time: a service of no minutes is no record of Art. 10.
                raise RuleError(N_("Enter when the technician arrived on site."), field="arrived_at")
            changes["arrived_at"] = changes.get("arrived_at") or current.arrived_at
        if action == "amend":
            for name in ("arrived_at", "finished_at"):
                if name in changes and changes[name] is None and getattr(current, name) is not None:
                    raise RuleError(N_("A signed voucher keeps its service times."), field=name)
        plausible_times(current, changes)

    # ---- what a signature covers --------------------------------------------------------

    def signed_content(self, version=None):
        """What a customer's signature covers: the voucher as it stands (as ``version``
        defined it: signatures given before version 2 did not cover the contact person)."""
        version = version or self.CONTENT_VERSION
        if version >= self.RECEIPT_VERSION:
            return self.receipt_content(version)
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
        if version >= 2:
            content.update(
                {
                    "contact": self.contact_person,
                    "purchased": [_iso(self.purchase_date), self.purchase_place],
                    "registered_at": _iso(self.registered_at),
                    "dispatched_at": _iso(self.dispatched_at),
                    "carried_back": self.carried_back,
                }
            )
        if version >= 3:
            content.update(
                {
                    "carry": self._receipt_fields(),
                    "carried_back_at": _iso(self.carried_back_at),
                    "repaired_at": _iso(self.repaired_at),
                }
            )
        return content

    def receipt_content(self, version=None):
        """What a signature for an item taken covers: the carry-back receipt, which stays as
        signed while the repair and the delivery change the rest of the voucher."""
        return {
            "receipt": version or self.RECEIPT_VERSION,
            "number": self.number,
            "customer": self.customer_name,
            "contact": self.contact_person,
            "phone": self.phone,
            "address": self.address,
            "fault": self.fault,
            "technician": self.technician_id,
            "arrived_at": _iso(self.arrived_at),
            "carried_back_at": _iso(self.carried_back_at),
            "carry": self._receipt_fields(),
            "note": self.carry_note,
        }

    def _receipt_fields(self):
        return [
            self.carry_item,
            self.carry_serial,
            self.carry_accessories,
            self.carry_condition,
            _iso(self.return_by),
        ]

    def content_version_for(self, kind):
        return self.RECEIPT_VERSION if kind in RECEIPT_KINDS else self.CONTENT_VERSION

    def full_content(self, version=None):
        """A receipt is the receipt alone: the charge other domains add is the voucher's."""
        if (version or 0) >= self.RECEIPT_VERSION:
            return self.receipt_content(version)
        return super().full_content(version)

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
    "carried_back_at": N_("Carried back at"),
    "repaired_at": N_("Repaired at"),
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
