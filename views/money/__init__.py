"""Fees and invoices (Art. 3, 6, 9): finance's home and queues, the price list, collection on
site with receipts, handovers, invoices, receivables and collection visits, the cash journal,
exports; and the money parts of the voucher, its print and the technician's phone screen."""

import datetime
import io

from flask import Blueprint, abort, make_response, request
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from models import Job, RuleError, Setting, User
from models.core import can, may, now, today
from models.money import (
    AGE_BUCKETS,
    METHODS,
    UNITS,
    Charge,
    CollectionVisits,
    Handover,
    Invoice,
    InvoiceTitle,
    JournalDay,
    JournalLine,
    Payment,
    PriceItem,
    compute,
    labour_minutes,
    owed_on,
    parse_yuan,
    receivables,
    rmb_capitals,
    to_invoice,
)
from views.common import field_or_raise, form_error, period_arg, render, requires, see_other, text_arg
from views.money.forms import (
    BankPaymentForm,
    CloseDayForm,
    CollectForm,
    HandoverForm,
    InvoiceForm,
    PriceChangeForm,
    PriceForm,
    ReasonForm,
    ReceiveForm,
    ReviseForm,
)
from views.records import changed_answer, link_records, record_or_404
from views.shell import home_panel, nav, record_panel

bp = Blueprint("money", __name__, url_prefix="/money")
nav("money.home", _l("Finance"), "money.view", order=50)
nav("money.prices", _l("Price list"), "prices.edit", order=51)
nav("money.mine", _l("My collections"), "money.hand", order=12)
link_records("invoice", "money.invoices", None)


@bp.app_template_filter("capitals")
def capitals(fen):
    return rmb_capitals(fen)


@bp.app_template_filter("unit_label")
def unit_label(unit):
    return gettext(UNITS.get(unit, unit))


@bp.app_template_filter("method_label")
def method_label(method):
    return gettext(METHODS.get(method, method)) if method else ""


def _job(job_id):
    return record_or_404(Job.with_people(), job_id, "job.view")


# ---- finance's home -------------------------------------------------------------------


def _figures():
    overdue_days = Setting.get_value("receivable_overdue_days")
    owed = receivables()
    return {
        "to_invoice": len(list(to_invoice())),
        "handovers": Handover.select().where(Handover.state == "submitted").count(),
        "differences": Handover.select().where(Handover.state == "differs").count(),
        "overdue": sum(1 for r in owed if r.age > overdue_days),
        "owed_fen": sum(r.owed_fen for r in owed),
        "today_fen": sum(line.amount_fen for line in JournalLine.of_day(today())),
    }


@bp.get("/")
@requires("money.view")
def home():
    """What finance has to do: jobs to invoice, handovers to count, differences, overdue money."""
    return render("money/home.html", figures=_figures())


def _home_panel(user):
    if not can(user, "money.confirm"):
        return None
    return {"figures": _figures()}


home_panel("money/_home.html", "money.view", _home_panel, order=15)


# ---- the price list -------------------------------------------------------------------


@bp.route("/prices", methods=["GET", "POST"])
@requires("prices.edit")
def prices():
    """Parts and labour rates, each change a new version (a charged job keeps its prices)."""
    form = PriceForm()
    if form.validate_on_submit():
        try:
            PriceItem.add(
                current_user,
                form.code.data,
                form.name.data,
                form.kind.data,
                form.unit.data,
                form.sale.fen,
                form.cost.fen,
            )
        except RuleError as error:
            form_error(form, error)
        else:
            return see_other("money.prices")
    q = text_arg("q", 40)
    status = 422 if form.errors or form.form_errors else 200
    return render("money/prices.html", form=form, items=list(PriceItem.listed(q)), q=q, status=status)


@bp.route("/prices/<int:item_id>", methods=["GET", "POST"])
@requires("prices.edit")
def price(item_id):
    """One price-list item: its price history and a new price."""
    item = PriceItem.get_or_none(PriceItem.id == item_id) or abort(404)
    form = PriceChangeForm(
        sale=f"{item.sale_fen / 100:.2f}",
        cost=f"{item.cost_fen / 100:.2f}",
        active="1" if item.active else "0",
    )
    if form.validate_on_submit():
        try:
            item.set_price(current_user, form.sale.fen, form.cost.fen, active=form.active.data == "1")
        except RuleError as error:
            form_error(form, error)
        else:
            return see_other("money.price", item_id=item.id)
    status = 422 if form.errors or form.form_errors else 200
    return render("money/price.html", item=item, form=form, versions=list(item.versions()), status=status)


# ---- the job's money: charge, quote, collection, receipts ------------------------------


def _quote_parts():
    parts = []
    for index in range(10):
        name = (request.args.get(f"parts-{index}-name") or "").strip()[:100]
        quantity = request.args.get(f"parts-{index}-quantity", type=int) or 1
        if name and 1 <= quantity <= 9999:
            parts.append((name, quantity))
    return parts


@bp.get("/jobs/<int:job_id>/quote")
@requires("job.view")
def quote(job_id):
    """What the customer will pay for the parts on the form and the time on site so far."""
    job = _job(job_id)
    figures = compute(job.service_type, _quote_parts(), labour_minutes(job, until=now()))
    return render("money/_sign.html", block="quote", panel={"job": job, "figures": figures, "picks": []})


@bp.post("/jobs/<int:job_id>/collect")
@requires("money.collect")
def collect(job_id):
    """The technician records what the customer paid on site, and gives the receipt."""
    job = _job(job_id)
    owed_job = CollectionVisits.owed_job_for(job)  # on a collection visit: the job owed for
    form = CollectForm()
    if form.validate_on_submit():
        try:
            if owed_job is not None:
                payment = Payment.collect(
                    current_user,
                    owed_job,
                    form.method.data,
                    form.amount.fen or 0,
                    kind="visit",
                    note=form.note.data,
                    visit=job,
                )
            else:
                payment = Payment.collect(
                    current_user, job, form.method.data, form.amount.fen or 0, note=form.note.data
                )
        except RuleError as error:
            raise error
        return see_other("money.receipt", payment_id=payment.id)
    first = next((e for f in form for e in f.errors), None)
    raise RuleError(str(first) if first else _l("This form is damaged. Reload the page."))


@bp.get("/receipts/<int:payment_id>")
@requires("job.view")
def receipt(payment_id):
    """The on-site receipt (收据): a page the customer can keep or photograph."""
    payment = Payment.get_or_none(Payment.id == payment_id) or abort(404)
    job = Job.get_by_id(payment.job_id)
    # whoever may read the job, and whoever collected it (on a visit for a colleague's job)
    if not (may(current_user, "job.view", job) or payment.collected_by_id == current_user.id):
        abort(404)
    collector = User.get_by_id(payment.collected_by_id)
    return render(
        "money/receipt.html",
        payment=payment,
        job=job,
        collector=collector,
        capitals=rmb_capitals(payment.amount_fen),
    )


@bp.post("/jobs/<int:job_id>/charge")
@requires("charge.amend")
def revise(job_id):
    """Change a job's charge (price a free-text part, correct a price), with the reason."""
    job = _job(job_id)
    charge = Charge.for_job(job.id) or abort(404)
    form = ReviseForm()
    if form.validate_on_submit():
        prices = {}
        for line in charge.lines():
            raw = request.form.get(f"price-{line.id}", "")
            if raw.strip():
                prices[line.id] = parse_yuan(raw, field="prices")
        charge.revise(current_user, form.reason.data, prices, version=form.version.data)
        return changed_answer(job)
    raise RuleError(_l("This form is damaged. Reload the page."))


# ---- handovers --------------------------------------------------------------------------


@bp.get("/mine")
@requires("money.hand")
def mine():
    """What the signed-in technician collected and still holds, and their handovers."""
    in_hand = Payment.in_hand_of(current_user)
    batches = list(
        Handover.select().where(Handover.technician == current_user.id).order_by(Handover.id.desc()).limit(20)
    )
    form = HandoverForm(payments=[p.id for p in in_hand])
    form.payments.choices = [(p.id, p.receipt) for p in in_hand]
    return render(
        "money/mine.html",
        in_hand=in_hand,
        total=sum(p.amount_fen for p in in_hand),
        batches=batches,
        form=form,
    )


@bp.post("/handovers")
@requires("money.hand")
def submit():
    """Hand the chosen sums to finance in one batch (交款)."""
    form = HandoverForm()
    if not form.validate_on_submit():
        raise RuleError(_l("This form is damaged. Reload the page."))
    batch = Handover.submit(current_user, form.payments.data or [])
    return see_other("money.handover", handover_id=batch.id)


def _handover(handover_id):
    return record_or_404(Handover.with_people(), handover_id, "handover.view")


@bp.get("/handovers")
@requires("money.confirm")
def handovers():
    """Handovers to count, and differences to resolve, oldest first."""
    open_ones = list(
        Handover.with_people().where(Handover.state.in_(("submitted", "differs"))).order_by(Handover.id)
    )
    done = list(
        Handover.with_people()
        .where(Handover.state.in_(("confirmed", "resolved")))
        .order_by(Handover.id.desc())
        .limit(30)
    )
    return render("money/handovers.html", open_ones=open_ones, done=done)


@bp.get("/handovers/<int:handover_id>")
@requires("handover.view")
def handover(handover_id):
    """The handover sheet: every sum, what finance counted, both signatures (printable)."""
    batch = _handover(handover_id)
    return render(
        "money/handover.html",
        batch=batch,
        items=batch.items(),
        receive_form=ReceiveForm,
        resolve_form=ReasonForm(formdata=None, version=batch.version),
    )


@bp.post("/payments/<int:payment_id>/receive")
@requires("money.confirm")
def receive(payment_id):
    """Finance counts one handed-over sum."""
    payment = Payment.get_or_none(Payment.id == payment_id) or abort(404)
    form = ReceiveForm()
    if not form.validate_on_submit():
        first = next((e for f in form for e in f.errors), None)
        raise RuleError(str(first) if first else _l("This form is damaged. Reload the page."))
    payment.receive(current_user, form.counted.fen, version=form.version.data)
    return see_other("money.handover", handover_id=payment.handover_id)


@bp.post("/handovers/<int:handover_id>/resolve")
@requires("money.confirm")
def resolve(handover_id):
    """Settle a handover's difference, with the reason (it stays in the record)."""
    batch = _handover(handover_id)
    form = ReasonForm()
    if not form.validate_on_submit():
        raise RuleError(_l("Give the reason the difference is settled."))
    batch.resolve(current_user, form.reason.data, version=form.version.data)
    return see_other("money.handover", handover_id=batch.id)


# ---- invoices -----------------------------------------------------------------------------


def _period(say=True):
    """The period asked for, this month by default."""
    return period_arg(today().replace(day=1), today(), say=say)


@bp.get("/invoices")
@requires("money.view")
def invoices():
    """Jobs to invoice (oldest first) and the invoice register of a period."""
    start, end = _period()
    queue = list(to_invoice())
    titles = {}
    for job in queue:
        if job.customer_id and job.customer_id not in titles:
            titles[job.customer_id] = InvoiceTitle.of(job.customer_id)[:1]
    return render(
        "money/invoices.html",
        queue=queue,
        titles=titles,
        start=start,
        end=end,
        register=list(Invoice.register_query(start, end)),
    )


def _invoice_form(job):
    charge = Charge.for_job(job.id)
    invoiced = Invoice.invoiced_for([job.id]).get(job.id, 0)
    left = (charge.total_fen - invoiced) if charge else 0
    title = InvoiceTitle.of(job.customer_id)[:1]
    defaults = {"issued_on": today(), "amount": f"{left / 100:.2f}", "buyer_name": job.customer_name}
    if title:
        defaults.update(
            buyer_kind=title[0].buyer_kind, buyer_name=title[0].buyer_name, taxpayer_no=title[0].taxpayer_no
        )
    return defaults


@bp.route("/jobs/<int:job_id>/invoice", methods=["GET", "POST"])
@requires("invoice.issue")
def invoice(job_id):
    """Record the invoice issued for a job (from its voucher): e-invoice or paper."""
    job = _job(job_id)
    form = InvoiceForm(data=_invoice_form(job)) if request.method == "GET" else InvoiceForm()
    if form.validate_on_submit():
        try:
            Invoice.issue(
                current_user,
                job,
                kind=form.kind.data,
                number=form.number.data,
                code=form.code.data,
                issued_on=form.issued_on.data,
                amount_fen=form.amount.fen or 0,
                tax_rate=form.tax_rate.data,
                buyer_kind=form.buyer_kind.data,
                buyer_name=form.buyer_name.data,
                taxpayer_no=form.taxpayer_no.data,
                delivery=form.delivery.data,
                tracking_no=form.tracking_no.data,
                email=form.email.data,
            )
        except RuleError as error:
            field_or_raise(form, error)
        else:
            return see_other("money.invoices")
    status = 422 if form.errors or form.form_errors else 200
    return render(
        "money/invoice.html",
        invoices=list(Invoice.select().where(Invoice.job == job.id).order_by(Invoice.id)),
        job=job,
        form=form,
        charge=Charge.for_job(job.id),
        titles=InvoiceTitle.of(job.customer_id),
        status=status,
    )


@bp.post("/invoices/<int:invoice_id>/reverse")
@requires("invoice.issue")
def reverse(invoice_id):
    """红冲: reverse an invoice with the reason (it stays on record)."""
    found = Invoice.get_or_none(Invoice.id == invoice_id) or abort(404)
    form = ReasonForm()
    if not form.validate_on_submit():
        raise RuleError(_l("Give the reason for the reversal."))
    found.reverse(current_user, form.reason.data, version=form.version.data)
    return see_other("money.invoice", job_id=found.job_id)


@bp.get("/jobs/<int:job_id>/invoice-request")
@requires("job.view")
def invoice_request(job_id):
    """The invoice request for finance (开票申请), printed from the voucher."""
    job = _job(job_id)
    charge = Charge.for_job(job.id) or abort(404)
    return render(
        "money/invoice_request.html",
        job=job,
        charge=charge,
        lines=charge.lines(),
        titles=InvoiceTitle.of(job.customer_id),
        capitals=rmb_capitals(charge.total_fen),
    )


# ---- receivables and payments received by finance ---------------------------------------


@bp.get("/receivables")
@requires("money.view")
def receivables_page():
    """Invoiced, unpaid jobs by age (0–30, 31–60, 61–90, over 90 days), per customer."""
    rows = receivables()
    buckets = [0] * len(AGE_BUCKETS)
    customers = {}
    for row in rows:
        buckets[row.bucket] += row.owed_fen
        entry = customers.setdefault(row.customer_name or "—", {"rows": [], "total": 0})
        entry["rows"].append(row)
        entry["total"] += row.owed_fen
    return render(
        "money/receivables.html",
        customers=customers,
        buckets=buckets,
        bucket_names=AGE_BUCKETS,
        total=sum(buckets),
    )


@bp.post("/jobs/<int:job_id>/visit")
@requires("intake.register")
def visit(job_id):
    """Dispatch a collection visit (另行前往收费): an internal job on the board."""
    job = _job(job_id)
    _, visit_job = CollectionVisits.request(current_user, job)
    return see_other("vouchers.show", job_id=visit_job.id)


@bp.post("/jobs/<int:job_id>/payment")
@requires("money.confirm")
def payment(job_id):
    """Finance records money received for a job (a transfer, a payment at the office)."""
    job = _job(job_id)
    form = BankPaymentForm()
    if not form.validate_on_submit():
        first = next((e for f in form for e in f.errors), None)
        raise RuleError(str(first) if first else _l("This form is damaged. Reload the page."))
    Payment.receive_bank(current_user, job, form.method.data, form.amount.fen or 0, note=form.note.data)
    return changed_answer(job)


# ---- the cash journal -----------------------------------------------------------------


@bp.get("/journal")
@requires("money.view")
def journal():
    """One day of the cash journal (现金收支): every sum received, its total, closed or not."""
    try:
        day = datetime.date.fromisoformat(text_arg("day", 10))
    except ValueError:
        day = today()
    if not datetime.date(2000, 1, 1) <= day <= datetime.date(2999, 12, 31):
        day = today()
    lines = JournalLine.of_day(day)
    closed = JournalDay.get_or_none(JournalDay.day == day)
    return render(
        "money/journal.html",
        day=day,
        lines=lines,
        total=sum(line.amount_fen for line in lines),
        closed=closed,
        form=CloseDayForm(formdata=None, day=day),
        previous=day - datetime.timedelta(days=1),
        following=day + datetime.timedelta(days=1),
    )


@bp.post("/journal/close")
@requires("journal.close")
def close_day():
    """Close a day of the journal: its lines cannot change any more."""
    form = CloseDayForm()
    if not form.validate_on_submit():
        raise RuleError(_l("Choose the day."))
    JournalDay.close(current_user, form.day.data)
    return see_other("money.journal", day=form.day.data.isoformat())


# ---- exports (Excel, Chinese headers in the Chinese UI) --------------------------------


def _workbook(title, headers, rows):
    from openpyxl import Workbook  # only the exports need it: not loaded by every worker

    book = Workbook()
    sheet = book.active
    sheet.title = title[:31]
    sheet.append([gettext(h) for h in headers])
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    response = make_response(buffer.getvalue())
    response.headers["Content-Type"] = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    response.headers["Content-Disposition"] = f"attachment; filename={title}.xlsx"
    return response


@bp.get("/invoices.xlsx")
@requires("money.view")
def export_invoices():
    """The invoice register of a period, as a spreadsheet."""
    start, end = _period(say=False)
    rows = [
        (
            i.issued_on.isoformat(),
            i.job_number,
            i.customer,
            gettext(i.kind_label),
            i.code,
            i.number,
            i.amount_fen / 100,
            i.tax_label,
            i.buyer_name,
            i.taxpayer_no,
            gettext(i.delivery_label),
            i.tracking_no,
            gettext(Invoice.STATES[i.state]),
        )
        for i in Invoice.register_query(start, end)
    ]
    headers = (
        "Date",
        "Voucher",
        "Customer",
        "Invoice",
        "Invoice code",
        "Invoice number",
        "Amount (yuan)",
        "Tax rate",
        "Buyer",
        "Taxpayer number",
        "Delivery",
        "Tracking number",
        "State",
    )
    return _workbook(f"invoices-{start}-{end}", headers, rows)


@bp.get("/receivables.xlsx")
@requires("money.view")
def export_receivables():
    """Receivables by age, as a spreadsheet."""
    rows = [
        (
            r.customer_name,
            r.number,
            r.first_invoice.isoformat(),
            r.age,
            r.invoiced_fen / 100,
            int(r.paid_fen) / 100,
            r.owed_fen / 100,
        )
        for r in receivables()
    ]
    headers = ("Customer", "Voucher", "Invoiced on", "Days", "Invoiced (yuan)", "Paid (yuan)", "Owed (yuan)")
    return _workbook(f"receivables-{today()}", headers, rows)


@bp.get("/journal.xlsx")
@requires("money.view")
def export_journal():
    """The cash journal of a period, as a spreadsheet."""
    start, end = _period(say=False)
    lines = (
        JournalLine.select()
        .where(JournalLine.day >= start, JournalLine.day <= end)
        .order_by(JournalLine.day, JournalLine.id)
    )
    rows = [(line.day.isoformat(), gettext(line.text), line.method, line.amount_fen / 100) for line in lines]
    return _workbook(f"journal-{start}-{end}", ("Day", "Entry", "Method", "Amount (yuan)"), rows)


# ---- on the voucher, its print and the technician's screen ----------------------------


def _job_money(job):
    charge = Charge.for_job(job.id)
    visit_for = CollectionVisits.owed_job_for(job) if job.service_type == "internal" else None
    if charge is None and visit_for is None:
        return None
    payments = list(
        Payment.select().where(Payment.job == job.id, Payment.state != "void").order_by(Payment.id)
    )
    invoices_ = list(Invoice.select().where(Invoice.job == job.id).order_by(Invoice.id))
    paid = sum((p.counted_fen if p.counted_fen is not None else p.amount_fen) for p in payments)
    owed = (charge.total_fen - paid) if charge else 0
    limit = Setting.get_value("small_fee_limit_fen")
    return {
        "job": job,
        "charge": charge,
        "lines": charge.lines() if charge else [],
        "capitals": rmb_capitals(charge.total_fen) if charge else "",
        "payments": payments,
        "invoices": invoices_,
        "owed": owed,
        "limit": limit,
        "on_site": charge is not None and 0 < charge.total_fen <= limit,
        "visit_for": visit_for,
        "visit_owed": owed_on(visit_for) if visit_for else 0,
        "can_collect": may(current_user, "money.collect", job),
        "can_revise": can(current_user, "charge.amend"),
        "can_invoice": can(current_user, "invoice.issue"),
        "can_pay": can(current_user, "money.confirm"),
        "can_visit": can(current_user, "intake.register") and owed > 0 and bool(invoices_),
        "collect_form": CollectForm(formdata=None, amount=f"{max(owed, 0) / 100:.2f}"),
        "pay_form": BankPaymentForm(formdata=None, amount=f"{max(owed, 0) / 100:.2f}"),
        "revise_form": ReviseForm(formdata=None, version=charge.version) if charge else None,
    }


def _sign_panel(job):
    if job.service_type == "internal":
        return None
    # parts the workshop recorded are part of what the customer pays on delivery
    recorded = [(p.name, p.quantity) for p in job.parts] if job.carried_back_at else []
    figures = compute(job.service_type, recorded, labour_minutes(job, until=now()))
    return {"job": job, "figures": figures, "picks": list(PriceItem.picks())}


record_panel("job", "money/_job.html", "job.view", _job_money, ("voucher", "tech"), order=20)
record_panel("job", "money/_print.html", "job.view", _job_money, ("print",), order=20)
record_panel("job", "money/_sign.html", "job.view", _sign_panel, ("sign",), order=20)
record_panel("customer", "money/_customer.html", "money.view", lambda c: _customer_money(c), ("file",))


def _customer_money(customer):
    owed = [r for r in receivables() if r.customer_id == customer.id]
    titles = InvoiceTitle.of(customer.id)
    if not owed and not titles:
        return None
    return {"owed": owed, "total": sum(r.owed_fen for r in owed), "titles": titles}
