"""Template filters and globals: money, local dates and times, labels, events in words."""

import datetime

from flask import g, url_for
from flask_babel import format_date, format_datetime, get_locale, get_translations, gettext
from flask_login import current_user
from jinja2 import pass_context
from markupsafe import Markup, escape

from models.core import Label, can, now, to_local
from models.core.settings import company
from views.common import MAX_INT
from views.records import record_url
from views.shell import actions_for, menu, panels_for


def money(fen):
    """Integer fen as ¥1,234.56 (grouped and pointed alike in both languages), from the
    integer: no float on the way."""
    if fen is None:
        return ""
    sign = "-" if fen < 0 else ""
    yuan, cents = divmod(abs(int(fen)), 100)
    return f"{sign}¥{yuan:,}.{cents:02d}"


# "short" is the same unambiguous pattern in every language: 2026-12-01 14:49, never 12/1/26.
# Only digits in them: formatted without Babel (a register page formats hundreds).
SHORT_DATETIME = "%Y-%m-%d %H:%M"
TIME = "%H:%M"
SHORT_DATE = "%m-%d"


def local_datetime(value, fmt="short"):
    if value is None:
        return ""
    if fmt == "time":
        return to_local(value).strftime(TIME)
    if fmt == "short":
        return to_local(value).strftime(SHORT_DATETIME)
    return format_datetime(to_local(value).replace(tzinfo=None), fmt, rebase=False)


# The medium and full dates of the two languages the desk speaks, as Babel's CLDR data has
# them (2026年12月1日星期二, Tuesday, December 1, 2026): without loading that data, which
# costs every worker 4 MB for these few names.
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")  # fmt: skip
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
ZH_WEEKDAYS = ("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日")
DATE_FORMATS = {
    ("zh", "medium"): lambda d: f"{d.year}年{d.month}月{d.day}日",
    ("zh", "full"): lambda d: f"{d.year}年{d.month}月{d.day}日{ZH_WEEKDAYS[d.weekday()]}",
    ("en", "medium"): lambda d: f"{MONTHS[d.month - 1][:3]} {d.day}, {d.year}",
    ("en", "full"): lambda d: f"{WEEKDAYS[d.weekday()]}, {MONTHS[d.month - 1]} {d.day}, {d.year}",
}


def local_date(value, fmt="medium"):
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        value = to_local(value).date()
    if fmt == "short":
        return value.strftime(SHORT_DATE)
    known = DATE_FORMATS.get((get_locale().language, fmt))
    return known(value) if known else format_date(value, fmt)


def label(msgid):
    """Translate a label stored as an N_-marked English msgid (roles, states, types): from
    the request's catalog (a long list asks for the same few hundreds of times)."""
    if not msgid:
        return ""
    if type(msgid) is not str:
        return gettext(msgid)
    return catalog().ugettext(msgid)


def duration(minutes):
    """Minutes as "2 h 05 min" (or "—" when unknown)."""
    if minutes is None:
        return "—"
    minutes = int(minutes)
    if minutes < 60:
        return gettext("%(m)s min", m=minutes)
    if minutes < 48 * 60:
        return gettext("%(h)s h %(m)02d min", h=minutes // 60, m=minutes % 60)
    return gettext("%(d)s days", d=round(minutes / 1440, 1))


def amended(field, value):
    """One side of an amendment as the user reads it: local times, "—" for nothing."""
    if value is None or value == "":
        return "—"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "—"
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    if field and field.endswith("_at"):
        try:
            return local_datetime(datetime.datetime.fromisoformat(value))
        except (TypeError, ValueError):
            return value
    return value


def phrase(words):
    """A (msgid, params) pair of the models in the user's language; labels among the params
    are translated too."""
    msgid, params = words
    params = {k: gettext(v) if isinstance(v, Label) else v for k, v in params.items()}
    try:
        return gettext(msgid, **params)
    except (KeyError, ValueError, TypeError):
        return gettext(msgid)


def record_link(entry):
    """The record a history line is about, linked when it has a page of its own."""
    text = f"{label(entry.record_label)} {entry.record}"
    url = record_url(entry.subject, entry.subject_id)
    if url:
        return Markup('<a href="{}">{}</a>').format(url, text)
    return escape(text)


def id_url(endpoint, name):
    """``url_for(endpoint, name=id)`` built once for a long list: a function of the id."""
    before, after = url_for(endpoint, **{name: MAX_INT}).split(str(MAX_INT), 1)
    return lambda record_id: f"{before}{int(record_id)}{after}"


def catalog():
    """This request's translations, found once: flask-babel finds them again for every text
    (its context, the locale's name, its cache: 14 µs a text, 25 through Jinja's wrapper),
    and a page shows dozens. Kept on ``g``, as flask-babel keeps the request's locale."""
    try:
        return g.catalog
    except AttributeError:
        found = g.catalog = get_translations()
        return found
    except RuntimeError:  # outside an application context
        return get_translations()


@pass_context
def template_gettext(context, string, **variables):
    """``_()`` and ``gettext()`` in templates, as Jinja's new-style gettext does them."""
    text = catalog().ugettext(string)
    if context.eval_ctx.autoescape:
        text = Markup(text)
    return text % variables if variables or "%" in text else text


@pass_context
def template_ngettext(context, singular, plural, num, **variables):
    variables.setdefault("num", num)
    text = catalog().ungettext(singular, plural, num)
    if context.eval_ctx.autoescape:
        text = Markup(text)
    return text % variables


def register(app):
    for name, function in (
        ("money", money),
        ("dt", local_datetime),
        ("d", local_date),
        ("label", label),
        ("duration", duration),
        ("amended", amended),
        ("phrase", phrase),
        ("record_link", record_link),
    ):
        app.add_template_filter(function, name)

    # a global, not a context value: macros imported without context use it too
    app.jinja_env.globals["record_actions"] = actions_for
    app.jinja_env.globals["record_panels"] = panels_for
    app.jinja_env.globals["letterhead"] = company
    app.jinja_env.globals["id_url"] = id_url
    # in place of the ones flask-babel installed (same new-style behaviour, found once)
    app.jinja_env.globals.update(_=template_gettext, gettext=template_gettext, ngettext=template_ngettext)

    @app.context_processor
    def _globals():
        return {
            "allowed": lambda action: can(current_user, action),
            "now_local": lambda: local_datetime(now()),
            "current_locale": "zh_CN" if get_locale().language == "zh" else "en",
            "menu": menu,
        }
