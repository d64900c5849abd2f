"""The voucher page and the manager's queues: every step through the UI, by the right role."""

import datetime
import re

import pytest

from models import Event, Job, Signature
from models.core import clock
from views.records import to_local


def _local(moment):
    """A local time as a datetime-local field sends it."""
    return moment.strftime("%Y-%m-%dT%H:%M")


def _post(client, job, action, data=None, **kwargs):
    data = {"version": job.version, **(data or {})}
    return client.post(f"/jobs/{job.id}/{action}", data=data, **kwargs)


def test_voucher_page_shows_the_register_fields_and_history(client, auth, make):
    job = make.job()
    auth.login("clerk")
    html = client.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert job.number in html and "上海华东机械有限公司" in html and "KX-2000" in html
    assert "设备无法启动" in html and "待派工" in html
    assert 'href="tel:021-62345678"' in html
    assert "登记" in html  # history


def test_registered_to_filed_through_the_ui(client, auth, make, users, dbc):
    job = make.job()
    auth.login("manager")
    assert _post(client, job, "dispatch", {"technician": users["tech1"].id}).status_code == 303
    job = Job.get_by_id(job.id)
    assert job.state == "dispatched" and job.technician_id == users["tech1"].id
    auth.logout()

    auth.login("tech1")
    assert _post(client, job, "arrive").status_code == 303
    job = Job.get_by_id(job.id)
    assert _post(client, job, "record", {"work_done": "x"}).status_code == 403  # paper is the office's
    auth.logout()

    auth.login("clerk")  # back at the office, two hours later: the signed paper voucher is entered
    clock().travel(datetime.timedelta(hours=2))
    dispatched = to_local(job.dispatched_at)
    response = _post(
        client,
        job,
        "record",
        {
            "result": "finish",
            "arrived_at": _local(dispatched + datetime.timedelta(minutes=30)),
            "finished_at": _local(dispatched + datetime.timedelta(minutes=90)),
            "work_done": "更换电容",
            "parts-0-name": "电容",
            "parts-0-quantity": "2",
            "signer_name": "张经理",
            "on_paper": "y",
        },
    )
    assert response.status_code == 303, response.get_data(as_text=True)
    job = Job.get_by_id(job.id)
    assert job.state == "done" and job.work_done == "更换电容"
    assert to_local(job.arrived_at) == dispatched.replace(second=0, microsecond=0) + datetime.timedelta(
        minutes=30
    )
    assert job.finished_at - job.arrived_at == datetime.timedelta(hours=1)  # typed in Shanghai, stored UTC
    assert Signature.get(Signature.subject_id == job.id).on_paper
    auth.logout()

    auth.login("manager")
    queue = client.get("/jobs/queue").get_data(as_text=True)
    assert job.number in queue and "更换电容" in queue
    response = _post(client, job, "countersign", {}, htmx=True)
    # The same answer wherever it was pressed: done, and the page's live lists refresh.
    assert response.status_code == 204 and "record-changed" in response.headers["HX-Trigger"]
    job = Job.get_by_id(job.id)
    refreshed = client.get("/jobs/queue/poll?since=0", htmx=True).get_data(as_text=True)
    assert "<html" not in refreshed and job.number not in refreshed  # countersigned: gone
    filing = client.get("/jobs/filing").get_data(as_text=True)
    assert job.number in filing and f'action="/jobs/{job.id}/file"' in filing
    # On the voucher, filing is not where the countersign button was for the one who pressed it.
    assert f'action="/jobs/{job.id}/file"' not in client.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert _post(client, job, "file").status_code == 303
    job = Job.get_by_id(job.id)
    assert job.state == "filed" and job.closed
    actions = [e.action for e in Event.of(job)]
    assert actions == ["register", "dispatch", "arrive", "paper_finish", "countersign", "file"]
    html = client.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert "登记已注销" in html
    assert 'action="/jobs/' not in html  # a filed voucher offers no change


def test_dispatch_from_the_list_refreshes_the_list_from_the_event_feed(client, auth, make, users, dbc):
    job = make.job()
    auth.login("manager")
    page = client.get("/jobs/dispatch").get_data(as_text=True)
    position = int(re.search(r"/jobs/dispatch/poll\?since=(\d+)", page).group(1))
    assert client.get(f"/jobs/dispatch/poll?since={position}", htmx=True).status_code == 204
    response = _post(client, job, "dispatch", {"technician": users["tech2"].id}, htmx=True)
    assert response.status_code == 204 and "record-changed" in response.headers["HX-Trigger"]
    assert Job.get_by_id(job.id).technician_id == users["tech2"].id
    fragment = client.get(f"/jobs/dispatch/poll?since={position}", htmx=True).get_data(as_text=True)
    assert "<html" not in fragment and "With Tech2" in fragment or "Tech2" in fragment
    assert 'hx-swap-oob="true"' in fragment and f"since={Event.latest_id()}" in fragment


def test_concurrent_dispatch_tells_the_loser_who_won(client, auth, make, users, dbc):
    job = make.job()
    job.dispatch(users["tech1"], users["manager"])  # another manager, a moment earlier
    auth.login("manager")
    response = client.post(
        f"/jobs/{job.id}/dispatch",
        data={"technician": users["tech2"].id, "version": 1},
        htmx=True,
    )
    assert response.status_code == 409
    text = response.get_data(as_text=True)
    assert "已将凭证" in text and "Tech1" in text
    assert response.headers["HX-Retarget"] == "#toast"
    assert Job.get_by_id(job.id).technician_id == users["tech1"].id


@pytest.mark.parametrize(
    "data,message",
    [
        (
            {"result": "finish", "arrived_at": "", "work_done": "x", "signer_name": "张", "on_paper": "y"},
            "必填",
        ),
        (
            {
                "result": "finish",
                "arrived_at": "+60",
                "work_done": "",
                "signer_name": "张",
                "on_paper": "y",
            },
            "请填写服务内容",
        ),
        (
            {
                "result": "finish",
                "arrived_at": "+60",
                "finished_at": "+30",
                "work_done": "x",
                "signer_name": "张",
                "on_paper": "y",
            },
            "服务结束时间不能早于开始时间",
        ),
        (
            {
                "result": "finish",
                "arrived_at": "+60",
                "work_done": "x",
                "signer_name": "",
                "on_paper": "y",
            },
            "必填",
        ),
        (
            {"result": "finish", "arrived_at": "+60", "work_done": "x", "signer_name": "张"},
            "必填",
        ),
        (
            {
                "result": "finish",
                "arrived_at": "not a date",
                "work_done": "x",
                "signer_name": "张",
                "on_paper": "y",
            },
            "日期",
        ),
        (
            {
                "result": "finish",
                "arrived_at": "+60",
                "work_done": "x",
                "signer_name": "张",
                "on_paper": "y",
                "parts-0-name": "电容",
                "parts-0-quantity": "0",
            },
            "1",
        ),
    ],
)
def test_recording_errors_are_shown_next_to_the_field(client, auth, make, data, message, dbc):
    job = make.job(state="on_site")
    clock().travel(datetime.timedelta(hours=3))  # entered at the office later on
    dispatched = to_local(job.dispatched_at)
    for name, value in list(data.items()):
        if value.startswith("+"):  # minutes after the dispatch
            data = {**data, name: _local(dispatched + datetime.timedelta(minutes=int(value[1:])))}
    auth.login("manager")
    response = _post(client, job, "record", data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert Job.get_by_id(job.id).state == "on_site" and Signature.select().count() == 0


def test_void_needs_a_reason_and_the_manager(client, auth, make, dbc):
    job = make.job()
    auth.login("clerk")
    assert _post(client, job, "void", {"reason": "重复"}).status_code == 403
    auth.logout()
    auth.login("manager")
    response = _post(client, job, "void", {"reason": ""})
    assert response.status_code == 422 and "必填" in response.get_data(as_text=True)
    assert _post(client, job, "void", {"reason": "重复登记"}).status_code == 303
    job = Job.get_by_id(job.id)
    assert job.state == "void" and job.void_reason == "重复登记"


def test_a_technician_cannot_see_another_technicians_voucher(client, auth, make, users, dbc):
    job = make.job(state="dispatched", tech="tech1")
    auth.login("tech2")
    assert client.get(f"/jobs/{job.id}").status_code == 404
    assert _post(client, job, "arrive").status_code == 404
    assert Job.get_by_id(job.id).state == "dispatched"


def test_illegal_step_through_the_ui_is_refused_with_a_reason(client, auth, make, dbc):
    job = make.job()
    auth.login("manager")
    response = _post(client, job, "countersign", htmx=True)
    assert response.status_code == 409
    assert "不能进行此操作" in response.get_data(as_text=True)
    assert Job.get_by_id(job.id).state == "registered"


def test_print_page_carries_the_same_numbers(client, auth, make):
    job = make.job(state="filed")
    auth.login("clerk")
    html = client.get(f"/jobs/{job.id}/print").get_data(as_text=True)
    assert job.number in html and "服务凭证" in html and "张经理" in html and "电容 100uF × 2" in html


def test_signature_image_is_served_only_to_readers(client, auth, make, users, dbc):
    job = make.job(state="done", tech="tech1")
    sig = Signature.get(Signature.subject_id == job.id)
    auth.login("tech1")
    response = client.get(f"/jobs/{job.id}/signatures/{sig.id}.png")
    assert response.status_code == 200 and response.mimetype == "image/png"
    auth.logout()
    auth.login("tech2")
    assert client.get(f"/jobs/{job.id}/signatures/{sig.id}.png").status_code == 404


def test_queue_query_count_does_not_grow_with_length(client, auth, make, app):
    from tests.querycount import count_queries

    make.job(state="done")
    auth.login("manager")
    with count_queries() as few:
        client.get("/jobs/queue")
    for _ in range(6):
        make.job(state="done")
    with count_queries() as many:
        client.get("/jobs/queue")
    assert len(many) == len(few)


def test_manager_amends_a_signed_voucher_and_the_print_shows_it(client, auth, make, dbc):
    import re

    job = make.job(state="done")
    arrived, finished = job.arrived_at, job.finished_at
    auth.login("manager")
    page = client.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert "更正" in page
    shown = dict(re.findall(r'name="(arrived_at|finished_at)" type="datetime-local" value="([^"]*)"', page))
    data = {
        "version": job.version,
        "fault": job.fault,
        "contact_person": job.contact_person,
        "phone": job.phone,
        "address": job.address,
        "work_done": "更换电容两只，清洁风扇",
        "reason": "",
        **shown,
    }
    response = client.post(f"/jobs/{job.id}/amend", data=data)
    assert response.status_code == 422 and "必填" in response.get_data(as_text=True)
    data["reason"] = "技术员漏写清洁风扇"
    assert client.post(f"/jobs/{job.id}/amend", data=data).status_code == 303
    job = Job.get_by_id(job.id)
    assert job.work_done == "更换电容两只，清洁风扇"
    assert (job.arrived_at, job.finished_at) == (arrived, finished)  # untouched fields stay exact
    event = Event.get(Event.action == "amend")
    assert list(event.data) == ["work_done"]
    printed = client.get(f"/jobs/{job.id}/print").get_data(as_text=True)
    assert "技术员漏写清洁风扇" in printed and "更换电容，试机正常" in printed and "服务内容" in printed


def test_amending_cannot_blank_the_service_times(client, auth, make, dbc):
    job = make.job(state="done")
    auth.login("manager")
    response = client.post(
        f"/jobs/{job.id}/amend",
        data={
            "version": job.version,
            "fault": job.fault,
            "contact_person": job.contact_person,
            "phone": job.phone,
            "address": job.address,
            "work_done": job.work_done,
            "arrived_at": "",
            "finished_at": "",
            "reason": "x",
        },
    )
    assert response.status_code == 422
    assert "必须保留服务时间" in response.get_data(as_text=True)
    assert Job.get_by_id(job.id).arrived_at is not None


def test_technician_cannot_amend(client, auth, make, dbc):
    job = make.job(state="done", tech="tech1")
    auth.login("tech1")
    response = client.post(
        f"/jobs/{job.id}/amend", data={"version": job.version, "work_done": "x", "reason": "y"}
    )
    assert response.status_code == 403
    assert Job.get_by_id(job.id).work_done == "更换电容，试机正常"


def test_countersign_and_filing_are_two_screens_and_the_clerk_files(client, auth, make, dbc):
    done = make.job(state="done")
    countersigned = make.job(state="countersigned")
    auth.login("manager")
    queue = client.get("/jobs/queue").get_data(as_text=True)
    assert done.number in queue and countersigned.number not in queue
    assert f'action="/jobs/{done.id}/countersign"' in queue and "/file" not in queue
    assert "更换电容，试机正常" in queue and "电容 100uF × 2" in queue  # work and parts to look at
    assert f"/jobs/{done.id}/signatures/" in queue  # the customer's signature on the card
    refreshed = client.get("/jobs/queue/poll?since=0", htmx=True).get_data(as_text=True)
    assert f'action="/jobs/{done.id}/countersign"' in refreshed and "/file" not in refreshed
    auth.logout()
    auth.login("clerk")
    assert client.get("/jobs/queue").status_code == 403  # the clerk does not countersign
    filing = client.get("/jobs/filing").get_data(as_text=True)
    assert countersigned.number in filing and done.number not in filing
    assert (
        client.post(f"/jobs/{countersigned.id}/file", data={"version": countersigned.version}).status_code
        == 303
    )
    assert Job.get_by_id(countersigned.id).state == "filed"
    page = client.get(f"/jobs/{Job.get_by_id(countersigned.id).id}").get_data(as_text=True)
    assert "登记已注销" in page


def test_batch_countersign_takes_each_voucher_at_the_version_looked_at(client, auth, make, users, dbc):
    first, second, changed = (make.job(state="done") for _ in range(3))
    seen = changed.version
    Job.get_by_id(changed.id).amend(users["manager"], "改正完工时间", work_done="更换电容并清灰")
    auth.login("manager")
    ticked = [f"{first.id}:{first.version}", f"{second.id}:{second.version}", f"{changed.id}:{seen}"]
    response = client.post("/jobs/queue/countersign", data={"job": ticked}, htmx=True)
    assert response.status_code == 204
    toast = response.headers["HX-Trigger"]
    assert "record-changed" in toast and changed.number in toast
    states = {j.id: j.state for j in Job.select()}
    assert states == {first.id: "countersigned", second.id: "countersigned", changed.id: "done"}
    events = Event.select().where(Event.action == "countersign")
    assert sorted(e.subject_id for e in events) == sorted([first.id, second.id])

    nothing = client.post("/jobs/queue/countersign", data={"job": ["x", "1:"]})
    assert nothing.status_code == 303
    assert "请勾选要核签的凭证。" in client.get("/jobs/queue").get_data(as_text=True)


def test_batch_countersign_is_the_managers(client, auth, make, dbc):
    job = make.job(state="done")
    auth.login("clerk")
    response = client.post("/jobs/queue/countersign", data={"job": [f"{job.id}:{job.version}"]})
    assert response.status_code == 403 and Job.get_by_id(job.id).state == "done"


def test_filing_query_count_does_not_grow_with_length(client, auth, make, app):
    from tests.querycount import count_queries

    make.job(state="countersigned")
    auth.login("clerk")
    with count_queries() as few:
        client.get("/jobs/filing")
    for _ in range(4):
        make.job(state="countersigned")
    with count_queries() as many:
        client.get("/jobs/filing")
    assert len(many) == len(few)


def test_the_home_page_says_what_waits_for_each_role(client, auth, make, dbc):
    make.job(state="done")
    make.job(state="countersigned")
    make.job()
    auth.login("manager")
    home = re.sub(r"\s+", " ", client.get("/").get_data(as_text=True))
    assert '<a href="/jobs/queue">待核签</a> <span class="count">1</span>' in home
    assert '<a href="/board/">待派工</a> <span class="count">1</span>' in home
    auth.logout()
    auth.login("clerk")
    home = re.sub(r"\s+", " ", client.get("/").get_data(as_text=True))
    assert '<a href="/jobs/filing">待归档</a> <span class="count">1</span>' in home
    assert "待核签" not in home
