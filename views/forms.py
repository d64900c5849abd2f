"""The form base every screen uses, and the small forms several screens share."""

import datetime

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.i18n import translations as wtforms_translations
from markupsafe import Markup, escape
from wtforms import (
    DateField,
    DateTimeField,
    DateTimeLocalField,
    IntegerField,
    StringField,
    TextAreaField,
)
from wtforms import Form as PlainForm
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    StopValidation,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, HiddenInput, RadioInput
from wtforms.widgets.core import clean_key

from models.core.errors import N_
from views.common import CONTROL_CHARS, MAX_INT

# WTForms' own messages that the app says in its own words (WTForms' Chinese catalogue reads
# "at least" as "greater than" and "cannot be edited" as "required"); every other message of
# WTForms comes from its own catalogue, in the user's language too.
OWN_WORDS = frozenset(
    (
        N_("Number must be between %(min)s and %(max)s."),
        N_("Number must be at least %(min)s."),
        N_("Number must be at most %(max)s."),
        N_("This field cannot be edited."),
        N_("This field is disabled and cannot have a value."),
    )
)


class Translations:
    """The messages of WTForms' validators and fields in the user's language: the app's
    catalogue for OWN_WORDS, WTForms' catalogue (through Flask-WTF) for the rest. Every form
    of the app uses it, sub-forms (a part row) included."""

    def gettext(self, string):
        return gettext(string) if string in OWN_WORDS else wtforms_translations.gettext(string)

    def ngettext(self, singular, plural, n):
        return wtforms_translations.ngettext(singular, plural, n)


TRANSLATIONS = Translations()


def required_message(field):
    """What a missing required value says: the field by its name."""
    return gettext("%(field)s is required.", field=field.label.text)


class NamedRequired:
    """InputRequired or DataRequired without a message of its own: the message names the field
    ("Quantity is required." rather than "This field is required."), also where the error is
    shown away from its label (a toast, a row of parts)."""

    def __init__(self, check):
        self.check = check
        self.field_flags = getattr(check, "field_flags", {})

    def __call__(self, form, field):
        try:
            self.check(form, field)
        except StopValidation:
            raise StopValidation(required_message(field)) from None


def no_control_characters(form, field):
    """Refuse invisible control characters (NUL and the like): nobody types them on purpose,
    and PostgreSQL cannot store NUL in text."""
    if isinstance(field.data, str) and CONTROL_CHARS.search(field.data):
        raise ValidationError(_l("Contains invisible control characters; please retype it."))


def plausible_date(form, field):
    """Dates and times a service desk can mean (year 1 overflows time-zone arithmetic)."""
    value = field.data
    if isinstance(value, datetime.date) and not 1900 <= value.year <= 2999:  # a time of day has no year
        raise ValidationError(_l("Enter a date between the years 1900 and 2999."))


def bounded_integer(form, field):
    if field.data is not None and not -MAX_INT <= field.data <= MAX_INT:
        raise ValidationError(_l("That number is too large."))


def _extra_validators(field_class):
    if issubclass(field_class, StringField | TextAreaField):
        return [no_control_characters]
    if issubclass(field_class, DateField | DateTimeLocalField | DateTimeField):
        return [plausible_date]
    if issubclass(field_class, IntegerField):
        return [bounded_integer]
    return []


def _named(validator):
    if isinstance(validator, InputRequired | DataRequired) and validator.message is None:
        return NamedRequired(validator)
    return validator


class Meta:
    """What every form and sub-form shares: messages in the user's language, required fields
    named in their message, the checks of ``_extra_validators``."""

    def get_translations(self, form):
        return TRANSLATIONS

    def bind_field(self, form, unbound_field, options):
        validators = unbound_field.kwargs.get("validators")
        if len(unbound_field.args) < 2:  # validators passed by name (every form of the app)
            extra = _extra_validators(unbound_field.field_class)
            if validators or extra:
                validators = [*(_named(v) for v in validators or ()), *extra]
                return unbound_field.bind(form=form, validators=validators, **options)
        return unbound_field.bind(form=form, **options)


def _periods(form):
    """(start, end) field pairs named ``<x>_from`` and ``<x>_to``: a period picked in a form."""
    for name, field in form._fields.items():
        if name.endswith("_from") and f"{name[:-5]}_to" in form._fields:
            yield field, form._fields[f"{name[:-5]}_to"]


def _text(value):
    if isinstance(value, datetime.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return value.isoformat() if isinstance(value, datetime.date) else str(value)


class BaseForm(FlaskForm):
    """Every form of the app: CSRF; text refuses control characters, dates and numbers stay in
    a range the database and the calendar can hold; messages in the user's language; a period
    (``<x>_from``, ``<x>_to``) that starts after it ends says so."""

    class Meta(Meta):
        pass

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        for start, end in _periods(self):
            if start.errors or end.errors or start.data is None or end.data is None:
                continue
            if type(start.data) is type(end.data) and start.data > end.data:
                end.errors.append(
                    gettext(
                        "The period starts after it ends (%(start)s to %(end)s).",
                        start=_text(start.data),
                        end=_text(end.data),
                    )
                )
                valid = False
        return valid


class SubForm(PlainForm):
    """A form inside another (FormField): no CSRF of its own, the same messages and checks."""

    class Meta(Meta):
        pass


class EmptyForm(BaseForm):
    """A form with only the CSRF token, for button-only POSTs."""


class VersionForm(BaseForm):
    """A button-only transition of a stateful record: CSRF plus the version the user saw."""

    version = IntegerField(widget=HiddenInput(), validators=[InputRequired()])


class NoteForm(VersionForm):
    """A transition that may carry a note (what was said, what was done)."""

    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=2000)])


class PartForm(SubForm):
    name = StringField(_l("Part"), validators=[Optional(), Length(max=100)])
    quantity = IntegerField(_l("Quantity"), default=1, validators=[Optional(), NumberRange(1, 9999)])


def html_attrs(**kwargs):
    """WTForms' ``html_params`` with the same output (attributes sorted, ``class_`` and
    ``data_`` keys cleaned, True as a bare attribute, False left out), built with plain string
    operations: its ``Markup.format`` per attribute made the radio buttons of a customer's
    survey a third of that page's time."""
    params = []
    for key, value in sorted(kwargs.items()):
        key = clean_key(key)
        if value is True:
            params.append(str(escape(key)))
        elif value is not False:
            params.append(f'{escape(key)}="{str(escape(value)).replace(chr(34), "&quot;")}"')
    return Markup(" ".join(params))


class QuickRadio(RadioInput):
    """A radio button, as WTForms writes it, with ``html_attrs``: for choices shown by the
    dozen (a survey's ratings)."""

    html_params = staticmethod(html_attrs)


class QuickCheckbox(CheckboxInput):
    """A checkbox, as WTForms writes it, with ``html_attrs``."""

    html_params = staticmethod(html_attrs)
