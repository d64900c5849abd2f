"""The technician's forms: arrived, finish or carry back (with both signatures), repaired."""

import base64
import binascii

from flask_babel import lazy_gettext as _l
from wtforms import (
    DateField,
    FieldList,
    FormField,
    HiddenField,
    RadioField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    TimeField,
    ValidationError,
)
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from models.core.signing import MAX_SIGNATURE_BYTES
from views.common import choices
from views.forms import PartForm, VersionForm, required_message
from views.vouchers.forms import RESULTS

PNG_DATA_URL = "data:image/png;base64,"
# Rows of parts a form takes at most (the money domain's quote reads as many).
MAX_PARTS = 10
CARRY_FIELDS = ("carry_item", "carry_serial", "carry_accessories", "carry_condition", "return_by")


def drawn_png(field):
    """The PNG of a drawing sent as a data URL (filled by static/tech.js), or None when the pad
    was left empty (the model refuses a missing signature); ValidationError when damaged."""
    text = (field.data or "").strip()
    if not text:
        return None
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
    field.data = text
    return png


class ArriveForm(VersionForm):
    """Arrived on site: now, or (recorded afterwards) at the time the technician says."""

    arrived_time = TimeField(_l("Arrived at (time)"), validators=[Optional()])


class KeyedForm(VersionForm):
    # An idempotency key: a resend of the same form after a dropped connection acts once.
    key = HiddenField(validators=[Optional(), Length(max=64)])


class FinishForm(KeyedForm):
    """Finish on site, deliver the repaired item, or carry the item back: what the customer
    signs for is summed up above the pad; the customer signs, then the technician."""

    result = RadioField(_l("Result"), choices=choices(RESULTS.items()), default="finish")
    work_done = TextAreaField(_l("Work done"), validators=[Length(max=2000)])
    quick = SelectMultipleField(
        _l("Quick picks"), choices=[], widget=ListWidget(prefix_label=False), option_widget=CheckboxInput()
    )
    parts = FieldList(FormField(PartForm), min_entries=1, max_entries=MAX_PARTS)
    # The carry-back receipt (携回修护): required when the item is carried back.
    carry_item = StringField(_l("Item taken"), validators=[Length(max=200)])
    carry_serial = StringField(_l("Serial number"), validators=[Length(max=80)])
    carry_accessories = StringField(_l("Accessories taken with it"), validators=[Length(max=200)])
    carry_condition = StringField(_l("Condition (outside, damage)"), validators=[Length(max=200)])
    return_by = DateField(_l("Expected back by"), validators=[Optional()])
    signer_name = StringField(_l("Customer's name"), validators=[Length(max=60)])
    # The drawings as data URLs (data:image/png;base64,...), filled by static/tech.js.
    signature = HiddenField()
    tech_signature = HiddenField()

    png = None
    tech_png = None
    # Rows of the parts list that show parts the workshop already recorded (only for the
    # amount above the pad): sent along, never recorded again.
    recorded = 0

    def validate_signature(self, field):
        self.png = drawn_png(field)

    def validate_tech_signature(self, field):
        self.tech_png = drawn_png(field)
        if self.tech_png is None:
            raise ValidationError(_l("Sign as the technician too."))

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        carrying = self.result.data == "carry_back"
        for name in CARRY_FIELDS:
            field = self[name]
            if not carrying:
                field.errors = []  # not shown, not used
            elif (
                name in ("carry_item", "carry_condition", "return_by") and not field.errors and not field.data
            ):
                field.errors = [required_message(field)]
        return valid and not any(self[name].errors for name in CARRY_FIELDS)

    def work_text(self):
        """The free text, then the ticked quick picks, one per line."""
        lines = [(self.work_done.data or "").strip(), *(self.quick.data or [])]
        return "\n".join(line for line in lines if line)

    def part_lines(self):
        rows = list(self.parts)[self.recorded :]
        return [(p.form.name.data, p.form.quantity.data or 1) for p in rows if p.form.name.data]

    def receipt(self):
        return {
            "item": self.carry_item.data,
            "serial": self.carry_serial.data or "",
            "accessories": self.carry_accessories.data,
            "condition": self.carry_condition.data,
            "return_by": self.return_by.data,
        }


class RepairForm(KeyedForm):
    """The workshop's step: what was repaired and the parts used; the item then waits to be
    returned (修复完成，待送回)."""

    work_done = TextAreaField(_l("Repair done"), validators=[DataRequired(), Length(max=2000)])
    parts = FieldList(FormField(PartForm), min_entries=1, max_entries=MAX_PARTS)

    def part_lines(self):
        return [(p.form.name.data, p.form.quantity.data or 1) for p in self.parts if p.form.name.data]
