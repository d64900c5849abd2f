"""Invoices (Art. 9: 补寄发票, or invoice first): recorded by finance from the voucher, never
deleted (a mistake is reversed, 红冲, and a new one issued); the customer's invoice titles
kept for next time; receivables by age, and collection visits (另行前往收费)."""

import datetime
import re

from peewee import JOIN, CharField, DateField, DateTimeField, ForeignKeyField, IntegerField, TextField, fn

from models.core import (
    N_,
    BaseModel,
    Event,
    FenField,
    RuleError,
    StatefulModel,
    Transition,
    User,
    db,
    now,
    require,
    today,
)
from models.customers import Customer
from models.money.amounts import yuan_text
from models.money.charges import Charge
from models.money.labels import BUYER_KINDS, DELIVERY, INVOICE_KINDS, INVOICE_STATES, TAX_RATES
from models.money.payments import CollectionVisit, Payment
from models.service import Job

AGE_BUCKETS = ((0, 30), (31, 60), (61, 90), (91, None))


def check_taxpayer(buyer_kind, number):
    """A company's 统一社会信用代码 with its check character; individuals have none."""
    number = re.sub(r"\s", "", number or "").upper()
    if buyer_kind == "person":
        return ""
    from stdnum.cn import uscc  # loaded on first use: only invoicing needs it (a worker's memory)

    if not uscc.is_valid(number):
        raise RuleError(
            N_("That is not a valid unified social credit code (18 characters, check character last)."),
            field="taxpayer_no",
        )
    return number


class Invoice(StatefulModel):
    subject = "invoice"
    STATES = INVOICE_STATES
    TRANSITIONS = {"reverse": Transition(("issued",), "reversed", "invoice.issue", N_("Reverse (红冲)"))}

    job = ForeignKeyField(Job, backref="+", index=True)
    state = CharField(max_length=20, default="issued")
    kind = CharField(max_length=6)
    code = CharField(max_length=12, default="")  # paper invoices: 发票代码
    number = CharField(max_length=20)  # 20 digits for an e-invoice, 8 for paper
    issued_on = DateField()
    amount_fen = FenField()
    tax_rate = IntegerField(default=130)  # permille
    buyer_kind = CharField(max_length=10, default="company")
    buyer_name = CharField(max_length=100)
    taxpayer_no = CharField(max_length=20, default="")
    delivery = CharField(max_length=10)
    tracking_no = CharField(max_length=40, default="")
    email = CharField(max_length=120, default="")
    issued_by = ForeignKeyField(User, backref="+", lazy_load=False)
    reversed_at = DateTimeField(null=True)
    reversal_reason = TextField(default="")

    class Meta:
        table_name = "invoice"
        indexes = ((("kind", "code", "number"), True),)

    @property
    def title(self):
        return f"{self.code}{self.number}" if self.code else self.number

    @property
    def kind_label(self):
        return INVOICE_KINDS.get(self.kind, self.kind)

    @property
    def delivery_label(self):
        return DELIVERY.get(self.delivery, self.delivery)

    @property
    def tax_label(self):
        return dict(TAX_RATES).get(str(self.tax_rate), f"{self.tax_rate / 10:g}%")

    @classmethod
    def invoiced_for(cls, job_ids):
        if not job_ids:
            return {}
        rows = (
            cls.select(cls.job, fn.SUM(cls.amount_fen))
            .where(cls.job.in_(list(job_ids)), cls.state == "issued")
            .group_by(cls.job)
            .tuples()
        )
        return {job: int(total or 0) for job, total in rows}

    @classmethod
    def issue(
        cls,
        by,
        job,
        *,
        kind,
        number,
        issued_on,
        amount_fen,
        tax_rate,
        buyer_kind,
        buyer_name,
        taxpayer_no="",
        delivery,
        code="",
        tracking_no="",
        email="",
    ):
        """Record an invoice issued for a job; the customer's title is kept for next time."""
        require(by, "invoice.issue")
        charge = Charge.for_job(job.id)
        if charge is None or charge.total_fen <= 0:
            raise RuleError(N_("This job has no charge to invoice."))
        if charge.state != "priced":
            raise RuleError(N_("The office still has to price this job before it is invoiced."))
        if kind not in INVOICE_KINDS:
            raise RuleError(N_("Choose the kind of invoice."), field="kind")
        number = re.sub(r"\s", "", number or "")
        code = re.sub(r"\s", "", code or "")
        if kind == "e" and not re.fullmatch(r"\d{20}", number):
            raise RuleError(N_("A fully digital e-invoice has a 20-digit number."), field="number")
        if kind == "paper":
            if not re.fullmatch(r"\d{10}|\d{12}", code):
                raise RuleError(N_("A paper invoice code has 10 or 12 digits."), field="code")
            if not re.fullmatch(r"\d{8}", number):
                raise RuleError(N_("A paper invoice number has 8 digits."), field="number")
        else:
            code = ""
        if str(tax_rate) not in dict(TAX_RATES):
            raise RuleError(N_("Choose the tax rate."), field="tax_rate")
        if buyer_kind not in BUYER_KINDS:
            raise RuleError(N_("Choose a company or an individual."), field="buyer_kind")
        buyer_name = (buyer_name or "").strip()[:100]
        if not buyer_name:
            raise RuleError(N_("Enter the buyer's name (购买方名称)."), field="buyer_name")
        taxpayer_no = check_taxpayer(buyer_kind, taxpayer_no)
        if delivery not in DELIVERY:
            raise RuleError(N_("Say how the invoice reaches the customer."), field="delivery")
        if delivery == "mail" and not (tracking_no or "").strip():
            raise RuleError(N_("Enter the tracking number of the mailed invoice."), field="tracking_no")
        if delivery == "email" and "@" not in (email or ""):
            raise RuleError(N_("Enter the e-mail address the invoice was sent to."), field="email")
        if issued_on is None or issued_on > today():
            raise RuleError(N_("The invoice date cannot be in the future."), field="issued_on")
        with db.atomic():
            already = cls.invoiced_for([job.id]).get(job.id, 0)
            if not 0 < amount_fen <= charge.total_fen - already:
                raise RuleError(
                    N_("Invoice an amount from ¥0.01 to the ¥%(left)s not yet invoiced."),
                    field="amount",
                    left=yuan_text(charge.total_fen - already),
                )
            if cls.select().where(cls.kind == kind, cls.code == code, cls.number == number).exists():
                raise RuleError(N_("That invoice number is already recorded."), field="number")
            invoice = cls.create(
                job=job.id,
                kind=kind,
                code=code,
                number=number,
                issued_on=issued_on,
                amount_fen=amount_fen,
                tax_rate=int(tax_rate),
                buyer_kind=buyer_kind,
                buyer_name=buyer_name,
                taxpayer_no=taxpayer_no,
                delivery=delivery,
                tracking_no=(tracking_no or "").strip()[:40],
                email=(email or "").strip()[:120],
                issued_by=by.id,
            )
            Event.record(
                by,
                invoice,
                "issue",
                to_state="issued",
                note=f"{job.number} {buyer_name}",
                data={"amount": amount_fen, "job": job.number, "delivery": delivery},
            )
            if job.customer_id:
                InvoiceTitle.keep(job.customer_id, buyer_kind, buyer_name, taxpayer_no)
        return invoice

    def reverse(self, by, reason, version=None):
        """红冲: the invoice stays on record as reversed, with the reason; a new one may follow."""
        reason = (reason or "").strip()
        if not reason:
            raise RuleError(N_("Give the reason for the reversal."), field="reason")
        return self.apply("reverse", by, version, note=reason, reversed_at=now(), reversal_reason=reason)

    @classmethod
    def register_query(cls, start, end):
        """The invoice register of a period."""
        return (
            cls.select(cls, Job.number.alias("job_number"), Job.customer_name.alias("customer"))
            .join(Job, on=(cls.job == Job.id))
            .where(cls.issued_on >= start, cls.issued_on <= end)
            .order_by(cls.issued_on, cls.id)
            .objects()
        )


class InvoiceTitle(BaseModel):
    """A customer's invoice details (开票信息), kept on the customer's file for the next time."""

    customer = ForeignKeyField(Customer, backref="+")
    buyer_kind = CharField(max_length=10)
    buyer_name = CharField(max_length=100)
    taxpayer_no = CharField(max_length=20, default="")
    used_at = DateTimeField(default=now)

    class Meta:
        table_name = "invoice_title"
        indexes = ((("customer", "buyer_name"), True),)

    @classmethod
    def keep(cls, customer_id, buyer_kind, buyer_name, taxpayer_no):
        updated = (
            cls.update(buyer_kind=buyer_kind, taxpayer_no=taxpayer_no, used_at=now())
            .where(cls.customer == customer_id, cls.buyer_name == buyer_name)
            .execute()
        )
        if not updated:
            cls.create(
                customer=customer_id, buyer_kind=buyer_kind, buyer_name=buyer_name, taxpayer_no=taxpayer_no
            )

    @classmethod
    def of(cls, customer_id):
        if not customer_id:
            return []
        return list(cls.select().where(cls.customer == customer_id).order_by(cls.used_at.desc()))


class CollectionVisits:
    """Collection visits (另行前往收费): an internal job, dispatched like any other."""

    @staticmethod
    def request(by, job):
        require(by, "intake.register")
        owed = owed_on(job)
        if owed <= 0:
            raise RuleError(N_("Nothing is owed on this job."))
        open_visit = (
            CollectionVisit.select()
            .join(Job, on=(CollectionVisit.visit == Job.id))
            .where(
                CollectionVisit.job == job.id, Job.state.not_in(("filed", "void", "done", "countersigned"))
            )
            .exists()
        )
        if open_visit:
            raise RuleError(N_("A collection visit for this job is already on its way."))
        with db.atomic():
            visit = Job.register(
                by,
                customer=job.customer if job.customer_id else None,
                service_type="internal",
                fault=f"另行前往收费：{job.number}，应收 ¥{yuan_text(owed)}",
                contact_person=job.contact_person,
                phone=job.phone,
                address=job.address,
            )
            link = CollectionVisit.create(job=job.id, visit=visit.id, requested_by=by.id)
        return link, visit

    @staticmethod
    def owed_job_for(visit_job):
        link = CollectionVisit.get_or_none(CollectionVisit.visit == visit_job.id)
        return Job.get_by_id(link.job_id) if link else None


def owed_on(job):
    charge = Charge.for_job(job.id)
    if charge is None:
        return 0
    return charge.total_fen - Payment.paid_for([job.id]).get(job.id, 0)


def to_invoice(limit=200):
    """Charged jobs with something not yet invoiced, oldest first (finance's queue)."""
    invoiced = (
        Invoice.select(Invoice.job, fn.SUM(Invoice.amount_fen).alias("total"))
        .where(Invoice.state == "issued")
        .group_by(Invoice.job)
        .alias("inv")
    )
    return (
        Job.select(
            Job,
            Charge.total_fen.alias("charge_fen"),
            Charge.state.alias("charge_state"),
            fn.COALESCE(invoiced.c.total, 0).alias("invoiced_fen"),
        )
        .join(Charge, on=(Charge.job == Job.id))
        .join(invoiced, JOIN.LEFT_OUTER, on=(invoiced.c.job_id == Job.id))
        .where(Charge.total_fen > fn.COALESCE(invoiced.c.total, 0), Job.state != "void")
        .order_by(Job.finished_at, Job.id)
        .limit(limit)
        .objects()
    )


def receivables(on=None, limit=500):
    """Invoiced, not fully paid jobs with their age since the first invoice, oldest first."""
    on = on or today()
    invoiced = (
        Invoice.select(
            Invoice.job, fn.SUM(Invoice.amount_fen).alias("total"), fn.MIN(Invoice.issued_on).alias("first")
        )
        .where(Invoice.state == "issued")
        .group_by(Invoice.job)
        .alias("inv")
    )
    paid = (
        Payment.select(
            Payment.job, fn.SUM(fn.COALESCE(Payment.counted_fen, Payment.amount_fen)).alias("total")
        )
        .where(Payment.state != "void")
        .group_by(Payment.job)
        .alias("paid")
    )
    rows = list(
        Job.select(
            Job.id,
            Job.number,
            Job.customer,
            Job.customer_name,
            Job.phone,
            invoiced.c.total.alias("invoiced_fen"),
            invoiced.c.first.alias("first_invoice"),
            fn.COALESCE(paid.c.total, 0).alias("paid_fen"),
        )
        .join(invoiced, on=(invoiced.c.job_id == Job.id))
        .join(paid, JOIN.LEFT_OUTER, on=(paid.c.job_id == Job.id))
        .where(invoiced.c.total > fn.COALESCE(paid.c.total, 0))
        .order_by(invoiced.c.first, Job.id)
        .limit(limit)
        .objects()
    )
    for row in rows:
        first = row.first_invoice
        if isinstance(first, str):  # SQLite gives an aggregate of dates back as text
            first = datetime.date.fromisoformat(first[:10])
        row.first_invoice = first
        row.owed_fen = int(row.invoiced_fen) - int(row.paid_fen)
        row.age = (on - first).days
        row.bucket = next(i for i, (low, high) in enumerate(AGE_BUCKETS) if high is None or row.age <= high)
    return rows
