"""Intake (Art. 7): the clerk finds the caller, picks the equipment and registers the call."""

import datetime
import re

import pytest

from models import Contract, Customer, Equipment, Event, Job
from models.core import today

DAY = datetime.timedelta(days=1)


def _html(response):
    return response.get_data(as_text=True)


def _call(customer, equipment, **change):
    data = {
        "customer": str(customer.id),
        "equipment": str(equipment.id),
        "channel": "phone",
        "fault": "空压机启动后跳闸",
        "preferred_time": "明天上午",
        "service_type": "free",
        "proposed_type": "free",
        "type_reason": "",
        "contact_person": "",
        "phone": "",
    }
    data.update(change)
    return data


@pytest.fixture
def caller(make):
    """A customer whose only equipment is in warranty (proposed: free service)."""
    customer = make.customer()
    return customer, make.equipment(customer, warranty_days=60, purchase_place="上海门店")


# ---- the screen and its fragments -------------------------------------------------------


def test_intake_page_and_its_fragments(client, auth, caller):
    customer, equipment = caller
    auth.login("clerk")
    page = client.get("/intake/")
    assert page.status_code == 200
    html = _html(page)
    assert (
        "<html" in html
        and "查找来电客户" in html
        and 'hx-trigger="input changed delay:300ms, search"' in html
    )
    assert 'id="workspace"' in html and "内务服务（不涉及客户）" in html

    results = client.get("/intake/search?q=6234", htmx=True)
    assert results.status_code == 200 and "HX-Request" in results.headers["Vary"]
    html = _html(results)
    assert "<html" not in html and 'id="intake-results"' in html and "上海华东机械有限公司" in html
    assert (
        f'hx-get="/intake/customer/{customer.id}"' in html
        and f'href="/intake/?customer={customer.id}"' in html
    )

    panel = client.get(f"/intake/customer/{customer.id}", htmx=True)
    html = _html(panel)
    assert (
        panel.status_code == 200 and "<html" not in html and html.lstrip().startswith('<div id="workspace"')
    )
    assert "021-6234 5678" in html and "上海市普陀区曹杨路 100 号" in html
    assert f'value="{equipment.id}"' in html and "免费保证期内" in html and "KX-2000" in html
    assert re.search(r'<option selected value="free">免费服务（免费保证期内）（建议）</option>', html)

    whole = _html(client.get(f"/intake/?customer={customer.id}"))
    assert "<html" in whole and "KX-2000" in whole and 'name="equipment"' in whole
    assert _html(client.get(f"/intake/customer/{customer.id}")).startswith("<!doctype html>")


@pytest.mark.parametrize(
    "q", ["6234", "华东", "SN-0001", "sn-00"], ids=["phone", "name", "serial", "serial-part"]
)
def test_search_finds_the_caller(client, auth, caller, make, q):
    make.customer("杭州西湖食品有限公司", "0571-8888 1234")
    auth.login("clerk")
    html = _html(client.get("/intake/search", query_string={"q": q}, htmx=True))
    assert "上海华东机械有限公司" in html and "杭州西湖食品有限公司" not in html


def test_search_without_js_renders_the_page(client, auth, caller):
    auth.login("clerk")
    html = _html(client.get("/intake/?q=6234"))
    assert "<html" in html and "上海华东机械有限公司" in html
    assert "没有与“无此人”匹配的客户" in _html(client.get("/intake/search?q=无此人", htmx=True))


def test_proposal_follows_the_chosen_equipment(client, auth, caller, make, users):
    customer, in_warranty = caller
    expired = make.equipment(customer, warranty_days=-5, serial="SN-OLD")
    covered = make.equipment(customer, warranty_days=-500, serial="SN-HT")
    Contract.register(
        users["clerk"], customer, "HT-2026-009", today() - DAY, today() + 90 * DAY, [covered.id]
    )
    auth.login("clerk")
    html = _html(client.get(f"/intake/customer/{customer.id}", htmx=True))
    assert "请选择设备" in html and 'name="service_type"' not in html  # three choices: none chosen yet
    assert 'hx-get="/intake/propose"' in html and 'form="register-form"' in html
    for item, value, words in (
        (in_warranty, "free", "免费保证期至"),
        (expired, "paid", "免费保证期已于"),
        (covered, "contract", "保养合同 HT-2026-009 有效至"),
    ):
        response = client.get(f"/intake/propose?equipment={item.id}", htmx=True)
        fragment = _html(response)
        assert response.status_code == 200 and fragment.lstrip().startswith('<div id="type-proposal"')
        assert f'<option selected value="{value}">' in fragment and words in fragment
        assert f'name="proposed_type" type="hidden" value="{value}"' in fragment
    assert client.get("/intake/propose?equipment=999", htmx=True).status_code == 404


# ---- registering a call -----------------------------------------------------------------


def test_registering_a_call_records_art7_and_numbers_the_voucher(client, auth, caller, users, dbc):
    customer, equipment = caller
    auth.login("clerk")
    response = client.post("/intake/register", data=_call(customer, equipment))
    assert response.status_code == 303
    job = Job.get()
    assert response.headers["Location"].endswith(f"/intake/?registered={job.id}")
    assert job.number == f"FW{today().year}-000001" and job.state == "registered"
    assert job.customer_id == customer.id and job.equipment_id == equipment.id
    assert job.customer_name == "上海华东机械有限公司" and job.address == "上海市普陀区曹杨路 100 号"
    assert job.phone == "021-6234 5678" and job.contact_person == "张经理"
    assert job.product_model == "KX-2000" and job.spec == "380V 5.5kW" and job.serial == "SN-0001"
    assert job.purchase_place == "上海门店"
    assert job.fault == "空压机启动后跳闸" and job.preferred_time == "明天上午" and job.channel == "phone"
    assert (
        job.service_type == "free"
        and job.proposed_type == "free"
        and job.registered_by_id == users["clerk"].id
    )
    events = list(Event.select().where(Event.subject == "job"))
    assert [(e.action, e.to_state, e.actor_id) for e in events] == [
        ("register", "registered", users["clerk"].id)
    ]

    html = _html(client.get(response.headers["Location"]))
    assert f'已登记 <a class="mono" href="/jobs/{job.id}">{job.number}</a>' in html
    assert 'id="intake-q"' in html  # ready for the next call


def test_htmx_registration_sends_the_browser_back_to_a_fresh_screen(client, auth, caller, dbc):
    customer, equipment = caller
    auth.login("clerk")
    response = client.post("/intake/register", data=_call(customer, equipment), htmx=True)
    assert response.status_code == 204
    assert response.headers["HX-Location"] == f"/intake/?registered={Job.get().id}"


def test_a_different_type_with_a_reason_and_a_call_specific_contact(client, auth, caller, dbc):
    customer, equipment = caller
    auth.login("clerk")
    data = _call(
        customer,
        equipment,
        service_type="paid",
        type_reason="人为损坏，不在保修范围",
        contact_person="王师傅（车间）",
        phone="139 0000 1111",
        channel="letter",
    )
    assert client.post("/intake/register", data=data).status_code == 303
    job = Job.get()
    assert (
        job.service_type == "paid"
        and job.proposed_type == "free"
        and job.type_reason == "人为损坏，不在保修范围"
    )
    assert job.contact_person == "王师傅（车间）" and job.phone == "139 0000 1111" and job.channel == "letter"


def test_a_type_left_as_proposed_is_proposed_again_on_submit(client, auth, make, dbc):
    """The page proposed 'free' for other equipment; left unchanged, the model decides."""
    customer = make.customer()
    expired = make.equipment(customer, warranty_days=-1)
    auth.login("clerk")
    response = client.post(
        "/intake/register", data=_call(customer, expired, service_type="free", proposed_type="free")
    )
    assert response.status_code == 303
    assert Job.get().service_type == "paid"


def test_internal_work_needs_no_customer(client, auth, dbc):
    auth.login("clerk")
    data = {"internal": "y", "channel": "other", "fault": "季度工具保养", "preferred_time": ""}
    assert client.post("/intake/register", data=data).status_code == 303
    job = Job.get()
    assert job.service_type == "internal" and job.customer_id is None and job.equipment_id is None
    assert job.fault == "季度工具保养"


@pytest.mark.parametrize(
    "change,message",
    [
        ({"fault": "  "}, "请描述故障或所需服务。"),
        ({"equipment": ""}, "请选择客户的设备。"),
        ({"equipment": "999"}, "请选择客户的设备。"),
        ({"equipment": "abc"}, "不是有效的整数"),
        ({"channel": "fax"}, "不是有效的选择"),
        ({"service_type": "gold"}, "不是有效的选择"),
        ({"service_type": "paid"}, "建议的服务类别为“免费服务（免费保证期内）”，如需更改请填写原因。"),
        ({"customer": ""}, "请先查找来电客户的资料袋，或勾选内务服务。"),
        ({"equipment": "OTHER"}, "该设备属于其他客户。"),
        ({"preferred_time": "早" * 61}, "字段长度不能超过 60 个字符"),
    ],
)
def test_bad_calls_are_refused_inline_and_nothing_is_written(
    client, auth, caller, make, dbc, change, message
):
    customer, equipment = caller
    stranger = make.equipment(make.customer("别家公司", "0571-1111 2222"), serial="SN-9")
    if change.get("equipment") == "OTHER":
        change["equipment"] = str(stranger.id)
    auth.login("clerk")
    data = _call(customer, equipment)
    data.update(change)
    response = client.post("/intake/register", data=data, htmx=True)
    assert response.status_code == 422
    html = _html(response)
    assert "<html" not in html and html.lstrip().startswith('<div id="workspace"')
    assert message in html and 'class="error' in html
    assert "空压机启动后跳闸" in html or change.get("fault")  # what was typed stays
    assert Job.select().count() == 0
    assert Event.select().where(Event.subject == "job").count() == 0


def test_bad_call_without_js_gets_the_whole_page(client, auth, caller, dbc):
    customer, equipment = caller
    auth.login("clerk")
    response = client.post("/intake/register", data=_call(customer, equipment, fault=""))
    assert response.status_code == 422
    html = _html(response)
    assert "<html" in html and "请描述故障或所需服务。" in html and Job.select().count() == 0


def test_open_job_on_the_equipment_is_a_visible_warning(client, auth, caller, make):
    customer, equipment = caller
    open_job = make.job(equipment, state="dispatched")
    other = make.equipment(customer, serial="SN-2")
    filed = make.job(other, state="filed")
    auth.login("clerk")
    html = _html(client.get(f"/intake/customer/{customer.id}", htmx=True))
    assert html.count("已有未结工单") == 1
    assert (
        f'已有未结工单 <a class="mono" href="/jobs/{open_job.id}">{open_job.number}</a>，请勿重复登记。'
        in html
    )
    assert filed.number not in html


# ---- new customer and equipment without leaving the screen ------------------------------

NEW_CUSTOMER = {
    "nc-kind": "person",
    "nc-name": "赵志强",
    "nc-contact_person": "",
    "nc-phone": "138 1234 5678",
    "nc-address": "上海市静安区延安中路 825 弄 12 号 301 室",
}


def test_new_customer_inline_returns_their_panel(client, auth, dbc):
    auth.login("clerk")
    data = dict(NEW_CUSTOMER, fault="热水器不出热水", channel="phone", customer="", equipment="")
    response = client.post("/intake/customers", data=data, htmx=True)
    assert response.status_code == 200
    customer = Customer.get(Customer.name == "赵志强")
    assert customer.kind == "person" and customer.phone_list == ["138 1234 5678"]
    html = _html(response)
    assert "<html" not in html and html.lstrip().startswith('<div id="workspace"')
    assert f'name="customer" type="hidden" value="{customer.id}"' in html
    assert "热水器不出热水" in html  # the fault typed before came along
    assert 'id="new-customer"' in html and 'hx-swap-oob="true"' in html  # a fresh form, closed
    assert response.headers["HX-Push-Url"] == f"/intake/?customer={customer.id}"
    assert "尚无设备记录" in html and "eq-product_model" in html  # add equipment is open


def test_new_customer_inline_without_js_redirects_to_the_panel(client, auth, dbc):
    auth.login("clerk")
    response = client.post("/intake/customers", data=dict(NEW_CUSTOMER))
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/intake/?customer={Customer.get().id}")


@pytest.mark.parametrize(
    "field,value,message",
    [
        ("nc-name", "", "请填写客户名称。"),
        ("nc-phone", "", "客户至少需要一个电话号码。"),
        ("nc-phone", "123", "电话号码至少需要 5 位数字。"),
        ("nc-kind", "robot", "不是有效的选择"),
    ],
)
def test_new_customer_inline_errors(client, auth, dbc, field, value, message):
    auth.login("clerk")
    response = client.post("/intake/customers", data=dict(NEW_CUSTOMER, **{field: value}), htmx=True)
    assert response.status_code == 422
    assert response.headers["HX-Retarget"] == "#new-customer"
    html = _html(response)
    assert html.lstrip().startswith('<details id="new-customer"') and " open" in html.split(">")[0]
    assert message in html and Customer.select().count() == 0
    page = client.post("/intake/customers", data=dict(NEW_CUSTOMER, **{field: value}))
    assert page.status_code == 422 and "<html" in _html(page) and message in _html(page)


def test_add_equipment_inline_selects_it(client, auth, make, dbc):
    customer = make.customer()
    auth.login("clerk")
    data = {
        "eq-product_model": "HP-3 家用热泵热水器",
        "eq-spec": "300L",
        "eq-serial": "HP3-0042",
        "eq-warranty_end": (today() + 200 * DAY).isoformat(),
        "customer": str(customer.id),
        "fault": "不加热",
    }
    response = client.post(f"/intake/customer/{customer.id}/equipment", data=data, htmx=True)
    assert response.status_code == 200
    item = Equipment.get(Equipment.serial == "HP3-0042")
    assert item.customer_id == customer.id
    html = _html(response)
    assert re.search(rf'value="{item.id}" form="register-form"\s+checked', html)
    assert '<option selected value="free">' in html and "不加热" in html

    plain = client.post(
        f"/intake/customer/{customer.id}/equipment", data={"eq-product_model": "RC-150 商用冷柜"}
    )
    second = Equipment.get(Equipment.product_model == "RC-150 商用冷柜")
    assert plain.status_code == 303
    assert plain.headers["Location"].endswith(f"/intake/?customer={customer.id}&equipment={second.id}")


def test_add_equipment_inline_errors(client, auth, make, dbc):
    customer = make.customer()
    auth.login("clerk")
    response = client.post(
        f"/intake/customer/{customer.id}/equipment", data={"eq-product_model": "", "fault": "漏水"}, htmx=True
    )
    assert response.status_code == 422
    html = _html(response)
    assert "请填写商品型号。" in html and "漏水" in html and Equipment.select().count() == 0
    assert client.post("/intake/customer/999/equipment", data={"eq-product_model": "X"}).status_code == 404


# ---- who may do what --------------------------------------------------------------------


@pytest.mark.parametrize("role", ["tech1", "finance", "admin"])
def test_only_clerks_and_managers_use_intake(client, auth, caller, dbc, role):
    customer, equipment = caller
    auth.login(role)
    for url in (
        "/intake/",
        "/intake/search?q=6234",
        f"/intake/customer/{customer.id}",
        f"/intake/propose?equipment={equipment.id}",
    ):
        assert client.get(url).status_code == 403, url
    assert client.post("/intake/register", data=_call(customer, equipment)).status_code == 403
    assert client.post("/intake/customers", data=dict(NEW_CUSTOMER)).status_code == 403
    assert (
        client.post(f"/intake/customer/{customer.id}/equipment", data={"eq-product_model": "X"}).status_code
        == 403
    )
    assert Job.select().count() == 0 and Customer.select().count() == 1 and Equipment.select().count() == 1


def test_manager_registers_calls_too(client, auth, caller, dbc):
    customer, equipment = caller
    auth.login("manager")
    assert client.post("/intake/register", data=_call(customer, equipment)).status_code == 303
    assert Job.select().count() == 1
