"""Forms of out-of-town applications and their costs (amounts typed in yuan, kept in fen)."""

from flask_babel import lazy_gettext as _l
from wtforms import DateField, IntegerField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from models.trips import TRANSPORT
from views.common import choices
from views.forms import BaseForm, VersionForm
from views.money.forms import YuanField


class ApplyForm(BaseForm):
    technician = SelectField(_l("Technician who travels"), coerce=int, choices=[], validate_choice=False)
    jobs = SelectMultipleField(
        _l("Jobs the trip serves"),
        coerce=int,
        choices=[],
        validate_choice=False,  # the model checks they are this technician's, waiting to start
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )
    destination = StringField(_l("Destination"), validators=[Length(max=100)])
    depart_on = DateField(_l("Leaving on"), validators=[InputRequired()])
    return_on = DateField(_l("Back on"), validators=[InputRequired()])
    transport = SelectField(_l("Transport"), choices=choices((k, _l(v)) for k, v in TRANSPORT.items()))
    travel = YuanField(_l("Estimated travel (yuan)"), default="0")
    lodging = YuanField(_l("Estimated lodging (yuan)"), default="0")
    allowance_days = IntegerField(
        _l("Allowance days"), default=0, validators=[Optional(), NumberRange(0, 366)]
    )
    purpose = TextAreaField(_l("Purpose"), validators=[Length(max=1000)])


class DecisionForm(VersionForm):
    note = StringField(_l("Note"), validators=[Length(max=500)])


class CostsForm(VersionForm):
    transport = YuanField(_l("Transport (yuan)"), default="0")
    transport_receipts = IntegerField(_l("Receipts"), default=0, validators=[Optional(), NumberRange(0, 999)])
    lodging = YuanField(_l("Lodging (yuan)"), default="0")
    lodging_receipts = IntegerField(_l("Receipts"), default=0, validators=[Optional(), NumberRange(0, 999)])
    other = YuanField(_l("Other travel costs (yuan)"), default="0")
    other_receipts = IntegerField(_l("Receipts"), default=0, validators=[Optional(), NumberRange(0, 999)])
    other_note = StringField(_l("What the other costs were"), validators=[Length(max=200)])
    allowance_days = IntegerField(
        _l("Allowance days"), default=0, validators=[InputRequired(), NumberRange(0, 366)]
    )


class ReasonForm(VersionForm):
    note = StringField(_l("Reason"), validators=[DataRequired(), Length(max=500)])
