"""Forms of the promotional-material ledger."""

from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, RadioField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from models.materials import RECIPIENTS
from views.common import choices
from views.forms import BaseForm, VersionForm

QUANTITY = [InputRequired(), NumberRange(1, 1_000_000)]


class ItemForm(BaseForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=100)])
    spec = StringField(_l("Specification"), validators=[Length(max=100)])
    unit = StringField(_l("Unit"), default="份", validators=[Length(max=10)])
    low_stock = IntegerField(
        _l("Warn when the stock is down to"), default=0, validators=[Optional(), NumberRange(0, 1_000_000)]
    )


class IssueForm(BaseForm):
    quantity = IntegerField(_l("Quantity"), validators=QUANTITY)
    recipient = RadioField(
        _l("To"), choices=choices((k, _l(v)) for k, v in RECIPIENTS.items()), default="customer"
    )
    to_whom = StringField(_l("Who receives it"), validators=[Length(max=100)])
    purpose = StringField(_l("What for"), validators=[Length(max=200)])
    job = StringField(_l("Voucher number (if it goes with a job)"), validators=[Length(max=20)])


class ReceiveForm(BaseForm):
    quantity = IntegerField(_l("Quantity received"), validators=QUANTITY)
    note = StringField(_l("Note"), validators=[Length(max=200)])


class StocktakeForm(BaseForm):
    counted = IntegerField(
        _l("Counted on the shelf"), validators=[InputRequired(), NumberRange(0, 1_000_000)]
    )
    reason = StringField(_l("Reason for the difference"), validators=[Length(max=200)])


class PurchaseForm(BaseForm):
    quantity = IntegerField(_l("Quantity to buy"), validators=QUANTITY)
    reason = StringField(_l("Reason for the purchase"), validators=[Length(max=500)])


class DecideForm(VersionForm):
    note = StringField(_l("Note"), validators=[Length(max=500)])
    quantity = IntegerField(_l("Quantity delivered"), validators=[Optional(), NumberRange(1, 1_000_000)])
