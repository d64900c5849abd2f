"""The manager's figures over a year: volume by month and type, timeliness, each technician's work.

All aggregation happens in the database (one grouped query per table of figures), so a year of
a busy department's history costs a few index range scans, not a Python loop over it.
"""

import datetime

from peewee import Case, fn

from models.base import is_postgres, today
from models.job import SERVICE_TYPES, Job
from models.user import User


def _month(column):
    if is_postgres():
        return fn.to_char(column, "YYYY-MM")
    return fn.substr(column, 1, 7)  # SQLite stores dates as YYYY-MM-DD text


def _minutes(later, earlier):
    if is_postgres():
        return fn.date_part("epoch", later - earlier) / 60.0
    return (fn.julianday(later) - fn.julianday(earlier)) * 1440.0


def year_summary(end=None):
    """Figures for the twelve months up to ``end`` (default today)."""
    end = end or today()
    start = (end.replace(day=1) - datetime.timedelta(days=335)).replace(day=1)
    in_year = (Job.register_day >= start) & (Job.register_day <= end)

    month = _month(Job.register_day)
    monthly = dict(Job.select(month.alias("m"), fn.COUNT(Job.id)).where(in_year).group_by(month).tuples())
    months, cursor = [], start
    while cursor <= end:
        key = cursor.strftime("%Y-%m")
        months.append((key, monthly.get(key, 0)))
        cursor = (cursor.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)

    by_type = dict(
        Job.select(Job.service_type, fn.COUNT(Job.id)).where(in_year).group_by(Job.service_type).tuples()
    )
    by_state = dict(Job.select(Job.state, fn.COUNT(Job.id)).where(in_year).group_by(Job.state).tuples())

    timing = (
        Job.select(
            fn.AVG(_minutes(Job.dispatched_at, Job.registered_at)),
            fn.AVG(_minutes(Job.finished_at, Job.arrived_at)),
            fn.AVG(_minutes(Job.filed_at, Job.finished_at)),
        )
        .where(in_year, Job.state != "void")
        .tuples()
        .first()
    )

    done = Job.state.in_(("done", "countersigned", "filed"))
    per_tech = (
        Job.select(
            Job.technician,
            fn.COUNT(Job.id).alias("jobs"),
            fn.SUM(Case(None, [(done, 1)], 0)).alias("done"),
            fn.SUM(Case(None, [(Job.carried_back == True, 1)], 0)).alias("carried"),  # noqa: E712
            fn.AVG(_minutes(Job.finished_at, Job.arrived_at)).alias("minutes"),
        )
        .where(in_year, Job.technician.is_null(False))
        .group_by(Job.technician)
        .tuples()
    )
    names = {u.id: u.full_name for u in User.select(User.id, User.full_name).where(User.role == "technician")}
    technicians = sorted(
        (
            {
                "name": names.get(tech, "?"),
                "jobs": jobs,
                "done": int(done_n or 0),
                "carried": int(carried or 0),
                "minutes": round(minutes) if minutes is not None else None,
            }
            for tech, jobs, done_n, carried, minutes in per_tech
        ),
        key=lambda row: -row["jobs"],
    )
    total = sum(count for _, count in months)
    return {
        "start": start,
        "end": end,
        "total": total,
        "months": months,
        "peak": max((count for _, count in months), default=0),
        "by_type": [(key, by_type.get(key, 0)) for key in SERVICE_TYPES],
        "by_state": by_state,
        "dispatch_minutes": _round(timing[0]) if timing else None,
        "service_minutes": _round(timing[1]) if timing else None,
        "filing_minutes": _round(timing[2]) if timing else None,
        "technicians": technicians,
    }


def _round(value):
    return round(float(value)) if value is not None else None
