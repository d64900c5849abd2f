"""A call about a job already open (催修), appointments, duplicate customers, unknown
warranty and product models: the intake never files the same thing twice by accident."""

import datetime
import re

import pytest

from models import Customer, Equipment, Event, Job
from models.core import RuleError, today
from models.customers import ProductModel
from models.service import Appointment, Chaser

DAY = datetime.timedelta(days=1)


def _html(response):
    return response.get_data(as_text=True)


def _call(customer, equipment, **change):
    data = {
        "customer": str(customer.id),
        "equipment": str(equipment.id),
        "channel": "phone",
        "fault": "师傅怎么还没来？机器还是停着",
        "preferred_time": "",
        "service_type": "free",
        "proposed_type": "free",
        "appointment_slot": "any",
    }
    data.update(change)
    return data


@pytest.fixture
def open_call(make):
    customer = make.customer()
    equipment = make.equipment(customer, warranty_days=60)
    job = make.job(equipment, state="dispatched", tech="tech1")
    return customer, equipment, job


# ---- a second call about an open job -----------------------------------------------------


def test_intake_names_the_open_job_its_technician_and_offers_the_chaser(client, auth, open_call, users):
    customer, equipment, job = open_call
    auth.login("clerk")
    html = _html(client.get(f"/intake/customer/{customer.id}", htmx=True))
    assert job.number in html and "已派工" in html
    assert f"由{users['tech1'].full_name}负责" in html  # "when is he coming?"
    assert f'hx-post="/intake/jobs/{job.id}/chase"' in html and f"记为 {job.number} 的催修" in html
    assert 'name="duplicate_reason"' in html  # a second job needs a reason


def test_registering_again_without_a_reason_is_refused(client, auth, open_call):
    customer, equipment, job = open_call
    auth.login("clerk")
    response = client.post("/intake/register", data=_call(customer, equipment), htmx=True)
    assert response.status_code == 422
    assert f"该设备的 {job.number} 尚未结案" in _html(response)
    assert Job.select().count() == 1


def test_a_second_job_with_a_reason_is_registered_and_says_so(client, auth, open_call):
    customer, equipment, job = open_call
    auth.login("clerk")
    data = _call(customer, equipment, duplicate_reason="另一台压缩机的同型号部件也坏了")
    response = client.post("/intake/register", data=data)
    assert response.status_code == 303
    second = Job.select().where(Job.id != job.id).get()
    event = Event.get(Event.subject == "job", Event.subject_id == second.id, Event.action == "duplicate")
    assert event.note == "另一台压缩机的同型号部件也坏了" and job.number in event.data["open"]


def test_the_call_becomes_a_chaser_on_the_open_job(client, auth, open_call, make):
    customer, equipment, job = open_call
    auth.login("clerk")
    response = client.post(f"/intake/jobs/{job.id}/chase", data=_call(customer, equipment))
    assert response.status_code == 303 and response.headers["Location"].endswith(f"chased={job.id}")
    assert Job.select().count() == 1  # no second voucher
    chaser = Chaser.get()
    assert chaser.job_id == job.id and chaser.said == "师傅怎么还没来？机器还是停着"
    assert Event.get(Event.subject == "chaser").data["job"] == job.number
    page = _html(client.get(response.headers["Location"]))
    assert "这次来电已记为" in page and job.number in page

    # On the voucher, with the time and what was said; flagged on the board card.
    voucher = _html(client.get(f"/jobs/{job.id}"))
    assert "催修来电：1 次" in voucher and "师傅怎么还没来？机器还是停着" in voucher
    auth.logout()
    auth.login("manager")
    board = _html(client.get("/board/"))
    card = board[board.index(f'id="card-{job.id}"') :]
    assert "催修 ×1" in card[: card.index("</article>")]


def test_a_chaser_needs_words_and_an_open_job(client, auth, open_call, make):
    customer, equipment, job = open_call
    auth.login("clerk")
    empty = client.post(f"/intake/jobs/{job.id}/chase", data=_call(customer, equipment, fault=""), htmx=True)
    assert empty.status_code == 422 and "请记下客户说的话。" in _html(empty)
    filed = make.job(make.equipment(customer, serial="SN-9"), state="filed")
    closed = client.post(f"/intake/jobs/{filed.id}/chase", data=_call(customer, equipment), htmx=True)
    assert closed.status_code == 422 and f"凭证 {filed.number} 已结案" in _html(closed)
    assert Chaser.select().count() == 0
    assert client.post("/intake/jobs/999999/chase", data=_call(customer, equipment)).status_code == 404


def test_a_technician_cannot_add_chasers(client, auth, open_call):
    customer, equipment, job = open_call
    auth.login("tech1")
    assert client.post(f"/intake/jobs/{job.id}/chase", data=_call(customer, equipment)).status_code == 403
    assert Chaser.select().count() == 0


# ---- appointments ---------------------------------------------------------------------------


def test_an_appointment_made_at_intake_orders_the_board(client, auth, make):
    customer = make.customer()
    early = make.job(make.equipment(customer, serial="A"), fault="先登记的")
    item = make.equipment(customer, serial="B", warranty_days=60)
    auth.login("clerk")
    data = _call(
        customer,
        item,
        fault="约好明天上午",
        appointment_day=today().isoformat(),
        appointment_slot="morning",
    )
    assert client.post("/intake/register", data=data).status_code == 303
    later = Job.get(Job.fault == "约好明天上午")
    appointment = Appointment.get(Appointment.job == later.id)
    assert appointment.day == today() and appointment.slot == "morning" and appointment.agreed == "agreed"

    auth.logout()
    auth.login("manager")
    board = _html(client.get("/board/"))
    # The job with today's morning appointment comes before today's job without one.
    assert board.index(f'id="card-{later.id}"') < board.index(f'id="card-{early.id}"')
    card = board[board.index(f'id="card-{later.id}"') :]
    assert "上午" in card[: card.index("</article>")]


def test_the_appointment_is_changed_on_the_voucher_and_shown_to_the_technician(client, auth, make):
    job = make.job(state="dispatched", tech="tech1")
    auth.login("clerk")
    voucher = _html(client.get(f"/jobs/{job.id}"))
    assert "尚未预约。" in voucher and f'action="/jobs/{job.id}/appointment"' in voucher
    tomorrow = today() + DAY
    data = {
        "appointment_day": tomorrow.isoformat(),
        "appointment_slot": "afternoon",
        "appointment_preferred": "y",
        "appointment_note": "先打电话",
    }
    assert client.post(f"/jobs/{job.id}/appointment", data=data).status_code == 303
    saved = Appointment.get(Appointment.job == job.id)
    assert (saved.day, saved.slot, saved.agreed, saved.note) == (
        tomorrow,
        "afternoon",
        "preferred",
        "先打电话",
    )
    data.update(appointment_preferred="", appointment_slot="morning")
    client.post(f"/jobs/{job.id}/appointment", data=data)
    events = list(Event.select().where(Event.subject == "appointment").order_by(Event.id))
    assert len(events) == 2 and events[1].data["from"] == [tomorrow.isoformat(), "afternoon"]

    past = client.post(f"/jobs/{job.id}/appointment", data=dict(data, appointment_day="2020-01-01"))
    assert past.status_code == 422 and "预约日期须在今天到一年之内。" in _html(past)
    assert Appointment.get(Appointment.job == job.id).slot == "morning"

    auth.logout()
    auth.login("tech1")
    mine = _html(client.get("/tech/"))
    assert "预约" in mine and "上午（9–12 点）" in mine
    page = _html(client.get(f"/tech/jobs/{job.id}"))
    assert "上午（9–12 点）" in page and f'action="/jobs/{job.id}/appointment"' not in page
    assert client.post(f"/jobs/{job.id}/appointment", data=data).status_code == 403


def test_the_technician_list_orders_by_appointment(make, users):
    first = make.job(state="dispatched", tech="tech1", fault="无预约")
    second = make.job(state="dispatched", tech="tech1", fault="今天上午")
    Appointment.set(users["clerk"], second, today(), "morning")
    assert [j.id for j in Job.in_hand(users["tech1"])] == [second.id, first.id]
    assert Job.in_hand(users["tech1"])[0].appt.slot == "morning"


# ---- duplicate customers, address -----------------------------------------------------------

NEW = {"kind": "company", "name": "上海华东机械二厂", "phone": "021-6234 5678", "address": "上海市嘉定区"}


def test_a_known_phone_number_offers_the_file_instead(client, auth, make):
    existing = make.customer()
    auth.login("clerk")
    response = client.post("/customers/new", data=dict(NEW))
    assert response.status_code == 422
    html = _html(response)
    assert "该电话号码已登记在“上海华东机械有限公司”的资料中" in html
    assert f'href="/customers/{existing.id}"' in html and 'name="confirm_duplicate"' in html
    assert Customer.select().count() == 1

    confirmed = client.post("/customers/new", data=dict(NEW, confirm_duplicate="y"))
    assert confirmed.status_code == 303 and Customer.select().count() == 2


def test_the_inline_new_customer_also_offers_the_file(client, auth, make):
    existing = make.customer()
    auth.login("clerk")
    data = {f"nc-{k}": v for k, v in NEW.items()}
    response = client.post("/intake/customers", data=data, htmx=True)
    assert response.status_code == 422
    html = _html(response)
    assert f'hx-get="/intake/customer/{existing.id}"' in html and "nc-confirm_duplicate" in html


def test_the_address_is_required(client, auth, dbc):
    auth.login("clerk")
    response = client.post("/customers/new", data=dict(NEW, address=" "))
    assert response.status_code == 422 and "请填写地址：服务人员要上门。" in _html(response)
    assert Customer.select().count() == 0


def test_a_searched_phone_number_is_carried_into_the_new_customer_form(client, auth, dbc):
    auth.login("clerk")
    html = _html(client.get("/intake/?q=13912345678"))
    assert re.search(r'<textarea[^>]*name="nc-phone"[^>]*>\s*13912345678</textarea>', html)
    assert re.search(
        r'<textarea[^>]*name="nc-phone"[^>]*>\s*</textarea>', _html(client.get("/intake/?q=华东"))
    )


def test_a_long_paste_in_the_search_box_is_cut_not_an_error(client, auth, make):
    make.customer()
    auth.login("clerk")
    html = _html(client.get("/intake/"))
    assert re.search(r'id="intake-q"[^>]*maxlength="60"', html)
    response = client.get("/intake/search", query_string={"q": "华东" * 400}, htmx=True)
    assert response.status_code == 200


# ---- warranty unknown and product models -----------------------------------------------------


def test_equipment_without_a_warranty_date_is_unknown_not_out_of_warranty(client, auth, make):
    customer = make.customer()
    item = make.equipment(customer)
    assert item.coverage() == "unknown"
    auth.login("clerk")
    html = _html(client.get(f"/intake/customer/{customer.id}", htmx=True))
    assert "保修期未知" in html and "已过保" not in html
    assert "请向客户索取购买凭证" in html


def test_a_product_model_gives_the_warranty_end(client, auth, make):
    customer = make.customer()
    auth.login("clerk")
    page = client.get("/customers/product-models")
    assert page.status_code == 200 and "尚无产品型号。" in _html(page)
    data = {"model": "HV-350", "name": "变频器", "warranty_months": "18"}
    assert client.post("/customers/product-models", data=data).status_code == 303
    assert "18 个月" in _html(client.get("/customers/product-models"))
    again = client.post("/customers/product-models", data=data)
    assert again.status_code == 422 and "该产品型号已在列表中。" in _html(again)
    bad = client.post("/customers/product-models", data=dict(data, model="X", warranty_months="999"))
    assert bad.status_code == 422 and ProductModel.select().count() == 1

    item = Equipment.register(
        make.users["clerk"], customer, "HV-350", purchase_date=datetime.date(2026, 3, 15)
    )
    assert item.warranty_end == datetime.date(2027, 9, 14)
    other = Equipment.register(
        make.users["clerk"], customer, "未登记型号", purchase_date=datetime.date(2026, 3, 15)
    )
    assert other.warranty_end is None


def test_only_the_file_editors_add_product_models(client, auth, users, dbc):
    auth.login("tech1")
    data = {"model": "HV-350", "name": "变频器", "warranty_months": "18"}
    assert client.post("/customers/product-models", data=data).status_code == 403
    assert ProductModel.select().count() == 0
    with pytest.raises(RuleError):
        ProductModel.add(users["tech1"], "HV-350")


def test_english_dates_are_unambiguous(app, make):
    from flask_babel import force_locale

    from views.filters import local_date, local_datetime

    with app.test_request_context(), force_locale("en"):
        when = datetime.datetime(2026, 12, 1, 6, 49)  # UTC
        assert re.fullmatch(r"2026-12-01 \d\d:49", local_datetime(when))
        assert local_date(datetime.date(2026, 12, 3), "short") == "12-03"


def test_dates_read_as_the_languages_write_them(app, make, monkeypatch):
    """Medium and full dates are formatted without loading Babel's locale data (4 MB a
    worker), and read exactly as CLDR has them in both languages, every day of a decade."""
    from babel.dates import format_date
    from flask_babel import force_locale

    from views import filters
    from views.filters import local_date

    def no_babel(*args, **kwargs):
        raise AssertionError("formatted through Babel's locale data")

    monkeypatch.setattr(filters, "format_date", no_babel)

    for locale in ("zh_CN", "en"):
        with app.test_request_context(), force_locale(locale):
            day = datetime.date(2024, 1, 1)
            while day.year < 2034:
                for fmt in ("medium", "full"):
                    assert local_date(day, fmt) == format_date(day, fmt, locale=locale), (locale, fmt, day)
                day += datetime.timedelta(days=1)
    with app.test_request_context(), force_locale("zh_CN"):
        assert local_date(datetime.date(2026, 12, 1), "full") == "2026年12月1日星期二"


def test_money_is_formatted_from_integer_fen(app):
    from views.filters import money

    assert money(0) == "¥0.00"
    assert money(5) == "¥0.05"
    assert money(123456) == "¥1,234.56"
    assert money(-100) == "-¥1.00"
    # beyond a float's exact integers the last fen is still right
    assert money(2**53 + 1) == "¥90,071,992,547,409.93"
    assert money(None) == ""
