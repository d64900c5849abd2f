"""A job's charge (Art. 6), computed from what the technician recorded, by service type:
paid = parts at sale price + labour; contract = parts at cost, no labour; free = nothing;
internal work is not billed. The lines copy the prices of the moment; a manager (or finance)
changes a charge afterwards only with a reason, kept as an amendment."""

import math
import re

from peewee import BooleanField, CharField, ForeignKeyField, IntegerField

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
    db,
)
from models.core.prepared import where_id
from models.money.labels import CHARGE_STATES
from models.money.prices import PriceItem
from models.service import Job, PartLine

CODE_IN_NAME = re.compile(r"\[([A-Za-z0-9._-]{1,30})\]\s*$")
BILLED = ("paid", "contract", "free")


def part_code(name):
    """The price-list code a picked part carries at the end of its name: "电容 100uF [P-001]"."""
    match = CODE_IN_NAME.search(name or "")
    return match.group(1).upper() if match else ""


def on_site_minutes(arrived_at, finished_at):
    if not arrived_at or not finished_at or finished_at <= arrived_at:
        return 0
    return int((finished_at - arrived_at).total_seconds() // 60)


def labour_minutes(job, until=None):
    """The time on site labour is charged for: arrival to finish, or, for an item carried
    back for repair, arrival to the moment it was taken (the days in the workshop and the
    delivery visit are not time on site). ``until`` stands for a finish not yet recorded."""
    end = job.carried_back_at if job.carried_back_at else (job.finished_at or until)
    return on_site_minutes(job.arrived_at or until, end)


def compute(service_type, parts, minutes):
    """The charge lines and totals for a service type, parts [(name, quantity)] and time on site.

    None for internal work (not billed). A part not on the price list is a line the office
    prices (``priced`` False) in paid and contract service.
    """
    if service_type not in BILLED:
        return None
    items = PriceItem.by_code(part_code(name) for name, _ in parts)
    lines = []
    for name, quantity in parts:
        item = items.get(part_code(name))
        if item is not None and item.kind == "part":
            unit = {"paid": item.sale_fen, "contract": item.cost_fen}.get(service_type, 0)
            lines.append(_line("part", item.code, name, quantity, unit, item.cost_fen, True))
        else:
            lines.append(_line("part", "", name, quantity, 0, 0, service_type == "free"))
    halfhours = math.ceil(minutes / 30) if minutes > 0 else 0
    if service_type == "paid" and halfhours:
        code = (Setting.get_value("labour_hour_code") or "").upper()
        rate = PriceItem.by_code([code]).get(code)
        priced = rate is not None and rate.kind == "labour"
        unit = rate.sale_fen if priced else 0
        lines.append(
            _line(
                "labour", code if priced else "", N_("Labour on site"), halfhours, unit, 0, priced, half=True
            )
        )
    parts_fen = sum(line["amount_fen"] for line in lines if line["kind"] == "part")
    labour_fen = sum(line["amount_fen"] for line in lines if line["kind"] == "labour")
    return {
        "lines": lines,
        "parts_fen": parts_fen,
        "labour_fen": labour_fen,
        "total_fen": parts_fen + labour_fen,
        "minutes": minutes,
        "to_price": any(not line["priced"] for line in lines),
    }


def _line(kind, code, name, quantity, unit_fen, cost_fen, priced, half=False):
    # labour is counted in half hours at an hourly rate (rounded to the fen, half up)
    amount = (unit_fen * quantity + 1) // 2 if half else unit_fen * quantity
    return {
        "kind": kind,
        "code": code,
        "name": name,
        "quantity": quantity,
        "unit_fen": unit_fen,
        "cost_fen": cost_fen,
        "amount_fen": amount,
        "priced": priced,
        "half": half,
    }


class Charge(StatefulModel):
    subject = "charge"
    STATES = CHARGE_STATES
    TRANSITIONS = {
        "revise": Transition(("priced", "to_price"), None, "charge.amend", N_("Change the charge")),
    }

    job = ForeignKeyField(Job, unique=True, backref="+")
    state = CharField(max_length=20, default="priced")
    service_type = CharField(max_length=10)
    minutes = IntegerField(default=0)
    parts_fen = FenField(default=0)
    labour_fen = FenField(default=0)
    total_fen = FenField(default=0)

    class Meta:
        table_name = "charge"

    @property
    def title(self):
        return Job.get_by_id(self.job_id).number

    def lines(self):
        return list(ChargeLine.select().where(ChargeLine.charge == self.id).order_by(ChargeLine.id))

    @classmethod
    def for_job(cls, job_id):
        """The job's charge or None (the voucher, its print and the signature ask)."""
        return _FOR_JOB.first(job_id)

    @classmethod
    def charge(cls, job, by):
        """Charge a finished job once (called in the finishing transaction)."""
        if cls.select().where(cls.job == job.id).exists():
            return cls.for_job(job.id)
        parts = [
            (p.name, p.quantity)
            for p in PartLine.select().where(PartLine.job == job.id).order_by(PartLine.id)
        ]
        figures = compute(job.service_type, parts, labour_minutes(job))
        if figures is None:
            return None
        charge = cls.create(
            job=job.id,
            state="to_price" if figures["to_price"] else "priced",
            service_type=job.service_type,
            minutes=figures["minutes"],
            parts_fen=figures["parts_fen"],
            labour_fen=figures["labour_fen"],
            total_fen=figures["total_fen"],
        )
        for line in figures["lines"]:
            ChargeLine.create(charge=charge, **line)
        Event.record(by, charge, "charge", to_state=charge.state, data={"total": charge.total_fen})
        return charge

    def revise(self, by, reason, prices, version=None):
        """Set the unit price of lines ({line id: fen}) with a reason: an amendment in the history."""
        reason = (reason or "").strip()
        if not reason:
            raise RuleError(N_("Give the reason for changing the charge."), field="reason")
        lines = {line.id: line for line in self.lines()}
        if not prices or set(prices) - set(lines):
            raise RuleError(N_("Nothing was changed."))
        for fen in prices.values():
            if not isinstance(fen, int) or not 0 <= fen <= 10_000_000_00:
                raise RuleError(N_("Enter a price from 0 to 10,000,000 yuan."), field="prices")
        with db.atomic():
            old_total = self.locked().total_fen
            changed = {}
            for line_id, fen in prices.items():
                line = lines[line_id]
                if line.unit_fen != fen or not line.priced:
                    changed[line.name] = [line.unit_fen, fen]
                    line.unit_fen = fen
                    line.amount_fen = (fen * line.quantity + 1) // 2 if line.half else fen * line.quantity
                    line.priced = True
                    line.save()
            if not changed:
                raise RuleError(N_("Nothing was changed."))
            fresh = list(lines.values())
            parts = sum(line.amount_fen for line in fresh if line.kind == "part")
            labour = sum(line.amount_fen for line in fresh if line.kind == "labour")
            state = "to_price" if any(not line.priced for line in fresh) else "priced"
            data = {"total": [old_total, parts + labour], "lines": changed}
            self.apply(
                "revise",
                by,
                version,
                note=reason,
                data=data,
                parts_fen=parts,
                labour_fen=labour,
                total_fen=parts + labour,
                state=state,
            )
        return self


class ChargeLine(BaseModel):
    charge = ForeignKeyField(Charge, backref="+", on_delete="CASCADE")
    kind = CharField(max_length=10)
    code = CharField(max_length=30, default="")
    name = CharField(max_length=100)
    quantity = IntegerField()
    unit_fen = FenField()
    cost_fen = FenField(default=0)
    amount_fen = FenField()
    priced = BooleanField(default=True)
    half = BooleanField(default=False)  # quantity in half hours at an hourly rate

    class Meta:
        table_name = "charge_line"

    @property
    def label(self):
        return Label(self.name) if self.kind == "labour" else self.name


_FOR_JOB = where_id(Charge, "job")
