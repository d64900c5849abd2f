"""What every blueprint shares: access marks, fragment rendering, rule errors as responses."""

import datetime
import itertools
import re
import threading
from urllib.parse import parse_qsl, urlencode, urlsplit

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from htmx_flask import make_response
from werkzeug.routing import IntegerConverter
from wtforms import SelectChoice

from models.core import Conflict, Label

CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# In a header value even a line break is out of place (a tab is allowed).
HEADER_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
MAX_QUERY_BYTES = 12_288  # of a query string as sent (percent-encoded)
MAX_PARAMS = 50
MAX_PARAM = 1000  # characters of one query argument (name or value)
MAX_HEADER = 8192  # characters of one header value (gunicorn refuses longer lines anyway)

# Database integers are 32-bit on PostgreSQL: anything outside is a typing error, not a 500.
MAX_INT = 2**31 - 1


def public(view):
    """Mark a view as open to everybody, signed in or not."""
    view.required_action = None
    return view


def requires(action):
    """Mark a view as needing ``action`` from the permission map.

    The check itself runs in one before_request hook for every endpoint (``check_access``):
    an endpoint with neither mark is refused to everybody, so a new route cannot be open
    by accident. A scoped action (any / own) lets the route through for either form; the
    record's own check follows when it is loaded.
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


def render_blocks(template_name, block_names, **context):
    """Only the named blocks of a template, one after the other, with the context a whole page
    would get (Jinja's own ``Template.blocks``; jinja2-fragments did the same, but it imports
    asyncio for a type hint, 4 MB in every worker)."""
    app = current_app._get_current_object()
    app.update_template_context(context)
    template = app.jinja_env.get_template(template_name)
    parts = []
    try:
        for name in block_names:
            parts.extend(template.blocks[name](template.new_context(context)))
    except Exception:
        app.jinja_env.handle_exception()  # re-raised with the template's lines in the traceback
    return "".join(parts)


def render_block(template_name, block_name, **context):
    """One named block of a template (see ``render_blocks``)."""
    return render_blocks(template_name, (block_name,), **context)


class KeptHTML:
    """Rendered pieces of pages kept in this process, by a key that names everything their
    look depends on (a record's version, the language, ...): nothing is shared between
    processes and nothing can go stale (a change is a new key). Bounded: past ``limit``
    entries the oldest half is dropped."""

    def __init__(self, limit):
        self.limit, self.entries, self.lock = limit, {}, threading.Lock()

    def keep(self, fresh):
        """Add ``fresh`` ({key: HTML}); past the limit, the oldest half goes first."""
        with self.lock:
            if len(self.entries) + len(fresh) > self.limit:
                for old in list(itertools.islice(self.entries, len(self.entries) // 2)):
                    del self.entries[old]
            self.entries.update(fresh)


def render(template_name, block=None, status=200, blocks=None, **context):
    """The page, or only ``block`` (or ``blocks``) of it when htmx asks for a fragment."""
    if blocks and is_htmx():
        body = render_blocks(template_name, blocks, **context)
    elif block and is_htmx():
        body = render_block(template_name, block, **context)
    else:
        body = render_template(template_name, **context)
    response = make_response(body, status)
    response.vary.add("HX-Request")
    return response


def translate(error):
    """The user-language text of a models.RuleError (labels among its values translated too)."""
    params = {k: gettext(v) if isinstance(v, Label) else v for k, v in error.params.items()}
    return gettext(error.msgid, **params)


def toast_response(message, status, kind="error"):
    """A message shown in the page's toast area, whatever element asked."""
    body = render_template("_toast.html", message=message, kind=kind)
    return make_response(body, status, retarget="#toast", reswap="innerHTML")


def error_response(error):
    """A refused rule: a toast for htmx, a flash and a step back otherwise."""
    message = translate(error)
    if is_htmx():
        return toast_response(message, error.status)
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


def field_or_raise(form, error):
    """A refused field goes next to the field; a refused step (state, conflict) is a message."""
    if isinstance(error, Conflict) or error.field is None:
        raise error
    form_error(form, error)


def see_other(endpoint, **values):
    """Redirect after a successful POST: HX-Location for htmx, 303 otherwise."""
    url = url_for(endpoint, **values)
    if getattr(request, "htmx", None):
        return make_response("", 204, location=url)
    return redirect(url, 303)


def choices(pairs):
    """(value, label) pairs as the options of a select or radio field."""
    return [SelectChoice(value, label) for value, label in pairs]


class BoundedIntConverter(IntegerConverter):
    """<int:...> URL parts: a number the database can hold, else 404 (not a server error)."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", MAX_INT)
        super().__init__(map, *args, **kwargs)


def int_arg(name):
    """A positive id or page number from the query string, or None."""
    value = request.args.get(name, type=int)
    return value if value is not None and 0 < value <= MAX_INT else None


def date_arg(name):
    """A date from the query string (YYYY-MM-DD, years 1900–2999), or None."""
    try:
        value = datetime.date.fromisoformat(text_arg(name, 10))
    except ValueError:
        return None
    return value if 1900 <= value.year <= 2999 else None


# Dates outside this range are typing errors (and would overflow the prev/next links).
FIRST_DAY = datetime.date(2000, 1, 1)
LAST_DAY = datetime.date(2999, 12, 31)


def typed_date(name):
    """A YYYY-MM-DD query argument as (value, text typed): the value is None when absent and
    False when it is no date between FIRST_DAY and LAST_DAY (the caller says so in its words)."""
    raw = text_arg(name, 40)
    if not raw:
        return None, raw
    try:
        value = datetime.date.fromisoformat(raw)
    except ValueError:
        return False, raw
    return (value if FIRST_DAY <= value <= LAST_DAY else False), raw


def period_arg(start, end, longest=None, say=True):
    """The period of ``?start=&end=`` (YYYY-MM-DD), each date ``start``/``end`` when absent
    (None: open). A date that is not one, a period that ends before it starts or one longer
    than ``longest`` days shows the default period instead, and says so (a warning in the
    page's toast area, unless ``say`` is false: an export names its period in its file)."""
    chosen = {}
    for name, default in (("start", start), ("end", end)):
        value, raw = typed_date(name)
        if value is False:
            return _default_period(
                start, end, say, gettext("“%(value)s” is not a date (YYYY-MM-DD).", value=raw)
            )
        chosen[name] = default if value is None else value
    first, last = chosen["start"], chosen["end"]
    if first is not None and last is not None:
        if first > last:
            return _default_period(start, end, say, gettext("The period starts after it ends."))
        if longest is not None and (last - first).days + 1 > longest:
            return _default_period(start, end, say, gettext("A period is at most %(n)s days.", n=longest))
    return first, last


def _default_period(start, end, say, why):
    if say:
        flash(gettext("%(why)s Showing the default period.", why=why), "warn")
    return start, end


def text_arg(name, limit=100):
    """A text query argument, stripped, bounded, without control characters."""
    value = (request.args.get(name) or "").strip()[:limit]
    return CONTROL_CHARS.sub("", value)


class CleanInput:
    """WSGI middleware, the one place where query strings and headers are bounded and cleaned
    before anything reads them: at most MAX_PARAMS arguments of MAX_PARAM characters, headers
    of MAX_HEADER characters, no control characters (PostgreSQL cannot store NUL; nobody
    types them). Everything downstream (views, Flask-Login, htmx-flask, ProxyFix) sees only
    the cleaned values."""

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        clean_environ(environ)
        return self.wsgi_app(environ, start_response)


def clean_environ(environ):
    query = environ.get("QUERY_STRING", "")
    if query:
        environ["QUERY_STRING"] = clean_query(query)
    for key, value in list(environ.items()):
        if key.startswith("HTTP_") and isinstance(value, str):
            if len(value) > MAX_HEADER or HEADER_CONTROL_CHARS.search(value):
                environ[key] = HEADER_CONTROL_CHARS.sub("", value[:MAX_HEADER])
    return environ


def clean_query(query):
    """A WSGI query string (bytes as latin-1) as a bounded one without control characters;
    returned unchanged when it is clean already."""
    raw = query[:MAX_QUERY_BYTES]
    # percent-escapes and raw bytes alike become one latin-1 character per byte, then UTF-8
    pairs = parse_qsl(raw, keep_blank_values=True, encoding="latin-1", errors="replace")
    cleaned, changed = [], len(raw) < len(query) or len(pairs) > MAX_PARAMS
    for pair in pairs[:MAX_PARAMS]:
        name, value = (part.encode("latin-1", "replace").decode("utf-8", "replace") for part in pair)
        tidy = (CONTROL_CHARS.sub("", name[:MAX_PARAM]), CONTROL_CHARS.sub("", value[:MAX_PARAM]))
        changed = changed or tidy != (name, value) or "\ufffd" in name + value
        cleaned.append(tidy)
    return urlencode(cleaned) if changed else query


def same_site_path(url):
    """The path of ``url`` when it points into this site (as a header such as HX-Current-URL
    says), else None; a malformed URL is None too, never an error."""
    try:
        parts = urlsplit(url or "")
    except ValueError:
        return None
    if parts.netloc and parts.netloc != request.host:
        return None
    path = parts.path
    if not path.startswith("/") or path.startswith("//") or "\\" in path:
        return None
    return path + (f"?{parts.query}" if parts.query else "")
