"""The technician's phone screens: own jobs only, live list, arrive, finish with a drawn signature."""

import base64
import datetime
import re

import pytest

from models import Event, IdempotencyKey, Job, PartLine, Setting, Signature
from models.core import today
from models.core.signing import MAX_SIGNATURE_BYTES
from tests.conftest import PNG_1x1
from tests.querycount import count_queries

SIGNATURE = "data:image/png;base64," + base64.b64encode(PNG_1x1).decode()


def _form(job, **overrides):
    data = {
        "version": job.version,
        "key": "k-" + job.number,
        "result": "finish",
        "work_done": "更换电容，试机正常",
        "parts-0-name": "电容 100uF",
        "parts-0-quantity": "2",
        "signer_name": "张经理",
        "signature": SIGNATURE,
        "tech_signature": SIGNATURE,
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def _carry_form(job, **overrides):
    """The finish form as sent to carry the item back, with its receipt."""
    values = {
        "result": "carry_back",
        "work_done": "主板烧毁，带回维修",
        "carry_item": "KX-2000 控制主板",
        "carry_serial": "SN-0001",
        "carry_accessories": "电源线一根",
        "carry_condition": "外壳完好，左侧有划痕",
        "return_by": (today() + datetime.timedelta(days=3)).isoformat(),
        "key": "carry-" + job.number,
    }
    values.update(overrides)
    return _form(job, **values)


def _sql(statements):
    """Only the SQL statements (the PostgreSQL pool logs its connection hand-backs too)."""
    return [s for s in statements if s.startswith("(")]


def _events(job, action):
    return (
        Event.select()
        .where(Event.subject == "job", Event.subject_id == job.id, Event.action == action)
        .count()
    )


# ---- the list --------------------------------------------------------------------------------


def test_list_shows_own_jobs_in_hand_oldest_first(client, auth, make, dbc):
    older = make.job(state="dispatched", fault="老故障：昨天登记")
    Job.update(register_day=today() - datetime.timedelta(days=1)).where(Job.id == older.id).execute()
    on_site = make.job(state="on_site")
    in_repair = make.job(state="in_repair")
    dispatched = make.job(state="dispatched", preferred_time="下午 2 点后")
    others = [make.job(state="dispatched", tech="tech2"), make.job(), make.job(state="done", tech="tech2")]
    auth.login("tech1")
    response = client.get("/tech/")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "我的工单" in html
    in_hand = html[: html.index('id="done-today"')]
    numbers = re.findall(r"FW\d{4}-\d{6}", in_hand)
    assert numbers == [older.number, on_site.number, in_repair.number, dispatched.number]
    assert all(job.number not in html for job in others)
    assert "上海华东机械有限公司" in html and "上海市普陀区曹杨路 100 号" in html
    assert "KX-2000" in html and "380V 5.5kW" in html and "下午 2 点后" in html
    assert "老故障：昨天登记" in html and "登记" in html
    assert f'href="/tech/jobs/{older.id}"' in html
    assert 'hx-trigger="every 1s"' in html and "hx-swap-oob" not in html
    assert re.search(r'hx-get="/tech/poll\?since=\d+"', html)


def test_list_is_for_technicians_only(client, auth, users):
    auth.login("clerk")
    assert client.get("/tech/").status_code == 403
    assert client.get("/tech/poll?since=0", htmx=True).status_code == 403


def test_list_query_count_does_not_grow(client, auth, make, dbc):
    make.job(state="dispatched")
    auth.login("tech1")
    client.get("/tech/")  # warm the permission cache
    with count_queries() as few:
        client.get("/tech/")
    for state in ("dispatched", "on_site", "in_repair", "dispatched"):
        make.job(state=state)
    with count_queries() as many:
        assert client.get("/tech/").status_code == 200
    assert len(_sql(many)) == len(_sql(few)) <= 3  # the user, the log position, the list


# ---- the live poll ---------------------------------------------------------------------------


def test_poll_is_empty_while_nothing_changed(client, auth, make, dbc):
    make.job(state="dispatched")
    auth.login("tech1")
    position = Event.latest_id()
    client.get(f"/tech/poll?since={position}", htmx=True)  # warm the permission cache
    with count_queries() as queries:
        response = client.get(f"/tech/poll?since={position}", htmx=True)
    assert response.status_code == 204 and response.get_data() == b""
    assert len(_sql(queries)) <= 2  # the user, the newest event id


def test_poll_sends_the_list_out_of_band_after_a_dispatch(client, auth, make, users, dbc):
    auth.login("tech1")
    position = Event.latest_id()
    job = make.job()
    job.dispatch(users["tech1"], users["manager"])
    response = client.get(f"/tech/poll?since={position}", htmx=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in html
    assert "HX-Request" in response.headers["Vary"]
    assert 'id="my-jobs"' in html and 'hx-swap-oob="true"' in html and job.number in html
    assert f'since={Event.latest_id()}"' in html

    # Re-dispatched away: gone from the list at the next poll.
    position = Event.latest_id()
    job.dispatch(users["tech2"], users["manager"])
    html = client.get(f"/tech/poll?since={position}", htmx=True).get_data(as_text=True)
    assert 'hx-swap-oob="true"' in html and job.number not in html


def test_poll_after_an_unrelated_change_only_moves_the_position(client, auth, make, users, dbc):
    auth.login("tech1")
    position = Event.latest_id()
    Setting.set_value("quick_work_picks", "清洁", users["admin"])
    html = client.get(f"/tech/poll?since={position}", htmx=True).get_data(as_text=True)
    assert f'since={Event.latest_id()}"' in html and "hx-swap-oob" not in html


def test_poll_from_beyond_the_newest_event_refreshes_the_page(client, auth, make, dbc):
    make.job(state="dispatched")
    auth.login("tech1")
    response = client.get("/tech/poll?since=999999999", htmx=True)
    assert response.status_code == 204 and response.headers["HX-Refresh"] == "true"


@pytest.mark.parametrize("since", ["abc", "", "1.5", "-3", "-1e20", "99999999999999999999"])
def test_poll_with_a_strange_position_resends_the_list(client, auth, make, since, dbc):
    make.job(state="dispatched")
    auth.login("tech1")
    response = client.get(f"/tech/poll?since={since}", htmx=True)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert f'since={Event.latest_id()}"' in html and 'hx-swap-oob="true"' in html


# ---- the job page ----------------------------------------------------------------------------


def test_job_page_shows_what_the_technician_needs(client, auth, make, dbc):
    job = make.job(state="on_site", preferred_time="上午")
    auth.login("tech1")
    html = client.get(f"/tech/jobs/{job.id}").get_data(as_text=True)
    assert job.number in html and "上海华东机械有限公司" in html and "张经理" in html
    assert 'href="tel:021-62345678"' in html
    assert "https://uri.amap.com/search?keyword=%E4%B8%8A%E6%B5%B7" in html
    assert "KX-2000" in html and "设备无法启动" in html and "上午" in html
    assert 'name="signature"' in html and 'name="tech_signature"' in html and "携回修护" in html
    assert "更换配件" in html and "检查无故障" in html  # quick picks from the settings
    assert re.search(r'name="key" type="hidden" value="[0-9a-f]{32}"', html)
    assert 'value="张经理"' in html  # the signer defaults to the contact person
    assert "/bundle/tech.js?v=" in html  # signature_pad and the phone scripts, one request


def test_another_technician_gets_404_everywhere(client, auth, make, dbc):
    job = make.job(state="on_site", tech="tech1")
    auth.login("tech2")
    assert client.get(f"/tech/jobs/{job.id}").status_code == 404
    assert client.post(f"/jobs/{job.id}/arrive", data={"version": job.version}).status_code == 404
    assert client.post(f"/tech/jobs/{job.id}/finish", data=_form(job)).status_code == 404
    assert Job.get_by_id(job.id).state == "on_site" and Signature.select().count() == 0
    assert _events(job, "finish") == 0


def test_arrive_records_the_time_and_an_event(client, auth, make, dbc):
    job = make.job(state="dispatched")
    auth.login("tech1")
    page = f"http://localhost/tech/jobs/{job.id}"
    response = client.post(f"/jobs/{job.id}/arrive", data={"version": job.version}, headers={"Referer": page})
    assert response.status_code == 303 and response.headers["Location"] == page  # back where pressed
    job = Job.get_by_id(job.id)
    assert job.state == "on_site" and job.arrived_at is not None
    assert _events(job, "arrive") == 1


def test_arrive_by_htmx_refreshes_the_job_page_from_the_event_feed(client, auth, make, dbc):
    job = make.job(state="dispatched")
    auth.login("tech1")
    html = client.get(f"/tech/jobs/{job.id}").get_data(as_text=True)
    position = int(re.search(rf"/tech/jobs/{job.id}/poll\?since=(\d+)", html).group(1))
    assert client.get(f"/tech/jobs/{job.id}/poll?since={position}", htmx=True).status_code == 204
    response = client.post(f"/jobs/{job.id}/arrive", data={"version": job.version}, htmx=True)
    assert response.status_code == 204 and "record-changed" in response.headers["HX-Trigger"]
    fragment = client.get(f"/tech/jobs/{job.id}/poll?since={position}", htmx=True).get_data(as_text=True)
    assert "<html" not in fragment and 'id="tech-job" hx-swap-oob="true"' in fragment
    assert "服务中" in fragment and f"since={Event.latest_id()}" in fragment


def test_job_page_says_who_has_a_job_re_dispatched_meanwhile(client, auth, make, users, dbc):
    job = make.job(state="dispatched")
    auth.login("tech1")
    html = client.get(f"/tech/jobs/{job.id}").get_data(as_text=True)
    position = int(re.search(rf"/tech/jobs/{job.id}/poll\?since=(\d+)", html).group(1))
    job.dispatch(users["tech2"], users["manager"])
    fragment = client.get(f"/tech/jobs/{job.id}/poll?since={position}", htmx=True).get_data(as_text=True)
    assert "已改派给 Tech2" in fragment and "/tech/" in fragment


def test_arrive_on_a_stale_page_says_who_changed_it(client, auth, make, users, dbc):
    job = make.job(state="dispatched")
    old = job.version
    job.arrive(users["tech1"])
    auth.login("tech1")
    response = client.post(f"/jobs/{job.id}/arrive", data={"version": old}, htmx=True)
    assert response.status_code == 409 and response.headers["HX-Retarget"] == "#toast"
    assert _events(job, "arrive") == 1


# ---- finishing with the customer's signature -------------------------------------------------


def test_finish_with_a_drawn_signature(client, auth, make, dbc):
    job = make.job(state="on_site")
    auth.login("tech1")
    response = client.post(f"/tech/jobs/{job.id}/finish", data=_form(job, quick=["清洁保养", "调试校准"]))
    assert response.status_code == 303, response.get_data(as_text=True)
    assert response.headers["Location"] == f"/tech/jobs/{job.id}"
    job = Job.get_by_id(job.id)
    assert job.state == "done" and job.finished_at is not None
    assert job.work_done == "更换电容，试机正常\n清洁保养\n调试校准"
    signature = Signature.get(Signature.subject_id == job.id)
    assert bytes(signature.image) == PNG_1x1 and signature.signer_name == "张经理"
    assert signature.kind == "completion" and not signature.on_paper
    parts = PartLine.select().where(PartLine.job == job.id)
    assert [(p.name, p.quantity) for p in parts] == [("电容 100uF", 2)]

    html = client.get(f"/tech/jobs/{job.id}").get_data(as_text=True)
    assert "已完工，等待经理核签" in html
    assert f"/jobs/{job.id}/signatures/{signature.id}.png" in html
    assert 'name="signature"' not in html and "/arrive" not in html  # frozen for the technician
    assert "完工" in html  # the history


def test_finish_by_htmx_answers_with_a_location(client, auth, make, dbc):
    job = make.job(state="on_site")
    auth.login("tech1")
    response = client.post(f"/tech/jobs/{job.id}/finish", data=_form(job), htmx=True)
    assert response.status_code == 204 and response.headers["HX-Location"] == f"/tech/jobs/{job.id}"
    assert Job.get_by_id(job.id).state == "done"


def test_the_same_form_sent_twice_acts_once(client, auth, make, dbc):
    job = make.job(state="on_site")
    auth.login("tech1")
    data = _form(job)
    first = client.post(f"/tech/jobs/{job.id}/finish", data=dict(data), htmx=True)
    again = client.post(f"/tech/jobs/{job.id}/finish", data=dict(data), htmx=True)
    assert first.status_code == again.status_code == 204
    kinds = [s.kind for s in Signature.select().where(Signature.subject_id == job.id)]
    assert sorted(kinds) == ["completion", "tech_completion"]
    assert PartLine.select().where(PartLine.job == job.id).count() == 1
    assert _events(job, "finish") == 1
    assert IdempotencyKey.select().where(IdempotencyKey.key == data["key"]).count() == 1


def test_a_resent_carry_back_acts_once(client, auth, make, dbc):
    job = make.job(state="on_site")
    auth.login("tech1")
    data = _carry_form(job)
    first = client.post(f"/tech/jobs/{job.id}/finish", data=dict(data), htmx=True)
    again = client.post(f"/tech/jobs/{job.id}/finish", data=dict(data), htmx=True)
    assert first.status_code == again.status_code == 204
    assert Job.get_by_id(job.id).state == "in_repair"
    assert _events(job, "carry_back") == 1


def test_a_key_from_another_job_is_refused_not_a_crash(client, auth, make, dbc):
    one, other = make.job(state="on_site"), make.job(state="on_site")
    auth.login("tech1")
    data = _form(one)
    client.post(f"/tech/jobs/{one.id}/finish", data=dict(data), htmx=True)
    reused = _form(other, key=data["key"])
    response = client.post(f"/tech/jobs/{other.id}/finish", data=reused, htmx=True)
    assert response.status_code == 409
    assert Job.get_by_id(other.id).state == "on_site"


@pytest.mark.parametrize(
    "signature,message",
    [
        (None, "缺少客户签名"),
        ("", "缺少客户签名"),
        ("data:image/jpeg;base64," + base64.b64encode(PNG_1x1).decode(), "签名图片无效"),
        ("data:image/png;base64,@@not base64@@", "签名图片无效"),
        ("data:image/png;base64,iVBORw0KGgo", "签名图片无效"),  # cut short
        ("data:image/png;base64," + base64.b64encode(b"GIF89a" + b"\0" * 200).decode(), "签名图片无效"),
        (
            "data:image/png;base64," + base64.b64encode(PNG_1x1 + b"\0" * MAX_SIGNATURE_BYTES).decode(),
            "签名图片过大",
        ),
    ],
    ids=["missing", "empty", "jpeg", "bad-base64", "truncated", "not-png", "too-large"],
)
def test_a_bad_signature_is_refused_next_to_the_pad(client, auth, make, signature, message, dbc):
    job = make.job(state="on_site")
    auth.login("tech1")
    response = client.post(f"/tech/jobs/{job.id}/finish", data=_form(job, signature=signature), htmx=True)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "<html" not in html and 'id="finish"' in html
    assert re.search(r'class="field tech-signature has-error"[\s\S]*' + message, html)
    assert "更换电容，试机正常" in html  # the form stays as typed
    assert 'name="signature" type="hidden" value=""' in html  # a refused drawing is not sent back
    assert Job.get_by_id(job.id).state == "on_site"
    assert Signature.select().where(Signature.subject_id == job.id).count() == 0
    assert PartLine.select().count() == 0 and _events(job, "finish") == 0


@pytest.mark.parametrize(
    "overrides,message",
    [
        ({"work_done": ""}, "请填写服务内容"),
        ({"signer_name": ""}, "请填写签字客户的姓名"),
        ({"parts-0-quantity": "0"}, "1"),
        ({"result": "fly"}, "选择"),
    ],
)
def test_other_errors_keep_the_drawing(client, auth, make, overrides, message, dbc):
    job = make.job(state="on_site")
    auth.login("tech1")
    response = client.post(f"/tech/jobs/{job.id}/finish", data=_form(job, **overrides))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in html and "<html" in html  # a plain post gets the whole page
    assert SIGNATURE in html  # no need to ask the customer again
    assert Job.get_by_id(job.id).state == "on_site" and _events(job, "finish") == 0


def test_quick_picks_alone_are_enough_work_done(client, auth, make, dbc):
    job = make.job(state="on_site")
    auth.login("tech1")
    response = client.post(f"/tech/jobs/{job.id}/finish", data=_form(job, work_done="", quick="检查无故障"))
    assert response.status_code == 303
    assert Job.get_by_id(job.id).work_done == "检查无故障"


def test_finishing_a_job_already_done_is_refused_with_a_reason(client, auth, make, dbc):
    job = make.job(state="done")
    auth.login("tech1")
    response = client.post(f"/tech/jobs/{job.id}/finish", data=_form(job, key="late"), htmx=True)
    assert response.status_code == 409 and response.headers["HX-Retarget"] == "#toast"
    assert Signature.select().where(Signature.subject_id == job.id).count() == 1


def test_finish_without_csrf_is_refused(client, auth, make, dbc):
    job = make.job(state="on_site")
    auth.login("tech1")
    response = client.post(f"/tech/jobs/{job.id}/finish", data=_form(job), csrf=False)
    assert response.status_code == 400 and Job.get_by_id(job.id).state == "on_site"
