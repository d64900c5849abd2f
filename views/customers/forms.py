"""Forms of the customer files: the customer, equipment, maintenance contracts."""

import re

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    RadioField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from models import Customer, Equipment
from models.customers import CUSTOMER_KINDS
from views.common import choices
from views.forms import BaseForm


class CustomerForm(BaseForm):
    kind = RadioField(
        _l("Customer kind"), choices=choices((k, _l(v)) for k, v in CUSTOMER_KINDS.items()), default="company"
    )
    # The model says what is missing (name, phone): its messages are the ones users know.
    name = StringField(_l("Customer name"), validators=[Length(max=100)])
    contact_person = StringField(_l("Contact person"), validators=[Length(max=60)])
    phone = TextAreaField(_l("Phone numbers (one per line)"), validators=[Length(max=400)])
    address = StringField(_l("Address"), validators=[Length(max=200)])
    notes = TextAreaField(_l("Notes"), validators=[Length(max=2000)])
    confirm_duplicate = BooleanField(_l("This is a different customer with the same phone number"))

    def phone_numbers(self):
        """The phone box split into numbers: one per line (commas and semicolons work too)."""
        return [p.strip() for p in re.split(r"[\n,;，；]+", self.phone.data or "") if p.strip()]

    def details(self):
        """The file's fields as the model methods take them."""
        return {
            "kind": self.kind.data,
            "name": (self.name.data or "").strip(),
            "contact_person": (self.contact_person.data or "").strip(),
            "address": (self.address.data or "").strip(),
            "notes": (self.notes.data or "").strip(),
        }

    def same_phone(self, exclude=None):
        """Files already holding one of these numbers (offered instead of a second file)."""
        return Customer.with_phones(self.phone_numbers(), exclude=exclude)


class EquipmentForm(BaseForm):
    product_model = StringField(_l("Product model"), validators=[Length(max=80)])
    spec = StringField(_l("Specification"), validators=[Length(max=120)])
    serial = StringField(_l("Serial number"), validators=[Length(max=80)])
    purchase_date = DateField(_l("Purchase date"), validators=[Optional()])
    purchase_place = StringField(_l("Place of purchase"), validators=[Length(max=120)])
    warranty_end = DateField(_l("Free warranty until"), validators=[Optional()])
    notes = TextAreaField(_l("Notes"), validators=[Length(max=2000)])

    def register(self, by, customer):
        """Equipment.register with this form's data."""
        return Equipment.register(
            by,
            customer,
            product_model=self.product_model.data or "",
            spec=self.spec.data or "",
            serial=self.serial.data or "",
            purchase_date=self.purchase_date.data,
            purchase_place=self.purchase_place.data or "",
            warranty_end=self.warranty_end.data,
            notes=(self.notes.data or "").strip(),
        )


class ContractForm(BaseForm):
    number = StringField(_l("Contract number"), validators=[Length(max=40)])
    start = DateField(_l("Start date"), validators=[DataRequired()])
    end = DateField(_l("End date"), validators=[DataRequired()])
    equipment = SelectMultipleField(
        _l("Equipment covered"),
        coerce=int,
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
        invalid_choice_message=_l("Choose only this customer's equipment."),
    )
    notes = TextAreaField(_l("Notes"), validators=[Length(max=2000)])


class ProductModelForm(BaseForm):
    model = StringField(_l("Product model"), validators=[Length(max=80)])
    name = StringField(_l("Product name"), validators=[Length(max=100)])
    warranty_months = IntegerField(
        _l("Free warranty (months)"),
        default=12,
        validators=[InputRequired(_l("Enter the warranty in months, from 0 to 240."))],
    )
