"""Money in real Chromium, each step by its own role in its own browser: a small fee collected
on site and handed over, and a larger one invoiced first and collected on a later visit."""

import datetime
import re

import pytest
from playwright.sync_api import expect

from tests.browser import DESKTOP, PHONE, console_errors, sign_in

pytestmark = pytest.mark.browser


def _draw(page, canvas):
    box = canvas.bounding_box()
    x, y, w, h = box["x"], box["y"], box["width"], box["height"]
    page.mouse.move(x + w * 0.15, y + h * 0.6)
    page.mouse.down()
    for i in range(1, 13):
        page.mouse.move(x + w * (0.15 + i * 0.055), y + h * (0.6 - 0.3 * (i % 2)), steps=3)
    page.mouse.up()


def _paid_job_on_site(minutes=50):
    """A paid job (equipment out of warranty) with 王师傅 on site for ``minutes``."""
    from models import Customer, Equipment, Job, User, db
    from models.core import now

    with db.connection_context():
        clerk, manager = User.get(User.username == "clerk"), User.get(User.username == "manager")
        tech = User.get(User.username == "tech1")
        customer = Customer.register(
            clerk,
            "南京玄武商贸有限公司",
            contact_person="许经理",
            address="南京市玄武区中山路 18 号",
            phones=["025-8666 1234"],
        )
        item = Equipment.register(
            clerk,
            customer,
            "KX-2000 螺杆空压机",
            serial="NJ-0001",
            warranty_end=datetime.date(2020, 1, 1),
            purchase_date=datetime.date(2019, 1, 1),
        )
        job = Job.register(clerk, customer=customer, equipment=item, fault="排气压力不足")
        job.dispatch(tech, manager)
        job.arrive(tech)
        Job.update(arrived_at=now() - datetime.timedelta(minutes=minutes)).where(Job.id == job.id).execute()
        return job.id, job.number


def _finish_on_the_phone(tech, base, job_id, part_label, quantity="1"):
    tech.goto(f"{base}/tech/jobs/{job_id}")
    tech.get_by_label("服务内容").fill("更换启动电容，试机正常")
    first = tech.locator("input[name='parts-0-name']")
    first.fill(part_label)
    tech.locator("input[name='parts-0-quantity']").fill(quantity)
    first.blur()
    quote = tech.locator("#charge-quote")
    expect(quote).to_contain_text("客户应付")
    return quote


def test_a_small_fee_collected_on_site_handed_over_and_invoiced_afterwards(browser, live_server, screenshot):
    job_id, number = _paid_job_on_site(minutes=50)
    phone = browser.new_context(**PHONE).new_page()
    errors = console_errors(phone)
    phone.on("pageerror", lambda e: errors.append(str(e)))
    sign_in(phone, live_server.url, "tech1")

    # the technician picks the part from the price list; the customer sees the amount and signs
    quote = _finish_on_the_phone(phone, live_server.url, job_id, "启动电容 450V 35uF [P-CAP35]", "2")
    # 2 × ¥45 + 50 minutes = 2 half hours at ¥80 an hour
    expect(quote).to_contain_text("¥170.00")
    expect(quote).to_contain_text("壹佰柒拾元整")
    screenshot(phone, "amount-before-signing")
    for canvas in phone.locator("canvas.signature-pad").all():  # the customer, then the technician
        canvas.scroll_into_view_if_needed()
        _draw(phone, canvas)
    phone.get_by_role("button", name="客户签字，提交").click()
    expect(phone.locator(".tech-done")).to_be_visible()

    # collected in cash, with a numbered receipt the customer keeps
    money = phone.locator("#money")
    expect(money).to_contain_text("¥170.00")
    money.get_by_label("现金").check()
    money.get_by_role("button", name="已收款：开收据").click()
    expect(phone.locator(".receipt-print")).to_contain_text("壹佰柒拾元整")
    receipt = phone.locator(".receipt-print .vno strong").inner_text()
    assert re.fullmatch(r"SJ\d{4}-\d{6}", receipt)
    screenshot(phone, "receipt")

    # handed over to finance
    phone.goto(live_server.url + "/money/mine")
    expect(phone.get_by_text(receipt)).to_be_visible()
    phone.get_by_role("button", name="交给财务").click()
    expect(phone.locator("h1")).to_contain_text("交款单")
    handover_url = phone.url

    finance = browser.new_context(**DESKTOP).new_page()
    finance_errors = console_errors(finance)
    sign_in(finance, live_server.url, "finance")
    finance.goto(handover_url)
    row = finance.locator("tr", has_text=receipt)
    row.get_by_role("button", name="已点收").click()
    expect(finance.locator(".heading .state")).to_have_text("财务已确认")
    screenshot(finance, "handover-confirmed")

    # and the invoice, mailed afterwards (补寄发票)
    finance.goto(f"{live_server.url}/money/jobs/{job_id}/invoice")
    finance.get_by_label("发票号码").fill("26312000000000077777")
    finance.get_by_label("统一社会信用代码（纳税人识别号）").fill("91110000600037341L")
    finance.get_by_label("快递单号").fill("SF7777777777")
    finance.get_by_role("button", name="登记发票").click()
    expect(finance.locator("h1")).to_have_text("发票")
    expect(finance.locator("table").nth(1)).to_contain_text("26312000000000077777")
    finance.goto(f"{live_server.url}/jobs/{job_id}")
    expect(finance.locator("#money")).to_contain_text("已开具")
    assert errors == [] and finance_errors == []


def test_a_larger_fee_is_invoiced_first_and_collected_on_a_later_visit(browser, live_server, screenshot):
    from models import Setting, User, db

    with db.connection_context():
        Setting.set_value("small_fee_limit_fen", 10000, User.get(User.username == "admin"))
    job_id, number = _paid_job_on_site(minutes=80)
    phone = browser.new_context(**PHONE).new_page()
    errors = console_errors(phone)
    sign_in(phone, live_server.url, "tech1")
    _finish_on_the_phone(phone, live_server.url, job_id, "散热风扇 [P-FAN]")
    for canvas in phone.locator("canvas.signature-pad").all():  # the customer, then the technician
        canvas.scroll_into_view_if_needed()
        _draw(phone, canvas)
    phone.get_by_role("button", name="客户签字，提交").click()
    expect(phone.locator("#money")).to_contain_text("超过现场收费上限")
    expect(phone.get_by_role("button", name="已收款：开收据")).to_have_count(0)

    # finance invoices it the same day
    finance = browser.new_context(**DESKTOP).new_page()
    sign_in(finance, live_server.url, "finance")
    finance.goto(live_server.url + "/money/invoices")
    finance.locator("tr", has_text=number).get_by_role("link", name="开票").click()
    finance.get_by_label("发票号码").fill("26312000000000088888")
    finance.get_by_label("统一社会信用代码（纳税人识别号）").fill("91110000600037341L")
    finance.get_by_label("快递单号").fill("SF8888888888")
    finance.get_by_role("button", name="登记发票").click()
    finance.goto(live_server.url + "/money/receivables")
    expect(finance.locator("body")).to_contain_text(number)

    # the manager sends a collection visit; it is dispatched like any job
    manager = browser.new_context(**DESKTOP).new_page()
    sign_in(manager, live_server.url, "manager")
    manager.goto(f"{live_server.url}/jobs/{job_id}")
    manager.get_by_role("button", name="安排上门收款").click()
    expect(manager.locator(".pre").first).to_contain_text("另行前往收费")
    manager.get_by_label("服务人员").select_option(label="李师傅")
    manager.get_by_role("button", name="派工").click()
    visit_url = manager.url
    visit_id = visit_url.rstrip("/").split("/")[-1]

    # 李师傅 collects on the visit; finance records the rest received by transfer
    phone2 = browser.new_context(**PHONE).new_page()
    errors2 = console_errors(phone2)
    sign_in(phone2, live_server.url, "tech2")
    phone2.goto(f"{live_server.url}/tech/jobs/{visit_id}")
    money = phone2.locator("#money")
    expect(money).to_contain_text(number)
    money.get_by_label("实收金额（元）").fill("100")
    money.get_by_role("button", name="已收款：开收据").click()
    expect(phone2.locator(".receipt-print")).to_contain_text("壹佰元整")
    screenshot(phone2, "visit-receipt")

    finance.goto(f"{live_server.url}/jobs/{job_id}")
    owed = finance.locator("#money .owed")
    expect(owed).to_be_visible()
    finance.locator("#money summary", has_text="登记收到的付款").click()
    finance.locator("#money").get_by_role("button", name="登记收款").click()
    expect(finance.locator("#money .owed")).to_have_count(0)
    finance.goto(live_server.url + "/money/receivables")
    expect(finance.locator("body")).not_to_contain_text(number)
    screenshot(finance, "settled")
    assert errors == [] and errors2 == []
