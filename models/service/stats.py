"""The manager's figures: a period by month (or day) and type, where its calls stand, timeliness,
each technician's work, and today.

The period's figures are read from ``MonthStat`` and ``DayStat``, the jobs summed per register
month (and day), service type, state and technician, which the database keeps in step with
every write of a job (triggers of migration 0009): a year is a few hundred month rows and the
days of a partial month at either end, whether the department filed ten thousand jobs or a
million, and the waits are summed in seconds as each job's times were set instead of being
computed again for every job at every read. Today's figures read the open
work (a few hundred rows by the state index) and the jobs finished today (by their index).
"""

import datetime

from peewee import BigIntegerField, Case, CharField, DateField, IntegerField, fn

from models.core import BaseModel, Setting, User, clock, is_postgres, now, today
from models.service.ageing import AGEING
from models.service.job import Job
from models.service.labels import IN_HAND_STATES, SERVICE_TYPES, STATES

# The states whose work is done (the customer signed).
DONE_STATES = ("done", "countersigned", "filed")
WAITS = ("dispatch", "service", "filing")
# A longer period is shown by month, a shorter one by day.
DAYS_BY_DAY = 62
LONGEST = datetime.timedelta(days=3660)


class JobStat(BaseModel):
    """Jobs registered on a day (or in a month) of one service type, in one state, with one
    technician (0: none yet): how many, how many carried back, and for each wait (registration
    to dispatch, arrival to finish, finish to filing) how many are known and their sum in
    seconds. Written by the database's triggers on ``job`` only."""

    day = DateField()
    service_type = CharField(max_length=10)
    state = CharField(max_length=20)
    technician_id = IntegerField(default=0)
    jobs = IntegerField(default=0)
    carried = IntegerField(default=0)
    dispatch_n = IntegerField(default=0)
    dispatch_s = BigIntegerField(default=0)
    service_n = IntegerField(default=0)
    service_s = BigIntegerField(default=0)
    filing_n = IntegerField(default=0)
    filing_s = BigIntegerField(default=0)

    class Meta:
        indexes = ((("day", "service_type", "state", "technician_id"), True),)


class DayStat(JobStat):
    """One row per register day (and type, state, technician)."""

    class Meta:
        table_name = "job_day_stat"


class MonthStat(JobStat):
    """One row per month (``day``: its first day), for periods of whole months."""

    class Meta:
        table_name = "job_month_stat"


def _parts(start, end):
    """[(summary table, first day, last day)] covering ``start`` to ``end``: the whole months
    from the month table, the days of a partial month at either end from the day table."""
    first_whole = start if start.day == 1 else _next_month(start)
    after_last = (
        _next_month(end) if _next_month(end) - datetime.timedelta(days=1) == end else end.replace(day=1)
    )
    if first_whole >= after_last:
        return [(DayStat, start, end)]
    parts = [(MonthStat, first_whole, after_last - datetime.timedelta(days=1))]
    if start < first_whole:
        parts.append((DayStat, start, first_whole - datetime.timedelta(days=1)))
    if after_last <= end:
        parts.append((DayStat, after_last, end))
    return parts


def _month(column):
    if is_postgres():
        return fn.to_char(column, "YYYY-MM")
    return fn.substr(column, 1, 7)  # SQLite stores dates as YYYY-MM-DD text


def first_month_of_year_to(end):
    """The first day of the month eleven months before ``end``'s: twelve months in all."""
    months = end.year * 12 + end.month - 1 - 11
    return datetime.date(months // 12, months % 12 + 1, 1)


def _next_month(day):
    return (day.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)


def _series(start, end, by_day, counts):
    """[(key, count)] of every day or month of the period, in order, zeros included."""
    series, cursor = [], start if by_day else start.replace(day=1)
    while cursor <= end:
        key = cursor.isoformat() if by_day else cursor.strftime("%Y-%m")
        series.append((key, counts.get(key, 0)))
        cursor = cursor + datetime.timedelta(days=1) if by_day else _next_month(cursor)
    return series


def period_summary(start, end):
    """Figures for the calls registered from ``start`` to ``end`` (local days, inclusive)."""
    if end - start > LONGEST:
        start = end - LONGEST
    by_day = (end - start).days < DAYS_BY_DAY
    parts = [(DayStat, start, end)] if by_day else _parts(start, end)

    # The volume tables: counts by day or month, type and state, in one grouped pass a table.
    counts, by_type, by_state = {}, {}, {}
    for table, first, last in parts:
        bucket = table.day if by_day or table is MonthStat else _month(table.day)
        rows = (
            table.select(bucket, table.service_type, table.state, fn.SUM(table.jobs))
            .where(table.day >= first, table.day <= last)
            .group_by(bucket, table.service_type, table.state)
            .tuples()
        )
        for key, service_type, state, n in rows:
            n = int(n or 0)
            if not n:
                continue
            if isinstance(key, datetime.date):
                key = key.isoformat() if by_day else key.strftime("%Y-%m")
            elif not by_day:
                key = key[:7]
            counts[key] = counts.get(key, 0) + n
            by_type[service_type] = by_type.get(service_type, 0) + n
            by_state[state] = by_state.get(state, 0) + n
    series = _series(start, end, by_day, counts)

    # Timeliness and each technician's period: dispatched work that was not voided.
    totals = {name: [0, 0] for name in WAITS}
    mine = {}
    for table, first, last in parts:
        columns = [table.technician_id, table.state, fn.SUM(table.jobs), fn.SUM(table.carried)]
        for name in WAITS:
            columns += [fn.SUM(getattr(table, f"{name}_n")), fn.SUM(getattr(table, f"{name}_s"))]
        per_tech = (
            table.select(*columns)
            .where(table.day >= first, table.day <= last, table.technician_id != 0, table.state != "void")
            .group_by(table.technician_id, table.state)
            .tuples()
        )
        for tech, state, jobs, carried, *waits in per_tech:
            row = mine.setdefault(tech, {"jobs": 0, "done": 0, "carried": 0, "service": [0, 0]})
            row["jobs"] += int(jobs or 0)
            row["carried"] += int(carried or 0)
            if state in DONE_STATES:
                row["done"] += int(jobs or 0)
            for k, name in enumerate(WAITS):
                n, seconds = int(waits[2 * k] or 0), int(waits[2 * k + 1] or 0)
                totals[name][0] += n
                totals[name][1] += seconds
                if name == "service":
                    row["service"][0] += n
                    row["service"][1] += seconds
    names = dict(User.select(User.id, User.full_name).where(User.id.in_(list(mine) or [0])).tuples())
    technicians = [
        {
            "name": names.get(tech, "?"),
            "jobs": row["jobs"],
            "done": row["done"],
            "carried": row["carried"],
            "minutes": _minutes(*row["service"]),
        }
        for tech, row in mine.items()
        if row["jobs"]
    ]
    technicians.sort(key=lambda row: (-row["jobs"], row["name"]))
    total = sum(counts.values())
    return {
        "start": start,
        "end": end,
        "by_day": by_day,
        "total": total,
        "series": series,
        "months": series,  # the name of the twelve-month view
        "peak": max((count for _, count in series), default=0),
        "by_type": [(key, by_type.get(key, 0)) for key in SERVICE_TYPES],
        # in the order of the workflow, every state shown (a zero says as much as a count)
        "by_state": {state: by_state.get(state, 0) for state in STATES},
        "dispatch_minutes": _minutes(*totals["dispatch"]),
        "service_minutes": _minutes(*totals["service"]),
        "filing_minutes": _minutes(*totals["filing"]),
        "technicians": technicians,
    }


def _minutes(count, seconds):
    return round(seconds / count / 60) if count else None


def year_summary(end=None):
    """Figures for the twelve months up to ``end`` (default today)."""
    end = end or today()
    return period_summary(first_month_of_year_to(end), end)


def today_figures():
    """Today: calls registered, work finished; and the work open now by state, how much of it
    has waited longer than the settings allow, how much was carried over from earlier days."""
    day, at = today(), now()
    midnight = clock().to_utc(datetime.datetime.combine(day, datetime.time()))
    registered = DayStat.select(fn.COALESCE(fn.SUM(DayStat.jobs), 0)).where(DayStat.day == day).scalar() or 0
    finished = Job.select(fn.COUNT(Job.id)).where(Job.finished_at >= midnight).scalar() or 0
    values = Setting.all_values()
    late = []
    for state, (column, _) in AGEING.items():
        hours = values.get(f"age_warn_hours_{state}")
        if hours:
            late.append((Job.state == state) & (getattr(Job, column) < at - datetime.timedelta(hours=hours)))
    overdue_expr = fn.SUM(_case(late))
    carried = fn.SUM(_case([(Job.state == "registered") & (Job.register_day < day)]))
    open_states = ("registered", *IN_HAND_STATES, "done", "countersigned")
    rows = (
        Job.select(Job.state, fn.COUNT(Job.id), overdue_expr, carried)
        .where(Job.state.in_(open_states))
        .group_by(Job.state)
        .tuples()
    )
    by_state = {state: (0, 0) for state in open_states}
    carried_over = 0
    for state, n, overdue, carried_n in rows:
        by_state[state] = (int(n or 0), int(overdue or 0))
        carried_over += int(carried_n or 0)
    in_hand = [by_state[s] for s in IN_HAND_STATES]
    return {
        "day": day,
        "registered": int(registered),
        "finished": int(finished),
        "waiting": by_state["registered"],
        "carried_over": carried_over,
        "in_hand": (sum(n for n, _ in in_hand), sum(o for _, o in in_hand)),
        "by_state": by_state,
        "countersign": by_state["done"],
        "filing": by_state["countersigned"],
    }


def _case(conditions):
    """1 where any of ``conditions`` holds, else 0 (for summing)."""
    if not conditions:
        return 0
    condition = conditions[0]
    for more in conditions[1:]:
        condition |= more
    return Case(None, [(condition, 1)], 0)
