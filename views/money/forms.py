"""Forms of finance's and the technicians' money screens. Amounts are typed in yuan and
parsed exactly into fen (never a float)."""

from flask_babel import lazy_gettext as _l
from wtforms import (
    DateField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from models.core import RuleError
from models.money import (
    BUYER_KINDS,
    DELIVERY,
    INVOICE_KINDS,
    METHODS,
    PRICE_KINDS,
    TAX_RATES,
    UNITS,
    parse_yuan,
)
from views.common import choices, translate
from views.forms import BaseForm, VersionForm


def _labelled(mapping):
    return choices((key, _l(label)) for key, label in mapping.items())


class YuanField(StringField):
    """Yuan as typed ("128.50"); ``fen`` holds the exact amount once validated."""

    fen = None

    def pre_validate(self, form):
        self.fen = None
        if not (self.data or "").strip():
            return
        try:
            self.fen = parse_yuan(self.data, field=self.name)
        except RuleError as error:
            raise ValidationError(translate(error)) from None


class PriceForm(BaseForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=30)])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=100)])
    kind = SelectField(_l("Kind"), choices=_labelled(PRICE_KINDS))
    unit = SelectField(_l("Unit"), choices=_labelled(UNITS))
    sale = YuanField(_l("Sale price (yuan)"), validators=[InputRequired()])
    cost = YuanField(_l("Cost (yuan)"), validators=[InputRequired()])


class PriceChangeForm(BaseForm):
    sale = YuanField(_l("Sale price (yuan)"), validators=[InputRequired()])
    cost = YuanField(_l("Cost (yuan)"), validators=[InputRequired()])
    active = RadioField(
        _l("On the list"), choices=choices([("1", _l("yes")), ("0", _l("no, withdrawn"))]), default="1"
    )


class CollectForm(BaseForm):
    method = RadioField(_l("Paid by"), choices=_labelled(METHODS), default="cash")
    amount = YuanField(_l("Amount received (yuan)"), validators=[InputRequired()])
    note = StringField(_l("Note"), validators=[Length(max=300)])


class HandoverForm(BaseForm):
    payments = SelectMultipleField(
        _l("Hand over"),
        coerce=int,
        choices=[],
        validate_choice=False,  # the model checks they are the technician's own, still in hand
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )


class ReceiveForm(VersionForm):
    counted = YuanField(_l("Counted (yuan)"), validators=[InputRequired()])


class ReasonForm(VersionForm):
    reason = StringField(_l("Reason"), validators=[DataRequired(), Length(max=300)])


class InvoiceForm(BaseForm):
    kind = RadioField(_l("Invoice"), choices=_labelled(INVOICE_KINDS), default="e")
    code = StringField(_l("Invoice code (paper invoices)"), validators=[Length(max=12)])
    number = StringField(_l("Invoice number"), validators=[Length(max=20)])
    issued_on = DateField(_l("Invoice date"), validators=[InputRequired()])
    amount = YuanField(_l("Amount (yuan, tax included)"), validators=[InputRequired()])
    tax_rate = SelectField(_l("Tax rate"), choices=choices(TAX_RATES), default="130")
    buyer_kind = RadioField(_l("Buyer"), choices=_labelled(BUYER_KINDS), default="company")
    buyer_name = StringField(_l("Buyer's name (购买方名称)"), validators=[Length(max=100)])
    taxpayer_no = StringField(_l("Unified social credit code (纳税人识别号)"), validators=[Length(max=30)])
    delivery = RadioField(_l("Reaches the customer"), choices=_labelled(DELIVERY), default="mail")
    tracking_no = StringField(_l("Tracking number"), validators=[Length(max=40)])
    email = StringField(_l("E-mail address"), validators=[Length(max=120)])


class BankPaymentForm(BaseForm):
    method = RadioField(_l("Paid by"), choices=_labelled(METHODS), default="transfer")
    amount = YuanField(_l("Amount received (yuan)"), validators=[InputRequired()])
    note = StringField(_l("Note"), validators=[Length(max=300)])


class ReviseForm(VersionForm):
    """Unit prices of a charge's lines (fields price-<line id>), and the reason."""

    reason = StringField(_l("Reason for the change"), validators=[Length(max=300)])


class CloseDayForm(BaseForm):
    day = DateField(_l("Day"), validators=[InputRequired()])
