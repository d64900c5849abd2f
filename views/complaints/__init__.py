"""Complaint management (客户投诉管理): intake while the customer talks, the complaint list,
the complaint page with each step, the printed form and each technician's record."""

from flask import Blueprint, abort, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from playhouse.flask_utils import PaginatedQuery

from models import Customer, Event, Job, RuleError, User
from models.complaints import CAUSES, CHANNELS, SEVERITIES, Complaint, WorkCalendar
from models.core import can, now
from models.core.history import history
from models.customers import customers_with_phones
from views.board import board_strip
from views.common import choices, form_error, int_arg, render, requires, see_other, text_arg
from views.complaints.forms import (
    AcknowledgeForm,
    AddCallForm,
    FollowUpForm,
    IntakeForm,
    InvestigateForm,
    NoteForm,
    OwnerForm,
    ReassignForm,
    ResolveForm,
    VoidForm,
)
from views.records import due_passed, epoch, link_records, live_changes, mount_form, record_or_404
from views.shell import home_panel, nav, record_action

bp = Blueprint("complaints", __name__, url_prefix="/complaints")
PAGE = "complaints/intake.html"
RECENT_JOBS = 8
PER_PAGE = 50
LIST_VIEWS = {
    "open": _l("Open"),
    "overdue": _l("Overdue"),
    "mine": _l("Mine"),
    "closed": _l("Closed"),
    "all": _l("All"),
}

link_records("complaint", "complaints.show", "complaint_id")
nav("complaints.new", _l("Record a complaint"), "complaint.record", order=26)
nav("complaints.index", _l("Complaints"), "complaint.view", order=27)
record_action(
    "job",
    _l("Record a complaint about this voucher"),
    "complaint.record",
    lambda job: url_for(
        "complaints.new",
        job=job.id,
        channel="technician"
        if can(current_user, "tech.jobs") and not can(current_user, "board.view")
        else None,
    ),
)
record_action(
    "customer",
    _l("Record a complaint"),
    "complaint.record",
    lambda c: url_for("complaints.new", customer=c.id),
)
record_action(
    "user",
    _l("Staff record"),
    "staff.record",
    lambda user: url_for("complaints.staff", user_id=user.id) if user.role == "technician" else None,
)


def load_complaint(complaint_id):
    return record_or_404(Complaint.with_people(), complaint_id, "complaint.view")


# ---- intake ---------------------------------------------------------------------------


def _caller(customer_id):
    return Customer.get_or_none(Customer.id == customer_id) if customer_id else None


def _workspace(form, customer, picked_job=None):
    """The caller's recent vouchers and technicians to pick from, and their open complaints."""
    jobs = []
    if customer is not None:
        jobs = list(
            Job.with_people()
            .where(Job.customer == customer.id)
            .order_by(Job.registered_at.desc())
            .limit(RECENT_JOBS)
        )
    if picked_job is not None and picked_job.id not in {j.id for j in jobs}:
        jobs.insert(0, picked_job)
    form.customer.data = customer.id if customer else None
    form.jobs.choices = choices((j.id, j.number) for j in jobs)
    technicians = list(User.active_technicians())
    form.technician.choices = choices([(0, "—")] + [(t.id, t.full_name) for t in technicians])
    if picked_job is not None and not form.jobs.data:
        form.jobs.data = [picked_job.id]
        form.technician.data = picked_job.technician_id or 0
    calendar = WorkCalendar()
    severity = form.severity.data if form.severity.data in SEVERITIES else "normal"
    return {
        "form": form,
        "customer": customer,
        "jobs": jobs,
        "open_complaints": Complaint.open_for_customer(customer),
        "deadlines": calendar.deadlines(severity, now()),
        "calendar": calendar,
    }


def _intake(form=None, customer=None, q="", picked_job=None):
    results = customers_with_phones(Customer.search(q, limit=10)) if q else []
    return {"q": q, "results": results, **_workspace(form or IntakeForm(formdata=None), customer, picked_job)}


@bp.get("/new")
@requires("complaint.record")
def new():
    """Take a complaint while the customer talks: find them, pick the voucher, write it down."""
    form = IntakeForm(formdata=None)
    channel = text_arg("channel", 12)
    if channel in CHANNELS:
        form.channel.data = channel
    form.said.data = text_arg("said", 2000) or None  # prefilled from a survey answer
    job = None
    if int_arg("job"):
        found = Job.with_people().where(Job.id == int_arg("job")).first()
        if found is not None and found.can_view(current_user):
            job = found
    customer = _caller(int_arg("customer")) or (job.customer if job and job.customer_id else None)
    return render(PAGE, **_intake(form, customer, q=text_arg("q", 60), picked_job=job))


@bp.get("/search")
@requires("complaint.record")
def search():
    """Type-ahead: customers matching a phone, name or serial-number fragment."""
    return render(PAGE, block="results", **_intake(q=text_arg("q", 60)))


@bp.get("/caller/<int:customer_id>")
@requires("complaint.record")
def caller(customer_id):
    """The chosen caller's vouchers, technicians and open complaints, with the form."""
    return render(PAGE, block="workspace", **_intake(customer=_caller(customer_id) or abort(404)))


@bp.get("/deadlines")
@requires("complaint.record")
def deadlines():
    """The two deadlines a complaint of this severity would get if recorded now."""
    form = IntakeForm(formdata=None, severity=text_arg("severity", 10))
    return render(PAGE, block="deadlines", **_workspace(form, None))


@bp.post("/new")
@requires("complaint.record")
def record():
    """Record the complaint: its number at once, owned by whoever took it."""
    form = IntakeForm()
    customer = _caller(form.customer.data)
    context = _workspace(form, customer)  # fills the choices the form validates against
    if form.validate_on_submit():
        technician = User.get_or_none(User.id == form.technician.data) if form.technician.data else None
        try:
            complaint = Complaint.record(
                current_user,
                said=form.said.data,
                severity=form.severity.data,
                channel=form.channel.data,
                customer=customer,
                caller_name=form.caller_name.data,
                caller_phone=form.caller_phone.data,
                jobs=form.jobs.data or [],
                technician=technician,
            )
        except RuleError as error:
            form_error(form, error)
        else:
            return see_other("complaints.show", complaint_id=complaint.id, new=1)
    return render(PAGE, status=422, **{"q": "", "results": [], **context})


# ---- the list -------------------------------------------------------------------------


def _filters():
    view = text_arg("view", 10)
    return {
        "view": view if view in LIST_VIEWS else "open",
        "q": text_arg("q", 60),
        "cause": text_arg("cause", 12),
        "owner": int_arg("owner"),
        "technician": int_arg("technician"),
    }


def _listed(filters):
    query = Complaint.visible_to(current_user, "complaint.view", Complaint.with_people())
    view = filters["view"]
    if view == "open":
        query = query.where(Complaint.open_ones())
    elif view == "overdue":
        query = query.where(Complaint.overdue_where())
    elif view == "mine":
        query = query.where(Complaint.owner == current_user.id, Complaint.open_ones())
    elif view == "closed":
        query = query.where(Complaint.state.in_(("closed", "void")))
    if filters["cause"] in CAUSES:
        query = query.where(Complaint.cause == filters["cause"])
    if filters["owner"]:
        query = query.where(Complaint.owner == filters["owner"])
    if filters["technician"]:
        query = query.where(Complaint.technician == filters["technician"])
    query = Complaint.search(query, filters["q"])
    if view in ("open", "overdue", "mine"):
        return query.order_by(Complaint.resolve_due, Complaint.id)
    return query.order_by(Complaint.id.desc())


def _list_context(oob=False):
    filters = _filters()
    page = PaginatedQuery(_listed(filters), paginate_by=PER_PAGE, page=int_arg("page") or 1)
    return {
        "filters": filters,
        "views": LIST_VIEWS,
        "causes": CAUSES,
        "page": page,
        "complaints": list(page.get_object_list()),
        "now": now(),
        "position": Event.latest_id(),
        "next_due": epoch(Complaint.next_deadline()),
        "staff": list(User.select().where(User.active).order_by(User.full_name)),
        "technicians": list(User.active_technicians()),
        "oob": oob,
    }


@bp.get("/")
@requires("complaint.view")
def index():
    """Open, overdue, by owner, cause or technician, with search; kept live."""
    # a search or filter from the page brings its poller along, so the live list keeps them
    return render("complaints/list.html", blocks=["results", "poller"], poller_oob=True, **_list_context())


@bp.get("/poll")
@requires("complaint.view")
def poll():
    """The list again when a complaint changed or a deadline passed since the page was drawn."""
    clock_passed = due_passed()
    changes, done = live_changes({"complaint"})
    if done is not None and not clock_passed:
        return done
    if changes is not None and not changes[1] and not clock_passed:
        return render("complaints/list.html", block="poller", **_list_context())
    return render("complaints/list.html", blocks=["poller", "results"], **_list_context(oob=True))


# ---- one complaint --------------------------------------------------------------------


def _forms(complaint):
    shown = {"formdata": None, "version": complaint.version}
    return {
        "acknowledge": AcknowledgeForm(prefix="acknowledge", **shown),
        "investigate": InvestigateForm(prefix="investigate", cause=complaint.cause, **shown),
        "note": NoteForm(prefix="note", **shown),
        "add_call": AddCallForm(**shown),
        "resolve": ResolveForm(prefix="resolve", cause=complaint.cause, **shown),
        "follow_up": FollowUpForm(prefix="follow_up", **shown),
        "hand_over": OwnerForm(prefix="hand_over", **shown),
        "reassign": ReassignForm(prefix="reassign", to=current_user.id, **shown),
        "void": VoidForm(prefix="void", **shown),
    }


def _page(complaint, status=200, forms=None):
    shown = _forms(complaint)
    shown.update(forms or {})
    actions = complaint.allowed_actions(current_user)
    if "close" in actions or "reopen" in actions:
        actions.append("follow_up")
    return render(
        "complaints/show.html",
        status=status,
        complaint=complaint,
        jobs=complaint.jobs(),
        history=history(complaint, current_user),
        actions=actions,
        forms=shown,
        now=now(),
        new=bool(int_arg("new")) and complaint.registered_by_id == current_user.id,
    )


@bp.get("/<int:complaint_id>")
@requires("complaint.view")
def show(complaint_id):
    """The complaint: what was said, deadlines and when each was met, every step in words."""
    return _page(load_complaint(complaint_id))


@bp.get("/<int:complaint_id>/print")
@requires("complaint.view")
def print_form(complaint_id):
    """The complaint record (客户投诉处理单) on one A4 page."""
    complaint = load_complaint(complaint_id)
    return render(
        "complaints/print.html",
        complaint=complaint,
        jobs=complaint.jobs(),
        history=history(complaint, current_user),
    )


def _mount(action, form_class, apply, permission="complaint.handle", prefix=None):
    mount_form(bp, load_complaint, action, form_class, apply, _page, "complaint_id", permission, prefix)


_mount(
    "acknowledge",
    AcknowledgeForm,
    lambda c, f, by: c.acknowledge(by, f.way.data, f.note.data, f.version.data),
)
_mount(
    "investigate",
    InvestigateForm,
    lambda c, f, by: c.investigate(by, f.note.data, f.cause.data or "", f.version.data),
)
_mount("note", NoteForm, lambda c, f, by: c.add_note(by, f.note.data, f.version.data))
# unprefixed: the intake screen sends its "said" here when the call belongs to an open complaint
_mount(
    "add_call",
    AddCallForm,
    lambda c, f, by: c.add_call(by, f.said.data, f.version.data),
    "complaint.record",
    "",
)
_mount(
    "resolve",
    ResolveForm,
    lambda c, f, by: c.resolve(
        by, f.cause.data, f.resolution.data, f.told_customer.data, f.told_how.data, f.version.data
    ),
)
_mount("void", VoidForm, lambda c, f, by: c.void(by, f.reason.data, f.version.data))
_mount(
    "hand_over",
    OwnerForm,
    lambda c, f, by: c.hand_over(by, User.get_or_none(User.id == f.to.data), f.reason.data, f.version.data),
)
_mount(
    "reassign",
    ReassignForm,
    lambda c, f, by: c.reassign(by, User.get_or_none(User.id == f.to.data), f.reason.data, f.version.data),
    "complaint.reassign",
)


@bp.post("/<int:complaint_id>/follow-up")
@requires("complaint.handle")
def follow_up(complaint_id):
    """回访: record the customer's verdict; satisfied closes, not satisfied reopens."""
    complaint = load_complaint(complaint_id)
    complaint.check(current_user, "close")
    form = FollowUpForm(prefix="follow_up")
    if form.validate_on_submit():
        try:
            complaint.follow_up(current_user, form.satisfied.data == "yes", form.note.data, form.version.data)
        except RuleError as error:
            if error.field is None:
                raise
            form_error(form, error)
        else:
            return see_other("complaints.show", complaint_id=complaint.id)
    return _page(complaint, status=422, forms={"follow_up": form})


# ---- the technician's record (奖惩 evidence) ------------------------------------------


@bp.get("/staff/<int:user_id>")
@requires("staff.record")
def staff(user_id):
    """Every complaint that concerns a technician, with cause and outcome, over time."""
    person = User.get_or_none(User.id == user_id, User.role == "technician") or abort(404)
    complaints = list(Complaint.about(person))
    by_month, by_cause = {}, {}
    for c in complaints:
        month = c.registered_at.strftime("%Y-%m")
        by_month[month] = by_month.get(month, 0) + 1
        if c.cause:
            by_cause[c.cause] = by_cause.get(c.cause, 0) + 1
    return render(
        "complaints/staff.html",
        person=person,
        complaints=complaints,
        by_month=sorted(by_month.items(), reverse=True),
        by_cause=by_cause,
        causes=CAUSES,
    )


# ---- on other screens: the home page and the board ------------------------------------


def _home(user):
    mine = list(
        Complaint.with_people()
        .where(Complaint.owner == user.id, Complaint.open_ones())
        .order_by(Complaint.resolve_due)
        .limit(20)
    )
    overdue = Complaint.overdue_ones() if can(user, "complaint.reassign") else []
    if not mine and not overdue:
        return None
    return {"mine": mine, "overdue": overdue, "now": now()}


def _strip():
    at = now()
    return {
        "overdue": Complaint.overdue_ones(at, limit=20),
        "now": at,
        "next_due": Complaint.next_deadline(at),
    }


home_panel("complaints/_home.html", "complaint.view", _home, order=10)
board_strip("complaints", "complaints/_strip.html", "complaint.view", {"complaint"}, _strip)
