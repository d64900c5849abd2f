"""Template filters and globals: money, local dates and times, labels, permissions."""

import datetime

from flask_babel import format_date, format_datetime, format_decimal, format_time, get_locale, gettext
from flask_login import current_user

from models import can
from models.base import now, to_local
from models.job import AMENDABLE, EVENT_LABELS, SERVICE_TYPES, STATES, SUBJECT_LABELS


def money(fen):
    """Integer fen as ¥1,234.56 in the user's locale."""
    if fen is None:
        return ""
    sign = "-" if fen < 0 else ""
    return f"{sign}¥{format_decimal(abs(fen) / 100, format='#,##0.00')}"


def local_datetime(value, fmt="short"):
    if value is None:
        return ""
    if fmt == "time":
        return format_time(to_local(value).replace(tzinfo=None), "short", rebase=False)
    return format_datetime(to_local(value).replace(tzinfo=None), fmt, rebase=False)


def local_date(value, fmt="medium"):
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        value = to_local(value).date()
    return format_date(value, fmt)


def label(msgid):
    """Translate a label stored as an N_-marked English msgid (roles, states, types)."""
    return gettext(msgid) if msgid else ""


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
    if field.endswith("_at"):
        try:
            return local_datetime(datetime.datetime.fromisoformat(value))
        except ValueError:
            return value
    return value


def subject_label(subject):
    return label(SUBJECT_LABELS.get(subject, subject))


def field_label(field):
    return label(AMENDABLE.get(field, field))


def state_label(state):
    return label(STATES.get(state, state)) if state else ""


def type_label(service_type):
    return label(SERVICE_TYPES.get(service_type, service_type))


def action_label(action):
    return label(EVENT_LABELS.get(action, action))


def register(app):
    app.add_template_filter(money)
    app.add_template_filter(local_datetime, "dt")
    app.add_template_filter(local_date, "d")
    app.add_template_filter(label)
    app.add_template_filter(state_label)
    app.add_template_filter(type_label)
    app.add_template_filter(action_label)
    app.add_template_filter(duration)
    app.add_template_filter(amended)
    app.add_template_filter(field_label)
    app.add_template_filter(subject_label)

    @app.context_processor
    def _globals():
        return {
            "allowed": lambda action: can(current_user, action),
            "now_local": lambda: local_datetime(now()),
            "current_locale": "zh_CN" if get_locale().language == "zh" else "en",
        }
