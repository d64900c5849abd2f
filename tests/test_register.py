"""The service register (服务登记簿) on screen and printed, and the daily reconciliation (核对)."""

import datetime
import re

import pytest

from models import Job, Signature, User
from models.core import today
from views import register

YESTERDAY = today() - datetime.timedelta(days=1)


def _move(job, day):
    Job.update(register_day=day).where(Job.id == job.id).execute()


def _section(html, section_id):
    """The HTML of one <section id=...> of a page."""
    match = re.search(rf'<section id="{section_id}"(.*?)</section>', html, re.S)
    assert match, f"no section {section_id}"
    return match.group(1)


@pytest.fixture
def two_customers(make):
    """Two customers with one job each today, and one job of the first registered yesterday."""
    huadong = make.equipment(make.customer(), serial="SN-HD-01")
    lanxi = make.equipment(
        make.customer("杭州兰溪纺织厂", phone="0571-8765 4321", contact_person="王厂长"),
        product_model="TX-90",
        serial="SN-LX-77",
    )
    old = make.job(huadong, fault="昨天的报修")
    _move(old, YESTERDAY)
    return {"old": old, "huadong": make.job(huadong), "lanxi": make.job(lanxi, fault="漏油")}


# ---- the register page ------------------------------------------------------------------


def test_register_of_today_lists_todays_lines_with_the_art7_fields(client, auth, two_customers):
    auth.login("clerk")
    response = client.get("/register/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "服务登记簿" in html and "<html" in html
    job = two_customers["huadong"]
    for text in (
        job.number,
        "上海华东机械有限公司",
        "张经理",
        "021-6234 5678",
        "上海市普陀区曹杨路 100 号",
        "KX-2000",
        "380V 5.5kW",
        "SN-HD-01",
        "设备无法启动",
        "电话",  # the channel
        "有偿服务",
        "待派工",
        f'href="/jobs/{job.id}"',
    ):
        assert text in html, text
    assert two_customers["lanxi"].number in html
    assert two_customers["old"].number not in html
    assert "2 条登记，其中 0 条已注销" in html


def test_register_of_another_day_and_of_a_period(client, auth, two_customers):
    auth.login("clerk")
    html = client.get(f"/register/?day={YESTERDAY.isoformat()}").get_data(as_text=True)
    assert two_customers["old"].number in html
    assert two_customers["huadong"].number not in html
    assert f'href="/register/?day={today().isoformat()}"' in html  # the next day's link
    assert f'href="/register/?day={(YESTERDAY - datetime.timedelta(days=1)).isoformat()}"' in html

    html = client.get(f"/register/?from={YESTERDAY.isoformat()}&to={today().isoformat()}").get_data(
        as_text=True
    )
    numbers = [j.number for j in (two_customers["old"], two_customers["huadong"], two_customers["lanxi"])]
    positions = [html.index(n) for n in numbers]
    assert positions == sorted(positions)  # in register order: day, then number
    assert "3 条登记" in html and "下一期间" in html


@pytest.mark.parametrize(
    "text,expected",
    [
        ("6234", "huadong"),  # a phone fragment
        ("62345678", "huadong"),  # the number without its separators
        ("021-6234 5678", "huadong"),  # the number as typed
        ("8765", "lanxi"),
        ("兰溪", "lanxi"),  # part of the customer's name
        ("sn-lx", "lanxi"),  # the serial, any case
        ("TX-90", "lanxi"),  # the product model
    ],
)
def test_search(client, auth, two_customers, text, expected):
    auth.login("clerk")
    html = client.get("/register/", query_string={"q": text}).get_data(as_text=True)
    other = "lanxi" if expected == "huadong" else "huadong"
    assert two_customers[expected].number in html
    assert two_customers[other].number not in html
    assert two_customers["old"].number not in html  # still only the day asked for


def test_search_by_voucher_number(client, auth, two_customers):
    auth.login("clerk")
    number = two_customers["lanxi"].number
    html = client.get("/register/", query_string={"q": number.lower()}).get_data(as_text=True)
    assert number in html and two_customers["huadong"].number not in html
    html = client.get("/register/", query_string={"q": "没有这个客户"}).get_data(as_text=True)
    assert "没有符合条件的登记" in html


def test_filters(client, auth, make, users):
    auth.login("manager")
    waiting = make.job()
    with_tech2 = make.job(state="dispatched", tech="tech2")
    filed = make.job(state="filed")
    internal = Job.register(users["clerk"], service_type="internal", fault="工具保养")
    jobs = {"waiting": waiting, "tech2": with_tech2, "filed": filed, "internal": internal}

    def shown(**args):
        html = client.get("/register/", query_string=args).get_data(as_text=True)
        return {name for name, job in jobs.items() if job.number in html}

    assert shown() == set(jobs)
    assert shown(state="registered") == {"waiting", "internal"}
    assert shown(state="closed") == {"filed"}
    assert shown(state="open") == {"waiting", "tech2", "internal"}
    assert shown(type="internal") == {"internal"}
    assert shown(tech=str(users["tech2"].id)) == {"tech2"}
    assert shown(tech="none") == {"waiting", "internal"}
    assert shown(state="registered", type="paid") == {"waiting"}


def test_closed_lines_are_marked(client, auth, make):
    auth.login("clerk")
    filed, void, open_ = make.job(state="filed"), make.job(state="void"), make.job(state="done")
    html = client.get("/register/").get_data(as_text=True)
    for job in (filed, void):
        row = re.search(rf'<tr id="line-{job.id}" class="closed">(.*?)</tr>', html, re.S)
        assert row and "已注销" in row.group(1)
    row = re.search(rf'<tr id="line-{open_.id}" class="">(.*?)</tr>', html, re.S)
    assert row and "已注销" not in row.group(1)
    assert "3 条登记，其中 2 条已注销" in html


def test_htmx_gets_only_the_results_block(client, auth, two_customers):
    auth.login("clerk")
    response = client.get("/register/", query_string={"q": "兰溪"}, htmx=True)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<html" not in html and 'name="q"' not in html
    assert html.lstrip().startswith('<section id="register-results"')
    assert two_customers["lanxi"].number in html and two_customers["huadong"].number not in html
    assert "HX-Request" in response.headers["Vary"]
    page = client.get("/register/", query_string={"q": "兰溪"})
    assert "<html" in page.get_data(as_text=True) and "HX-Request" in page.headers["Vary"]
    # a boosted request or a history restore gets the whole page
    restore = client.get("/register/", headers={"HX-Request": "true", "HX-History-Restore-Request": "true"})
    assert "<html" in restore.get_data(as_text=True)


def test_the_search_form_works_without_javascript(client, auth, two_customers):
    auth.login("clerk")
    html = client.get("/register/").get_data(as_text=True)
    form = re.search(r'<form class="card register-filters" method="get" action="/register/"', html)
    assert form and 'hx-get="/register/"' in html and 'hx-target="#register-results"' in html
    for name in ("q", "from", "to", "state", "type", "tech"):
        assert f'name="{name}"' in html


def test_pagination(client, auth, make, monkeypatch):
    monkeypatch.setattr(register, "PER_PAGE", 2)
    auth.login("clerk")
    equipment = make.equipment()
    jobs = [make.job(equipment) for _ in range(5)]
    first = client.get("/register/").get_data(as_text=True)
    assert [j.number in first for j in jobs] == [True, True, False, False, False]
    assert "第 1 / 3 页" in first and "5 条登记" in first
    last = client.get("/register/?page=3").get_data(as_text=True)
    assert [j.number in last for j in jobs] == [False, False, False, False, True]
    beyond = client.get("/register/?page=99")
    assert beyond.status_code == 200 and jobs[4].number in beyond.get_data(as_text=True)


@pytest.mark.parametrize(
    "args,message",
    [
        ({"day": "garbage"}, "“garbage” 不是有效日期"),
        ({"day": "2026-02-30"}, "不是有效日期"),
        ({"day": "0001-01-01"}, "不是有效日期"),
        ({"from": "2026-03-02", "to": "2026-03-01"}, "开始日期晚于结束日期"),
        ({"state": "lost"}, "未知的筛选值"),
        ({"tech": "9999"}, "未知的筛选值"),
    ],
)
def test_bad_query_args_say_so_and_show_today(client, auth, two_customers, args, message):
    auth.login("clerk")
    response = client.get("/register/", query_string=args)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in html
    assert two_customers["huadong"].number in html  # today's register, unfiltered
    fragment = client.get("/register/", query_string=args, htmx=True)
    assert fragment.status_code == 422 and message in fragment.get_data(as_text=True)


@pytest.mark.parametrize("role,status", [("tech1", 403), ("finance", 200), ("clerk", 200), ("manager", 200)])
def test_who_may_read_the_register(client, auth, role, status, make):
    make.job()
    auth.login(role)
    assert client.get("/register/").status_code == status
    assert client.get("/register/print").status_code == status
    if status == 403:
        assert Job.select().first().number not in client.get("/register/").get_data(as_text=True)


def test_signed_out_visitors_are_sent_to_sign_in(client, users):
    response = client.get("/register/")
    assert response.status_code == 303 and "/login" in response.headers["Location"]


# ---- the printed register ---------------------------------------------------------------


def test_print_shows_the_book_page_with_the_screen_numbers(client, auth, make, two_customers):
    auth.login("finance")
    filed = make.job(state="filed")
    screen = client.get("/register/").get_data(as_text=True)
    response = client.get(f"/register/print?day={today().isoformat()}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "服务登记簿" in html and "核对人签字" in html and "客户服务部" in html
    for job in (two_customers["huadong"], two_customers["lanxi"], filed):
        assert job.number in html
    assert two_customers["old"].number not in html
    assert "3 条登记，其中 1 条已注销" in screen
    assert "共 3 条，已注销 1 条，未注销 2 条" in html
    assert "data-print" in html and "<script>" not in html and "style=" not in html
    assert 'class="register-sheet"' in html


def test_print_of_a_period_gives_one_sheet_per_day_with_lines(client, auth, two_customers):
    auth.login("clerk")
    start = (YESTERDAY - datetime.timedelta(days=3)).isoformat()
    html = client.get(f"/register/print?from={start}&to={today().isoformat()}").get_data(as_text=True)
    assert html.count('class="register-sheet"') == 2
    assert html.index(two_customers["old"].number) < html.index(two_customers["huadong"].number)


def test_print_of_an_empty_day_still_gives_its_page(client, auth, users):
    auth.login("clerk")
    html = client.get("/register/print?day=2026-01-05").get_data(as_text=True)
    assert html.count('class="register-sheet"') == 1 and "本日无登记" in html


@pytest.mark.parametrize(
    "query,message",
    [("day=nope", "不是有效日期"), ("from=2026-01-01&to=2026-03-01", "一次最多打印 31 天")],
)
def test_print_bad_args(client, auth, users, query, message):
    auth.login("clerk")
    response = client.get(f"/register/print?{query}")
    assert response.status_code == 422 and message in response.get_data(as_text=True)


# ---- reconciliation ---------------------------------------------------------------------


def test_reconciliation_shows_each_bucket(client, auth, make):
    states = ("registered", "dispatched", "on_site", "in_repair", "done", "countersigned", "filed", "void")
    jobs = {state: make.job(state=state) for state in states}
    carried = make.job(fault="上周的报修")
    _move(carried, YESTERDAY)
    dispatched_yesterday = make.job(state="dispatched")
    _move(dispatched_yesterday, YESTERDAY)
    auth.login("manager")
    response = client.get("/reconcile/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    expected = {
        "carried": {carried.id},
        "not_dispatched": {jobs["registered"].id},
        # Still out since yesterday: outstanding today too, not only on its own day.
        "not_back": {
            jobs["dispatched"].id,
            jobs["on_site"].id,
            jobs["in_repair"].id,
            dispatched_yesterday.id,
        },
        "not_countersigned": {jobs["done"].id},
        "not_filed": {jobs["countersigned"].id},
        "problems": set(),
    }
    everyone = [*jobs.values(), carried, dispatched_yesterday]
    for section, ids in expected.items():
        body = _section(html, section)
        assert {j.id for j in everyone if f'href="/jobs/{j.id}"' in body} == ids, section
    assert "核对一致" in _section(html, "problems")
    row = re.search(rf"{dispatched_yesterday.number}.*?</tr>", _section(html, "not_back"), re.S).group(0)
    assert f"{YESTERDAY:%m-%d}登记" in row
    # Seen from the day before, today's jobs are not there.
    before = client.get(f"/reconcile/?day={YESTERDAY.isoformat()}").get_data(as_text=True)
    assert dispatched_yesterday.number in _section(before, "not_back")
    assert jobs["dispatched"].number not in before
    totals = re.sub(r"\s+", " ", re.search(r'<dl class="totals">(.*?)</dl>', html, re.S).group(1))
    assert "本日登记</dt><dd>8</dd>" in totals.replace("> <", "><")
    assert "已注销</dt><dd>2</dd>" in totals.replace("> <", "><")


def test_carried_over_jobs_come_first_with_their_day_and_age(client, auth, make):
    older = make.job(fault="三天前")
    _move(older, today() - datetime.timedelta(days=3))
    carried = make.job(fault="昨天")
    _move(carried, YESTERDAY)
    todays = make.job()
    auth.login("clerk")
    html = client.get("/reconcile/").get_data(as_text=True)
    body = _section(html, "carried")
    assert body.index(older.number) < body.index(carried.number)
    assert "优先派工" in body
    row = re.search(rf"{carried.number}.*?</tr>", body, re.S).group(0)
    assert f"{YESTERDAY.year}年{YESTERDAY.month}月{YESTERDAY.day}日" in row
    assert "<strong>1</strong>" in row
    assert "<strong>3</strong>" in re.search(rf"{older.number}.*?</tr>", body, re.S).group(0)
    assert html.index('id="carried"') < html.index('id="not_dispatched"')
    assert todays.number in _section(html, "not_dispatched") and todays.number not in body

    # Seen from yesterday, yesterday's job is that day's own undispatched entry.
    html = client.get(f"/reconcile/?day={YESTERDAY.isoformat()}").get_data(as_text=True)
    assert carried.number in _section(html, "not_dispatched")
    assert carried.number not in _section(html, "carried")
    assert older.number in _section(html, "carried")
    assert todays.number not in html


def test_reconciliation_lists_inconsistent_vouchers(client, auth, make):
    broken = make.job(state="done")
    Signature.delete().where(Signature.subject_id == broken.id).execute()
    auth.login("manager")
    body = _section(client.get("/reconcile/").get_data(as_text=True), "problems")
    assert broken.number in body and "已完工但无客户签名" in body


def test_reconciliation_day_navigation_and_bad_day(client, auth, users):
    auth.login("clerk")
    html = client.get("/reconcile/?day=2026-03-01").get_data(as_text=True)
    assert 'href="/reconcile/?day=2026-02-28"' in html and 'href="/reconcile/?day=2026-03-02"' in html
    response = client.get("/reconcile/?day=2026-13-45")
    assert response.status_code == 422
    assert "不是有效日期" in response.get_data(as_text=True)


@pytest.mark.parametrize("role,status", [("tech1", 403), ("finance", 403), ("clerk", 200), ("manager", 200)])
def test_who_may_reconcile(client, auth, role, status):
    auth.login(role)
    assert client.get("/reconcile/").status_code == status


# ---- query counts -----------------------------------------------------------------------


@pytest.fixture
def count_queries(monkeypatch):
    """Count the SQL statements the next requests run."""
    from models import db

    seen = []
    real = db.obj.execute_sql

    def counting(sql, params=None, *args, **kwargs):
        seen.append(sql)
        return real(sql, params, *args, **kwargs)

    monkeypatch.setattr(db.obj, "execute_sql", counting)

    def run(request):
        seen.clear()
        response = request()
        assert response.status_code == 200
        return len(seen)

    return run


def _jobs(make, n):
    equipment = make.equipment()
    for i in range(n):
        job = make.job(equipment, state="done" if i % 3 == 0 else "registered")
        if i % 4 == 0:
            _move(job, YESTERDAY)


@pytest.mark.parametrize(
    "url",
    [
        "/register/",
        f"/register/?from={YESTERDAY.isoformat()}&to={today().isoformat()}&q=KX",
        "/register/print",
        "/reconcile/",
    ],
)
def test_list_pages_run_a_fixed_number_of_queries(client, auth, make, count_queries, url):
    auth.login("manager")
    client.get(url)  # warm the permission cache
    _jobs(make, 2)
    few = count_queries(lambda: client.get(url))
    _jobs(make, 23)
    assert Job.select().count() == 25
    many = count_queries(lambda: client.get(url))
    assert few == many
    assert many <= 6


def test_technicians_in_the_filter_include_deactivated_ones(client, auth, users):
    User.update(active=False).where(User.id == users["tech2"].id).execute()
    auth.login("clerk")
    html = client.get("/register/").get_data(as_text=True)
    assert "Tech1" in html and "Tech2 (已停用)" in html


def test_a_line_shows_its_jobs_change_at_once(client, auth, make, users):
    """Lines are kept rendered (views.register.LINES) by the job's version: the page after a
    dispatch shows the technician and the new state, in either language."""
    job = make.job()
    auth.login("manager")

    def line(html):
        return html.split(f'id="line-{job.id}"')[1].split("</tr>")[0]

    before = line(client.get("/register/").get_data(as_text=True))
    assert users["tech1"].full_name not in before
    Job.get_by_id(job.id).dispatch(users["tech1"], users["manager"])
    after = line(client.get("/register/").get_data(as_text=True))
    assert users["tech1"].full_name in after and "state-dispatched" in after
    assert client.post("/lang/en").status_code in (302, 303)
    english = line(client.get("/register/").get_data(as_text=True))
    assert 'data-label="Voucher no."' in english, english[:300]
