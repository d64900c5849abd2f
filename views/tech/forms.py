"""The technician's finish form: work done, parts, the customer's drawn signature."""

import base64
import binascii

from flask_babel import lazy_gettext as _l
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

from models.core.signing import MAX_SIGNATURE_BYTES
from views.common import choices
from views.forms import PartForm, VersionForm
from views.vouchers.forms import RESULTS

PNG_DATA_URL = "data:image/png;base64,"


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
