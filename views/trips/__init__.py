"""Out-of-town service (异地服务申请单, Art. 12) and the cost of every job: apply before leaving,
the manager's approval, the costs after the trip booked to the jobs, the printed form, the
cost report; the trip's state on the voucher and on the technician's phone."""

import datetime
import io

from flask import Blueprint, make_response, request, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from models import Job, RuleError, Setting, User
from models.core import can, may, today
from models.core.history import history
from models.service import SERVICE_TYPES
from models.trips import OPEN_STATES, STATES, OutOfTown, Trip, cost_report, costs_of, travel_days
from views.common import choices, field_or_raise, int_arg, period_arg, render, requires, see_other, text_arg
from views.records import changed_answer, link_records, record_or_404
from views.shell import nav, record_action, record_panel
from views.trips.forms import ApplyForm, CostsForm, DecisionForm, ReasonForm

bp = Blueprint("trips", __name__, url_prefix="/trips")
link_records("trip", "trips.show", "trip_id")
nav("trips.index", _l("Out-of-town trips"), "trip.view", order=45)
nav("trips.costs_page", _l("Cost of jobs"), "costs.view", order=52)


def load_trip(trip_id):
    return record_or_404(Trip.with_people(), trip_id, "trip.view")


def _job(job_id):
    return record_or_404(Job.with_people(), job_id, "job.view")


@bp.get("/")
@requires("trip.view")
def index():
    """Out-of-town applications: those waiting for a decision or for their costs first."""
    query = Trip.visible_to(current_user, "trip.view", Trip.with_people())
    open_ones = list(query.where(Trip.state.in_(OPEN_STATES)).order_by(Trip.depart_on, Trip.id))
    closed = list(
        Trip.visible_to(current_user, "trip.view", Trip.with_people())
        .where(Trip.state.not_in(OPEN_STATES))
        .order_by(Trip.id.desc())
        .limit(50)
    )
    return render("trips/index.html", open_ones=open_ones, closed=closed)


def _apply_form(formdata=None, job=None):
    form = ApplyForm() if formdata else ApplyForm(formdata=None)
    technicians = (
        [current_user] if not can(current_user, "trip.apply.any") else list(User.active_technicians())
    )
    form.technician.choices = choices((t.id, t.full_name) for t in technicians)
    tech_id = form.technician.data or (job.technician_id if job else None)
    if tech_id is None and technicians:
        tech_id = technicians[0].id
    form.technician.data = tech_id
    waiting = list(
        Job.select()
        .where(Job.technician == tech_id, Job.state == "dispatched")
        .order_by(Job.register_day, Job.id)
    )
    form.jobs.choices = choices((j.id, f"{j.number} {j.customer_name} {j.address}") for j in waiting)
    if job is not None and not form.jobs.data:
        form.jobs.data = [job.id]
        form.destination.data = form.destination.data or (job.address or "")[:30]
    if not form.depart_on.data:
        form.depart_on.data = today()
    if not form.return_on.data:
        form.return_on.data = today() + datetime.timedelta(days=1)
    return form


@bp.route("/new", methods=["GET", "POST"])
@requires("trip.apply")
def new():
    """Apply for out-of-town service before leaving: where, when, how, the estimate."""
    job = None
    if int_arg("job"):
        job = Job.get_or_none(Job.id == int_arg("job"))
        if job is not None and not may(current_user, "job.view", job):
            job = None
    form = _apply_form(request.form if request.method == "POST" else None, job)
    if form.validate_on_submit():
        technician = User.get_or_none(User.id == form.technician.data)
        jobs = list(Job.select().where(Job.id.in_(form.jobs.data or [])))
        try:
            trip = Trip.apply_for(
                current_user,
                technician,
                jobs,
                destination=form.destination.data,
                depart_on=form.depart_on.data,
                return_on=form.return_on.data,
                transport=form.transport.data,
                purpose=form.purpose.data,
                travel_fen=form.travel.fen or 0,
                lodging_fen=form.lodging.fen or 0,
                allowance_days=form.allowance_days.data or 0,
            )
        except RuleError as error:
            field_or_raise(form, error)
        else:
            return see_other("trips.show", trip_id=trip.id)
    status = 422 if form.errors or form.form_errors else 200
    return render("trips/new.html", form=form, status=status, rate=_rate())


def _rate():
    return Setting.get_value("allowance_per_day_fen")


def _page(trip, status=200, forms=None):
    shown = {
        "approve": DecisionForm(formdata=None, version=trip.version),
        "reject": ReasonForm(formdata=None, version=trip.version),
        "costs": CostsForm(formdata=None, version=trip.version, allowance_days=trip.est_allowance_days),
        "return_costs": ReasonForm(formdata=None, version=trip.version),
        "cancel": DecisionForm(formdata=None, version=trip.version),
    }
    shown.update(forms or {})
    jobs = trip.jobs()
    return render(
        "trips/show.html",
        status=status,
        trip=trip,
        jobs=jobs,
        costs=trip.costs(),
        forms=shown,
        actions=trip.allowed_actions(current_user),
        history=history(trip, current_user),
        days=travel_days(trip),
        job_costs=costs_of(jobs) if trip.state == "booked" else {},
    )


@bp.get("/<int:trip_id>")
@requires("trip.view")
def show(trip_id):
    """One application: its jobs, the estimate, the decision, the actual costs, its history."""
    return _page(load_trip(trip_id))


@bp.get("/<int:trip_id>/print")
@requires("trip.view")
def print_form(trip_id):
    """The application as the paper form, with the approval lines."""
    trip = load_trip(trip_id)
    return render(
        "trips/print.html",
        trip=trip,
        jobs=trip.jobs(),
        costs=trip.costs(),
        days=travel_days(trip),
        history=history(trip, current_user),
    )


def _step(trip_id, action, form_class, apply):
    trip = load_trip(trip_id)
    trip.check(current_user, action)
    form = form_class(prefix=action)
    if form.validate_on_submit():
        try:
            apply(trip, form)
        except RuleError as error:
            field_or_raise(form, error)
        else:
            return changed_answer(trip)
    return _page(trip, status=422, forms={action if action != "enter_costs" else "costs": form})


@bp.post("/<int:trip_id>/approve")
@requires("trip.approve")
def approve(trip_id):
    """The manager approves the trip: the technician may leave."""
    return _step(
        trip_id, "approve", DecisionForm, lambda t, f: t.approve(current_user, f.note.data, f.version.data)
    )


@bp.post("/<int:trip_id>/reject")
@requires("trip.approve")
def reject(trip_id):
    """The manager rejects the trip, saying why."""
    return _step(
        trip_id, "reject", ReasonForm, lambda t, f: t.reject(current_user, f.note.data, f.version.data)
    )


@bp.post("/<int:trip_id>/cancel")
@requires("trip.apply")
def cancel(trip_id):
    """The applicant (or the manager) cancels before the trip."""
    return _step(
        trip_id, "cancel", DecisionForm, lambda t, f: t.cancel(current_user, f.note.data, f.version.data)
    )


@bp.post("/<int:trip_id>/costs")
@requires("trip.apply")
def costs(trip_id):
    """After the trip: the actual costs by kind, with receipts, and the allowance days."""

    def enter(trip, form):
        lines = [
            ("transport", form.transport.fen or 0, form.transport_receipts.data or 0, ""),
            ("lodging", form.lodging.fen or 0, form.lodging_receipts.data or 0, ""),
            ("other", form.other.fen or 0, form.other_receipts.data or 0, form.other_note.data),
        ]
        trip.enter_costs(current_user, lines, form.allowance_days.data or 0, version=form.version.data)

    return _step(trip_id, "enter_costs", CostsForm, enter)


@bp.post("/<int:trip_id>/approve-costs")
@requires("trip.approve")
def approve_costs(trip_id):
    """The manager approves the costs: booked to the jobs' service cost."""
    return _step(
        trip_id, "approve_costs", DecisionForm, lambda t, f: t.approve_costs(current_user, f.version.data)
    )


@bp.post("/<int:trip_id>/return-costs")
@requires("trip.approve")
def return_costs(trip_id):
    """The manager sends the costs back to be corrected, saying why."""
    return _step(
        trip_id,
        "return_costs",
        ReasonForm,
        lambda t, f: t.return_costs(current_user, f.note.data, f.version.data),
    )


@bp.post("/jobs/<int:job_id>/mark")
@requires("job.out_of_town")
def mark(job_id):
    """The manager marks a job out-of-town: it may not start before a trip is approved."""
    job = _job(job_id)
    OutOfTown.mark(current_user, job)
    return changed_answer(job)


# ---- the cost of jobs ----------------------------------------------------------------


def _period(say=True):
    """The period asked for (at most 400 days), this month by default."""
    return period_arg(today().replace(day=1), today(), longest=400, say=say)


def _report(say=True):
    start, end = _period(say)
    service_type = text_arg("type", 10)
    service_type = service_type if service_type in SERVICE_TYPES else ""
    return start, end, service_type, cost_report(start, end, int_arg("technician"), service_type or None)


@bp.get("/costs")
@requires("costs.view")
def costs_page():
    """The cost of jobs by job, technician, service type and month, beside their charges."""
    start, end, service_type, report = _report()
    return render(
        "trips/costs.html",
        start=start,
        end=end,
        service_type=service_type,
        technician=int_arg("technician"),
        report=report,
        types=SERVICE_TYPES,
    )


@bp.get("/costs.xlsx")
@requires("costs.view")
def costs_export():
    """The cost report as a spreadsheet (Chinese headers in the Chinese UI)."""
    from openpyxl import Workbook  # only the export needs it

    start, end, _, report = _report(say=False)
    book = Workbook()
    sheet = book.active
    sheet.title = "costs"
    headers = (
        "Voucher",
        "Month",
        "Technician",
        "Service type",
        "Minutes on site",
        "Labour (yuan)",
        "Parts at cost (yuan)",
        "Trips (yuan)",
        "Cost (yuan)",
        "Charge (yuan)",
        "Margin (yuan)",
    )
    sheet.append([gettext(h) for h in headers])
    for job, month, f in report["rows"]:
        sheet.append(
            [
                job.number,
                month,
                job.tech.full_name if job.tech else "",
                gettext(job.type_label),
                f["minutes"],
                f["labour"] / 100,
                f["parts"] / 100,
                f["trips"] / 100,
                f["total"] / 100,
                None if f["charge"] is None else f["charge"] / 100,
                None if f["margin"] is None else f["margin"] / 100,
            ]
        )
    t = report["totals"]
    sheet.append(
        [
            gettext("Total"),
            "",
            "",
            "",
            "",
            t["labour"] / 100,
            t["parts"] / 100,
            t["trips"] / 100,
            t["total"] / 100,
            t["charge"] / 100,
            t["margin"] / 100,
        ]
    )
    buffer = io.BytesIO()
    book.save(buffer)
    response = make_response(buffer.getvalue())
    response.headers["Content-Type"] = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    response.headers["Content-Disposition"] = f"attachment; filename=costs-{start}-{end}.xlsx"
    return response


# ---- on the voucher and the technician's phone ----------------------------------------


def _job_trip(job):
    marked = OutOfTown.is_marked(job.id)
    trip = Trip.for_job(job.id)
    proposed = not marked and OutOfTown.proposed(job) and job.state in ("registered", "dispatched")
    cost = (
        costs_of([job]).get(job.id)
        if can(current_user, "costs.view") and job.state in ("done", "countersigned", "filed")
        else None
    )
    if not marked and trip is None and not proposed and cost is None:
        return None
    return {
        "job": job,
        "marked": marked,
        "trip": trip,
        "proposed": proposed,
        "cost": cost,
        "states": STATES,
        "can_mark": can(current_user, "job.out_of_town"),
        "can_apply": may(current_user, "trip.apply", Trip(technician=job.technician_id))
        and job.state == "dispatched"
        and (trip is None or trip.state in ("rejected", "cancelled")),
    }


record_panel("job", "trips/_job.html", "job.view", _job_trip, ("voucher", "tech"), order=15)
record_action(
    "job",
    _l("Apply for out-of-town service"),
    "trip.apply",
    lambda job: (
        url_for("trips.new", job=job.id)
        if job.state == "dispatched" and OutOfTown.is_marked(job.id) and Trip.for_job(job.id) is None
        else None
    ),
)
