"""The intake form: the call as the clerk records it (Art. 7)."""

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Length, Optional
from wtforms.widgets import HiddenInput

from models.service import CHANNELS, SERVICE_TYPES, SLOTS
from views.common import choices
from views.forms import BaseForm


class RegisterForm(BaseForm):
    customer = IntegerField(widget=HiddenInput(), validators=[Optional()])
    equipment = IntegerField(_l("Equipment"), validators=[Optional()])
    internal = BooleanField(_l("Internal work, no customer"))
    channel = RadioField(
        _l("Request came in by"), choices=choices((k, _l(v)) for k, v in CHANNELS.items()), default="phone"
    )
    # The model says when the fault is missing, in the words of the regulation.
    fault = TextAreaField(_l("Fault, as the customer describes it"), validators=[Length(max=2000)])
    preferred_time = StringField(_l("Preferred time"), validators=[Length(max=60)])
    service_type = SelectField(
        _l("Service type"), choices=choices(SERVICE_TYPES.items()), validators=[Optional()]
    )
    # The type the page proposed: left unchanged, the model decides again on submit.
    proposed_type = HiddenField()
    type_reason = StringField(_l("Reason for a different type"), validators=[Length(max=200)])
    contact_person = StringField(_l("Contact for this call"), validators=[Length(max=60)])
    phone = StringField(_l("Phone for this call"), validators=[Length(max=40)])
    # The equipment has an open job: the call is added to it (a chaser), or a second job has a reason.
    duplicate_reason = StringField(
        _l("Reason for a second job on the same equipment"), validators=[Length(max=300)]
    )
    appointment_day = DateField(_l("Appointment on"), validators=[Optional()])
    appointment_slot = RadioField(
        _l("Time of day"), choices=choices((k, _l(v)) for k, v in SLOTS.items()), default="any"
    )
    appointment_preferred = BooleanField(_l("Only the customer's preference, not agreed yet"))
