"""The technician's phone screens: own jobs kept live, one job on site, the customer's signature."""

import base64
import binascii
import uuid

from flask import Blueprint, abort, make_response, redirect, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import (
    FieldList,
    FormField,
    HiddenField,
    RadioField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    ValidationError,
)
from wtforms.validators import Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from models import Event, Job, RuleError, Setting
from models.base import today
from models.job import MAX_SIGNATURE_BYTES, IdempotencyKey
from views.common import choices, is_htmx, render, requires, see_other
from views.vouchers import PartForm, VersionForm, _field_error, _job_for

bp = Blueprint("tech", __name__, url_prefix="/tech")

PNG_DATA_URL = "data:image/png;base64,"
RESULTS = {"finish": _l("Finished on site"), "carry_back": _l("Carried back for repair")}


class FinishForm(VersionForm):
    """Finish on site (or carry the item back), signed by the customer on the phone's screen."""

    # An idempotency key: a resend of the same form after a dropped connection acts once.
    key = HiddenField(validators=[Optional(), Length(max=64)])
    result = RadioField(_l("Result"), choices=choices(RESULTS.items()), default="finish")
    work_done = TextAreaField(_l("Work done"), validators=[Length(max=2000)])
    quick = SelectMultipleField(
        _l("Quick picks"), choices=[], widget=ListWidget(prefix_label=False), option_widget=CheckboxInput()
    )
    parts = FieldList(FormField(PartForm), min_entries=3, max_entries=10)
    signer_name = StringField(_l("Customer's name"), validators=[Length(max=60)])
    # The drawing as a data URL (data:image/png;base64,...), filled by static/tech.js.
    signature = HiddenField()

    png = None

    def validate_signature(self, field):
        """Decode the data URL strictly; an empty one is left to the model to refuse."""
        text = (field.data or "").strip()
        if not text:
            return
        field.data = ""  # never echo a rejected drawing back into the page
        if not text.startswith(PNG_DATA_URL):
            raise ValidationError(_l("The signature is not a valid image. Please sign again."))
        encoded = text[len(PNG_DATA_URL) :]
        if len(encoded) > (MAX_SIGNATURE_BYTES * 4) // 3 + 4:
            raise ValidationError(_l("The signature image is too large."))
        try:
            png = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            raise ValidationError(_l("The signature is not a valid image. Please sign again.")) from None
        if len(png) > MAX_SIGNATURE_BYTES:
            raise ValidationError(_l("The signature image is too large."))
        self.png = png
        field.data = text

    def work_text(self):
        """The free text, then the ticked quick picks, one per line."""
        lines = [(self.work_done.data or "").strip(), *(self.quick.data or [])]
        return "\n".join(line for line in lines if line)

    def part_lines(self):
        return [(p.form.name.data, p.form.quantity.data or 1) for p in self.parts if p.form.name.data]


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


def _page(job, form=None, status=200):
    fresh = form is None
    return render(
        "tech/job.html",
        block=None if fresh else "finish_form",
        status=status,
        job=job,
        actions=job.allowed_actions(current_user),
        form=form or _fresh_form(job),
        fresh=fresh,
        parts=list(job.parts),
        signatures=job.signatures_list(),
        history=list(Event.history(job)),
    )


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
    since = request.args.get("since", default=0, type=int)
    position, changed = Event.changes_since(since)
    if position == since:
        return make_response("", 204)
    context = {"position": position, "oob": True}
    if changed or position < since:
        context.update(jobs=list(Job.in_hand(current_user)), today=today(), with_list=True)
    return render("tech/jobs.html", block="poll", **context)


@bp.get("/jobs/<int:job_id>")
@requires("job.view")
def job(job_id):
    """One job on the phone: call, map, arrive, then finish with the customer's signature."""
    return _page(_job_for(current_user, job_id))


@bp.post("/jobs/<int:job_id>/arrive")
@requires("job.work")
def arrive(job_id):
    """The technician is at the customer's site (到场)."""
    job = _job_for(current_user, job_id)
    form = VersionForm()
    if not form.validate_on_submit():
        abort(400)
    job.arrive(current_user, version=form.version.data)
    return see_other("tech.job", job_id=job.id)


@bp.post("/jobs/<int:job_id>/finish")
@requires("job.work")
def finish(job_id):
    """Finish (or carry back) with the customer's drawn signature; a resent form acts once."""
    job = _job_for(current_user, job_id)
    form = _finish_form(job)
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
            # early job.check_action here, or a resend of a form already carried out is refused.
            if error.field == "signature":
                form.signature.data = ""
            _field_error(form, error)
        else:
            return see_other("tech.job", job_id=job.id)
    return _page(job, form=form, status=422)
