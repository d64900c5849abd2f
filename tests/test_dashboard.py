"""The manager's dashboard over a year."""

import datetime

from models import Job
from models.core import today
from models.service.stats import year_summary


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
    assert summary["by_state"] == {"filed": 1, "done": 1, "void": 1}
    techs = {t["name"]: t for t in summary["technicians"]}
    assert techs["Tech1"]["jobs"] == 1 and techs["Tech1"]["done"] == 1
    assert techs["Tech2"]["done"] == 1
    assert summary["dispatch_minutes"] is not None and summary["dispatch_minutes"] >= 0


def test_dashboard_page_for_the_manager_only(client, auth, make):
    make.job(state="filed")
    auth.login("manager")
    response = client.get("/dashboard/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "部门" in html and "Tech1" in html
    assert client.get("/dashboard/?end=garbage").status_code == 200
    auth.logout()
    auth.login("clerk")
    assert client.get("/dashboard/").status_code == 403


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
