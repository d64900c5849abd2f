"""Service vouchers (服务凭证): the voucher page, its transitions, the manager's queues, print."""

import datetime

from flask import Blueprint, abort, make_response
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    FieldList,
    FormField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms import Form as PlainForm
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import HiddenInput

from models import Conflict, Event, Job, RuleError, Signature, User
from models.base import N_, local_tz
from models.job import AMENDABLE
from views.common import (
    BaseForm,
    choices,
    form_error,
    is_htmx,
    no_control_characters,
    render,
    requires,
    see_other,
)

bp = Blueprint("vouchers", __name__, url_prefix="/jobs")


class VersionForm(BaseForm):
    """A button-only transition: CSRF plus the version the user saw."""

    version = IntegerField(widget=HiddenInput(), validators=[InputRequired()])
    origin = HiddenField(validators=[Optional(), AnyOf(("", "dispatch", "countersign", "board"))])


class DispatchForm(VersionForm):
    technician = SelectField(_l("Technician"), coerce=int, validators=[InputRequired()])


class VoidForm(VersionForm):
    reason = StringField(_l("Reason for voiding"), validators=[DataRequired(), Length(max=300)])


class PartForm(PlainForm):
    name = StringField(_l("Part"), validators=[Optional(), Length(max=100), no_control_characters])
    quantity = IntegerField(_l("Quantity"), default=1, validators=[Optional(), NumberRange(1, 9999)])


class RecordForm(VersionForm):
    """Enter the service from the paper voucher the technician brought back."""

    result = RadioField(
        _l("Result"),
        choices=choices([("finish", _l("Finished on site")), ("carry_back", _l("Carried back for repair"))]),
        default="finish",
    )
    arrived_at = DateTimeLocalField(_l("Arrived at"), validators=[InputRequired()])
    finished_at = DateTimeLocalField(_l("Finished at"), validators=[Optional()])
    work_done = TextAreaField(_l("Work done"), validators=[Length(max=2000)])
    parts = FieldList(FormField(PartForm), min_entries=3, max_entries=10)
    signer_name = StringField(_l("Customer who signed"), validators=[DataRequired(), Length(max=60)])
    on_paper = BooleanField(_l("The customer signed the paper voucher"), validators=[DataRequired()])


class AmendForm(VersionForm):
    """A manager's correction of a signed voucher, with the reason (kept in the history)."""

    fault = TextAreaField(_l("Fault as reported"), validators=[Length(max=2000)])
    contact_person = StringField(_l("Contact"), validators=[Length(max=60)])
    phone = StringField(_l("Phone"), validators=[Length(max=40)])
    address = StringField(_l("Address"), validators=[Length(max=200)])
    arrived_at = DateTimeLocalField(_l("Arrived at"), validators=[Optional()])
    finished_at = DateTimeLocalField(_l("Finished at"), validators=[Optional()])
    work_done = TextAreaField(_l("Work done"), validators=[Length(max=2000)])
    reason = StringField(_l("Reason for the amendment"), validators=[DataRequired(), Length(max=300)])


def _amend_form(job):
    return AmendForm(
        formdata=None,
        version=job.version,
        fault=job.fault,
        contact_person=job.contact_person,
        phone=job.phone,
        address=job.address,
        work_done=job.work_done,
        arrived_at=_to_local(job.arrived_at),
        finished_at=_to_local(job.finished_at),
    )


def _field_error(form, error):
    """A refused field goes next to the field; a refused step (state, conflict) is a message."""
    if isinstance(error, Conflict) or error.field is None:
        raise error
    form_error(form, error)


def _job_for(user, job_id):
    """The job, or 404 when it does not exist or the user may not see it."""
    job = Job.with_people().where(Job.id == job_id).first()
    if job is None or not job.can_view(user):
        abort(404)
    return job


def _to_utc(local_naive):
    """A datetime-local value typed in the department's zone, as stored (UTC naive)."""
    if local_naive is None:
        return None
    aware = local_naive.replace(tzinfo=local_tz())
    return aware.astimezone(datetime.UTC).replace(tzinfo=None)


def _to_local(utc_naive):
    """A stored time in the department's zone, to the minute (what a datetime-local shows)."""
    if utc_naive is None:
        return None
    local = utc_naive.replace(tzinfo=datetime.UTC).astimezone(local_tz()).replace(tzinfo=None)
    return local.replace(second=0, microsecond=0)


def _dispatch_form(job, **kwargs):
    form = DispatchForm(version=job.version, technician=job.technician_id or 0, **kwargs)
    form.technician.choices = choices([(0, "—")] + [(t.id, t.full_name) for t in User.active_technicians()])
    return form


def _page(job, status=200, **forms):
    user = current_user
    actions = job.allowed_actions(user)
    context = {
        "job": job,
        "history": list(Event.history(job)),
        "parts": list(job.parts),
        "signatures": job.signatures_list(),
        "actions": actions,
        "version_form": VersionForm(version=job.version, formdata=None),
        "dispatch_form": forms.get("dispatch_form") or _dispatch_form(job, formdata=None),
        "void_form": forms.get("void_form") or VoidForm(version=job.version, formdata=None),
        "record_form": forms.get("record_form") or RecordForm(version=job.version, formdata=None),
        "amend_form": forms.get("amend_form") or (_amend_form(job) if "amend" in actions else None),
    }
    return render("vouchers/show.html", status=status, **context)


@bp.get("/<int:job_id>")
@requires("job.view")
def show(job_id):
    """One voucher with its history and the actions the user may take."""
    return _page(_job_for(current_user, job_id))


@bp.get("/<int:job_id>/print")
@requires("job.view")
def print_voucher(job_id):
    """The voucher as the one-page paper form."""
    job = _job_for(current_user, job_id)
    return render(
        "vouchers/print.html",
        job=job,
        parts=list(job.parts),
        signatures=job.signatures_list(),
        history=list(Event.history(job)),
    )


@bp.get("/<int:job_id>/signatures/<int:signature_id>.png")
@requires("job.view")
def signature_image(job_id, signature_id):
    """A customer's signature image (only to those who may read the voucher)."""
    job = _job_for(current_user, job_id)
    signature = Signature.get_or_none(Signature.id == signature_id, Signature.job == job.id)
    if signature is None or signature.image is None:
        abort(404)
    response = make_response(bytes(signature.image))
    response.headers["Content-Type"] = "image/png"
    response.headers["Cache-Control"] = "private, max-age=86400"
    return response


def _after(job, origin):
    """Where a transition answers: a queue row for htmx from a queue, else the voucher page."""
    if origin == "board" and is_htmx():
        # The board moves the card itself on its next poll; ask it to poll at once.
        response = make_response("", 204)
        response.headers["HX-Trigger"] = "board-changed"
        return response
    if origin in ("dispatch", "countersign") and is_htmx():
        template = "vouchers/dispatch.html" if origin == "dispatch" else "vouchers/queue.html"
        job = Job.with_people().where(Job.id == job.id).get()
        return render(template, block="row", job=job, technicians=list(User.active_technicians()))
    return see_other("vouchers.show", job_id=job.id)


@bp.post("/<int:job_id>/dispatch")
@requires("job.dispatch")
def dispatch(job_id):
    """Dispatch (派工) or re-dispatch a voucher to a technician."""
    job = _job_for(current_user, job_id)
    job.check_action(current_user, "dispatch")
    form = _dispatch_form(job)
    if form.validate_on_submit():
        technician = User.get_or_none(User.id == form.technician.data)
        try:
            job.dispatch(technician, by=current_user, version=form.version.data)
        except RuleError as error:
            if form.origin.data:
                raise
            _field_error(form, error)
        else:
            return _after(job, form.origin.data)
    if form.origin.data:
        # From a list or the board: say what is wrong in a message, not a whole page.
        first = next((e for f in form for e in f.errors), None)
        raise RuleError(str(first) if first else N_("This form is damaged. Reload the page."))
    return _page(job, status=422, dispatch_form=form)


def _simple(job_id, method_name, **kwargs):
    job = _job_for(current_user, job_id)
    form = VersionForm()
    if not form.validate_on_submit():
        raise RuleError(N_("This form is damaged. Reload the page."))
    getattr(job, method_name)(by=current_user, version=form.version.data, **kwargs)
    return _after(job, form.origin.data)


@bp.post("/<int:job_id>/arrive")
@requires("job.work")
def arrive(job_id):
    """The technician is on site (到场)."""
    return _simple(job_id, "arrive")


@bp.post("/<int:job_id>/countersign")
@requires("job.countersign")
def countersign(job_id):
    """The manager countersigns (核签)."""
    return _simple(job_id, "countersign")


@bp.post("/<int:job_id>/file")
@requires("job.file")
def file(job_id):
    """File the voucher (归档) and close its register line."""
    return _simple(job_id, "file")


@bp.post("/<int:job_id>/void")
@requires("job.void")
def void(job_id):
    """Void the voucher with a reason (作废); it keeps its number."""
    job = _job_for(current_user, job_id)
    job.check_action(current_user, "void")
    form = VoidForm()
    if form.validate_on_submit():
        try:
            job.void(current_user, form.reason.data, version=form.version.data)
        except RuleError as error:
            _field_error(form, error)
        else:
            return see_other("vouchers.show", job_id=job.id)
    return _page(job, status=422, void_form=form)


@bp.post("/<int:job_id>/record")
@requires("job.paper")
def record(job_id):
    """Enter the service from the signed paper voucher: finished, or carried back for repair."""
    job = _job_for(current_user, job_id)
    # finishing is possible wherever carrying back is
    job.check_action(current_user, "finish", permission="job.paper")
    form = RecordForm()
    if form.validate_on_submit():
        signature = {"signer_name": form.signer_name.data, "on_paper": True}
        try:
            if form.result.data == "carry_back":
                job.carry_back(
                    current_user,
                    signature,
                    form.work_done.data,
                    arrived_at=_to_utc(form.arrived_at.data),
                    version=form.version.data,
                )
            else:
                parts = [(p.form.name.data, p.form.quantity.data) for p in form.parts if p.form.name.data]
                job.finish(
                    current_user,
                    signature,
                    form.work_done.data,
                    arrived_at=_to_utc(form.arrived_at.data),
                    finished_at=_to_utc(form.finished_at.data),
                    parts=parts,
                    version=form.version.data,
                )
        except RuleError as error:
            _field_error(form, error)
        else:
            return see_other("vouchers.show", job_id=job.id)
    return _page(job, status=422, record_form=form)


@bp.post("/<int:job_id>/amend")
@requires("job.amend")
def amend(job_id):
    """Correct a signed voucher with a reason; the history and the print show it."""
    job = _job_for(current_user, job_id)
    job.check_action(current_user, "amend")
    form = AmendForm()
    if form.validate_on_submit():
        # Only what the manager changed: a field left as shown (times are shown to the minute)
        # keeps its stored value exactly.
        shown = _amend_form(job)
        changes = {}
        for name in AMENDABLE:
            value = getattr(form, name).data
            if value != getattr(shown, name).data:
                changes[name] = _to_utc(value) if name.endswith("_at") else value
        try:
            job.amend(current_user, form.reason.data, version=form.version.data, **changes)
        except RuleError as error:
            _field_error(form, error)
        else:
            return see_other("vouchers.show", job_id=job.id)
    return _page(job, status=422, amend_form=form)


@bp.get("/dispatch")
@requires("job.dispatch")
def dispatch_list():
    """Work waiting for dispatch (carried-over first) and dispatched work not yet started."""
    waiting = list(Job.awaiting_dispatch())
    started = list(Job.with_people().where(Job.state == "dispatched").order_by(Job.dispatched_at))
    return render(
        "vouchers/dispatch.html",
        waiting=waiting,
        started=started,
        technicians=list(User.active_technicians()),
    )


@bp.get("/queue")
@requires("job.file")
def queue():
    """Vouchers awaiting countersignature (manager), then awaiting filing (Art. 10)."""
    return render(
        "vouchers/queue.html",
        to_countersign=list(Job.awaiting_countersign()),
        to_file=list(Job.awaiting_filing()),
    )
