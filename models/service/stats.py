"""The manager's figures over a year: volume by month and type, timeliness, each technician's work.

All aggregation happens in the database (one grouped query per table of figures), so a year of
a busy department's history costs a few index range scans, not a Python loop over it.
"""

import datetime

from peewee import Case, fn

from models.core import User, is_postgres, today
from models.service.job import Job
from models.service.labels import SERVICE_TYPES


def _month(column):
    if is_postgres():
        return fn.to_char(column, "YYYY-MM")
    return fn.substr(column, 1, 7)  # SQLite stores dates as YYYY-MM-DD text


def _minutes(later, earlier):
    if is_postgres():
        return fn.date_part("epoch", later - earlier) / 60.0
    return (fn.julianday(later) - fn.julianday(earlier)) * 1440.0


def first_month_of_year_to(end):
    """The first day of the month eleven months before ``end``'s: twelve months in all."""
    months = end.year * 12 + end.month - 1 - 11
    return datetime.date(months // 12, months % 12 + 1, 1)


def year_summary(end=None):
    """Figures for the twelve months up to ``end`` (default today)."""
    end = end or today()
    start = first_month_of_year_to(end)
    in_year = (Job.register_day >= start) & (Job.register_day <= end)

    # One pass for the volume tables: counts by month, type and state, summed up here.
    month = _month(Job.register_day)
    monthly, by_type, by_state = {}, {}, {}
    rows = (
        Job.select(month.alias("m"), Job.service_type, Job.state, fn.COUNT(Job.id))
        .where(in_year)
        .group_by(month, Job.service_type, Job.state)
        .tuples()
    )
    for key, service_type, state, count in rows:
        monthly[key] = monthly.get(key, 0) + count
        by_type[service_type] = by_type.get(service_type, 0) + count
        by_state[state] = by_state.get(state, 0) + count
    months, cursor = [], start
    while cursor <= end:
        key = cursor.strftime("%Y-%m")
        months.append((key, monthly.get(key, 0)))
        cursor = (cursor.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)

    # One pass for timeliness and each technician's year: sums and counts per technician,
    # the department's averages weighted from them (only dispatched work has these times).
    done = Job.state.in_(("done", "countersigned", "filed"))
    # each wait, and the column whose presence says the wait is known (counting that column is
    # much cheaper than counting the computed difference again)
    waits = {
        "dispatch": (_minutes(Job.dispatched_at, Job.registered_at), Job.dispatched_at),
        "service": (_minutes(Job.finished_at, Job.arrived_at), Job.finished_at),
        "filing": (_minutes(Job.filed_at, Job.finished_at), Job.filed_at),
    }
    columns = [
        Job.technician,
        fn.COUNT(Job.id),
        fn.SUM(Case(None, [(done, 1)], 0)),
        fn.SUM(Case(None, [(Job.carried_back == True, 1)], 0)),  # noqa: E712 (SQL, not Python)
    ]
    for expression, known in waits.values():
        columns += [fn.SUM(expression), fn.COUNT(known)]
    per_tech = list(
        Job.select(*columns)
        .where(in_year, Job.technician.is_null(False), Job.state != "void")
        .group_by(Job.technician)
        .tuples()
    )
    totals = {name: [0.0, 0] for name in waits}
    names = {u.id: u.full_name for u in User.select(User.id, User.full_name).where(User.role == "technician")}
    technicians = []
    for tech, jobs, done_n, carried, *sums in per_tech:
        for k, name in enumerate(waits):
            total_minutes, count = sums[2 * k], sums[2 * k + 1]
            totals[name][0] += float(total_minutes or 0)
            totals[name][1] += count or 0
        service_sum, service_count = sums[2], sums[3]
        technicians.append(
            {
                "name": names.get(tech, "?"),
                "jobs": jobs,
                "done": int(done_n or 0),
                "carried": int(carried or 0),
                "minutes": round(float(service_sum) / service_count) if service_count else None,
            }
        )
    technicians.sort(key=lambda row: -row["jobs"])
    average = {name: (round(t / n) if n else None) for name, (t, n) in totals.items()}
    total = sum(count for _, count in months)
    return {
        "start": start,
        "end": end,
        "total": total,
        "months": months,
        "peak": max((count for _, count in months), default=0),
        "by_type": [(key, by_type.get(key, 0)) for key in SERVICE_TYPES],
        "by_state": by_state,
        "dispatch_minutes": average["dispatch"],
        "service_minutes": average["service"],
        "filing_minutes": average["filing"],
        "technicians": technicians,
    }
