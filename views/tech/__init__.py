"""The technician's phone screens: own jobs kept live, one job on site, the customer's signature."""

import re
import uuid

from flask import Blueprint, redirect, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from models import Event, Job, RuleError, Setting, User
from models.core import IdempotencyKey, may, today
from models.core.errors import N_
from models.core.history import history
from models.service import SIGNATURE_KINDS
from views.common import choices, field_or_raise, is_htmx, render, requires, see_other
from views.records import live_changes
from views.shell import nav
from views.tech.forms import FinishForm
from views.vouchers import load_job
from views.vouchers.forms import RESULTS

bp = Blueprint("tech", __name__, url_prefix="/tech")
# What the page puts in a finish form's idempotency key (uuid4().hex); anything else is a damaged form.
KEY = re.compile(r"[0-9A-Za-z_-]{1,64}")
nav("tech.jobs", _l("My jobs"), "tech.jobs", order=10)


def _quick_picks():
    value = Setting.get_value("quick_work_picks") or ""
    return [line.strip() for line in value.splitlines() if line.strip()]


def _finish_form(job, **kwargs):
    form = FinishForm(**kwargs)
    form.quick.choices = choices((pick, pick) for pick in _quick_picks())
    if job.state == "in_repair":
        form.result.choices = choices([("finish", RESULTS["finish"])])
    return form


def _fresh_form(job):
    return _finish_form(
        job,
        formdata=None,
        version=job.version,
        key=uuid.uuid4().hex,
        work_done=job.work_done,  # what was noted when the item was carried back
        signer_name=job.contact_person or job.customer_name,
    )


def _context(job, form=None):
    return {
        "job": job,
        "actions": job.allowed_actions(current_user),
        "form": form or _fresh_form(job),
        "fresh": form is None,
        "parts": list(job.parts),
        "signatures": job.signatures_list(),
        "signature_kinds": SIGNATURE_KINDS,
        "history": history(job, current_user),
        "position": Event.latest_id(),
    }


@bp.get("/")
@requires("tech.jobs")
def jobs():
    """The signed-in technician's jobs in hand, oldest first, kept live by a poller."""
    position = Event.latest_id()
    return render("tech/jobs.html", jobs=list(Job.in_hand(current_user)), position=position, today=today())


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
        context.update(jobs=list(Job.in_hand(current_user)), today=today(), with_list=True)
    return render("tech/jobs.html", block="poll", **context)


@bp.get("/jobs/<int:job_id>")
@requires("job.view")
def job(job_id):
    """One job on the phone: call, map, arrive, then finish with the customer's signature."""
    return render("tech/job.html", **_context(load_job(job_id)))


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
    found = Job.with_people().where(Job.id == job_id).first()
    if found is not None and not may(current_user, "job.view", found):
        # Re-dispatched to a colleague under the technician's feet: say so, in words.
        holder = User.get_or_none(User.id == found.technician_id) if found.technician_id else None
        return render("tech/job.html", block="gone", job=found, holder=holder)
    if found is None or job_id not in changed.get("job", ()):
        return render("tech/job.html", block="job_poller", job=found or Job(id=job_id), position=position)
    return render("tech/job.html", blocks=["job_poller", "job"], oob=True, **_context(found))


@bp.post("/jobs/<int:job_id>/finish")
@requires("job.work")
def finish(job_id):
    """Finish (or carry back) with the customer's drawn signature; a resent form acts once."""
    job = load_job(job_id)
    form = _finish_form(job)
    if form.key.data and not KEY.fullmatch(form.key.data):
        # read before the form is validated: a key the page never made is refused at once
        raise RuleError(N_("This form is damaged. Reload the page."))
    if form.key.data and IdempotencyKey.seen(form.key.data, current_user, job):
        # This very form was carried out already (the answer was lost on the way back).
        return see_other("tech.job", job_id=job.id)
    if form.validate_on_submit():
        signature = {"signer_name": form.signer_name.data, "image": form.png}
        options = {"version": form.version.data, "key": form.key.data or None}
        try:
            if form.result.data == "carry_back":
                job.carry_back(current_user, signature, form.work_text(), **options)
            else:
                job.finish(current_user, signature, form.work_text(), parts=form.part_lines(), **options)
        except RuleError as error:
            # A conflict or a refused step is said in a toast and the form stays as typed; no
            # early job.check here, or a resend of a form already carried out is refused.
            if error.field == "signature":
                form.signature.data = ""
            field_or_raise(form, error)
        else:
            return see_other("tech.job", job_id=job.id)
    return render("tech/job.html", block="finish_form", status=422, **_context(job, form))
