"""Forms of complaint management: intake at the speed of a call, then each step."""

from flask_babel import lazy_gettext as _l
from wtforms import (
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional
from wtforms.widgets import CheckboxInput, HiddenInput, ListWidget

from models.complaints import CAUSES, CHANNELS, CONTACT_WAYS, SEVERITIES
from models.core import User, can
from views.common import choices
from views.forms import BaseForm, VersionForm

TEXT = 4000


def _labelled(mapping):
    return choices((key, _l(label)) for key, label in mapping.items())


class IntakeForm(BaseForm):
    customer = IntegerField(widget=HiddenInput(), validators=[Optional()])
    caller_name = StringField(_l("Caller's name"), validators=[Length(max=100)])
    caller_phone = StringField(_l("Phone to call back"), validators=[Length(max=40)])
    channel = RadioField(_l("Came in by"), choices=_labelled(CHANNELS), default="phone")
    severity = RadioField(_l("Severity"), choices=_labelled(SEVERITIES), default="normal")
    said = TextAreaField(_l("What the customer says, in their words"), validators=[Length(max=TEXT)])
    jobs = SelectMultipleField(
        _l("Vouchers it concerns"),
        coerce=int,
        choices=[],
        validate_choice=False,  # the model checks the vouchers are this customer's
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )
    technician = SelectField(_l("Technician it concerns"), coerce=int, choices=[], validate_choice=False)


class AddCallForm(VersionForm):
    said = TextAreaField(_l("What the customer says now"), validators=[DataRequired(), Length(max=TEXT)])


class AcknowledgeForm(VersionForm):
    way = RadioField(_l("Contacted"), choices=_labelled(CONTACT_WAYS), default="phone")
    note = TextAreaField(_l("What was said"), validators=[Length(max=TEXT)])


class InvestigateForm(VersionForm):
    cause = SelectField(
        _l("Cause (if known)"),
        choices=choices([("", "—"), *((k, _l(v)) for k, v in CAUSES.items())]),
        validators=[Optional()],
    )
    note = TextAreaField(_l("Note"), validators=[Length(max=TEXT)])


class NoteForm(VersionForm):
    note = TextAreaField(_l("Note"), validators=[DataRequired(), Length(max=TEXT)])


class ResolveForm(VersionForm):
    cause = SelectField(
        _l("Cause"),
        choices=choices([("", "—"), *((k, _l(v)) for k, v in CAUSES.items())]),
        validators=[InputRequired()],
    )
    resolution = TextAreaField(_l("What was done"), validators=[Length(max=TEXT)])
    told_customer = TextAreaField(_l("What the customer was told"), validators=[Length(max=TEXT)])
    told_how = RadioField(_l("Told"), choices=_labelled(CONTACT_WAYS), default="phone")


class FollowUpForm(VersionForm):
    satisfied = RadioField(
        _l("Is the customer satisfied with the resolution?"),
        choices=choices([("yes", _l("Satisfied")), ("no", _l("Not satisfied"))]),
        validators=[InputRequired()],
    )
    note = TextAreaField(_l("The customer's words at the follow-up"), validators=[Length(max=TEXT)])


class OwnerForm(VersionForm):
    to = SelectField(_l("New owner"), coerce=int, validators=[InputRequired()])
    reason = StringField(_l("Reason for the handover"), validators=[Length(max=300)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        staff = [
            u for u in User.select().where(User.active).order_by(User.full_name) if can(u, "complaint.handle")
        ]
        self.to.choices = choices([(0, "—")] + [(u.id, f"{u.full_name} ({_l(u.role_label)})") for u in staff])


class ReassignForm(OwnerForm):
    to = SelectField(_l("Give it to"), coerce=int, validators=[InputRequired()])
    reason = StringField(_l("Reason for taking over or reassigning"), validators=[Length(max=300)])


class VoidForm(VersionForm):
    reason = StringField(_l("Reason for voiding (e.g. a duplicate of TS…)"), validators=[Length(max=300)])
