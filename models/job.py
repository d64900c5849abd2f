"""The service job: one record is both the register line (服务登记簿) and the voucher (服务凭证).

Its life (Art. 7, 8, 10):
registered -dispatch-> dispatched -arrive-> on_site -finish(signed)-> done -countersign->
countersigned -file-> filed; on_site -carry_back(signed for the item)-> in_repair -finish-> done;
any state before filed -void(reason)-> void. One table of transitions drives the methods,
the buttons a page shows and the tests.
"""

import datetime
import hashlib
import json
from collections import namedtuple

from peewee import (
    JOIN,
    BlobField,
    BooleanField,
    Case,
    CharField,
    DateField,
    DateTimeField,
    ForeignKeyField,
    IntegerField,
    IntegrityError,
    TextField,
    fn,
)

from models.base import N_, BaseModel, Conflict, Forbidden, RuleError, db, is_postgres, now, today
from models.customer import Customer, Equipment
from models.event import Event
from models.permission import can, require
from models.sequence import Sequence
from models.user import User

STATES = {
    "registered": N_("Awaiting dispatch"),
    "dispatched": N_("Dispatched"),
    "on_site": N_("In service"),
    "in_repair": N_("Carried back for repair"),
    "done": N_("Done, awaiting countersign"),
    "countersigned": N_("Countersigned"),
    "filed": N_("Filed"),
    "void": N_("Void"),
}
OPEN_STATES = ("registered", "dispatched", "on_site", "in_repair", "done", "countersigned")
ACTIVE_STATES = ("registered", "dispatched", "on_site", "in_repair", "done")

SERVICE_TYPES = {
    "paid": N_("Paid service"),
    "contract": N_("Contract service"),
    "free": N_("Free (warranty) service"),
    "internal": N_("Internal work"),
}
CHANNELS = {
    "phone": N_("Phone"),
    "letter": N_("Letter"),
    "visit": N_("Visit"),
    "other": N_("Other"),
}
SIGNATURE_KINDS = {
    "completion": N_("Service completed"),
    "item_taken": N_("Item taken for repair"),
}

# What each kind of record and each event action is called in histories and the audit log.
SUBJECT_LABELS = {
    "job": N_("Service voucher"),
    "user": N_("User"),
    "customer": N_("Customer"),
    "equipment": N_("Equipment"),
    "contract": N_("Maintenance contract"),
    "permission": N_("Permission"),
    "setting": N_("Setting"),
}
EVENT_LABELS = {
    "register": N_("registered"),
    "dispatch": N_("dispatched"),
    "arrive": N_("arrived on site"),
    "finish": N_("finished, signed by the customer"),
    "carry_back": N_("carried back for repair, signed for the item"),
    "countersign": N_("countersigned"),
    "file": N_("filed"),
    "void": N_("voided"),
    "amend": N_("amended"),
    "create": N_("created"),
    "edit": N_("edited"),
    "phones": N_("phone numbers changed"),
    "deactivate": N_("deactivated"),
    "password": N_("password changed"),
    "login": N_("signed in"),
    "grant": N_("granted"),
    "revoke": N_("revoked"),
    "set": N_("changed"),
}

Transition = namedtuple("Transition", "sources target permission label")

TRANSITIONS = {
    "dispatch": Transition(("registered", "dispatched"), "dispatched", "job.dispatch", N_("Dispatch")),
    "arrive": Transition(("dispatched",), "on_site", "job.work", N_("Arrived on site")),
    "carry_back": Transition(("dispatched", "on_site"), "in_repair", "job.work", N_("Carry back for repair")),
    "finish": Transition(("dispatched", "on_site", "in_repair"), "done", "job.work", N_("Finish")),
    "countersign": Transition(("done",), "countersigned", "job.countersign", N_("Countersign")),
    "file": Transition(("countersigned",), "filed", "job.file", N_("File")),
    "void": Transition(OPEN_STATES, "void", "job.void", N_("Void")),
}

# Fields a manager may amend after the customer signed (with their names), and in which states.
AMENDABLE = {
    "fault": N_("Fault as reported"),
    "contact_person": N_("Contact"),
    "phone": N_("Phone"),
    "address": N_("Address"),
    "arrived_at": N_("Arrived at"),
    "finished_at": N_("Finished at"),
    "work_done": N_("Work done"),
}
AMEND_STATES = ("in_repair", "done", "countersigned")

MAX_SIGNATURE_BYTES = 200_000
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


class Job(BaseModel):
    number = CharField(max_length=20, unique=True)
    year = IntegerField()
    seq = IntegerField()
    state = CharField(max_length=20, default="registered", index=True)
    version = IntegerField(default=1)

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
    updated_at = DateTimeField(default=now)

    class Meta:
        indexes = (
            (("state", "register_day"), False),
            (("technician", "state"), False),
        )

    # ---- labels -------------------------------------------------------------------------

    @property
    def state_label(self):
        return STATES[self.state]

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

    # ---- queries ------------------------------------------------------------------------

    @classmethod
    def with_people(cls):
        """Jobs with their technician joined (one query for a whole list)."""
        tech = User.alias("tech")
        return cls.select(cls, tech).join(tech, JOIN.LEFT_OUTER, on=(cls.technician == tech.id), attr="tech")

    @classmethod
    def awaiting_dispatch(cls):
        """Undispatched jobs, carried-over ones first (oldest day first), then today's."""
        return cls.with_people().where(cls.state == "registered").order_by(cls.register_day, cls.id)

    @classmethod
    def for_board(cls):
        """Only the columns a board card shows, no joins: the board is the busiest page."""
        return cls.select(
            cls.id,
            cls.number,
            cls.state,
            cls.version,
            cls.service_type,
            cls.customer_name,
            cls.address,
            cls.product_model,
            cls.fault,
            cls.preferred_time,
            cls.register_day,
            cls.technician,
            cls.arrived_at,
            cls.dispatched_at,
            cls.finished_at,
        )

    @classmethod
    def board_lanes(cls, technicians, limit=100, per_lane=25):
        """The dispatch board: waiting (carried-over first), each technician's open jobs, done.

        Three bounded queries whatever the history or the backlog: the board never scans filed
        jobs, and shows at most ``per_lane`` jobs a technician (the counts show the rest).
        """
        board = cls.for_board()
        waiting = list(board.where(cls.state == "registered").order_by(cls.register_day, cls.id).limit(limit))
        order = [cls.register_day, cls.dispatched_at, cls.id]
        ranked = (
            cls.select(
                cls.id, fn.ROW_NUMBER().over(partition_by=[cls.technician], order_by=order).alias("rn")
            )
            .where(cls.state.in_(("dispatched", "on_site", "in_repair")))
            .alias("ranked")
        )
        active = list(
            board.join(ranked, on=(cls.id == ranked.c.id)).where(ranked.c.rn <= per_lane).order_by(*order)
        )
        done = list(board.where(cls.state == "done").order_by(cls.finished_at, cls.id).limit(limit))
        lanes = {t.id: [] for t in technicians}
        for job in active:
            lanes.setdefault(job.technician_id, []).append(job)
        return waiting, lanes, done

    @classmethod
    def board_counts(cls):
        """{'waiting': n, 'done': n, technician id: {state: n}} in one grouped query."""
        counts = {"waiting": 0, "done": 0}
        rows = (
            cls.select(cls.technician, cls.state, fn.COUNT(cls.id).alias("n"))
            .where(cls.state.in_(ACTIVE_STATES))
            .group_by(cls.technician, cls.state)
            .tuples()
        )
        for tech_id, state, n in rows:
            if state == "registered":
                counts["waiting"] += n
            elif state == "done":
                counts["done"] += n
            else:
                counts.setdefault(tech_id, {})[state] = n
        return counts

    @staticmethod
    def board_lane(job):
        """Which board column a job belongs in now (None: it has left the board)."""
        if job.state == "registered":
            return "waiting"
        if job.state in ("dispatched", "on_site", "in_repair"):
            return f"tech-{job.technician_id}"
        if job.state == "done":
            return "done"
        return None

    @classmethod
    def awaiting_countersign(cls):
        return cls.with_people().where(cls.state == "done").order_by(cls.finished_at, cls.id)

    @classmethod
    def awaiting_filing(cls):
        return cls.with_people().where(cls.state == "countersigned").order_by(cls.countersigned_at, cls.id)

    @classmethod
    def in_hand(cls, technician):
        """A technician's own work not yet finished, older register days (carried over) first."""
        return (
            cls.with_people()
            .where(cls.technician == technician.id, cls.state.in_(("dispatched", "on_site", "in_repair")))
            .order_by(cls.register_day, cls.dispatched_at, cls.id)
        )

    @classmethod
    def for_register(cls, start, end):
        """Register lines registered between two local days, inclusive."""
        return (
            cls.with_people()
            .where(cls.register_day >= start, cls.register_day <= end)
            .order_by(cls.register_day, cls.seq)
        )

    @classmethod
    def visible_to(cls, user, query=None):
        """Restrict a query to what the user may read: a technician sees only their own jobs."""
        query = query if query is not None else cls.with_people()
        if user.role == "technician":
            query = query.where(cls.technician == user.id)
        return query

    @classmethod
    def search(cls, query, text):
        """Narrow a job query to a voucher number, customer name, serial, model or phone fragment."""
        text = (text or "").strip().lower()
        if not text:
            return query
        from models.customer import phone_digits

        digits = phone_digits(text)
        match = cls.search_text.contains(text)
        if len(digits) >= 3 and digits != text:
            # "021-6234" typed with separators: the phone is kept as digits.
            match |= cls.search_text.contains(digits)
        return query.where(match)

    @classmethod
    def count_with_closed(cls, query, closed_states):
        """(lines, closed lines) of a register query, in one pass over it."""
        closed = fn.SUM(Case(None, [(cls.state.in_(closed_states), 1)], 0))
        total, closed_n = query.order_by().select(fn.COUNT(cls.id), closed).tuples().first()
        return total or 0, int(closed_n or 0)

    def index_text(self):
        """Refresh search_text from the fields the register's search looks at."""
        from models.customer import phone_digits

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

    def can_view(self, user):
        if not can(user, "job.view"):
            return False
        return user.role != "technician" or self.technician_id == user.id

    def allowed_actions(self, user):
        """Transitions this user may take now: the buttons a page shows."""
        actions = ["amend"] if self.state in AMEND_STATES and can(user, "job.amend") else []
        for name, spec in TRANSITIONS.items():
            if self.state in spec.sources and can(user, spec.permission):
                if (
                    spec.permission == "job.work"
                    and user.role == "technician"
                    and self.technician_id != user.id
                ):
                    continue
                actions.append(name)
        if can(user, "job.paper"):
            # entering a signed paper voucher back at the office (clerk or manager)
            actions += [
                f"paper_{name}"
                for name in ("finish", "carry_back")
                if self.state in TRANSITIONS[name].sources
            ]
        return actions

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
                type=SERVICE_TYPES[proposed],
            )
        at = now()
        day = today()
        with db.atomic():
            seq = Sequence.next_value("FW", day.year)
            job = cls(
                number=f"FW{day.year}-{seq:06d}",
                year=day.year,
                seq=seq,
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

    @classmethod
    def open_for_equipment(cls, equipment_ids):
        """equipment id -> open jobs, for the warning against registering a call twice."""
        found = {}
        if equipment_ids:
            for job in cls.select().where(cls.equipment.in_(list(equipment_ids)), cls.state.in_(OPEN_STATES)):
                found.setdefault(job.equipment_id, []).append(job)
        return found

    # ---- transitions --------------------------------------------------------------------

    def _locked(self):
        query = Job.select().where(Job.id == self.id)
        if is_postgres():
            query = query.for_update()
        return query.get()

    def check_action(self, by, action, permission=None):
        """Refuse, saying why, an action this user may not take on this voucher now.

        ``permission`` replaces the transition's own: finishing from a signed paper voucher is
        the office's entry ("job.paper"), not the technician's on-site work ("job.work").
        """
        if action == "amend":
            require(by, "job.amend")
            sources = AMEND_STATES
        else:
            spec = TRANSITIONS[action]
            permission = permission or spec.permission
            require(by, permission)
            if permission == "job.work" and by.role == "technician" and self.technician_id != by.id:
                raise Forbidden(N_("This job is not assigned to you."))
            sources = spec.sources
        if self.state not in sources:
            raise RuleError(
                N_("Voucher %(number)s is %(state)s: it cannot be changed that way now."),
                number=self.number,
                state=STATES[self.state],
            )

    def _transition(self, action, by, version=None, note="", data=None, permission=None, **changes):
        """Check who, from which state and which version; change; record the event."""
        spec = TRANSITIONS[action]
        require(by, permission or spec.permission)
        with db.atomic():
            job = self._locked()
            if version is not None and int(version) != job.version:
                job.check_action(by, action, permission)  # a refused step says more than a conflict
                raise job._conflict(action)
            job.check_action(by, action, permission)
            from_state = job.state
            for key, value in changes.items():
                setattr(job, key, value)
            job.state = spec.target
            job.version += 1
            job.updated_at = now()
            job.save()
            Event.record(by, job, action, from_state, spec.target, note, data)
        self.__data__ = dict(job.__data__)
        self._dirty.clear()
        return self

    def _conflict(self, action):
        """Say who changed the voucher first and what they did."""
        last = (
            Event.select()
            .where(Event.subject == "job", Event.subject_id == self.id)
            .order_by(Event.id.desc())
            .first()
        )
        who = User.get_or_none(User.id == last.actor_id) if last and last.actor_id else None
        tech = User.get_or_none(User.id == self.technician_id) if self.technician_id else None
        if self.state == "dispatched" and tech is not None:
            return Conflict(
                N_("%(who)s has already dispatched voucher %(number)s to %(tech)s."),
                number=self.number,
                who=who.full_name if who else "?",
                tech=tech.full_name,
            )
        return Conflict(
            N_("Voucher %(number)s was changed by %(who)s meanwhile (now: %(state)s). Check and try again."),
            number=self.number,
            who=who.full_name if who else "?",
            state=STATES[self.state],
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
        previous = self.technician_id
        self._transition(
            "dispatch",
            by,
            version,
            note=note,
            data={"technician": technician.id, "from_technician": previous}
            if previous
            else {"technician": technician.id},
            technician=technician.id,
            dispatched_at=now(),
            dispatched_by=by.id,
        )
        return self

    def arrive(self, by, at=None, version=None):
        """The technician is at the customer's site (到场)."""
        return self._transition("arrive", by, version, arrived_at=at or now())

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
        """The job is done and the customer signed the voucher (Art. 8, 10).

        ``key``: an idempotency key from the form; a repeated submission with the same key
        (a resend after a dropped connection) changes nothing and is not an error.
        """
        work_done = (work_done or "").strip()
        if not work_done:
            raise RuleError(N_("Describe the work done."), field="work_done")
        finished_at = finished_at or now()
        arrived_at = arrived_at or self.arrived_at or finished_at
        _check_times(arrived_at, finished_at)
        signature = _checked_signature(signature, "completion")
        permission = "job.paper" if signature["on_paper"] else None

        def work():
            self._transition(
                "finish",
                by,
                version,
                note=note,
                arrived_at=arrived_at,
                finished_at=finished_at,
                work_done=work_done,
                permission=permission,
            )
            self._save_parts(parts)
            self._sign(by, signature)

        return self._once(key, by, "finish", work)

    def carry_back(self, by, signature, work_done="", arrived_at=None, version=None, note="", key=None):
        """Take the item back for repair (携回修护); the customer signs for the item taken."""
        signature = _checked_signature(signature, "item_taken")
        arrived_at = arrived_at or self.arrived_at or now()
        _check_times(arrived_at, now())
        permission = "job.paper" if signature["on_paper"] else None

        def work():
            self._transition(
                "carry_back",
                by,
                version,
                note=note,
                arrived_at=arrived_at,
                carried_back=True,
                work_done=(work_done or "").strip(),
                permission=permission,
            )
            self._sign(by, signature)

        return self._once(key, by, "carry_back", work)

    def _once(self, key, by, action, work):
        """Run ``work`` in one transaction unless this key was already carried out."""
        if key and IdempotencyKey.seen(key, by, self):
            return self.refresh()
        try:
            with db.atomic():
                IdempotencyKey.claim(key, by, self, action)
                work()
        except IntegrityError:
            if key and IdempotencyKey.seen(key, by, self):
                return self.refresh()
            if key and IdempotencyKey.select().where(IdempotencyKey.key == key).exists():
                raise RuleError(N_("This form is damaged. Reload the page.")) from None
            raise
        return self

    def countersign(self, by, version=None, note=""):
        """The manager countersigns the completed voucher (核签)."""
        return self._transition(
            "countersign", by, version, note=note, countersigned_at=now(), countersigned_by=by.id
        )

    def file(self, by, version=None):
        """File the voucher (归档) and close its register line (注销)."""
        return self._transition("file", by, version, filed_at=now(), filed_by=by.id)

    def void(self, by, reason, version=None):
        """Void the voucher with a reason; it keeps its number (作废)."""
        reason = (reason or "").strip()
        if not reason:
            raise RuleError(N_("Give the reason for voiding."), field="reason")
        return self._transition("void", by, version, note=reason, voided_at=now(), void_reason=reason)

    def amend(self, by, reason, version=None, **changes):
        """Correct a signed voucher (Art. 10): only a manager, only with a reason, kept in history.

        The customer's signature keeps the hash of what they signed; the amendment event holds
        every changed field's old and new value, and the print shows it.
        """
        require(by, "job.amend")
        reason = (reason or "").strip()
        if not reason:
            raise RuleError(N_("Give the reason for the amendment."), field="reason")
        unknown = set(changes) - set(AMENDABLE)
        if unknown:
            raise RuleError(N_("That part of the voucher cannot be amended."))
        with db.atomic():
            job = self._locked()
            if version is not None and int(version) != job.version:
                raise job._conflict("amend")
            if job.state not in AMEND_STATES:
                raise RuleError(
                    N_("Voucher %(number)s is %(state)s: it cannot be changed that way now."),
                    number=job.number,
                    state=STATES[job.state],
                )
            for name in ("arrived_at", "finished_at"):
                if name in changes and changes[name] is None and getattr(job, name) is not None:
                    raise RuleError(N_("A signed voucher keeps its service times."), field=name)
            if "arrived_at" in changes or "finished_at" in changes:
                _check_times(
                    changes.get("arrived_at", job.arrived_at) or now(),
                    changes.get("finished_at", job.finished_at) or now(),
                )
            diff = {}
            for field, value in changes.items():
                if isinstance(value, str):
                    value = value.strip()
                if getattr(job, field) != value:
                    diff[field] = [getattr(job, field), value]
                    setattr(job, field, value)
            if not diff:
                raise RuleError(N_("Nothing was changed."))
            job.version += 1
            job.updated_at = now()
            job.index_text()
            job.save()
            Event.record(
                by,
                job,
                "amend",
                job.state,
                job.state,
                reason,
                {k: [_plain(a), _plain(b)] for k, (a, b) in diff.items()},
            )
        self.__data__ = dict(job.__data__)
        self._dirty.clear()
        return self

    def refresh(self):
        self.__data__ = dict(Job.get_by_id(self.id).__data__)
        self._dirty.clear()
        return self

    def signature_valid(self, signature):
        """Does the voucher still read as the customer signed it (no amendment since)?"""
        return signature.content_hash == self.content_hash()

    # ---- signatures and content ---------------------------------------------------------

    def content(self):
        """What a customer's signature covers: the voucher as it stands."""
        parts = [(p.name, p.quantity) for p in self.parts.order_by(PartLine.id)]
        return {
            "number": self.number,
            "customer": self.customer_name,
            "phone": self.phone,
            "address": self.address,
            "equipment": [self.product_model, self.spec, self.serial],
            "fault": self.fault,
            "type": self.service_type,
            "technician": self.technician_id,
            "arrived_at": self.arrived_at.isoformat() if self.arrived_at else None,
            "finished_at": self.finished_at.isoformat() if self.finished_at else None,
            "work_done": self.work_done,
            "parts": parts,
        }

    def content_hash(self):
        payload = json.dumps(self.content(), ensure_ascii=False, sort_keys=True, default=str)
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()

    def _save_parts(self, parts):
        for name, quantity in parts:
            name = (name or "").strip()
            if not name:
                continue
            if not isinstance(quantity, int) or quantity < 1 or quantity > 9999:
                raise RuleError(N_("A part's quantity must be a whole number from 1 to 9999."), field="parts")
            PartLine.create(job=self, name=name[:100], quantity=quantity)

    def _sign(self, by, signature):
        return Signature.create(
            job=self,
            kind=signature["kind"],
            signer_name=signature["signer_name"],
            image=signature.get("image"),
            on_paper=signature.get("on_paper", False),
            content_hash=self.content_hash(),
            captured_by=by,
        )

    def signatures_list(self):
        return list(self.signatures.order_by(Signature.id))

    def __str__(self):
        return self.number


def _plain(value):
    """A value as the event log keeps it: text, times as ISO 8601 (UTC)."""
    if value is None:
        return None
    return value.isoformat() if isinstance(value, datetime.datetime) else str(value)


def _check_times(arrived_at, finished_at):
    if finished_at < arrived_at:
        raise RuleError(N_("The service cannot end before it started."), field="finished_at")
    if finished_at > now() + datetime.timedelta(minutes=10):
        raise RuleError(N_("The service end time is in the future."), field="finished_at")


def _checked_signature(signature, kind):
    """A signature dict: signer_name, and a PNG image or on_paper=True."""
    signature = dict(signature or {})
    name = (signature.get("signer_name") or "").strip()
    if not name:
        raise RuleError(N_("Enter the name of the customer who signs."), field="signer_name")
    image = signature.get("image")
    if image is not None:
        if len(image) > MAX_SIGNATURE_BYTES:
            raise RuleError(N_("The signature image is too large."), field="signature")
        if not image.startswith(PNG_MAGIC) or len(image) < 100:
            raise RuleError(N_("The signature is not a valid image. Please sign again."), field="signature")
    elif not signature.get("on_paper"):
        raise RuleError(N_("The customer's signature is missing."), field="signature")
    return {
        "kind": kind,
        "signer_name": name[:60],
        "image": image,
        "on_paper": bool(signature.get("on_paper")),
    }


class IdempotencyKey(BaseModel):
    """A form submission already carried out: resending it must not act twice."""

    key = CharField(max_length=64, unique=True)
    user = ForeignKeyField(User, backref="+", lazy_load=False)
    job = ForeignKeyField(Job, backref="+", lazy_load=False)
    action = CharField(max_length=20)
    created_at = DateTimeField(default=now)

    @classmethod
    def seen(cls, key, user, job):
        return cls.select().where(cls.key == key, cls.user == user.id, cls.job == job.id).exists()

    @classmethod
    def claim(cls, key, user, job, action):
        """Record the key inside the acting transaction (its unique index stops a race)."""
        if not key:
            return
        if len(key) > 64:
            raise RuleError(N_("This form is damaged. Reload the page."))
        cls.create(key=key, user=user.id, job=job.id, action=action)


class PartLine(BaseModel):
    job = ForeignKeyField(Job, backref="parts", on_delete="CASCADE")
    name = CharField(max_length=100)
    quantity = IntegerField(default=1)


class Signature(BaseModel):
    """A customer's signature on a voucher: who, when, and the hash of what they signed."""

    job = ForeignKeyField(Job, backref="signatures")
    kind = CharField(max_length=20)
    signer_name = CharField(max_length=60)
    signed_at = DateTimeField(default=now)
    image = BlobField(null=True)
    on_paper = BooleanField(default=False)
    content_hash = CharField(max_length=64)
    captured_by = ForeignKeyField(User, backref="+", lazy_load=False)

    @property
    def kind_label(self):
        return SIGNATURE_KINDS.get(self.kind, self.kind)


def reconciliation(day):
    """Art. 11: the register of a day against its vouchers, and what is carried over into it."""
    entries = list(Job.with_people().where(Job.register_day == day).order_by(Job.seq))
    carried = list(
        Job.with_people()
        .where(Job.register_day < day, Job.state == "registered")
        .order_by(Job.register_day, Job.seq)
    )
    buckets = {
        "not_dispatched": [j for j in entries if j.state == "registered"],
        "not_back": [j for j in entries if j.state in ("dispatched", "on_site", "in_repair")],
        "not_countersigned": [j for j in entries if j.state == "done"],
        "not_filed": [j for j in entries if j.state == "countersigned"],
    }
    ids = [j.id for j in entries]
    signed = set()
    if ids:
        signed = {
            s.job_id
            for s in Signature.select(Signature.job).where(
                Signature.job.in_(ids), Signature.kind == "completion"
            )
        }
    problems = []
    for job in entries:
        if job.state in ("done", "countersigned", "filed") and job.id not in signed:
            problems.append((job, N_("Completed without the customer's signature")))
        if (
            job.state in ("dispatched", "on_site", "in_repair", "done", "countersigned", "filed")
            and not job.technician_id
        ):
            problems.append((job, N_("Dispatched without a technician")))
        if job.state in ("countersigned", "filed") and not job.countersigned_at:
            problems.append((job, N_("Filed without a countersignature")))
        if job.finished_at and job.arrived_at and job.finished_at < job.arrived_at:
            problems.append((job, N_("Service ends before it starts")))
    return {
        "day": day,
        "entries": entries,
        "carried": carried,
        "buckets": buckets,
        "problems": problems,
    }
