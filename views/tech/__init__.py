"""The technician's phone screens: own jobs kept live, one job on site, the customer's signature."""

import datetime
import re
import uuid

from flask import Blueprint, abort, redirect, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from models import Event, Job, RuleError, Setting, User
from models.core import Conflict, IdempotencyKey, clock, may, now, today
from models.core.errors import N_
from models.core.history import history
from models.service import SIGNATURE_KINDS
from models.service.labels import TECHNICIAN_KINDS
from views.common import choices, field_or_raise, is_htmx, render, requires, see_other
from views.records import changed_answer, live_changes
from views.shell import nav, record_action
from views.tech.forms import ArriveForm, FinishForm, RepairForm
from views.vouchers import load_job
from views.vouchers.forms import RESULTS

bp = Blueprint("tech", __name__, url_prefix="/tech")
# What the page puts in a form's idempotency key (uuid4().hex); anything else is a damaged form.
KEY = re.compile(r"[0-9A-Za-z_-]{1,64}")
nav("tech.jobs", _l("My jobs"), "tech.jobs", order=10)
record_action(
    "job",
    _l("Carry-back receipt"),
    "job.view",
    lambda job: url_for("tech.receipt", job_id=job.id) if job.carried_back else None,
    order=40,
)
TECH_KINDS = set(TECHNICIAN_KINDS.values())


def _quick_picks():
    value = Setting.get_value("quick_work_picks") or ""
    return [line.strip() for line in value.splitlines() if line.strip()]


def _finish_form(job, **kwargs):
    form = FinishForm(**kwargs)
    form.quick.choices = choices((pick, pick) for pick in _quick_picks())
    if job.state == "repaired":
        form.result.choices = choices([("finish", RESULTS["finish"])])
    form.recorded = form_recorded(job)
    return form


def form_recorded(job):
    """How many rows of the finish form show parts already recorded (by the workshop)."""
    return len(job.parts_list) if job.state == "repaired" else 0


def _fresh_finish(job):
    form = _finish_form(
        job,
        formdata=None,
        version=job.version,
        key=uuid.uuid4().hex,
        work_done=job.work_done,  # what the workshop recorded
        signer_name=job.contact_person or job.customer_name,
        carry_item=" ".join(part for part in (job.product_model, job.spec) if part),
        carry_serial=job.serial,
        # the parts the workshop recorded (shown, not recorded again), then a row to fill
        parts=[{"name": p.name, "quantity": p.quantity} for p in job.parts_list[: form_recorded(job)]] + [{}],
    )
    return form


def _fresh_repair(job):
    return RepairForm(formdata=None, version=job.version, key=uuid.uuid4().hex)


def _next_job(job):
    """The technician's next job in hand once this one has left their hands (or None)."""
    if job.state not in ("in_repair", "done", "countersigned", "filed") or not may(current_user, "tech.jobs"):
        return None
    return Job.next_in_hand(current_user, job)


def _context(job, finish_form=None, repair_form=None, arrive_form=None):
    job.parts_list = list(job.parts)
    signatures = job.signatures_list()
    actions = job.allowed_actions(current_user)
    return {
        "job": job,
        "actions": actions,
        "form": finish_form or (_fresh_finish(job) if "finish" in actions else None),
        "repair_form": repair_form or (_fresh_repair(job) if "repair" in actions else None),
        "arrive_form": arrive_form or ArriveForm(formdata=None, version=job.version),
        "fresh": finish_form is None,
        "parts": job.parts_list,
        "signatures": [s for s in signatures if s.kind not in TECH_KINDS],
        "tech_signatures": [s for s in signatures if s.kind in TECH_KINDS],
        "signature_kinds": SIGNATURE_KINDS,
        "history": history(job, current_user),
        "position": Event.latest_id(),
        "next_job": _next_job(job),
        "now": now(),
        "today": today(),
    }


# ---- a job re-dispatched under the technician's feet -------------------------------------------


def _held_before(job, user):
    """Was this job dispatched to ``user`` once (and re-dispatched to somebody else since)?"""
    if user.role != "technician":
        return False
    events = Event.select(Event.data).where(
        Event.subject == job.subject, Event.subject_id == job.id, Event.action == "dispatch"
    )
    return any(isinstance(e.data, dict) and e.data.get("technician") == user.id for e in events)


def _holder(job):
    return User.get_or_none(User.id == job.technician_id) if job.technician_id else None


def _gone(job_id, found=False):
    """The job this technician once had and no longer may see (re-dispatched, or voided and
    so out of their hands): None when there is no such job for them (then 404). ``found``:
    the job (or None) when the caller has loaded it already."""
    if found is False:
        found = Job.select().where(Job.id == job_id).first()
    if found is None or may(current_user, "job.view", found) or not _held_before(found, current_user):
        return None
    return found


def _gone_error(job):
    holder = _holder(job)
    if holder is not None:
        return Conflict(
            N_("Voucher %(number)s was re-dispatched to %(name)s. It is no longer in your hands."),
            number=job.number,
            name=holder.full_name,
        )
    return Conflict(N_("Voucher %(number)s is no longer in your hands."), number=job.number)


def _own_job(job_id):
    """The job for a technician's step: the one they may see, else a message saying who has it
    now (when they had it), else 404."""
    gone = _gone(job_id)
    if gone is not None:
        raise _gone_error(gone)
    return load_job(job_id)


# ---- the list ----------------------------------------------------------------------------------


def _list_context():
    in_hand, done = Job.my_day(current_user)
    return {"jobs": in_hand, "done_today": done, "today": today()}


@bp.get("/")
@requires("tech.jobs")
def jobs():
    """The signed-in technician's jobs in hand and what they finished today, kept live."""
    position = Event.latest_id()
    return render("tech/jobs.html", position=position, **_list_context())


@bp.get("/poll")
@requires("tech.jobs")
def poll():
    """Nothing new since ``since``: 204. Otherwise a new poller, and the list out of band."""
    if not is_htmx():
        return redirect(url_for("tech.jobs"))  # e.g. signed in again with this as "next"
    changes, done = live_changes({"job"})
    if done is not None:
        return done
    position, changed = changes
    context = {"position": position, "oob": True}
    if changed:
        context.update(_list_context(), with_list=True)
    return render("tech/jobs.html", block="poll", **context)


# ---- one job -----------------------------------------------------------------------------------


@bp.get("/jobs/<int:job_id>")
@requires("job.view")
def job(job_id):
    """One job on the phone: call, map, arrive, then finish with the customer's signature."""
    found = Job.one_with_people(job_id)
    gone = _gone(job_id, found)
    if gone is not None:
        return render("tech/job.html", job=gone, holder=_holder(gone), gone=True)
    if found is None or not may(current_user, "job.view", found):
        abort(404)
    return render("tech/job.html", **_context(found))


@bp.get("/jobs/<int:job_id>/poll")
@requires("job.view")
def job_poll(job_id):
    """The job's screen again when the job changed (arrived, re-dispatched, amended)."""
    if not is_htmx():
        return redirect(url_for("tech.job", job_id=job_id))
    changes, done = live_changes({"job"})
    if done is not None:
        return done
    position, changed = changes
    found = Job.one_with_people(job_id)
    gone = _gone(job_id, found)
    if gone is not None:
        # Re-dispatched to a colleague under the technician's feet: say so, in words.
        return render("tech/job.html", block="gone", job=gone, holder=_holder(gone), oob=True)
    if found is not None and not may(current_user, "job.view", found):
        abort(404)
    if found is None or job_id not in changed.get("job", ()):
        return render("tech/job.html", block="job_poller", job=found or Job(id=job_id), position=position)
    return render("tech/job.html", blocks=["job_poller", "job"], oob=True, **_context(found))


def _arrival(value):
    """A time of day typed on the phone as the stored moment: today, or yesterday when today's
    would still be to come (arrived before midnight, recorded after)."""
    local = datetime.datetime.combine(today(), value)
    moment = clock().to_utc(local)
    if moment > now() + datetime.timedelta(minutes=5):
        moment = clock().to_utc(local - datetime.timedelta(days=1))
    return moment


@bp.post("/jobs/<int:job_id>/arrive")
@requires("job.work")
def arrive(job_id):
    """Arrived on site (到场): now, or at the time the technician says (recorded afterwards)."""
    job = _own_job(job_id)
    job.check(current_user, "arrive")
    form = ArriveForm()
    if form.validate_on_submit():
        at = _arrival(form.arrived_time.data) if form.arrived_time.data else None
        try:
            job.arrive(current_user, at=at, version=form.version.data)
        except RuleError as error:
            if error.field == "arrived_at":
                error.field = "arrived_time"
            field_or_raise(form, error)
        else:
            return changed_answer(job)
    return render("tech/job.html", block="arrive_form", status=422, **_context(job, arrive_form=form))


def _seen(form, job):
    """Has this very form been carried out already (its answer lost on the way back)?"""
    if form.key.data and not KEY.fullmatch(form.key.data):
        # read before the form is validated: a key the page never made is refused at once
        raise RuleError(N_("This form is damaged. Reload the page."))
    return bool(form.key.data) and IdempotencyKey.seen(form.key.data, current_user, job)


@bp.post("/jobs/<int:job_id>/finish")
@requires("job.work")
def finish(job_id):
    """Finish, deliver or carry back with both signatures; a resent form acts once."""
    job = _own_job(job_id)
    job.parts_list = list(job.parts)
    form = _finish_form(job)
    if _seen(form, job):
        return see_other("tech.job", job_id=job.id)
    if form.validate_on_submit():
        signature = {"signer_name": form.signer_name.data, "image": form.png}
        options = {
            "version": form.version.data,
            "key": form.key.data or None,
            "technician_signature": form.tech_png,
        }
        try:
            if form.result.data == "carry_back":
                job.carry_back(current_user, signature, form.work_text(), receipt=form.receipt(), **options)
            else:
                job.finish(current_user, signature, form.work_text(), parts=form.part_lines(), **options)
        except RuleError as error:
            # A conflict or a refused step is said in a toast and the form stays as typed; no
            # early job.check here, or a resend of a form already carried out is refused.
            if error.field in ("signature", "tech_signature"):
                form[error.field].data = ""
            field_or_raise(form, error)
        else:
            return see_other("tech.job", job_id=job.id)
    return render("tech/job.html", block="finish_form", status=422, **_context(job, finish_form=form))


@bp.post("/jobs/<int:job_id>/repair")
@requires("job.work")
def repair(job_id):
    """The workshop's step: repaired, awaiting return (修复完成，待送回); a resend acts once."""
    job = _own_job(job_id)
    form = RepairForm()
    if _seen(form, job):
        return see_other("tech.job", job_id=job.id)
    if form.validate_on_submit():
        try:
            job.repair(
                current_user,
                form.work_done.data,
                parts=form.part_lines(),
                version=form.version.data,
                key=form.key.data or None,
            )
        except RuleError as error:
            field_or_raise(form, error)
        else:
            return see_other("tech.job", job_id=job.id)
    return render("tech/job.html", block="repair_form", status=422, **_context(job, repair_form=form))


@bp.get("/jobs/<int:job_id>/receipt")
@requires("job.view")
def receipt(job_id):
    """The carry-back receipt (携回修护收据) the customer keeps: printed, or photographed from
    the phone's screen."""
    job = load_job(job_id)
    if not job.carried_back:
        abort(404)
    signatures = [s for s in job.signatures_list() if s.kind in ("item_taken", "tech_item_taken")]
    return render(
        "tech/receipt.html",
        job=job,
        signatures=signatures,
        checks={s.id: job.signature_matches(s) for s in signatures},
        signature_kinds=SIGNATURE_KINDS,
    )
