"""The service register (服务登记簿) on screen and on paper, and the daily reconciliation (核对)."""

import datetime
import itertools
import math

from flask import Blueprint, get_template_attribute, request
from flask_babel import get_locale, gettext
from flask_babel import lazy_gettext as _l

from models import Job, User, db
from models.core import N_, now, today
from models.core.prepared import plain
from models.service import SERVICE_TYPES, STATES, reconciliation
from views.common import KeptHTML, render, requires, text_arg, typed_date
from views.filters import id_url
from views.shell import nav

bp = Blueprint("register", __name__)
nav("register.view", _l("Service register"), "register.view", order=40)
nav("register.reconcile", _l("Daily reconciliation"), "reconcile.view", order=41)

PER_PAGE = 100
ROWS_PER_SHEET = 8  # A4 landscape: rows of 3–5 lines (checked by printing to PDF)
MAX_PRINT_DAYS = 31
CLOSED_STATES = ("filed", "void")
# The register's state filter: every state, plus "open" and "closed" (注销) lines.
STATE_FILTERS = {
    "open": N_("Open lines"),
    "closed": N_("Closed lines"),
    **STATES,
}


def _date_arg(name, notes):
    """A YYYY-MM-DD query argument: the date, None when absent, False when not a date."""
    value, raw = typed_date(name)
    if value is False:
        notes.append(gettext("“%(value)s” is not a date (YYYY-MM-DD): showing today.", value=raw))
    return value


def _period(notes):
    """The days asked for: ?day=, or ?from=&to= (either alone means one day), else today."""
    dates = {}
    for name in ("day", "from", "to"):
        value = _date_arg(name, notes)
        if value is False:
            return today(), today()
        dates[name] = value
    if dates["day"]:
        return dates["day"], dates["day"]
    start = dates["from"] or dates["to"]
    end = dates["to"] or dates["from"]
    if start is None:
        return today(), today()
    if start > end:
        notes.append(gettext("The period starts after it ends: showing today."))
        return today(), today()
    return start, end


def _period_args(start, end):
    """Query arguments naming a day or a period."""
    if start == end:
        return {"day": start.isoformat()}
    return {"from": start.isoformat(), "to": end.isoformat()}


def _shifted(start, end, direction):
    """The same length of time before (-1) or after (+1) a day or period."""
    step = datetime.timedelta(days=((end - start).days + 1) * direction)
    return _period_args(start + step, end + step)


def _filters(notes, technicians):
    """Search text and filters from the query string; unknown values are dropped with a note."""
    chosen = {
        "q": text_arg("q", 100),
        "state": text_arg("state", 20),
        "type": text_arg("type", 20),
        "tech": text_arg("tech", 12),
    }
    valid = {
        "state": set(STATE_FILTERS),
        "type": set(SERVICE_TYPES),
        "tech": {"none"} | {str(t.id) for t in technicians},
    }
    for name, allowed in valid.items():
        if chosen[name] and chosen[name] not in allowed:
            notes.append(gettext("Unknown filter value “%(value)s” was ignored.", value=chosen[name][:40]))
            chosen[name] = ""
    return chosen


def _filtered(query, filters):
    state = filters["state"]
    if state == "open":
        query = query.where(Job.state.not_in(CLOSED_STATES))
    elif state == "closed":
        query = query.where(Job.state.in_(CLOSED_STATES))
    elif state:
        query = query.where(Job.state == state)
    if filters["type"]:
        query = query.where(Job.service_type == filters["type"])
    if filters["tech"] == "none":
        query = query.where(Job.technician.is_null())
    elif filters["tech"]:
        query = query.where(Job.technician == int(filters["tech"]))
    return Job.search(query, filters["q"])


class LineCache(KeptHTML):
    """Rendered register lines by what decides their look: the job's version and last change,
    its technician's name, the language and whether the page is of one day (times) or more
    (dates and times). A register page shows a hundred lines, and a filed job's line never
    changes again: rendering them was most of the page's cost."""

    def lines(self, query, same_day):
        """The HTML of ``query``'s lines (a page of ``Job.for_register``), in its order: the
        keys are read as the driver gives them, the lines not kept are read and rendered."""
        page = (str(get_locale()), request.script_root, same_day)
        sql, params = query.sql()
        # its first columns are id, version and last change (REGISTER_COLUMNS), its last the
        # technician's name
        keys = [(page, *plain((row[0], row[1], row[2], row[-1]))) for row in db.execute_sql(sql, params)]
        found = {key[1]: self.entries.get(key) for key in keys}
        missing = [job_id for job_id, html in found.items() if html is None]
        fresh = {}
        if missing:
            render_line = get_template_attribute("register/_line.html", "line")
            cols = {name: gettext(text) for name, text in COLUMNS.items()}
            voucher_url = id_url("vouchers.show", "job_id")
            keyed = {key[1]: key for key in keys}
            for job in query.where(Job.id.in_(missing)).limit(None).offset(None):
                found[job.id] = fresh[keyed[job.id]] = render_line(job, same_day, cols, voucher_url)
        if fresh:
            self.keep(fresh)
        return [found[key[1]] for key in keys]


COLUMNS = {
    "number": N_("Voucher no."),
    "registered": N_("Registered"),
    "customer": N_("Customer"),
    "product": N_("Product"),
    "purchased": N_("Purchased"),
    "fault": N_("Fault"),
    "type": N_("Service type"),
    "technician": N_("Technician"),
    "state": N_("State"),
}
LINES = LineCache(5000)


def _page_number(pages):
    try:
        page = int(request.args.get("page") or 1)
    except ValueError:
        page = 1
    return min(max(page, 1), pages)


@bp.get("/register/")
@requires("register.view")
def view():
    """The register page of a day or a period, searchable and filtered; the table alone for htmx."""
    notes = []
    start, end = _period(notes)
    technicians = list(
        User.select().where(User.role == "technician").order_by(User.active.desc(), User.full_name)
    )
    filters = _filters(notes, technicians)
    query = _filtered(Job.for_register(start, end), filters)
    total, closed = Job.count_with_closed(query, CLOSED_STATES)
    pages = max(1, math.ceil(total / PER_PAGE))
    page = _page_number(pages)
    lines = query.paginate(page, PER_PAGE)
    period = _period_args(start, end)
    kept = {name: value for name, value in filters.items() if value}
    return render(
        "register/view.html",
        block="results",
        status=422 if notes else 200,
        notes=notes,
        start=start,
        end=end,
        period=period,
        filters=filters,
        kept=kept,
        here={**period, **kept},
        earlier={**_shifted(start, end, -1), **kept},
        later={**_shifted(start, end, 1), **kept},
        rendered=LINES.lines(lines, start == end),
        total=total,
        closed=closed,
        page=page,
        pages=pages,
        first_number=(page - 1) * PER_PAGE + 1,
        technicians=technicians,
        state_filters=STATE_FILTERS,
        service_types=SERVICE_TYPES,
        is_today=start == end == today(),
    )


@bp.get("/register/print")
@requires("register.view")
def print_page():
    """The register book's page(s) of a day or a short period, for A4 landscape paper."""
    notes = []
    start, end = _period(notes)
    if (end - start).days >= MAX_PRINT_DAYS:
        notes.append(
            gettext("At most %(days)s days can be printed at once: showing today.", days=MAX_PRINT_DAYS)
        )
        start = end = today()
    lines = list(Job.for_register(start, end))
    by_day = {day: list(group) for day, group in itertools.groupby(lines, key=lambda job: job.register_day)}
    # A single day always gets its page, even an empty one; a period prints the days it has.
    days = [start] if start == end else sorted(by_day)
    # A sheet holds ROWS_PER_SHEET lines; a longer day continues on the next sheet, its lines
    # numbered on, and every sheet says which of how many it is (第 1 页 / 共 3 页).
    sheets = []
    for day in days:
        jobs = by_day.get(day, [])
        chunks = [jobs[i : i + ROWS_PER_SHEET] for i in range(0, len(jobs), ROWS_PER_SHEET)] or [[]]
        for n, chunk in enumerate(chunks):
            sheets.append(
                {
                    "day": day,
                    "jobs": chunk,
                    "offset": n * ROWS_PER_SHEET,
                    "all": jobs,
                    "last": n == len(chunks) - 1,
                }
            )
    return render(
        "register/print.html",
        status=422 if notes else 200,
        notes=notes,
        start=start,
        end=end,
        period=_period_args(start, end),
        sheets=sheets,
        closed_states=CLOSED_STATES,
        printed_at=now(),
    )


@bp.get("/reconcile/")
@requires("reconcile.view")
def reconcile():
    """Art. 11: the day's register against its vouchers; carried-over jobs first, for priority dispatch."""
    notes = []
    day = _date_arg("day", notes) or today()
    report = reconciliation(day)
    entries = report["entries"]
    return render(
        "register/reconcile.html",
        status=422 if notes else 200,
        notes=notes,
        day=day,
        report=report,
        closed=sum(1 for job in entries if job.state in CLOSED_STATES),
        earlier=(day - datetime.timedelta(days=1)).isoformat(),
        later=(day + datetime.timedelta(days=1)).isoformat(),
        is_today=day == today(),
    )
