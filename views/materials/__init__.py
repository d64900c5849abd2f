"""Promotional material (宣传品保管与发放, Art. 13): items and their balance, the ledger with
issues, receipts and stocktakes (printable like the paper one), purchase requests (物品请购)."""

import datetime

from flask import Blueprint, abort, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from models import Job, RuleError
from models.core import may
from models.materials import KINDS, RECIPIENTS, REQUEST_STATES, Material, PurchaseRequest
from views.common import field_or_raise, int_arg, period_arg, render, requires, see_other
from views.filters import label
from views.materials.forms import DecideForm, IssueForm, ItemForm, PurchaseForm, ReceiveForm, StocktakeForm
from views.records import changed_answer
from views.shell import home_panel, nav, record_action

bp = Blueprint("materials", __name__, url_prefix="/materials")
nav("materials.index", _l("Promotional material"), "materials.view", order=46)


@bp.app_template_filter("movement_kind")
def movement_kind(kind):
    return label(KINDS.get(kind, kind))


def _item(material_id):
    return Material.get_or_none(Material.id == material_id) or abort(404)


@bp.route("/", methods=["GET", "POST"])
@requires("materials.view")
def index():
    """Every item with its balance; those running low first; a new item."""
    form = ItemForm()
    if form.validate_on_submit():
        try:
            Material.add(
                current_user, form.name.data, form.spec.data, form.unit.data, form.low_stock.data or 0
            )
        except RuleError as error:
            field_or_raise(form, error)
        else:
            return see_other("materials.index")
    items = list(Material.select().order_by(Material.active.desc(), Material.name))
    requests = list(
        PurchaseRequest.select(PurchaseRequest, Material)
        .join(Material)
        .where(PurchaseRequest.state.in_(("requested", "approved")))
        .order_by(PurchaseRequest.id)
    )
    status = 422 if form.errors or form.form_errors else 200
    return render(
        "materials/index.html",
        items=items,
        form=form,
        requests=requests,
        status=status,
        request_states=REQUEST_STATES,
    )


def _period():
    """The period of the ledger asked for; the whole ledger by default."""
    return period_arg(None, None)


def _page(item, status=200, **forms):
    start, end = _period()
    job = None
    if int_arg("job"):
        job = Job.get_or_none(Job.id == int_arg("job"))
    return render(
        "materials/show.html",
        status=status,
        item=item,
        ledger=item.ledger(start, end),
        start=start,
        end=end,
        opening=item.balance_on(start - datetime.timedelta(days=1)) if start else 0,
        issue_form=forms.get("issue_form") or IssueForm(formdata=None, job=job.number if job else ""),
        receive_form=forms.get("receive_form") or ReceiveForm(formdata=None),
        stocktake_form=forms.get("stocktake_form") or StocktakeForm(formdata=None),
        purchase_form=forms.get("purchase_form") or PurchaseForm(formdata=None),
        recipients=RECIPIENTS,
    )


@bp.get("/<int:material_id>")
@requires("materials.view")
def show(material_id):
    """The item's ledger: date, received, issued, balance, to whom, who; and its forms."""
    return _page(_item(material_id))


@bp.get("/<int:material_id>/print")
@requires("materials.view")
def print_ledger(material_id):
    """The ledger as the paper one, with a signature column."""
    item = _item(material_id)
    start, end = _period()
    return render(
        "materials/print.html",
        item=item,
        ledger=item.ledger(start, end),
        start=start,
        end=end,
        opening=item.balance_on(start - datetime.timedelta(days=1)) if start else 0,
        recipients=RECIPIENTS,
    )


@bp.post("/<int:material_id>/issue")
@requires("materials.issue")
def issue(material_id):
    """Issue items to a customer, an event or a colleague (optionally with a job)."""
    item = _item(material_id)
    form = IssueForm()
    if form.validate_on_submit():
        job = None
        if (form.job.data or "").strip():
            job = Job.get_or_none(Job.number == form.job.data.strip().upper())
            if job is None or not may(current_user, "job.view", job):
                form.job.errors = [*form.job.errors, str(_l("No such voucher."))]
        if not form.job.errors:
            try:
                item.issue(
                    current_user,
                    form.quantity.data,
                    form.recipient.data,
                    form.to_whom.data,
                    form.purpose.data,
                    job=job,
                )
            except RuleError as error:
                field_or_raise(form, error)
            else:
                return see_other("materials.show", material_id=item.id)
    return _page(item, status=422, issue_form=form)


@bp.post("/<int:material_id>/receive")
@requires("materials.keep")
def receive(material_id):
    """Items received into stock."""
    item = _item(material_id)
    form = ReceiveForm()
    if form.validate_on_submit():
        try:
            item.receive(current_user, form.quantity.data, form.note.data)
        except RuleError as error:
            field_or_raise(form, error)
        else:
            return see_other("materials.show", material_id=item.id)
    return _page(item, status=422, receive_form=form)


@bp.post("/<int:material_id>/stocktake")
@requires("materials.keep")
def stocktake(material_id):
    """The shelf was counted: the difference is booked with the reason."""
    item = _item(material_id)
    form = StocktakeForm()
    if form.validate_on_submit():
        try:
            item.stocktake(current_user, form.counted.data, form.reason.data)
        except RuleError as error:
            field_or_raise(form, error)
        else:
            return see_other("materials.show", material_id=item.id)
    return _page(item, status=422, stocktake_form=form)


@bp.post("/<int:material_id>/purchase")
@requires("materials.keep")
def purchase(material_id):
    """Request a purchase (物品请购) for the manager to approve."""
    item = _item(material_id)
    form = PurchaseForm()
    if form.validate_on_submit():
        try:
            PurchaseRequest.ask(current_user, item, form.quantity.data, form.reason.data)
        except RuleError as error:
            field_or_raise(form, error)
        else:
            return see_other("materials.index")
    return _page(item, status=422, purchase_form=form)


def _request(request_id):
    return PurchaseRequest.get_or_none(PurchaseRequest.id == request_id) or abort(404)


def _decide(request_id, action, apply):
    found = _request(request_id)
    found.check(current_user, action)
    form = DecideForm()
    if not form.validate_on_submit():
        first = next((e for f in form for e in f.errors), None)
        raise RuleError(str(first) if first else _l("This form is damaged. Reload the page."))
    apply(found, form)
    return changed_answer(found)


@bp.post("/purchases/<int:request_id>/approve")
@requires("purchase.approve")
def approve(request_id):
    """The manager approves a purchase request."""
    return _decide(request_id, "approve", lambda r, f: r.approve(current_user, f.note.data, f.version.data))


@bp.post("/purchases/<int:request_id>/reject")
@requires("purchase.approve")
def reject(request_id):
    """The manager rejects a purchase request, saying why."""
    return _decide(request_id, "reject", lambda r, f: r.reject(current_user, f.note.data, f.version.data))


@bp.post("/purchases/<int:request_id>/receive")
@requires("materials.keep")
def receive_purchase(request_id):
    """The goods of an approved request arrived: into stock."""
    return _decide(
        request_id, "receive", lambda r, f: r.receive(current_user, f.quantity.data, f.version.data)
    )


def _low_stock(user):
    low = Material.running_low()
    return {"low": low} if low else None


home_panel("materials/_home.html", "materials.keep", _low_stock, order=30)
record_action(
    "job",
    _l("Issue promotional material for this job"),
    "materials.issue",
    lambda job: url_for("materials.index", job=job.id) if job.state in ("dispatched", "on_site") else None,
)
