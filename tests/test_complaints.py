"""Complaint management: intake, first contact owns it, deadlines by the clock, closing only
with the customer's satisfaction, permissions, the list, the board flag and the staff record."""

import datetime
import re
import threading

import pytest

from models import Complaint, ComplaintJob, Event, Setting, User, db
from models.complaints import WorkCalendar
from models.core import Conflict, Forbidden, RuleError, clock, now, today


@pytest.fixture
def clock_back():
    """Tests move the clock; put it back afterwards."""
    start = clock().offset
    yield clock()
    clock().offset = start


def _complaint(users, who="clerk", severity="normal", **kwargs):
    kwargs.setdefault("said", "师傅态度很差，修完设备又坏了")
    kwargs.setdefault("caller_name", "张经理")
    kwargs.setdefault("caller_phone", "021-6234 5678")
    return Complaint.record(users[who], severity=severity, **kwargs)


def _events(complaint, action):
    return Event.select().where(
        Event.subject == "complaint", Event.subject_id == complaint.id, Event.action == action
    )


# ---- the record -----------------------------------------------------------------------------


def test_a_complaint_is_numbered_at_once_owned_by_its_recorder_and_due_by_severity(make, users):
    job = make.job(state="done")
    complaint = Complaint.record(
        users["clerk"], said="修完又坏了", severity="normal", customer=job.customer, jobs=[job.id]
    )
    assert complaint.number == f"TS{today().year}-000001" and complaint.state == "registered"
    assert complaint.owner_id == users["clerk"].id == complaint.registered_by_id
    assert complaint.caller_name == "上海华东机械有限公司" and complaint.caller_phone == "021-6234 5678"
    assert complaint.technician_id == users["tech1"].id  # from the picked voucher
    assert [j.number for j in complaint.jobs()] == [job.number]
    hours = (complaint.acknowledge_due - complaint.registered_at).total_seconds() / 3600
    assert round(hours) == 24
    assert round((complaint.resolve_due - complaint.registered_at).total_seconds() / 3600) == 48
    urgent = _complaint(users, severity="urgent")
    assert urgent.number.endswith("000002")
    assert round((urgent.acknowledge_due - urgent.registered_at).total_seconds() / 3600) == 2
    assert round((urgent.resolve_due - urgent.registered_at).total_seconds() / 3600) == 8
    assert _events(complaint, "record").count() == 1


@pytest.mark.parametrize(
    "change,field",
    [
        ({"said": "  "}, "said"),
        ({"severity": "boom"}, "severity"),
        ({"channel": "pigeon"}, "channel"),
        ({"caller_name": ""}, "caller_name"),
        ({"caller_phone": "12"}, "caller_phone"),
    ],
)
def test_bad_intake_is_refused_next_to_its_field(users, dbc, change, field):
    data = {"said": "投诉", "caller_name": "王先生", "caller_phone": "13912345678", **change}
    with pytest.raises(RuleError) as refused:
        Complaint.record(users["clerk"], **data)
    assert refused.value.field == field
    assert Complaint.select().count() == 0


def test_a_voucher_of_another_customer_cannot_be_picked(make, users):
    mine = make.customer()
    theirs = make.job(equipment=make.equipment(make.customer("别家公司", "010-8888 8888")))
    with pytest.raises(RuleError) as refused:
        Complaint.record(users["clerk"], said="x", customer=mine, jobs=[theirs.id])
    assert refused.value.field == "jobs"


def test_the_whole_life_every_step_an_event(users, dbc):
    complaint = _complaint(users)
    clerk, manager = users["clerk"], users["manager"]
    complaint.hand_over(clerk, users["manager"], "经理亲自处理")
    assert complaint.owner_id == manager.id and complaint.state == "registered"
    with pytest.raises(Forbidden):
        complaint.acknowledge(clerk, "phone")  # no longer the owner
    complaint.acknowledge(manager, "phone", "已致电客户致歉")
    complaint.investigate(manager, "调阅凭证，询问服务人员", cause="attitude")
    complaint.add_note(manager, "服务人员承认态度不好")
    complaint.resolve(manager, "attitude", "批评教育服务人员，免收本次费用", "已向客户道歉并免费", "phone")
    assert complaint.state == "resolved" and complaint.resolved_by_id == manager.id
    with pytest.raises(RuleError):
        complaint.apply("close", manager)  # closing needs the satisfaction record
    with pytest.raises(RuleError) as no_note:
        complaint.follow_up(manager, False)
    assert no_note.value.field == "note"
    complaint.follow_up(manager, False, "客户仍不满意，要求换人")
    assert complaint.state == "investigating" and complaint.reopened == 1 and complaint.satisfied is False
    complaint.resolve(manager, "attitude", "更换服务人员上门", "下次由李师傅服务", "visit")
    complaint.follow_up(manager, True, "客户满意")
    assert complaint.state == "closed" and complaint.satisfied is True and complaint.closed_at
    actions = [e.action for e in Event.of(complaint)]
    assert actions == [
        "record",
        "hand_over",
        "acknowledge",
        "investigate",
        "note",
        "resolve",
        "reopen",
        "resolve",
        "close",
    ]
    with pytest.raises(RuleError):
        complaint.add_note(manager, "too late")  # a closed complaint stays as it is


def test_handover_needs_a_reason_and_a_colleague_who_may_handle(users, dbc):
    complaint = _complaint(users)
    with pytest.raises(RuleError) as no_reason:
        complaint.hand_over(users["clerk"], users["manager"], " ")
    assert no_reason.value.field == "reason"
    with pytest.raises(RuleError):
        complaint.hand_over(users["clerk"], users["clerk"], "自己")
    with pytest.raises(Forbidden):
        complaint.hand_over(users["finance"], users["manager"], "not mine")
    complaint.reassign(users["manager"], users["manager"], "经理接手")  # the manager takes over
    assert complaint.owner_id == users["manager"].id


def test_a_stale_page_is_told_who_changed_it(users, dbc):
    complaint = _complaint(users)
    old = complaint.version
    Complaint.get_by_id(complaint.id).acknowledge(users["clerk"], "phone")
    with pytest.raises(RuleError):
        complaint.acknowledge(users["clerk"], "phone", version=old)
    complaint.reload()
    with pytest.raises(Conflict) as conflict:
        complaint.add_note(users["clerk"], "x", version=old)
    assert conflict.value.params["who"] == "Clerk"


def test_a_duplicate_is_voided_with_a_reason_never_deleted(users, dbc):
    complaint = _complaint(users)
    with pytest.raises(RuleError):
        complaint.void(users["clerk"], "")
    complaint.void(users["clerk"], "与 TS2026-000001 重复")
    assert Complaint.get_by_id(complaint.id).state == "void"
    assert Complaint.select().count() == 1


def test_an_owner_is_not_deactivated_while_holding_open_complaints(users, dbc):
    _complaint(users, who="finance")
    with pytest.raises(RuleError) as refused:
        users["finance"].update_profile(users["admin"], "Finance", "finance", "", False)
    assert "投诉" in refused.value.msgid or "complaints" in refused.value.msgid
    assert User.get_by_id(users["finance"].id).active


# ---- deadlines ------------------------------------------------------------------------------


def _utc(local_text):
    return clock().to_utc(datetime.datetime.fromisoformat(local_text))


def _working(**extra):
    values = {
        "complaint_hours_mode": "working",
        "working_days": ["0", "1", "2", "3", "4"],
        "working_day_start": "09:00",
        "working_day_end": "18:00",
        "holidays": [],
        "extra_working_days": [],
        **extra,
    }
    return WorkCalendar({**Setting.all_values(), **values})


@pytest.mark.parametrize(
    "severity,ack,resolve",
    [("normal", "2026-12-02 10:30", "2026-12-03 10:30"), ("urgent", "2026-12-01 12:30", "2026-12-01 18:30")],
)
def test_calendar_hours_per_severity(app, dbc, severity, ack, resolve):
    start = _utc("2026-12-01 10:30")
    got = WorkCalendar().deadlines(severity, start)
    assert got == (_utc(ack), _utc(resolve))


def test_working_hours_skip_nights_weekends_and_holidays(app, dbc):
    calendar = _working()
    friday = _utc("2026-12-04 17:00")  # a Friday, an hour before closing
    assert calendar.add(friday, 2) == _utc("2026-12-07 10:00")  # Monday 10:00
    assert calendar.add(friday, 24) == _utc("2026-12-09 14:00")  # 1 + 9 + 9 + 5 working hours
    with_holiday = _working(holidays=["2026-12-07"])
    assert with_holiday.add(friday, 2) == _utc("2026-12-08 10:00")  # Monday off: Tuesday
    worked_saturday = _working(extra_working_days=["2026-12-05"])
    assert worked_saturday.add(friday, 2) == _utc("2026-12-05 10:00")  # 调休: Saturday worked
    night = _utc("2026-12-01 22:00")
    assert calendar.add(night, 1) == _utc("2026-12-02 10:00")  # counts from the next opening


def test_the_settings_screen_switches_to_working_hours(client, auth, dbc):
    auth.login("admin")
    page = client.get("/admin/settings").get_data(as_text=True)
    assert "投诉处理时限" in page and "节假日" in page
    values = {key: value for key, value in Setting.all_values().items()}
    form = {k: v for k, v in values.items() if not isinstance(v, list)}
    form["small_fee_limit_fen"] = "500"
    form["quick_work_picks"] = values["quick_work_picks"]
    form.update(
        complaint_hours_mode="working",
        working_days=["0", "1", "2", "3", "4"],
        holidays="2026-12-07\n2026-12-08",
        extra_working_days="",
    )
    response = client.post("/admin/settings", data=form)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert Setting.get_value("complaint_hours_mode") == "working"
    assert Setting.get_value("holidays") == ["2026-12-07", "2026-12-08"]
    form["holidays"] = "2026-13-45"
    response = client.post("/admin/settings", data=form)
    assert response.status_code == 422 and "不是日期" in response.get_data(as_text=True)
    assert Setting.get_value("holidays") == ["2026-12-07", "2026-12-08"]


def test_overdue_is_computed_from_the_clock(users, dbc, clock_back):
    complaint = _complaint(users, severity="urgent")
    assert complaint.overdue() is None and not Complaint.overdue_ones()
    clock_back.travel(datetime.timedelta(hours=3))
    which, late = complaint.overdue()
    assert which == "acknowledge" and 50 <= late.total_seconds() / 60 <= 70
    assert [c.id for c in Complaint.overdue_ones()] == [complaint.id]
    complaint.acknowledge(users["clerk"], "phone")
    assert complaint.overdue() is None and complaint.deadline_met("acknowledge") is False
    clock_back.travel(datetime.timedelta(hours=6))
    assert complaint.overdue()[0] == "resolve"


# ---- concurrency ----------------------------------------------------------------------------


def test_twenty_concurrent_intakes_get_gap_free_numbers(app, users):
    db.close()
    numbers, errors = [], []
    barrier = threading.Barrier(20)

    def take():
        try:
            barrier.wait()
            with db.connection_context():
                numbers.append(_complaint(users).seq)
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=take) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    assert sorted(numbers) == list(range(1, 21))
    with db.connection_context():
        assert Complaint.select().count() == 20
        assert Event.select().where(Event.subject == "complaint").count() == 20


# ---- through the screens --------------------------------------------------------------------


def test_intake_screen_finds_the_caller_and_offers_their_vouchers(client, auth, make, dbc):
    job = make.job(state="done")
    auth.login("clerk")
    results = client.get("/complaints/search?q=6234", htmx=True).get_data(as_text=True)
    assert "上海华东机械有限公司" in results and "<html" not in results
    workspace = client.get(f"/complaints/caller/{job.customer_id}", htmx=True).get_data(as_text=True)
    assert job.number in workspace and "Tech1" in workspace and 'name="jobs"' in workspace
    deadlines = client.get("/complaints/deadlines?severity=urgent", htmx=True).get_data(as_text=True)
    assert 'id="complaint-deadlines"' in deadlines and "<html" not in deadlines


def test_recording_through_the_screen_gives_the_sentence_for_the_caller(client, auth, make, dbc):
    job = make.job(state="done")
    auth.login("clerk")
    response = client.post(
        "/complaints/new",
        data={
            "customer": job.customer_id,
            "said": "修完又坏了",
            "severity": "serious",
            "channel": "phone",
            "jobs": [job.id],
            "technician": "0",
        },
    )
    assert response.status_code == 303
    complaint = Complaint.get()
    assert response.headers["Location"] == f"/complaints/{complaint.id}?new=1"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"您的投诉编号 {complaint.number}，由 Clerk 负责" in page
    assert ComplaintJob.select().count() == 1 and complaint.technician_id == job.technician_id


@pytest.mark.parametrize(
    "change,message",
    [
        ({"said": ""}, "请记录客户所说的内容"),
        ({"customer": "", "caller_name": ""}, "请查找客户，或记下来电人的姓名"),
        ({"customer": "", "caller_phone": "1"}, "需要留下回电号码"),
        ({"severity": "x"}, "不是有效的选择"),
    ],
)
def test_intake_errors_show_next_to_the_field_and_nothing_is_written(
    client, auth, make, dbc, change, message
):
    customer = make.customer()
    auth.login("clerk")
    data = {
        "customer": customer.id,
        "said": "投诉",
        "severity": "normal",
        "channel": "phone",
        "caller_name": "王先生",
        "caller_phone": "13912345678",
        "technician": "0",
        **change,
    }
    response = client.post("/complaints/new", data=data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in html and 'class="error' in html
    assert Complaint.select().count() == 0


def test_a_second_call_is_added_to_the_open_complaint(client, auth, make, users, dbc):
    customer = make.customer()
    first = Complaint.record(users["clerk"], said="第一次投诉", customer=customer)
    auth.login("clerk")
    workspace = client.get(f"/complaints/caller/{customer.id}", htmx=True).get_data(as_text=True)
    assert first.number in workspace and f"/complaints/{first.id}/add-call" in workspace
    response = client.post(
        f"/complaints/{first.id}/add-call", data={"said": "又打来催了", "version": first.version}
    )
    assert response.status_code == 303
    assert Complaint.select().count() == 1
    assert _events(first, "add_call").get().note == "又打来催了"


def test_each_step_through_the_complaint_page(client, auth, users, dbc):
    complaint = _complaint(users)
    auth.login("clerk")
    page = client.get(f"/complaints/{complaint.id}").get_data(as_text=True)
    assert "客户已联系" in page or "已联系客户" in page
    steps = [
        ("acknowledge", {"way": "phone", "note": "已致电"}),
        ("investigate", {"cause": "quality", "note": ""}),
        (
            "resolve",
            {"cause": "quality", "resolution": "更换主板", "told_customer": "已更换", "told_how": "phone"},
        ),
        ("follow-up", {"satisfied": "yes", "note": "满意"}),
    ]
    for step, data in steps:
        complaint = Complaint.get_by_id(complaint.id)
        prefix = step.replace("-", "_")
        fields = {f"{prefix}-{k}": v for k, v in {**data, "version": complaint.version}.items()}
        response = client.post(f"/complaints/{complaint.id}/{step}", data=fields)
        assert response.status_code == 303, (step, response.get_data(as_text=True)[:300])
    assert Complaint.get_by_id(complaint.id).state == "closed"
    page = client.get(f"/complaints/{complaint.id}").get_data(as_text=True)
    assert "客户满意" in page and "更换主板" in page
    printed = client.get(f"/complaints/{complaint.id}/print").get_data(as_text=True)
    assert "客户投诉处理单" in printed and complaint.number in printed and "更换主板" in printed


def test_resolving_without_what_was_done_is_refused_next_to_the_field(client, auth, users, dbc):
    complaint = _complaint(users)
    complaint.acknowledge(users["clerk"], "phone")
    complaint.investigate(users["clerk"])
    auth.login("clerk")
    response = client.post(
        f"/complaints/{complaint.id}/resolve",
        data={
            "resolve-cause": "quality",
            "resolve-resolution": "",
            "resolve-told_customer": "x",
            "resolve-told_how": "phone",
            "resolve-version": complaint.version,
        },
    )
    assert response.status_code == 422 and "请记录采取的措施" in response.get_data(as_text=True)
    assert Complaint.get_by_id(complaint.id).state == "investigating"


def test_technicians_see_what_they_reported_and_resolved_ones_about_them(client, auth, make, users, dbc):
    job = make.job(state="done", tech="tech1")
    about = Complaint.record(users["clerk"], said="态度差", customer=job.customer, jobs=[job.id])
    reported = Complaint.record(
        users["tech2"],
        said="客户现场投诉",
        caller_name="李",
        caller_phone="13900001111",
        channel="technician",
    )
    auth.login("tech1")
    assert client.get(f"/complaints/{about.id}").status_code == 404  # not resolved yet
    html = client.get("/complaints/?view=all").get_data(as_text=True)
    assert about.number not in html and reported.number not in html
    about.acknowledge(users["clerk"], "phone")
    about.investigate(users["clerk"])
    about.resolve(users["clerk"], "attitude", "批评教育", "已道歉", "phone")
    assert client.get(f"/complaints/{about.id}").status_code == 200
    assert about.number in client.get("/complaints/?view=all").get_data(as_text=True)
    refused = client.post(
        f"/complaints/{about.id}/note", data={"note-note": "x", "note-version": about.version}, htmx=True
    )
    assert refused.status_code == 403 and Complaint.get_by_id(about.id).version == about.version
    auth.logout()
    auth.login("tech2")
    assert client.get(f"/complaints/{reported.id}").status_code == 200
    auth.logout()
    auth.login("finance")
    assert client.get(f"/complaints/{about.id}").status_code == 404
    assert client.get("/complaints/new").status_code == 200  # every staff role may record one
    assert client.get(f"/complaints/staff/{users['tech1'].id}").status_code == 403


def test_hostile_text_is_stored_exactly_and_shown_as_text(client, auth, users, dbc):
    evil = "<script>alert(1)</script>\"'><img src=x onerror=alert(2)>"
    complaint = _complaint(users, said=evil, caller_name=evil)
    assert Complaint.get_by_id(complaint.id).said == evil
    auth.login("clerk")
    for url in (f"/complaints/{complaint.id}", "/complaints/", f"/complaints/{complaint.id}/print"):
        html = client.get(url).get_data(as_text=True)
        assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)" in html


# ---- live: the list, the board and the home page ------------------------------------------


def test_the_list_filters_and_refreshes_when_a_complaint_changes(client, auth, users, dbc):
    a = _complaint(users, said="噪音大", caller_phone="13811112222")
    b = _complaint(users, said="收费不合理", caller_name="钱女士", caller_phone="13933334444")
    auth.login("manager")
    html = client.get("/complaints/?q=3333").get_data(as_text=True)
    assert b.number in html and a.number not in html
    page = client.get("/complaints/").get_data(as_text=True)
    poll = re.search(r'hx-get="(/complaints/poll[^"]+)"', page).group(1).replace("&amp;", "&")
    assert client.get(poll, htmx=True).status_code == 204
    a.acknowledge(users["clerk"], "phone")
    fragment = client.get(poll, htmx=True).get_data(as_text=True)
    assert 'id="complaint-results" hx-swap-oob="true"' in fragment and "已联系客户" in fragment


def test_the_board_flags_an_overdue_complaint_when_its_deadline_passes(client, auth, users, dbc, clock_back):
    complaint = _complaint(users, severity="urgent")
    auth.login("manager")
    board = client.get("/board/").get_data(as_text=True)
    assert 'id="strip-complaints"' in board and complaint.number not in board
    poll = re.search(r'hx-get="(/board/poll[^"]+)"', board).group(1).replace("&amp;", "&")
    assert "due=" in poll
    assert client.get(poll, htmx=True).status_code == 204  # nothing happened, no deadline passed
    clock_back.travel(datetime.timedelta(hours=2, minutes=1))
    fragment = client.get(poll, htmx=True).get_data(as_text=True)  # no event: the clock alone
    assert 'id="strip-complaints"' in fragment and complaint.number in fragment and "逾期" in fragment
    home = client.get("/").get_data(as_text=True)
    assert complaint.number in home  # the manager's home page shows it too


def test_the_owner_sees_their_complaints_at_the_top_of_the_home_page(client, auth, users, dbc):
    complaint = _complaint(users, who="clerk")
    auth.login("clerk")
    home = client.get("/").get_data(as_text=True)
    assert "您负责的投诉" in home and complaint.number in home
    assert home.index(complaint.number) < home.index('class="tiles"')


def test_the_staff_record_lists_every_complaint_about_a_technician(client, auth, make, users, dbc):
    job = make.job(state="done", tech="tech1")
    complaint = Complaint.record(users["clerk"], said="态度差", customer=job.customer, jobs=[job.id])
    auth.login("manager")
    users_page = client.get("/board/").get_data(as_text=True)
    assert f"/complaints/staff/{users['tech1'].id}" in users_page
    html = client.get(f"/complaints/staff/{users['tech1'].id}").get_data(as_text=True)
    assert complaint.number in html and "Tech1" in html
    assert client.get(f"/complaints/staff/{users['clerk'].id}").status_code == 404


def test_a_complaint_can_be_started_from_the_voucher_and_the_technician_screen(client, auth, make, dbc):
    job = make.job(state="on_site")
    auth.login("manager")
    assert f"/complaints/new?job={job.id}" in client.get(f"/jobs/{job.id}").get_data(as_text=True)
    auth.logout()
    auth.login("tech1")
    html = client.get(f"/tech/jobs/{job.id}").get_data(as_text=True)
    assert f"/complaints/new?job={job.id}&amp;channel=technician" in html
    page = client.get(f"/complaints/new?job={job.id}&channel=technician").get_data(as_text=True)
    assert job.number in page
    assert re.search(r'<input checked[^>]*value="technician"', page)


def test_now_is_the_clock(dbc):
    assert abs((now() - datetime.datetime.now(datetime.UTC).replace(tzinfo=None)).total_seconds()) < 5
