"""The manager's dashboard: a year of the department's work at a glance."""

import datetime

from flask import Blueprint, request
from flask_babel import lazy_gettext as _l

from models.core import today
from models.service.stats import year_summary
from views.common import render, requires
from views.shell import nav

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")
nav("dashboard.index", _l("Department dashboard"), "dashboard.view", order=21)


@bp.get("/")
@requires("dashboard.view")
def index():
    """Volume by month and type, timeliness, and each technician's year."""
    try:
        end = datetime.date.fromisoformat(request.args.get("end", ""))
    except ValueError:
        end = today()
    if not datetime.date(2000, 1, 1) <= end <= today():
        end = today()
    return render("dashboard/index.html", summary=year_summary(end))
