"""The technician's phone in field use (issue 15): true times, a job re-dispatched under their
feet, the carry-back receipt and the workshop's step, what the customer signs, the technician's
signature, done today and the next job, messages in the user's language."""

import datetime
import re

import pytest
from flask import Flask
from wtforms import DateField

from models import Event, Job, PartLine, Signature
from models.core import clock, now, today
from tests.test_surveys import survey  # noqa: F401 (a fixture)
from tests.test_tech import SIGNATURE, _carry_form, _form
from views.forms import BaseForm


def _events(job, action):
    return Event.select().where(Event.subject == "job", Event.subject_id == job.id, Event.action == action)


def _english(client):
    client.post("/lang/en", data={"next": "/"})


# ---- true times --------------------------------------------------------------------------------


def test_a_dispatched_job_offers_the_arrival_not_the_finish(client, auth, make, dbc):
    job = make.job(state="dispatched")
    auth.login("tech1")
    html = client.get(f"/tech/jobs/{job.id}").get_data(as_text=True)
    assert f'action="/tech/jobs/{job.id}/arrive"' in html and "到场时忘了点？填写实际到场时间" in html
    assert 'name="arrived_time"' in html and 'type="time"' in html
    assert 'name="signature"' not in html and f"/tech/jobs/{job.id}/finish" not in html
    # Finishing before the arrival is refused, with the reason, and changes nothing.
    response = client.post(f"/tech/jobs/{job.id}/finish", data=_form(job), htmx=True)
    assert response.status_code == 409 and "请先记录到场" in response.get_data(as_text=True)
    assert Job.get_by_id(job.id).state == "dispatched" and Signature.select().count() == 0


def test_arriving_now_and_then_finishing_gives_a_true_service_time(client, auth, make, dbc):
    job = make.job(state="dispatched")
    auth.login("tech1")
    response = client.post(f"/tech/jobs/{job.id}/arrive", data={"version": job.version}, htmx=True)
    assert response.status_code == 204 and "record-changed" in response.headers["HX-Trigger"]
    job = Job.get_by_id(job.id)
    assert job.state == "on_site" and job.arrived_at is not None
    clock().travel(datetime.timedelta(minutes=45))
    assert client.post(f"/tech/jobs/{job.id}/finish", data=_form(job)).status_code == 303
    job = Job.get_by_id(job.id)
    assert job.finished_at - job.arrived_at >= datetime.timedelta(minutes=45)


def test_an_arrival_recorded_afterwards_keeps_its_time(client, auth, make, dbc):
    job = make.job(state="dispatched")
    clock().travel(datetime.timedelta(hours=2))  # dispatched two hours ago
    when = clock().to_local(now() - datetime.timedelta(minutes=50)).replace(second=0, microsecond=0)
    auth.login("tech1")
    response = client.post(
        f"/tech/jobs/{job.id}/arrive", data={"version": job.version, "arrived_time": when.strftime("%H:%M")}
    )
    assert response.status_code == 303
    job = Job.get_by_id(job.id)
    assert clock().to_local(job.arrived_at).replace(tzinfo=None) == when.replace(tzinfo=None)
    html = client.get(f"/tech/jobs/{job.id}").get_data(as_text=True)
    assert "事后补记" in html and when.strftime("%H:%M") in html


def test_an_arrival_before_the_dispatch_is_refused_next_to_the_field(client, auth, make, dbc):
    job = make.job(state="dispatched")
    before = clock().to_local(Job.get_by_id(job.id).dispatched_at - datetime.timedelta(minutes=30))
    auth.login("tech1")
    response = client.post(
        f"/tech/jobs/{job.id}/arrive",
        data={"version": job.version, "arrived_time": before.strftime("%H:%M")},
        htmx=True,
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "<html" not in html and 'id="arrive"' in html
    assert re.search(r"has-error[\s\S]*“到场时间”不能早于“派工时间”", html) and "open" in html
    assert Job.get_by_id(job.id).state == "dispatched" and _events(job, "arrive").count() == 0


# ---- re-dispatched under the technician's feet -------------------------------------------------


def test_the_page_of_a_job_re_dispatched_away_says_who_has_it(client, auth, make, users, dbc):
    job = make.job(state="dispatched")
    job.dispatch(users["tech2"], users["manager"])
    auth.login("tech1")
    response = client.get(f"/tech/jobs/{job.id}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f"凭证 {job.number} 已改派给 Tech2，不再由您负责" in html
    assert 'href="/tech/"' in html and "返回我的工单" in html
    assert "设备无法启动" not in html and "tech-job-poller" not in html  # nothing of the job itself
    # A step sent from the stale page says the same, and changes nothing.
    for url in (f"/tech/jobs/{job.id}/finish", f"/tech/jobs/{job.id}/arrive"):
        answer = client.post(url, data=_form(job), htmx=True)
        assert answer.status_code == 409 and "已改派给 Tech2" in answer.get_data(as_text=True)
    assert Job.get_by_id(job.id).state == "dispatched" and Signature.select().count() == 0


def test_a_technician_who_never_had_the_job_still_gets_404(client, auth, make, users, dbc):
    job = make.job(state="dispatched", tech="tech2")
    auth.login("tech1")
    assert client.get(f"/tech/jobs/{job.id}").status_code == 404
    assert client.get(f"/tech/jobs/{job.id}/poll?since=0", htmx=True).status_code == 404
    assert client.post(f"/tech/jobs/{job.id}/finish", data=_form(job)).status_code == 404


# ---- carry-back receipt, workshop, delivery ----------------------------------------------------


def test_carry_back_records_the_receipt_the_customer_signs(client, auth, make, users, dbc):
    job = make.job(state="on_site")
    auth.login("tech1")
    response = client.post(f"/tech/jobs/{job.id}/finish", data=_carry_form(job))
    assert response.status_code == 303, response.get_data(as_text=True)
    job = Job.get_by_id(job.id)
    assert job.state == "in_repair" and job.carried_back and job.carried_back_at is not None
    assert (job.carry_item, job.carry_serial, job.carry_accessories, job.carry_condition) == (
        "KX-2000 控制主板",
        "SN-0001",
        "电源线一根",
        "外壳完好，左侧有划痕",
    )
    assert job.return_by == today() + datetime.timedelta(days=3) and job.carry_note == "主板烧毁，带回维修"
    taken, by_tech = job.signatures_list()
    assert (taken.kind, taken.signer_name) == ("item_taken", "张经理")
    assert (by_tech.kind, by_tech.signer_name) == ("tech_item_taken", "Tech1")
    assert PartLine.select().count() == 0  # parts are recorded by the workshop or on finishing

    receipt = client.get(f"/tech/jobs/{job.id}/receipt").get_data(as_text=True)
    for text in (
        "携回维修收据",
        job.number,
        "KX-2000 控制主板",
        "SN-0001",
        "电源线一根",
        "外壳完好，左侧有划痕",
    ):
        assert text in receipt
    assert "主板烧毁，带回维修" in receipt and "张经理" in receipt and "Tech1" in receipt
    assert receipt.count('data-receipt-check="ok"') == 2
    assert f"/jobs/{job.id}/signatures/{taken.id}.png" in receipt
    # The office finds it from the voucher page.
    auth.logout()
    auth.login("clerk")
    assert f"/tech/jobs/{job.id}/receipt" in client.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert client.get(f"/tech/jobs/{job.id}/receipt").status_code == 200


@pytest.mark.parametrize(
    "overrides,field,message",
    [
        ({"carry_condition": ""}, "carry_condition", "“外观状况（外壳、损伤）”为必填项"),
        ({"return_by": ""}, "return_by", "“预计送回日期”为必填项"),
        ({"carry_item": ""}, "carry_item", "“携回物品”为必填项"),
        ({"return_by": "2020-01-01"}, "return_by", "预计送回日期已过"),
        ({"tech_signature": ""}, "tech_signature", "请服务人员也签名"),
    ],
)
def test_a_carry_back_receipt_missing_a_detail_is_refused_next_to_it(
    client, auth, make, dbc, overrides, field, message
):
    job = make.job(state="on_site")
    auth.login("tech1")
    response = client.post(f"/tech/jobs/{job.id}/finish", data=_carry_form(job, **overrides), htmx=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and message in html
    assert "主板烧毁，带回维修" in html and "电源线一根" in html or overrides.get("carry_accessories") == ""
    assert Job.get_by_id(job.id).state == "on_site" and Signature.select().count() == 0


def test_finishing_on_site_ignores_an_unfilled_receipt(client, auth, make, dbc):
    job = make.job(state="on_site")
    auth.login("tech1")
    data = _form(job, carry_item="", carry_condition="", return_by="")
    assert client.post(f"/tech/jobs/{job.id}/finish", data=data).status_code == 303
    assert Job.get_by_id(job.id).state == "done" and not Job.get_by_id(job.id).carried_back


def test_the_workshop_step_comes_before_the_delivery_signature(client, auth, make, users, dbc):
    job = make.job(state="on_site")
    auth.login("tech1")
    client.post(f"/tech/jobs/{job.id}/finish", data=_carry_form(job))
    job = Job.get_by_id(job.id)
    html = client.get(f"/tech/jobs/{job.id}").get_data(as_text=True)
    # In the workshop: what was repaired, no signature pad yet.
    assert "修复完成，待送回" in html and f'action="/tech/jobs/{job.id}/repair"' in html
    assert 'name="signature"' not in html and f"/tech/jobs/{job.id}/finish" not in html
    refused = client.post(f"/tech/jobs/{job.id}/finish", data=_form(job, key="too-early"), htmx=True)
    assert refused.status_code == 409 and "请先记录修复完成" in refused.get_data(as_text=True)
    assert Job.get_by_id(job.id).state == "in_repair"

    empty = client.post(
        f"/tech/jobs/{job.id}/repair", data={"version": job.version, "key": "r0", "work_done": ""}, htmx=True
    )
    assert empty.status_code == 422 and "“修复内容”为必填项" in empty.get_data(as_text=True)
    repair = {
        "version": job.version,
        "key": "repair-1",
        "work_done": "更换控制主板，老化测试 4 小时正常",
        "parts-0-name": "控制主板",
        "parts-0-quantity": "1",
        "parts-4-name": "保险管 5A",  # a row added on the phone: rows are added as needed
        "parts-4-quantity": "2",
    }
    first = client.post(f"/tech/jobs/{job.id}/repair", data=dict(repair), htmx=True)
    again = client.post(f"/tech/jobs/{job.id}/repair", data=dict(repair), htmx=True)
    assert first.status_code == again.status_code == 204  # a resend acts once
    job = Job.get_by_id(job.id)
    assert job.state == "repaired" and job.repaired_by_id == users["tech1"].id
    assert [(p.name, p.quantity) for p in job.parts.order_by(PartLine.id)] == [
        ("控制主板", 1),
        ("保险管 5A", 2),
    ]
    assert _events(job, "repair").count() == 1

    # Returning it: the customer sees work, parts and times above the pad, and signs.
    html = client.get(f"/tech/jobs/{job.id}").get_data(as_text=True)
    assert "送回修好的物品，客户签收" in html and 'value="carry_back"' not in html
    summary = html[html.index("data-summary") : html.index('name="signer_name"')]
    for text in (
        "客户签字确认以下内容",
        "更换控制主板，老化测试 4 小时正常",
        "控制主板 × 1",
        "保险管 5A × 2",
    ):
        assert text in summary
    assert "携回时间" in summary and "修复完成时间" in summary and "提交时记录" in summary
    assert html.index("data-summary") < html.index('data-signature="signature"')
    # the recorded parts travel with the form (for the amount) without being recorded again
    assert re.search(r'name="parts-0-name" type="hidden" value="控制主板"', html)
    deliver = _form(
        job,
        key="deliver",
        work_done="更换控制主板，送回安装试机正常",
        **{"parts-0-name": "控制主板", "parts-0-quantity": "1", "parts-1-name": "保险管 5A"},
        **{"parts-1-quantity": "2", "parts-2-name": "扎带", "parts-2-quantity": "3"},
    )
    assert client.post(f"/tech/jobs/{job.id}/finish", data=deliver).status_code == 303
    job = Job.get_by_id(job.id)
    assert job.state == "done" and job.finished_at >= job.repaired_at
    assert [(p.name, p.quantity) for p in job.parts.order_by(PartLine.id)] == [
        ("控制主板", 1),
        ("保险管 5A", 2),
        ("扎带", 3),
    ]
    kinds = [s.kind for s in job.signatures_list()]
    assert kinds == ["item_taken", "tech_item_taken", "completion", "tech_completion"]
    assert all(job.signature_matches(s) for s in job.signatures_list())  # the receipt too
    history = client.get(f"/tech/jobs/{job.id}").get_data(as_text=True)
    assert "修复完成，待送回" in history and "送回修好的物品，客户签收" in history


def test_a_receipt_is_only_for_an_item_carried_back(client, auth, make, dbc):
    job = make.job(state="on_site")
    other = make.job(state="in_repair", tech="tech2")
    auth.login("tech1")
    assert client.get(f"/tech/jobs/{job.id}/receipt").status_code == 404
    assert client.get(f"/tech/jobs/{other.id}/receipt").status_code == 404  # not theirs


# ---- what the customer signs, and the technician's signature -----------------------------------


def test_the_summary_above_the_pad_shows_what_is_typed(client, auth, make, dbc):
    job = make.job(state="on_site")
    auth.login("tech1")
    html = client.get(f"/tech/jobs/{job.id}").get_data(as_text=True)
    order = [html.index(t) for t in ("data-summary", 'name="signer_name"', 'data-signature="signature"')]
    assert order == sorted(order)
    assert html.index('data-signature="signature"') < html.index('data-signature="tech_signature"')
    assert "服务人员签名：Tech1" in html
    # After a refusal the summary shows what was sent.
    response = client.post(f"/tech/jobs/{job.id}/finish", data=_form(job, signer_name=""), htmx=True)
    summary = response.get_data(as_text=True).split("data-summary")[1].split("</section>")[0]
    assert "更换电容，试机正常" in summary and "电容 100uF × 2" in summary


def test_the_technician_signs_too_and_the_print_shows_it(client, auth, make, users, dbc):
    job = make.job(state="on_site")
    auth.login("tech1")
    missing = client.post(f"/tech/jobs/{job.id}/finish", data=_form(job, tech_signature=""), htmx=True)
    assert missing.status_code == 422 and "请服务人员也签名" in missing.get_data(as_text=True)
    assert client.post(f"/tech/jobs/{job.id}/finish", data=_form(job)).status_code == 303
    signature = Signature.get(Signature.subject_id == job.id, Signature.kind == "tech_completion")
    assert signature.signer_name == "Tech1" and signature.captured_by_id == users["tech1"].id
    assert Job.get_by_id(job.id).signature_matches(signature)
    page = client.get(f"/tech/jobs/{job.id}").get_data(as_text=True)
    assert "服务人员签名" in page and f"/signatures/{signature.id}.png" in page
    auth.logout()
    auth.login("manager")
    printed = client.get(f"/jobs/{job.id}/print").get_data(as_text=True)
    box = printed[printed.index("tech-sign-box") :]
    assert "服务人员签名" in box and f"/jobs/{job.id}/signatures/{signature.id}.png" in box
    assert "服务人员确认完工 · Tech1" in box


def test_a_damaged_technician_signature_is_refused_next_to_its_pad(client, auth, make, dbc):
    job = make.job(state="on_site")
    auth.login("tech1")
    bad = "data:image/png;base64,iVBORw0KGgo"
    response = client.post(f"/tech/jobs/{job.id}/finish", data=_form(job, tech_signature=bad), htmx=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert re.search(r'data-signature="tech_signature"[\s\S]*签名图片无效', html)
    assert SIGNATURE in html  # the customer's drawing stays
    assert Job.get_by_id(job.id).state == "on_site" and Signature.select().count() == 0


# ---- friction: parts, done today, next job, live label -----------------------------------------


def test_a_fresh_form_has_one_part_row_and_adds_more(client, auth, make, dbc):
    job = make.job(state="on_site")
    auth.login("tech1")
    html = client.get(f"/tech/jobs/{job.id}").get_data(as_text=True)
    assert 'name="parts-0-name"' in html and 'name="parts-1-name"' not in html
    assert "添加配件" in html and 'data-max="10"' in html
    data = _form(
        job,
        **{f"parts-{i}-name": f"配件{i}" for i in range(7)},
        **{f"parts-{i}-quantity": "1" for i in range(7)},
    )
    assert client.post(f"/tech/jobs/{job.id}/finish", data=data).status_code == 303
    assert PartLine.select().where(PartLine.job == job.id).count() == 7


def test_done_today_and_the_next_job(client, auth, make, users, dbc):
    first = make.job(state="on_site")
    second = make.job(state="dispatched")
    yesterday = make.job(state="done")
    Job.update(finished_at=now() - datetime.timedelta(days=2)).where(Job.id == yesterday.id).execute()
    auth.login("tech1")
    assert client.post(f"/tech/jobs/{first.id}/finish", data=_form(first)).status_code == 303
    page = client.get(f"/tech/jobs/{first.id}").get_data(as_text=True)
    assert f"下一单：{second.number}" in page and f'href="/tech/jobs/{second.id}"' in page
    listing = client.get("/tech/").get_data(as_text=True)
    today_part = listing[listing.index('id="done-today"') :]
    assert "今日已完成" in today_part and first.number in today_part and yesterday.number not in listing
    assert re.search(r'class="count">1<', today_part)
    # The last job done: the way back to the list instead.
    client.post(f"/tech/jobs/{second.id}/arrive", data={"version": second.version})
    second = Job.get_by_id(second.id)
    client.post(f"/tech/jobs/{second.id}/finish", data=_form(second, key="k2"))
    assert "手上没有其他工单" in client.get(f"/tech/jobs/{second.id}").get_data(as_text=True)


def test_the_live_indicator_says_so_in_words(client, auth, make, dbc):
    auth.login("tech1")
    html = client.get("/tech/").get_data(as_text=True)
    assert re.search(r'class="live-label"[\s\S]*实时更新[\s\S]*更新已中断', html)
    _english(client)
    html = client.get("/tech/").get_data(as_text=True)
    assert "Live" in html and "Updates interrupted" in html


# ---- messages in the user's language -----------------------------------------------------------


@pytest.mark.parametrize(
    "english,message",
    [(False, "请填写 1 到 9999 之间的数。"), (True, "Number must be between 1 and 9999.")],
)
def test_a_wrong_quantity_is_said_in_the_users_language(client, auth, make, dbc, english, message):
    job = make.job(state="on_site")
    auth.login("tech1")
    if english:
        _english(client)
    response = client.post(f"/tech/jobs/{job.id}/finish", data=_form(job, **{"parts-0-quantity": "0"}))
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and message in html
    other = "Number must be between" if not english else "请填写 1 到 9999"
    assert other not in html


@pytest.mark.parametrize("english", [False, True])
def test_a_required_field_is_named_in_its_message(client, auth, make, dbc, english):
    job = make.job(state="dispatched")
    auth.login("manager")
    if english:
        _english(client)
    response = client.post(f"/jobs/{job.id}/void", data={"version": job.version, "reason": ""})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert ("Reason for voiding is required." if english else "“作废原因”为必填项。") in html
    assert "This field is required." not in html and "该字段是必填字段" not in html


def test_a_period_that_starts_after_it_ends_says_so(client, auth, make, survey):  # noqa: F811
    auth.login("clerk")
    response = client.post(
        "/surveys/campaigns/new",
        data={
            "name": "颠倒的时段",
            "questionnaire": survey.id,
            "served_from": "2026-03-01",
            "served_to": "2026-02-01",
        },
    )
    assert response.status_code == 422
    assert "起始日期晚于结束日期（2026-03-01 至 2026-02-01）" in response.get_data(as_text=True)


def test_the_period_check_is_part_of_every_form():
    class PeriodForm(BaseForm):
        class Meta:
            csrf = False

        day_from = DateField("From")
        day_to = DateField("To")

    app = Flask(__name__)
    app.config["SECRET_KEY"] = "x"
    from flask_babel import Babel

    Babel(app)
    with app.test_request_context(method="POST", data={"day_from": "2026-03-02", "day_to": "2026-03-01"}):
        form = PeriodForm()
        assert not form.validate()
        assert form.day_to.errors == ["The period starts after it ends (2026-03-02 to 2026-03-01)."]
    with app.test_request_context(method="POST", data={"day_from": "2026-03-01", "day_to": "2026-03-01"}):
        assert PeriodForm().validate()
