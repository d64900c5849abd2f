"""Forms of the administrator's screens; the Settings form is built from the settings registry."""

import decimal

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DecimalField,
    IntegerField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, Regexp
from wtforms.widgets import CheckboxInput, ListWidget

from models.core import ROLE_LABELS, ROLES, SETTINGS
from models.core.users import MIN_PASSWORD
from views.common import choices
from views.filters import label
from views.forms import BaseForm

USERNAME = Regexp(r"^[A-Za-z0-9_.-]+$", message=_l("Letters, digits, dot, dash and underscore only."))


def role_choices():
    return choices((role, label(ROLE_LABELS[role])) for role in ROLES)


class UserForm(BaseForm):
    full_name = StringField(_l("Name"), validators=[DataRequired(), Length(max=60)])
    role = SelectField(_l("Role"), validators=[DataRequired()])
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=30)])
    active = BooleanField(_l("Active"), default=True)


class NewUserForm(UserForm):
    username = StringField(_l("User name"), validators=[DataRequired(), Length(max=40), USERNAME])
    password = PasswordField(
        _l("Initial password"), validators=[DataRequired(), Length(min=MIN_PASSWORD, max=200)]
    )


class ResetPasswordForm(BaseForm):
    password = PasswordField(
        _l("New password"), validators=[DataRequired(), Length(min=MIN_PASSWORD, max=200)]
    )


def _setting_field(spec):
    """The form field of one registered setting (money is typed in yuan, stored in fen)."""
    title = _l(spec.label)
    if spec.kind == "money":
        bounds = {}
        if spec.minimum is not None:
            bounds["min"] = decimal.Decimal(spec.minimum) / 100
        if spec.maximum is not None:
            bounds["max"] = decimal.Decimal(spec.maximum) / 100
        return DecimalField(
            _l("%(label)s (yuan)", label=_l(spec.label)),
            places=2,
            validators=[InputRequired(), NumberRange(**bounds)],
        )
    if spec.kind == "int":
        return IntegerField(title, validators=[InputRequired(), NumberRange(spec.minimum, spec.maximum)])
    if spec.kind == "bool":
        return BooleanField(title)
    if spec.kind == "choice":
        return SelectField(title, choices=choices((v, _l(t)) for v, t in spec.options))
    if spec.kind == "choices":
        return SelectMultipleField(
            title,
            choices=choices((v, _l(t)) for v, t in spec.options),
            widget=ListWidget(prefix_label=False),
            option_widget=CheckboxInput(),
        )
    if spec.kind in ("lines", "dates"):
        return TextAreaField(title, validators=[Length(max=4000)])
    if spec.kind == "time":
        return StringField(title, validators=[InputRequired(), Length(max=5)])
    return StringField(title, validators=[Length(max=300)])


def settings_form(values, editable=None, **kwargs):
    """A form with one field per registered setting, filled from the stored ``values``;
    the settings not in ``editable`` (keys) are shown and never sent back."""
    editable = set(SETTINGS) if editable is None else set(editable)

    class SettingsForm(BaseForm):
        locked = set(SETTINGS) - editable

        def stored_values(self):
            """The submitted values in their stored form (fen, lists, dates)."""
            result = {}
            for key, spec in SETTINGS.items():
                if key in self.locked:
                    continue
                value = getattr(self, key).data
                if spec.kind == "money":
                    value = int((value * 100).to_integral_value(decimal.ROUND_HALF_UP))
                elif spec.kind == "dates":
                    value = [line.strip() for line in (value or "").splitlines() if line.strip()]
                elif spec.kind in ("lines", "text", "time"):
                    value = (value or "").strip()
                result[key] = value
            return result

    initial = {}
    for key, spec in SETTINGS.items():
        field = _setting_field(spec)
        if key not in editable:
            field.kwargs["render_kw"] = {"disabled": True}
            field.kwargs["validators"] = []
        setattr(SettingsForm, key, field)
        value = values.get(key, spec.default)
        if spec.kind == "money":
            value = decimal.Decimal(value) / 100
        elif spec.kind == "dates":
            value = "\n".join(value or [])
        initial[key] = value
    return SettingsForm(data=initial, **kwargs)
