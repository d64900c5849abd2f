"""What every blueprint shares: access control, fragment rendering, rule errors as responses."""

import re

from flask import current_app, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.routing import IntegerConverter
from wtforms import (
    DateField,
    DateTimeField,
    DateTimeLocalField,
    IntegerField,
    SelectChoice,
    StringField,
    TextAreaField,
)
from wtforms.validators import ValidationError


def public(view):
    """Mark a view as open to everybody, signed in or not."""
    view.required_action = None
    return view


def requires(action):
    """Mark a view as needing ``action`` from the permission map.

    The check itself runs in one before_request hook for every endpoint (``check_access``):
    an endpoint with neither mark is refused to everybody, so a new route cannot be open
    by accident.
    """

    def mark(view):
        view.required_action = action
        return view

    return mark


def route_action(endpoint, app=None):
    """The action a route requires: None for public ones, '?' when it is not marked."""
    view = (app or current_app).view_functions.get(endpoint)
    return getattr(view, "required_action", "?")


def is_htmx():
    """A fragment is wanted: an htmx request that is neither boosted nor a history restore."""
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.boosted and not htmx.history_restore_request


def render_block(template_name, block_name, **context):
    """Render one named block of a page template, with the normal template context."""
    env = current_app.jinja_env
    template = env.get_template(template_name)
    current_app.update_template_context(context)
    ctx = template.new_context(context)
    return env.concat(template.blocks[block_name](ctx))


def render(template_name, block=None, status=200, **context):
    """The page, or only ``block`` when htmx asks for a fragment."""
    if block and is_htmx():
        body = render_block(template_name, block, **context)
    else:
        body = render_template(template_name, **context)
    response = make_response(body, status)
    response.vary.add("HX-Request")
    return response


def translate(error):
    """The user-language text of a models.RuleError (labels among its values translated too)."""
    params = {k: gettext(v) if isinstance(v, str) else v for k, v in error.params.items()}
    return gettext(error.msgid, **params)


def error_response(error):
    """A refused rule: a toast for htmx, a flash and a step back otherwise."""
    message = translate(error)
    if is_htmx():
        response = make_response(render_template("_toast.html", message=message, kind="error"), error.status)
        response.headers["HX-Retarget"] = "#toast"
        response.headers["HX-Reswap"] = "innerHTML"
        return response
    flash(message, "error")
    back = request.referrer if request.referrer and request.referrer.startswith(request.host_url) else None
    return redirect(back or url_for("main.home"), 303)


def form_error(form, error):
    """Attach a RuleError to the form field it names (or the form as a whole)."""
    message = translate(error)
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, message]
    else:
        form.form_errors.append(message)


def see_other(endpoint, **values):
    """Redirect after a successful POST: HX-Location for htmx, 303 otherwise."""
    url = url_for(endpoint, **values)
    if getattr(request, "htmx", None):
        response = make_response("", 204)
        response.headers["HX-Location"] = url
        return response
    return redirect(url, 303)


def choices(pairs):
    """(value, label) pairs as the options of a select or radio field."""
    return [SelectChoice(value, label) for value, label in pairs]


CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def no_control_characters(form, field):
    """Refuse invisible control characters (NUL and the like): nobody types them on purpose,
    and PostgreSQL cannot store NUL in text."""
    if isinstance(field.data, str) and CONTROL_CHARS.search(field.data):
        raise ValidationError(_l("Contains invisible control characters; please retype it."))


# Database integers are 32-bit on PostgreSQL: anything outside is a typing error, not a 500.
MAX_INT = 2**31 - 1


def plausible_date(form, field):
    """Dates and times a service desk can mean (year 1 overflows time-zone arithmetic)."""
    value = field.data
    if value is not None and not 1900 <= value.year <= 2999:
        raise ValidationError(_l("Enter a date between the years 1900 and 2999."))


def bounded_integer(form, field):
    if field.data is not None and not -MAX_INT <= field.data <= MAX_INT:
        raise ValidationError(_l("That number is too large."))


def _extra_validators(field_class):
    if issubclass(field_class, (StringField, TextAreaField)):
        return [no_control_characters]
    if issubclass(field_class, (DateField, DateTimeLocalField, DateTimeField)):
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


class BoundedIntConverter(IntegerConverter):
    """<int:...> URL parts: a number the database can hold, else 404 (not a server error)."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", MAX_INT)
        super().__init__(map, *args, **kwargs)


def int_arg(name):
    """A positive id or page number from the query string, or None."""
    value = request.args.get(name, type=int)
    return value if value is not None and 0 < value <= MAX_INT else None


class EmptyForm(BaseForm):
    """A form with only the CSRF token, for button-only POSTs."""
