"""Service vouchers (服务凭证): the voucher page, its transitions, the manager's queues, print."""

from flask import Blueprint, abort, flash, g, make_response, redirect, request, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from htmx_flask import make_response as hx_response

from models import Event, Job, PartLine, RuleError, Signature, User, can
from models.core import may
from models.core.errors import N_
from models.core.history import describe, history
from models.service import AMENDABLE, OPEN_STATES, SERVICE_TYPES, SIGNATURE_KINDS, STATES, Appointment, Chaser
from models.service.batch import MAX_BATCH, countersign_batch
from views.common import MAX_INT, field_or_raise, is_htmx, render, requires, translate
from views.filters import label
from views.records import (
    changed_answer,
    link_records,
    live_changes,
    mount_transitions,
    to_utc,
)
from views.shell import home_panel, nav, record_panel
from views.vouchers.forms import AmendForm, AppointmentForm, DispatchForm, RecordForm, VoidForm

bp = Blueprint("vouchers", __name__, url_prefix="/jobs")
link_records("job", "vouchers.show", "job_id")
nav("vouchers.dispatch_list", _l("Dispatch"), "job.dispatch", order=30)
nav("vouchers.queue", _l("Countersign"), "job.countersign", order=31)
nav("vouchers.filing", _l("Filing"), "job.file", order=32)


@bp.app_template_filter("state_label")
def state_label(state):
    return label(STATES.get(state, state)) if state else ""


@bp.app_template_filter("type_label")
def type_label(service_type):
    return label(SERVICE_TYPES.get(service_type, service_type))


def load_job(job_id):
    """The job, or 404 when it does not exist or the user may not see it."""
    job = Job.one_with_people(job_id)
    if job is None or not may(current_user, "job.view", job):
        abort(404)
    return job


def signature_checks(job):
    """(signature, still matches, amendments after it in words) for each of the job's signatures."""
    return [(sig, ok, describe(events, current_user)) for sig, ok, events in job.signature_checks()]


def _page(job, status=200, **forms):
    actions = job.allowed_actions(current_user)
    context = {
        "job": job,
        "history": history(job, current_user),
        "parts": list(job.parts),
        "signatures": job.signatures_list(),
        "checks": signature_checks(job),
        "signature_kinds": SIGNATURE_KINDS,
        "actions": actions,
        "dispatch_form": forms.get("dispatch_form") or DispatchForm.for_job(job, formdata=None),
        "void_form": forms.get("void_form") or VoidForm(version=job.version, formdata=None),
        "record_form": forms.get("record_form") or RecordForm(version=job.version, formdata=None),
        "amend_form": forms.get("amend_form") or (AmendForm.for_job(job) if "amend" in actions else None),
    }
    return render("vouchers/show.html", status=status, **context)


@bp.get("/<int:job_id>")
@requires("job.view")
def show(job_id):
    """One voucher with its history and the actions the user may take."""
    return _page(load_job(job_id))


@bp.get("/<int:job_id>/print")
@requires("job.view")
def print_voucher(job_id):
    """The voucher as the one-page paper form."""
    job = load_job(job_id)
    return render(
        "vouchers/print.html",
        job=job,
        parts=list(job.parts),
        signatures=job.signatures_list(),
        signature_kinds=SIGNATURE_KINDS,
        checks=signature_checks(job),
    )


@bp.get("/<int:job_id>/signatures/<int:signature_id>.png")
@requires("job.view")
def signature_image(job_id, signature_id):
    """A customer's signature image (only to those who may read the voucher)."""
    job = load_job(job_id)
    signature = Signature.get_or_none(
        Signature.id == signature_id, Signature.subject == job.subject, Signature.subject_id == job.id
    )
    if signature is None or signature.image is None:
        abort(404)
    response = make_response(bytes(signature.image))
    response.headers["Content-Type"] = "image/png"
    response.headers["Cache-Control"] = "private, max-age=86400"
    return response


# Button-only steps: arrived (到场), countersign (核签), file (归档).
mount_transitions(bp, Job, load_job, ("arrive", "countersign", "file"), id_arg="job_id")


@bp.post("/<int:job_id>/dispatch")
@requires("job.dispatch")
def dispatch(job_id):
    """Dispatch (派工) or re-dispatch a voucher to a technician."""
    job = load_job(job_id)
    job.check(current_user, "dispatch")
    form = DispatchForm.for_job(job)
    if form.validate_on_submit():
        technician = User.get_or_none(User.id == form.technician.data)
        try:
            job.dispatch(technician, by=current_user, version=form.version.data)
        except RuleError as error:
            if is_htmx():
                raise
            field_or_raise(form, error)
        else:
            done = gettext("%(number)s dispatched to %(tech)s.", number=job.number, tech=technician.full_name)
            return changed_answer(job, message=done)
    if is_htmx():
        # From a list or the board: say what is wrong in a message, not a whole page.
        first = next((e for f in form for e in f.errors), None)
        raise RuleError(str(first) if first else N_("This form is damaged. Reload the page."))
    return _page(job, status=422, dispatch_form=form)


def _calls(job):
    """The chasers (催修) and the appointment of a job, for its voucher and the technician."""
    chasers = Chaser.of(job)
    appointment = Appointment.of(job)
    can_set = job.state in OPEN_STATES and can(current_user, "intake.register")
    if not chasers and appointment is None and not can_set:
        return None
    form = g.pop("appointment_form", None)  # sent back with its errors (see appointment)
    if can_set and form is None:
        form = AppointmentForm(formdata=None)
        if appointment is not None:
            form.appointment_day.data = appointment.day
            form.appointment_slot.data = appointment.slot
            form.appointment_preferred.data = appointment.agreed == "preferred"
            form.appointment_note.data = appointment.note
    return {"job": job, "chasers": chasers, "appointment": appointment, "form": form}


record_panel("job", "vouchers/_calls.html", "job.view", _calls, ("voucher", "tech"), order=5)


@bp.post("/<int:job_id>/appointment")
@requires("intake.register")
def appointment(job_id):
    """Agree the day and time with the customer (or note their preference); a change is kept."""
    job = load_job(job_id)
    form = AppointmentForm()
    if form.validate_on_submit():
        try:
            Appointment.set(
                current_user,
                job,
                form.appointment_day.data,
                form.appointment_slot.data,
                agreed=not form.appointment_preferred.data,
                note=form.appointment_note.data,
            )
        except RuleError as error:
            field_or_raise(form, error)
        else:
            return changed_answer(job, N_("Appointment saved."))
    g.appointment_form = form  # the panel shows it with its errors
    return _page(job, status=422)


@bp.post("/<int:job_id>/void")
@requires("job.void")
def void(job_id):
    """Void the voucher with a reason (作废); it keeps its number."""
    job = load_job(job_id)
    job.check(current_user, "void")
    form = VoidForm()
    if form.validate_on_submit():
        try:
            job.void(current_user, form.reason.data, version=form.version.data)
        except RuleError as error:
            field_or_raise(form, error)
        else:
            return changed_answer(job)
    return _page(job, status=422, void_form=form)


@bp.post("/<int:job_id>/record")
@requires("job.paper")
def record(job_id):
    """Enter the service from the signed paper voucher: finished, or carried back for repair."""
    job = load_job(job_id)
    job.check(current_user, "paper_finish")  # finishing is possible wherever carrying back is
    form = RecordForm()
    if form.validate_on_submit():
        try:
            job.enter_paper(
                current_user,
                form.result.data,
                form.signer_name.data,
                form.work_done.data,
                arrived_at=to_utc(form.arrived_at.data),
                finished_at=to_utc(form.finished_at.data),
                parts=form.part_lines(),
                version=form.version.data,
            )
        except RuleError as error:
            field_or_raise(form, error)
        else:
            return changed_answer(job)
    return _page(job, status=422, record_form=form)


@bp.post("/<int:job_id>/amend")
@requires("job.amend")
def amend(job_id):
    """Correct a signed voucher with a reason; the history and the print show it."""
    job = load_job(job_id)
    job.check(current_user, "amend")
    form = AmendForm()
    if form.validate_on_submit():
        # Only what the manager changed: a field left as shown (times are shown to the minute)
        # keeps its stored value exactly.
        shown = AmendForm.for_job(job)
        changes = {}
        for name in AMENDABLE:
            value = getattr(form, name).data
            if value != getattr(shown, name).data:
                changes[name] = to_utc(value) if name.endswith("_at") else value
        try:
            job.amend(current_user, form.reason.data, version=form.version.data, **changes)
        except RuleError as error:
            field_or_raise(form, error)
        else:
            return changed_answer(job)
    return _page(job, status=422, amend_form=form)


def _dispatch_context():
    return {
        "waiting": list(Job.awaiting_dispatch()),
        "started": list(Job.dispatched_not_started()),
        "technicians": list(User.active_technicians()),
    }


@bp.get("/dispatch")
@requires("job.dispatch")
def dispatch_list():
    """Work waiting for dispatch (carried-over first) and dispatched work not yet started."""
    return render("vouchers/dispatch.html", position=Event.latest_id(), **_dispatch_context())


@bp.get("/dispatch/poll")
@requires("job.dispatch")
def dispatch_poll():
    """The dispatch list again when any voucher changed since the position it shows."""
    changes, done = live_changes({"job"})
    if done is not None:
        return done
    position, _ = changes
    return render("vouchers/dispatch.html", block="lists", position=position, oob=True, **_dispatch_context())


# Countersigning (核签) and filing (归档) are two screens: a second quick tap never files what
# the first one countersigned.
QUEUES = {"countersign": Job.awaiting_countersign, "file": Job.awaiting_filing}


def _queue_context(step):
    jobs = list(QUEUES[step]())
    ids = [job.id for job in jobs]
    parts, signatures = {}, {}
    if ids:
        for part in PartLine.select().where(PartLine.job.in_(ids)).order_by(PartLine.id):
            parts.setdefault(part.job_id, []).append(part)
        shown = Signature.select(
            Signature.id,
            Signature.subject_id,
            Signature.kind,
            Signature.signer_name,
            Signature.on_paper,
            Signature.signed_at,
        )
        for sig in shown.where(Signature.subject == "job", Signature.subject_id.in_(ids)).order_by(
            Signature.id
        ):
            signatures.setdefault(sig.subject_id, []).append(sig)
    return {
        "step": step,
        "jobs": jobs,
        "parts": parts,
        "signatures": signatures,
        "signature_kinds": SIGNATURE_KINDS,
    }


def _queue(step):
    return render("vouchers/queue.html", position=Event.latest_id(), **_queue_context(step))


def _queue_poll(step):
    changes, done = live_changes({"job"})
    if done is not None:
        return done
    position, _ = changes
    return render("vouchers/queue.html", block="lists", position=position, oob=True, **_queue_context(step))


@bp.get("/queue")
@requires("job.countersign")
def queue():
    """Vouchers awaiting countersignature (Art. 10), each with its work, parts and signatures,
    to countersign one by one or ticked together."""
    return _queue("countersign")


@bp.get("/queue/poll")
@requires("job.countersign")
def queue_poll():
    """The queue again when any voucher changed since the position it shows."""
    return _queue_poll("countersign")


@bp.post("/queue/countersign")
@requires("job.countersign")
def countersign_ticked():
    """Countersign the ticked vouchers, each at the version the manager looked at."""
    items = []
    for value in request.form.getlist("job")[:MAX_BATCH]:
        job_id, _, version = value.partition(":")
        if job_id.isdigit() and version.isdigit() and 0 < int(job_id) <= MAX_INT:
            items.append((int(job_id), int(version)))
    try:
        done, refused = countersign_batch(current_user, items)
    except RuleError as error:
        done, refused = [], [("", error)]
    message = gettext("Countersigned: %(n)s.", n=len(done))
    if refused:
        message += (
            " "
            + gettext("Not countersigned:")
            + " "
            + "; ".join(f"{number} {translate(error)}".strip() for number, error in refused)
        )
    if is_htmx():
        return hx_response("", 204, trigger={"record-changed": {"subject": "job"}, "toast": message})
    flash(message, "ok" if not refused else "error")
    return redirect(url_for("vouchers.queue"), 303)


@bp.get("/filing")
@requires("job.file")
def filing():
    """Countersigned vouchers awaiting filing (归档), which closes their register line."""
    return _queue("file")


@bp.get("/filing/poll")
@requires("job.file")
def filing_poll():
    return _queue_poll("file")


def _home(user):
    """What waits for this user in the voucher's workflow: to dispatch, countersign, file."""
    counts = {
        step: Job.select().where(Job.state == state).count()
        for step, state, action in (
            ("dispatch", "registered", "job.dispatch"),
            ("countersign", "done", "job.countersign"),
            ("file", "countersigned", "job.file"),
        )
        if can(user, action)
    }
    return {"counts": counts} if any(counts.values()) else None


home_panel("vouchers/_home.html", "job.view", _home, order=5)
