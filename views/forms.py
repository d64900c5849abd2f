"""The form base every screen uses, and the small forms several screens share."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    DateTimeField,
    DateTimeLocalField,
    IntegerField,
    StringField,
    TextAreaField,
)
from wtforms import Form as PlainForm
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import HiddenInput

from views.common import CONTROL_CHARS, MAX_INT


def no_control_characters(form, field):
    """Refuse invisible control characters (NUL and the like): nobody types them on purpose,
    and PostgreSQL cannot store NUL in text."""
    if isinstance(field.data, str) and CONTROL_CHARS.search(field.data):
        raise ValidationError(_l("Contains invisible control characters; please retype it."))


def plausible_date(form, field):
    """Dates and times a service desk can mean (year 1 overflows time-zone arithmetic)."""
    value = field.data
    if value is not None and not 1900 <= value.year <= 2999:
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


class BaseForm(FlaskForm):
    """Every form of the app: CSRF; text refuses control characters, dates and numbers stay in
    a range the database and the calendar can hold."""

    class Meta:
        def bind_field(self, form, unbound_field, options):
            extra = _extra_validators(unbound_field.field_class)
            if extra and len(unbound_field.args) < 2:
                validators = [*(unbound_field.kwargs.get("validators") or []), *extra]
                return unbound_field.bind(form=form, validators=validators, **options)
            return unbound_field.bind(form=form, **options)


class EmptyForm(BaseForm):
    """A form with only the CSRF token, for button-only POSTs."""


class VersionForm(BaseForm):
    """A button-only transition of a stateful record: CSRF plus the version the user saw."""

    version = IntegerField(widget=HiddenInput(), validators=[InputRequired()])


class NoteForm(VersionForm):
    """A transition that may carry a note (what was said, what was done)."""

    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=2000)])


class PartForm(PlainForm):
    name = StringField(_l("Part"), validators=[Optional(), Length(max=100), no_control_characters])
    quantity = IntegerField(_l("Quantity"), default=1, validators=[Optional(), NumberRange(1, 9999)])
