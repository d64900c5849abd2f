"""Forms of the voucher screens: dispatch, void, the paper voucher, amendments."""

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    FieldList,
    FormField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from models.core import User
from models.service import SLOTS
from views.common import choices
from views.forms import BaseForm, PartForm, VersionForm
from views.records import to_local

RESULTS = {"finish": _l("Finished on site"), "carry_back": _l("Carried back for repair")}


class DispatchForm(VersionForm):
    technician = SelectField(_l("Technician"), coerce=int, validators=[InputRequired()])

    @classmethod
    def for_job(cls, job, **kwargs):
        form = cls(version=job.version, technician=job.technician_id or 0, **kwargs)
        form.technician.choices = choices(
            [(0, "—")] + [(t.id, t.full_name) for t in User.active_technicians()]
        )
        return form


class VoidForm(VersionForm):
    reason = StringField(_l("Reason for voiding"), validators=[DataRequired(), Length(max=300)])


class RecordForm(VersionForm):
    """Enter the service from the paper voucher the technician brought back."""

    result = RadioField(_l("Result"), choices=choices(RESULTS.items()), default="finish")
    arrived_at = DateTimeLocalField(_l("Arrived at"), validators=[InputRequired()])
    finished_at = DateTimeLocalField(_l("Finished at"), validators=[Optional()])
    work_done = TextAreaField(_l("Work done"), validators=[Length(max=2000)])
    parts = FieldList(FormField(PartForm), min_entries=3, max_entries=10)
    signer_name = StringField(_l("Customer who signed"), validators=[DataRequired(), Length(max=60)])
    on_paper = BooleanField(_l("The customer signed the paper voucher"), validators=[DataRequired()])

    def part_lines(self):
        return [(p.form.name.data, p.form.quantity.data) for p in self.parts if p.form.name.data]


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

    @classmethod
    def for_job(cls, job):
        """The form as shown: the voucher's values, times to the minute in local time."""
        return cls(
            formdata=None,
            version=job.version,
            fault=job.fault,
            contact_person=job.contact_person,
            phone=job.phone,
            address=job.address,
            work_done=job.work_done,
            arrived_at=to_local(job.arrived_at),
            finished_at=to_local(job.finished_at),
        )


class AppointmentForm(BaseForm):
    """The day and time of day agreed with the customer, or only the customer's preference."""

    # Named as on the intake form: the model's messages name these fields.
    appointment_day = DateField(_l("Appointment on"), validators=[Optional()])
    appointment_slot = RadioField(
        _l("Time of day"), choices=choices((k, _l(v)) for k, v in SLOTS.items()), default="any"
    )
    appointment_preferred = BooleanField(_l("Only the customer's preference, not agreed yet"))
    appointment_note = StringField(_l("Note"), validators=[Length(max=200)])
