"""Customer files (客户资料袋): search, the file, new and edit, equipment and contracts."""

import contextlib
import datetime
import logging

import pytest

from models import Contract, ContractEquipment, Customer, CustomerPhone, Equipment, Event, Job
from models.core import today
from models.core.access import clear_cache

DAY = datetime.timedelta(days=1)


@contextlib.contextmanager
def count_queries():
    """Count the SQL statements Peewee runs (it logs each one on the "peewee" logger)."""
    queries = []

    class Collect(logging.Handler):
        def emit(self, record):
            queries.append(record.getMessage())

    logger = logging.getLogger("peewee")
    handler, level = Collect(level=logging.DEBUG), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        yield queries
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


def _html(response):
    return response.get_data(as_text=True)


# ---- list and search --------------------------------------------------------------------


def test_list_is_a_page_and_its_results_a_fragment(client, auth, make):
    make.customer()
    make.customer("杭州西湖食品有限公司", "0571-8888 1234", contact_person="陈厂长")
    auth.login("clerk")
    page = client.get("/customers/")
    assert page.status_code == 200
    html = _html(page)
    assert "<html" in html and "客户资料" in html
    assert "上海华东机械有限公司" in html and "021-6234 5678" in html and "陈厂长" in html
    assert 'hx-trigger="input changed delay:300ms, search"' in html

    fragment = client.get("/customers/?q=西湖", htmx=True)
    assert fragment.status_code == 200 and "HX-Request" in fragment.headers["Vary"]
    html = _html(fragment)
    assert "<html" not in html and 'id="customer-results"' in html
    assert "杭州西湖食品有限公司" in html and "上海华东机械有限公司" not in html


@pytest.mark.parametrize(
    "q",
    ["6234", "62345678", "华东", "张经理", "sn-0001", "SN-0001"],
    ids=["phone-fragment", "phone-digits", "name", "contact", "serial-lower", "serial"],
)
def test_search_finds_by_phone_name_contact_or_serial(client, auth, make, q):
    make.equipment(make.customer())
    make.customer("杭州西湖食品有限公司", "0571-8888 1234", contact_person="陈厂长")
    auth.login("clerk")
    html = _html(client.get("/customers/", query_string={"q": q}, htmx=True))
    assert "上海华东机械有限公司" in html
    assert "杭州西湖食品有限公司" not in html


def test_search_without_match_says_so(client, auth, make):
    make.customer()
    auth.login("clerk")
    html = _html(client.get("/customers/?q=不存在的客户"))
    assert "没有与“不存在的客户”匹配的客户" in html


def test_list_pages_through_many_customers(client, auth, users, dbc):
    for i in range(30):
        Customer.register(users["clerk"], f"客户{i:02d}", address="上海", phones=[f"1380000{i:04d}"])
    auth.login("clerk")
    first = _html(client.get("/customers/"))
    assert "客户00" in first and "客户24" in first and "客户25" not in first
    assert "第 1 页，共 2 页" in first
    second = _html(client.get("/customers/?page=2"))
    assert "客户25" in second and "客户29" in second and "客户00" not in second


@pytest.mark.parametrize("q", ["", "1380"], ids=["all", "search"])
def test_list_runs_the_same_queries_for_3_and_30_customers(client, auth, users, dbc, q):
    def add(n, start):
        for i in range(start, start + n):
            Customer.register(
                users["clerk"], f"客户{i:02d}", address="上海", phones=[f"1380000{i:04d}", f"021-5555{i:04d}"]
            )

    auth.login("clerk")

    def measure():
        clear_cache()  # the permission map is read once per few seconds: read it every time here
        with count_queries() as queries:
            response = client.get("/customers/", query_string={"q": q})
        assert response.status_code == 200
        return len(queries)

    add(3, 0)
    few = measure()
    add(27, 3)
    many = measure()
    assert few == many
    assert few <= 6  # the user, the permission map, the count, the customers, their phones


# ---- new customer -----------------------------------------------------------------------

GOOD_CUSTOMER = {
    "kind": "company",
    "name": "苏州吴中精密制造厂",
    "contact_person": "刘主任",
    "phone": "0512-6555 1234\n139 1234 5678",
    "address": "苏州市吴中区吴中大道 2588 号",
    "notes": "门卫处登记后进厂",
}


def test_clerk_opens_a_customer_file_with_two_phones(client, auth, dbc):
    auth.login("clerk")
    assert client.get("/customers/new").status_code == 200
    response = client.post("/customers/new", data=dict(GOOD_CUSTOMER))
    assert response.status_code == 303
    customer = Customer.get(Customer.name == "苏州吴中精密制造厂")
    assert response.headers["Location"].endswith(f"/customers/{customer.id}")
    assert customer.contact_person == "刘主任" and customer.kind == "company"
    assert customer.phone_list == ["0512-6555 1234", "139 1234 5678"]
    assert Event.select().where(Event.subject == "customer", Event.action == "create").count() == 1


@pytest.mark.parametrize(
    "field,value,message",
    [
        ("name", "  ", "请填写客户名称。"),
        ("phone", "", "客户至少需要一个电话号码。"),
        ("phone", "12-34", "电话号码至少需要 5 位数字。"),
        ("kind", "alien", "不是有效的选择"),
        ("name", "名" * 101, "字段长度不能超过 100 个字符"),
    ],
)
def test_new_customer_errors_are_shown_and_nothing_is_written(client, auth, dbc, field, value, message):
    auth.login("clerk")
    data = dict(GOOD_CUSTOMER, **{field: value})
    response = client.post("/customers/new", data=data)
    assert response.status_code == 422
    html = _html(response)
    assert message in html and 'class="error"' in html
    assert Customer.select().count() == 0 and CustomerPhone.select().count() == 0
    assert Event.select().where(Event.subject == "customer").count() == 0


# ---- the file ---------------------------------------------------------------------------


def test_file_shows_equipment_coverage_contracts_and_every_job(client, auth, make, users):
    customer = make.customer()
    warranty = make.equipment(customer, warranty_days=30, serial="SN-W")
    expired = make.equipment(customer, warranty_days=-30, product_model="HV-350", serial="SN-X")
    covered = make.equipment(customer, warranty_days=-400, product_model="GX-12", serial="SN-C")
    Contract.register(
        users["clerk"], customer, "HT-2026-007", today() - DAY, today() + 300 * DAY, [covered.id]
    )
    older = make.job(warranty, state="dispatched")
    newer = make.job(expired, state="registered")
    other = make.job(make.equipment(make.customer("别家公司", "0571-1111 2222"), serial="SN-O"))
    auth.login("clerk")
    html = _html(client.get(f"/customers/{customer.id}"))
    assert "上海华东机械有限公司" in html and "021-6234 5678" in html and "张经理" in html
    assert "免费保证期内" in html and "已过免费保证期" in html and "合同期内" in html
    assert "HT-2026-007" in html and "GX-12" in html
    assert f"/jobs/{newer.id}" in html and f"/jobs/{older.id}" in html and f"/jobs/{other.id}" not in html
    assert html.index(newer.number) < html.index(older.number)  # newest first
    assert "待派工" in html and "已派工" in html
    assert "Tech1" in html and "有偿服务" in html and "免费服务" in html


def test_file_of_unknown_customer_is_404(client, auth):
    auth.login("clerk")
    assert client.get("/customers/999").status_code == 404


def test_finance_reads_files_but_cannot_edit(client, auth, make):
    customer = make.customer()
    auth.login("finance")
    html = _html(client.get(f"/customers/{customer.id}"))
    assert "上海华东机械有限公司" in html
    assert f"/customers/{customer.id}/edit" not in html and "/equipment/new" not in html


# ---- edit -------------------------------------------------------------------------------


def test_clerk_edits_the_file_and_phones(client, auth, make, dbc):
    customer = make.customer()
    auth.login("clerk")
    form = _html(client.get(f"/customers/{customer.id}/edit"))
    assert "021-6234 5678" in form
    data = dict(GOOD_CUSTOMER, name="上海华东机械股份有限公司", phone="021-6234 5678\n13800138000")
    response = client.post(f"/customers/{customer.id}/edit", data=data)
    assert response.status_code == 303
    customer = Customer.get_by_id(customer.id)
    assert customer.name == "上海华东机械股份有限公司"
    assert customer.phone_list == ["021-6234 5678", "13800138000"]
    actions = {e.action for e in Event.select().where(Event.subject == "customer")}
    assert {"edit", "phones"} <= actions


@pytest.mark.parametrize(
    "field,value,message",
    [
        ("name", "", "请填写客户名称。"),
        ("phone", "", "客户至少需要一个电话号码。"),
        ("phone", "021\n123", "5 位数字"),
    ],
)
def test_bad_edit_changes_nothing(client, auth, make, dbc, field, value, message):
    customer = make.customer()
    auth.login("clerk")
    data = dict(GOOD_CUSTOMER, **{field: value})
    response = client.post(f"/customers/{customer.id}/edit", data=data)
    assert response.status_code == 422 and message in _html(response)
    again = Customer.get_by_id(customer.id)
    assert again.name == "上海华东机械有限公司" and again.phone_list == ["021-6234 5678"]
    assert Event.select().where(Event.subject == "customer", Event.action != "create").count() == 0


# ---- equipment --------------------------------------------------------------------------


def test_clerk_adds_equipment(client, auth, make, dbc):
    customer = make.customer()
    auth.login("clerk")
    assert client.get(f"/customers/{customer.id}/equipment/new").status_code == 200
    response = client.post(
        f"/customers/{customer.id}/equipment/new",
        data={
            "product_model": "AC-5P 商用柜式空调",
            "spec": "5 匹 冷暖",
            "serial": "AC5P-88",
            "purchase_date": (today() - 10 * DAY).isoformat(),
            "purchase_place": "苏宁南京东路店",
            "warranty_end": (today() + 355 * DAY).isoformat(),
        },
    )
    assert response.status_code == 303
    item = Equipment.get(Equipment.serial == "AC5P-88")
    assert item.customer_id == customer.id and item.purchase_place == "苏宁南京东路店"
    assert item.warranty_end == today() + 355 * DAY


@pytest.mark.parametrize(
    "field,value,message",
    [
        ("product_model", "", "请填写商品型号。"),
        ("warranty_end", "2020-01-01", "免费保证期截止日期不能早于购买日期。"),
        ("purchase_date", "2999-01-01", "购买日期不能晚于今天。"),
        ("purchase_date", "2026-13-45", "不是有效的日期值"),
    ],
)
def test_bad_equipment_is_refused(client, auth, make, dbc, field, value, message):
    customer = make.customer()
    auth.login("clerk")
    data = {"product_model": "KX-2000", "purchase_date": "2021-05-01"}
    data[field] = value
    response = client.post(f"/customers/{customer.id}/equipment/new", data=data)
    assert response.status_code == 422 and message in _html(response)
    assert Equipment.select().count() == 0


# ---- contracts --------------------------------------------------------------------------


def test_clerk_records_a_contract_for_chosen_equipment(client, auth, make, dbc):
    customer = make.customer()
    one = make.equipment(customer, serial="SN-1")
    two = make.equipment(customer, serial="SN-2")
    auth.login("clerk")
    page = _html(client.get(f"/customers/{customer.id}/contracts/new"))
    assert 'type="checkbox"' in page and "SN-1" in page and "SN-2" in page
    response = client.post(
        f"/customers/{customer.id}/contracts/new",
        data={
            "number": "HT-2026-001",
            "start": (today() - DAY).isoformat(),
            "end": (today() + 364 * DAY).isoformat(),
            "equipment": [str(two.id)],
        },
    )
    assert response.status_code == 303
    contract = Contract.get(Contract.number == "HT-2026-001")
    assert [link.equipment_id for link in ContractEquipment.select()] == [two.id]
    assert Job.propose_type(Equipment.get_by_id(two.id)) == "contract"
    assert Job.propose_type(Equipment.get_by_id(one.id)) == "paid"
    html = _html(client.get(f"/customers/{customer.id}"))
    assert contract.number in html and "有效" in html


@pytest.mark.parametrize(
    "change,message",
    [
        ({"number": ""}, "请填写合同编号。"),
        ({"equipment": []}, "请选择合同涵盖的设备。"),
        ({"end": "2020-01-01"}, "合同结束日期不能早于开始日期。"),
        ({"start": ""}, "“开始日期”为必填项。"),  # the message names the field
        ({"number": "HT-OLD"}, "该合同编号已存在。"),
        ({"equipment": ["OTHER"]}, "只能选择该客户自己的设备。"),
    ],
)
def test_bad_contract_is_refused(client, auth, make, users, dbc, change, message):
    customer = make.customer()
    item = make.equipment(customer)
    stranger = make.equipment(make.customer("别家公司", "0571-1111 2222"), serial="SN-9")
    Contract.register(users["clerk"], stranger.customer, "HT-OLD", today(), today() + DAY, [stranger.id])
    auth.login("clerk")
    data = {"number": "HT-NEW", "start": "2026-01-01", "end": "2026-12-31", "equipment": [str(item.id)]}
    data.update(change)
    if data["equipment"] == ["OTHER"]:
        data["equipment"] = [str(stranger.id)]
    response = client.post(f"/customers/{customer.id}/contracts/new", data=data)
    assert response.status_code == 422 and message in _html(response)
    assert Contract.select().count() == 1


def test_contract_page_asks_for_equipment_first(client, auth, make):
    customer = make.customer()
    auth.login("clerk")
    html = _html(client.get(f"/customers/{customer.id}/contracts/new"))
    assert "请先添加合同涵盖的设备" in html and f"/customers/{customer.id}/equipment/new" in html


# ---- who may do what --------------------------------------------------------------------

WRITE_ROUTES = [
    "/customers/new",
    "/customers/{id}/edit",
    "/customers/{id}/equipment/new",
    "/customers/{id}/contracts/new",
]


@pytest.mark.parametrize("role", ["tech1", "finance", "admin"])
@pytest.mark.parametrize("route", WRITE_ROUTES)
def test_only_clerks_and_managers_write_files(client, auth, make, dbc, role, route):
    customer = make.customer()
    auth.login(role)
    url = route.format(id=customer.id)
    assert client.get(url).status_code == 403
    assert client.post(url, data=dict(GOOD_CUSTOMER, product_model="X")).status_code == 403
    assert Customer.select().count() == 1 and Equipment.select().count() == 0


@pytest.mark.parametrize("role,status", [("clerk", 200), ("manager", 200), ("finance", 200), ("tech1", 403)])
def test_who_reads_customer_files(client, auth, make, role, status):
    customer = make.customer()
    auth.login(role)
    assert client.get("/customers/").status_code == status
    assert client.get(f"/customers/{customer.id}").status_code == status


def test_manager_may_edit(client, auth, make, dbc):
    customer = make.customer()
    auth.login("manager")
    response = client.post(f"/customers/{customer.id}/edit", data=dict(GOOD_CUSTOMER, phone="021-6234 5678"))
    assert response.status_code == 303
