"""What every blueprint shares: access control, fragment rendering, rule errors as responses."""

import re

from flask import current_app, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import SelectChoice, StringField, TextAreaField
from wtforms.validators import ValidationError

from models import can


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


def allowed(action):
    return can(current_user, action)


def choices(pairs):
    """(value, label) pairs as the options of a select or radio field."""
    return [SelectChoice(value, label) for value, label in pairs]


CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def no_control_characters(form, field):
    """Refuse invisible control characters (NUL and the like): nobody types them on purpose,
    and PostgreSQL cannot store NUL in text."""
    if isinstance(field.data, str) and CONTROL_CHARS.search(field.data):
        raise ValidationError(_l("Contains invisible control characters; please retype it."))


class BaseForm(FlaskForm):
    """Every form of the app: CSRF, and text fields refuse control characters."""

    class Meta:
        def bind_field(self, form, unbound_field, options):
            field_class = unbound_field.field_class
            if issubclass(field_class, (StringField, TextAreaField)) and len(unbound_field.args) < 2:
                validators = [*(unbound_field.kwargs.get("validators") or []), no_control_characters]
                return unbound_field.bind(form=form, validators=validators, **options)
            return unbound_field.bind(form=form, **options)


class EmptyForm(BaseForm):
    """A form with only the CSRF token, for button-only POSTs."""
