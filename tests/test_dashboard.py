"""The manager's dashboard: today's figures, any period, and the summary the database keeps."""

import datetime
import importlib.util
import os
import re

import pytest

from models import Job, db
from models.core import clock, is_postgres, today
from models.service import STATES
from models.service.stats import DayStat, MonthStat, period_summary, today_figures, year_summary

WAITS = {
    "dispatch": ("dispatched_at", "registered_at"),
    # time on site: for an item carried back for repair, until it was taken
    "service": ("carried_back_at|finished_at", "arrived_at"),
    "filing": ("filed_at", "finished_at"),
}


def _time(job, names):
    return next((getattr(job, n) for n in names.split("|") if getattr(job, n) is not None), None)


def _migration(name):
    path = os.path.join(os.path.dirname(os.path.dirname(__file__)), "migrations", name)
    spec = importlib.util.spec_from_file_location(name[:-3], path)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    return migration


@pytest.fixture
def clock_back():
    start = clock().offset
    yield clock()
    clock().offset = start


def _expected(table):
    """The summary recomputed from the jobs as they stand: what the triggers must have kept."""
    found = {}
    for job in Job.select():
        day = job.register_day if table is DayStat else job.register_day.replace(day=1)
        key = (day, job.service_type, job.state, job.technician_id or 0)
        row = found.setdefault(key, {"jobs": 0, "carried": 0, **{f"{w}_{x}": 0 for w in WAITS for x in "ns"}})
        row["jobs"] += 1
        row["carried"] += int(bool(job.carried_back))
        for name, (later, earlier) in WAITS.items():
            a, b = _time(job, later), _time(job, earlier)
            if a is not None and b is not None:
                row[f"{name}_n"] += 1
                row[f"{name}_s"] += round((a - b).total_seconds())
    return found


def _kept(table):
    columns = ["jobs", "carried", *(f"{w}_{x}" for w in WAITS for x in "ns")]
    return {
        (row.day, row.service_type, row.state, row.technician_id): {c: getattr(row, c) for c in columns}
        for row in table.select()
        if row.jobs
    }


def _assert_in_step():
    for table in (DayStat, MonthStat):
        kept, expected = _kept(table), _expected(table)
        # rounding: the database rounds each wait to whole seconds as we do
        assert kept.keys() == expected.keys(), table
        for key, row in expected.items():
            for column, value in row.items():
                assert abs(kept[key][column] - value) <= (1 if column.endswith("_s") else 0), (key, column)


def test_the_summary_follows_every_step_of_a_job(make, users, clock_back):
    """Registration, dispatch, re-dispatch, arrival, carry-back, finish, amendments of the times,
    countersign, filing and voiding each move the job in the summary, on both databases."""
    manager, tech1, tech2 = users["manager"], users["tech1"], users["tech2"]
    job = make.job()
    _assert_in_step()
    clock_back.travel(datetime.timedelta(minutes=50))
    job.dispatch(tech1, manager)
    _assert_in_step()
    job.dispatch(tech2, manager)  # re-dispatched: moves from one technician to the other
    _assert_in_step()
    clock_back.travel(datetime.timedelta(hours=2))
    job.arrive(tech2)
    _assert_in_step()
    clock_back.travel(datetime.timedelta(minutes=75))
    job.finish(tech2, make.signature(), "更换电容")
    _assert_in_step()
    job.amend(manager, "到场时间记错", arrived_at=job.arrived_at - datetime.timedelta(minutes=30))
    _assert_in_step()
    job.countersign(manager)
    job.file(users["clerk"])
    _assert_in_step()
    make.job(state="in_repair", tech="tech1")
    make.job(state="void")
    make.job(state="done", service_type="free")
    _assert_in_step()
    assert sum(r.jobs for r in DayStat.select()) == sum(r.jobs for r in MonthStat.select()) == 4


def test_the_migration_sums_the_jobs_there_are(make):
    """Upgrading a database with a history sums it once; the triggers take over from there."""
    make.job(state="filed")
    make.job(state="done", tech="tech2")
    make.job(state="void")
    make.job(state="in_repair", tech="tech1")
    with db.atomic():
        DayStat.delete().execute()
        MonthStat.delete().execute()
        _migration("0009_perf.py").backfill(db.obj, is_postgres(), _migration("0011_onsite.py").WAITS)
    _assert_in_step()


def test_a_job_carried_back_counts_its_time_on_site_not_the_days_in_the_workshop(make, users, clock_back):
    """Arrival to the carry-back is time on site; the three days in the workshop are not."""
    tech = users["tech1"]
    job = make.job()
    job.dispatch(tech, users["manager"])
    job.arrive(tech)
    clock_back.travel(datetime.timedelta(minutes=40))
    job.carry_back(tech, make.signature(), "主板故障，带回维修")
    _assert_in_step()
    clock_back.travel(datetime.timedelta(days=3))
    job.repair(users["manager"], "更换主板")
    job.finish(tech, make.signature(), "送回，试机正常")
    _assert_in_step()
    row = DayStat.get(DayStat.service_n == 1)
    assert row.service_s == 40 * 60
    assert period_summary(today() - datetime.timedelta(days=7), today())["service_minutes"] == 40


def test_year_summary_counts_and_times(make, users):
    make.job(state="filed")
    make.job(state="done", tech="tech2")
    make.job(state="void")
    old = make.job()
    Job.update(register_day=today() - datetime.timedelta(days=500)).where(Job.id == old.id).execute()
    summary = year_summary()
    assert summary["total"] == 3
    assert summary["months"][-1] == (today().strftime("%Y-%m"), 3)
    assert len(summary["months"]) == 12
    assert dict(summary["by_type"])["paid"] == 3
    # every state, in the order of the workflow
    assert list(summary["by_state"]) == list(STATES)
    assert {k: v for k, v in summary["by_state"].items() if v} == {"filed": 1, "done": 1, "void": 1}
    techs = {t["name"]: t for t in summary["technicians"]}
    assert techs["Tech1"]["jobs"] == 1 and techs["Tech1"]["done"] == 1
    assert techs["Tech2"]["done"] == 1
    assert summary["dispatch_minutes"] is not None and summary["dispatch_minutes"] >= 0


def test_waits_are_averaged_in_minutes(make, users, clock_back):
    first, second = make.job(state="on_site"), make.job(state="on_site")
    for job, minutes in ((first, 30), (second, 60)):
        clock_back.travel(datetime.timedelta(minutes=minutes))
        job.finish(users["tech1"], make.signature(), "更换电容")  # 30 and 90 minutes on site
    summary = year_summary()
    assert summary["service_minutes"] == 60
    assert {t["name"]: t["minutes"] for t in summary["technicians"]} == {"Tech1": 60}


def test_a_period_of_whole_and_partial_months_adds_up(make):
    """A period is read from whole months and from the days at either end: any period gives
    what the jobs themselves say."""
    jobs = [make.job(state=state) for state in ("filed", "done", "registered", "void", "dispatched")]
    base = today()
    days = [base - datetime.timedelta(days=d) for d in (0, 20, 45, 80, 400)]
    for job, day in zip(jobs, days, strict=True):
        Job.update(register_day=day).where(Job.id == job.id).execute()
    for start, end in (
        (base - datetime.timedelta(days=90), base),
        (base - datetime.timedelta(days=50), base - datetime.timedelta(days=10)),
        (base.replace(day=1), base),
        (base - datetime.timedelta(days=3000), base),
    ):
        summary = period_summary(start, end)
        inside = [d for d in days if start <= d <= end]
        assert summary["total"] == len(inside), (start, end)
        assert sum(count for _, count in summary["series"]) == len(inside)


def test_short_periods_are_shown_by_day(make):
    make.job()
    summary = period_summary(today() - datetime.timedelta(days=6), today())
    assert summary["by_day"] and len(summary["series"]) == 7
    assert summary["series"][-1] == (today().isoformat(), 1)


def test_today_figures(make, users, clock_back):
    make.job()  # waiting
    make.job(state="dispatched")
    make.job(state="done")
    make.job(state="countersigned")
    carried = make.job()
    Job.update(register_day=today() - datetime.timedelta(days=1)).where(Job.id == carried.id).execute()
    figures = today_figures()
    assert figures["registered"] == 4  # the carried-over one was registered yesterday
    assert figures["finished"] == 2
    assert figures["waiting"] == (2, 0) and figures["carried_over"] == 1
    assert figures["in_hand"] == (1, 0)
    assert figures["countersign"] == (1, 0) and figures["filing"] == (1, 0)
    clock_back.travel(datetime.timedelta(hours=30))  # past the default ageing thresholds
    figures = today_figures()
    assert figures["waiting"] == (2, 2)
    assert figures["in_hand"] == (1, 1)
    assert figures["countersign"] == (1, 1)


def test_dashboard_page_for_the_manager_only(client, auth, make):
    make.job(state="filed")
    auth.login("manager")
    response = client.get("/dashboard/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "部门" in html and "Tech1" in html and "今天" in html
    assert client.get("/dashboard/?end=garbage").status_code == 200  # an old link's argument
    auth.logout()
    auth.login("clerk")
    assert client.get("/dashboard/").status_code == 403


def test_states_are_listed_in_the_order_of_the_workflow(client, auth, make):
    make.job(state="filed")
    make.job()
    auth.login("manager")
    html = client.get("/dashboard/").get_data(as_text=True)
    section = html.split("这些来电的进展")[1].split("</table>")[0]
    shown = re.findall(r'<th scope="row">([^<]+)</th>', section)
    from flask_babel import force_locale, gettext

    with client.application.test_request_context(), force_locale("zh_CN"):
        assert shown == [gettext(label) for label in STATES.values()]


@pytest.mark.parametrize(
    "args, start, end",
    [
        ("period=month", lambda d: d.replace(day=1), lambda d: d),
        ("period=year", lambda d: datetime.date(d.year, 1, 1), lambda d: d),
        (
            "period=last_year",
            lambda d: datetime.date(d.year - 1, 1, 1),
            lambda d: datetime.date(d.year - 1, 12, 31),
        ),
        (
            "period=last_month",
            lambda d: (d.replace(day=1) - datetime.timedelta(days=1)).replace(day=1),
            lambda d: d.replace(day=1) - datetime.timedelta(days=1),
        ),
        (
            "from=2026-01-05&to=2026-02-10",
            lambda d: datetime.date(2026, 1, 5),
            lambda d: datetime.date(2026, 2, 10),
        ),
        ("from=2026-01-05", lambda d: datetime.date(2026, 1, 5), lambda d: datetime.date(2026, 1, 5)),
    ],
)
def test_the_period_picker(client, auth, make, args, start, end):
    make.job()
    auth.login("manager")
    day = today()
    response = client.get(f"/dashboard/?{args}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    first, last = start(day), min(end(day), day)
    assert f'name="from" value="{first.isoformat()}"' in html
    assert f'name="to" value="{last.isoformat()}"' in html
    if args.startswith("period="):
        key = args.split("=")[1]
        assert re.search(rf'period={key}"[^>]*aria-current="page"', html)


@pytest.mark.parametrize(
    "args, message",
    [
        ("from=2026-03-01&to=2026-02-01", "开始日期晚于结束日期"),
        ("from=2026-13-01&to=2026-02-01", "不是日期"),
    ],
)
def test_a_wrong_period_says_so_and_shows_the_last_twelve_months(client, auth, make, args, message):
    make.job()
    auth.login("manager")
    response = client.get(f"/dashboard/?{args}", htmx=True)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in html and "<html" not in html
    assert f'name="to" value="{today().isoformat()}"' in html


def test_the_period_alone_for_htmx(client, auth, make):
    make.job()
    auth.login("manager")
    response = client.get("/dashboard/?period=month", htmx=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in html
    assert html.lstrip().startswith('<div id="dashboard-period"')
    assert "HX-Request" in response.headers.get("Vary", "")


def test_english(client, auth, make):
    make.job(state="filed")
    auth.login("manager")
    client.post("/lang/en")
    html = client.get("/dashboard/").get_data(as_text=True)
    assert "Today, " in html and "Where these calls stand" in html and "Last 12 months" in html


def test_dashboard_query_count_is_fixed(client, auth, make):
    from tests.querycount import count_queries

    make.job(state="filed")
    auth.login("manager")
    with count_queries() as few:
        client.get("/dashboard/")
    for state in ("filed", "done", "dispatched", "void"):
        make.job(state=state, tech="tech2")
    with count_queries() as many:
        client.get("/dashboard/")
    assert len(many) == len(few)


def test_a_year_is_twelve_months_on_the_first_and_last_day_of_every_month(make):
    from models.service.stats import first_month_of_year_to

    for year in (2025, 2026, 2028):
        for month in range(1, 13):
            first = datetime.date(year, month, 1)
            last = (first.replace(day=28) + datetime.timedelta(days=4)).replace(day=1) - datetime.timedelta(
                days=1
            )
            for end in (first, last):
                summary = year_summary(end)
                assert len(summary["months"]) == 12, end
                assert summary["months"][-1][0] == end.strftime("%Y-%m")
                assert first_month_of_year_to(end) == summary["start"]
                assert summary["start"].day == 1
