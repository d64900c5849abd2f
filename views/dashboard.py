"""The manager's dashboard: today at a glance, and any period of the department's work."""

import datetime

from flask import Blueprint, request
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from models.core import N_, can, today
from models.service.stats import first_month_of_year_to, period_summary, today_figures
from views.common import render, requires, typed_date
from views.shell import nav

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")
nav("dashboard.index", _l("Department dashboard"), "dashboard.view", order=21)

# The periods a manager asks for most, by name (?period=...), the first one by default.
PRESETS = {
    "12m": N_("Last 12 months"),
    "month": N_("This month"),
    "last_month": N_("Last month"),
    "quarter": N_("This quarter"),
    "year": N_("This year"),
    "last_year": N_("Last year"),
}


def preset_period(name, day):
    """(first day, last day) of a named period as seen on ``day``."""
    if name == "month":
        return day.replace(day=1), day
    if name == "last_month":
        last = day.replace(day=1) - datetime.timedelta(days=1)
        return last.replace(day=1), last
    if name == "quarter":
        return datetime.date(day.year, (day.month - 1) // 3 * 3 + 1, 1), day
    if name == "year":
        return datetime.date(day.year, 1, 1), day
    if name == "last_year":
        return datetime.date(day.year - 1, 1, 1), datetime.date(day.year - 1, 12, 31)
    return first_month_of_year_to(day), day


def _date(name, notes):
    value, raw = typed_date(name)
    if value is False:
        notes.append(gettext("“%(value)s” is not a date (YYYY-MM-DD).", value=raw))
    return value


def chosen_period(notes):
    """(start, end, preset name or None) from ?period=, ?from=&to= or the older ?end=."""
    day = today()
    name = request.args.get("period", "")
    if name in PRESETS:
        return (*preset_period(name, day), name)
    start, end = _date("from", notes), _date("to", notes)
    if start is None and end is None:
        legacy = _date("end", [])  # a year up to that day (older links)
        if legacy and legacy <= day:
            return first_month_of_year_to(legacy), legacy, None
        return (*preset_period("12m", day), "12m" if not notes else None)
    if start is False or end is False:
        return (*preset_period("12m", day), None)
    start, end = start or end, end or start
    if start > end:
        notes.append(gettext("The period starts after it ends: showing the last 12 months."))
        return (*preset_period("12m", day), None)
    if end > day:
        end = day
        start = min(start, end)
    return start, end, None


@bp.get("/")
@requires("dashboard.view")
def index():
    """Today's figures, then a period: volume by month and type, where its calls stand,
    timeliness and each technician's work. The period's figures alone for htmx."""
    notes = []
    start, end, preset = chosen_period(notes)
    summary = period_summary(start, end)
    return render(
        "dashboard/index.html",
        block="period",
        status=422 if notes else 200,
        notes=notes,
        summary=summary,
        today=today_figures(),
        preset=preset,
        presets=PRESETS,
        links=can_links(),
    )


def can_links():
    """Which of the queues behind today's figures this user may open."""
    return {
        "dispatch": can(current_user, "job.dispatch"),
        "countersign": can(current_user, "job.countersign"),
        "file": can(current_user, "job.file"),
        "register": can(current_user, "register.view"),
    }
