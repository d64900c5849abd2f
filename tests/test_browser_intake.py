"""The clerk on the phone, in a real Chromium: find or add the caller, register, next call."""

import datetime
import re

import pytest
from playwright.sync_api import expect

from tests.browser import DESKTOP, PHONE, console_errors, sign_in

pytestmark = pytest.mark.browser


def _library_customer():
    """A customer of the live database, made through the models as the clerk."""
    from models import Customer, Equipment, User, db
    from models.core import today

    with db.connection_context():
        clerk = User.get(User.username == "clerk")
        customer = Customer.register(
            clerk,
            "南京秦淮区图书馆",
            contact_person="鲁馆长",
            address="南京市秦淮区建康路 1 号",
            phones=["025-8411 7788"],
        )
        Equipment.register(
            clerk,
            customer,
            "AC-5P 商用柜式空调",
            spec="5 匹 冷暖",
            serial="LIB-AC-01",
            warranty_end=today() + datetime.timedelta(days=100),
        )
        Equipment.register(clerk, customer, "WF-800 净水设备", spec="0.8 t/h", serial="LIB-WF-02")
    return customer


def _job_by_number(number):
    from models import Job, db

    with db.connection_context():
        return Job.get_or_none(Job.number == number)


def test_clerk_registers_calls_for_a_known_and_a_new_customer(browser, live_server, screenshot):
    _library_customer()
    context = browser.new_context(**DESKTOP)
    page = context.new_page()
    errors = console_errors(page)
    sign_in(page, live_server.url, "clerk")
    page.goto(live_server.url + "/intake/")
    expect(page.get_by_role("heading", name="登记服务来电")).to_be_visible()

    # 1. A known customer: type part of the phone number, pick, choose equipment, describe, register.
    page.get_by_label("查找来电客户").press_sequentially("841177", delay=30)
    result = page.locator("#intake-results").get_by_role("link", name=re.compile("南京秦淮区图书馆"))
    expect(result).to_be_visible()
    result.click()
    panel = page.locator("#workspace")
    expect(panel.get_by_role("heading", name=re.compile("南京秦淮区图书馆"))).to_be_visible()
    expect(panel.get_by_text("025-8411 7788")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/intake/\?customer=\d+$"))
    panel.get_by_text("AC-5P 商用柜式空调").click()
    service_type = page.get_by_label("服务类别", exact=True)
    expect(service_type).to_have_value("free")  # proposed from the warranty, fetched by htmx
    expect(page.locator("#type-proposal")).to_contain_text("免费保证期至")
    page.get_by_label("故障情况（按客户描述）").fill("阅览室空调不制冷，出风口是热风")
    page.get_by_label("希望上门时间").fill("明天上午 9 点后")
    screenshot(page, "known-customer-desktop")
    page.get_by_role("button", name="登记", exact=True).click()

    done = page.locator(".intake-done")
    expect(done).to_contain_text("已登记 FW")
    number = done.get_by_role("link").inner_text()
    assert re.fullmatch(r"FW\d{4}-\d{6}", number)
    expect(page).to_have_url(re.compile(r"/intake/\?registered=\d+$"))
    job = _job_by_number(number)
    assert job.customer_name == "南京秦淮区图书馆" and job.serial == "LIB-AC-01"
    assert job.service_type == "free" and job.fault == "阅览室空调不制冷，出风口是热风"
    assert job.phone == "025-8411 7788" and job.preferred_time == "明天上午 9 点后"

    # The same customer again: the open job is a visible warning against registering twice.
    page.get_by_label("查找来电客户").fill("LIB-AC")
    page.locator("#intake-results").get_by_role("link", name=re.compile("南京秦淮区图书馆")).click()
    warning = page.locator(".open-job-card")
    expect(warning).to_contain_text(f"已有未结工单 {number}，请勿重复登记")
    expect(warning).to_contain_text("尚未派工")
    expect(warning.get_by_role("link", name=number)).to_have_attribute("href", f"/jobs/{job.id}")

    # 2. A new customer, added inline: the screen is never left.
    page.get_by_label("查找来电客户").fill("13955550001")
    expect(page.locator("#intake-results")).to_contain_text("没有与“13955550001”匹配的客户")
    page.locator("#new-customer summary").click()
    new = page.locator("#new-customer")
    new.get_by_label("个人").check()
    new.get_by_label("客户名称").fill("钱丽华")
    new.get_by_label("电话号码（每行一个）").fill("139 5555 0001")
    new.get_by_label("地址").fill("上海市杨浦区国定路 335 号 2 号楼 1502 室")
    new.get_by_role("button", name="保存并选中").click()
    expect(panel.get_by_role("heading", name=re.compile("钱丽华"))).to_be_visible()
    expect(page).to_have_url(re.compile(r"/intake/\?customer=\d+$"))
    expect(page.locator("#new-customer")).not_to_have_attribute("open", "")

    add = panel.locator("details.add-equipment")
    add.get_by_label("商品型号").fill("HP-3 家用热泵热水器")
    add.get_by_label("规格").fill("300L")
    add.get_by_label("序列号").fill("HP3-77120")
    add.get_by_label("免费保证期截止").fill(
        (datetime.date.today() + datetime.timedelta(days=300)).isoformat()
    )
    add.get_by_role("button", name="添加并选中").click()
    expect(panel.get_by_role("radio", name=re.compile("HP-3 家用热泵热水器"))).to_be_checked()
    expect(service_type).to_have_value("free")
    page.get_by_label("故障情况（按客户描述）").fill("热水器显示 E4，不加热")
    screenshot(page, "new-customer-desktop")
    page.get_by_role("button", name="登记", exact=True).click()

    expect(done.get_by_role("link")).not_to_have_text(number)  # the banner of the first call is replaced
    expect(done).to_contain_text("已登记 FW")
    second = done.get_by_role("link").inner_text()
    assert page.url.split("?")[0] == live_server.url + "/intake/"
    job = _job_by_number(second)
    assert job is not None and job.customer_name == "钱丽华" and job.serial == "HP3-77120"
    assert job.phone == "139 5555 0001" and job.fault == "热水器显示 E4，不加热"
    screenshot(page, "registered-desktop")
    assert errors == []
    context.close()


def test_an_incomplete_call_shows_its_errors_in_place(browser, live_server, screenshot):
    customer = _library_customer()
    context = browser.new_context(**DESKTOP)
    page = context.new_page()
    errors = console_errors(page)
    sign_in(page, live_server.url, "clerk")
    page.goto(f"{live_server.url}/intake/?customer={customer.id}")
    page.get_by_role("button", name="登记", exact=True).click()
    expect(page.locator("#workspace")).to_contain_text("请选择客户的设备。")
    page.get_by_text("WF-800 净水设备").click()
    expect(page.get_by_label("服务类别", exact=True)).to_have_value("paid")
    page.get_by_label("服务类别", exact=True).select_option("free")
    page.get_by_label("故障情况（按客户描述）").fill("滤芯报警")
    page.get_by_role("button", name="登记", exact=True).click()
    expect(page.locator("#workspace")).to_contain_text("如需更改请填写原因")
    expect(page.get_by_label("故障情况（按客户描述）")).to_have_value("滤芯报警")
    page.get_by_label("更改服务类别的原因").fill("经理批准：首次保养免费")
    page.get_by_role("button", name="登记", exact=True).click()
    expect(page.locator(".intake-done")).to_contain_text("已登记 FW")
    assert errors == []
    context.close()


def test_intake_on_a_phone(browser, live_server, screenshot):
    customer = _library_customer()
    context = browser.new_context(**PHONE)
    page = context.new_page()
    errors = console_errors(page)
    sign_in(page, live_server.url, "clerk")
    page.goto(live_server.url + "/intake/")
    page.get_by_label("查找来电客户").press_sequentially("秦淮", delay=30)
    expect(page.locator("#intake-results").get_by_role("link")).to_have_count(1)
    screenshot(page, "search-phone")
    page.goto(f"{live_server.url}/intake/?customer={customer.id}")
    page.get_by_text("AC-5P 商用柜式空调").click()
    expect(page.get_by_label("服务类别", exact=True)).to_have_value("free")
    screenshot(page, "panel-phone")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways ({width}px)"
    assert errors == []
    context.close()


def test_customer_file_and_list_on_desktop_and_phone(browser, live_server, screenshot):
    from models import Job, User, db

    customer = _library_customer()
    with db.connection_context():
        clerk = User.get(User.username == "clerk")
        item = list(customer.equipment)[0]
        job = Job.register(clerk, customer=customer, equipment=item, fault="空调漏水")
    for name, options in (("desktop", DESKTOP), ("phone", PHONE)):
        context = browser.new_context(**options)
        page = context.new_page()
        errors = console_errors(page)
        sign_in(page, live_server.url, "clerk")
        page.goto(f"{live_server.url}/intake/?customer={customer.id}")
        page.locator("#workspace").get_by_role("link", name="客户资料袋").click()
        expect(page.get_by_role("heading", name=re.compile("南京秦淮区图书馆"))).to_be_visible()
        expect(page.get_by_role("link", name=job.number)).to_have_attribute("href", f"/jobs/{job.id}")
        expect(page.get_by_text("免费保证期内").first).to_be_visible()
        screenshot(page, f"file-{name}")
        page.goto(live_server.url + "/customers/")
        page.get_by_label("查找客户").press_sequentially("LIB-WF", delay=30)
        expect(page.locator("#customer-results").get_by_role("link")).to_have_count(1)
        expect(page).to_have_url(re.compile(r"/customers/\?q=LIB-WF$"))
        screenshot(page, f"list-{name}")
        assert page.evaluate("document.documentElement.scrollWidth") <= options["viewport"]["width"]
        assert errors == []
        context.close()


def test_a_second_call_becomes_a_chaser_and_the_keyboard_finds_the_caller(browser, live_server, screenshot):
    """The caller rings again: the clerk finds them with the keyboard only, sees who has the
    job and since when, and adds the call to it instead of a second voucher."""
    from models import Job, User, db
    from models.service import Chaser

    customer = _library_customer()
    with db.connection_context():
        clerk, manager = User.get(User.username == "clerk"), User.get(User.username == "manager")
        tech = User.get(User.username == "tech1")
        item = [e for e in customer.equipment if e.serial == "LIB-AC-01"][0]
        job = Job.register(clerk, customer=customer, equipment=item, fault="空调不制冷")
        job.dispatch(tech, manager)
    context = browser.new_context(**DESKTOP)
    page = context.new_page()
    errors = console_errors(page)
    sign_in(page, live_server.url, "clerk")
    page.goto(live_server.url + "/intake/")

    # A long paste is cut at the box's limit; the search keeps working.
    search = page.get_by_label("查找来电客户")
    search.fill("图书馆" * 200)
    assert len(search.input_value()) == 60
    search.fill("")
    # Arrow keys and Enter: one match opens with Enter.
    search.press_sequentially("8411", delay=30)
    expect(page.locator("#intake-results").get_by_role("link")).to_have_count(1)
    search.press("ArrowDown")
    expect(page.locator("#intake-results a").first).to_be_focused()
    page.keyboard.press("ArrowUp")
    expect(search).to_be_focused()
    search.press("Enter")
    panel = page.locator("#workspace")
    expect(panel.get_by_role("heading", name=re.compile("南京秦淮区图书馆"))).to_be_visible()

    panel.get_by_text("AC-5P 商用柜式空调").click()
    card = panel.locator(".open-job-card")
    expect(card).to_contain_text(job.number)
    expect(card).to_contain_text(f"由{tech.full_name}负责")
    expect(page.get_by_label("同一设备另开工单的原因")).to_be_visible()
    fault = page.get_by_label("故障情况（按客户描述）")
    fault.fill("师傅什么时候到？")
    expect(page.locator("#register-form .counter")).to_have_text("8 / 2000")
    screenshot(page, "chaser-desktop")
    card.get_by_role("button", name=f"记为 {job.number} 的催修").click()
    expect(page.locator(".intake-done")).to_contain_text(f"这次来电已记为 {job.number} 的催修")
    with db.connection_context():
        assert Job.select().where(Job.equipment == item.id).count() == 1
        assert [c.said for c in Chaser.select().where(Chaser.job == job.id)] == ["师傅什么时候到？"]

    # A new number searched is already in the new-customer form when it is opened.
    expect(page).to_have_url(re.compile(rf"/intake/\?chased={job.id}$"))
    page.wait_for_load_state("load")  # htmx listens to the box once its deferred script ran
    search.fill("13800001111")
    expect(page.locator("#intake-results")).to_contain_text("没有与“13800001111”匹配的客户")
    page.locator("#new-customer summary").click()
    expect(page.locator("#new-customer").get_by_label("电话号码（每行一个）")).to_have_value("13800001111")
    # The library's number again: the file is offered instead of a second one.
    new = page.locator("#new-customer")
    new.get_by_label("客户名称").fill("秦淮图书馆")
    new.get_by_label("电话号码（每行一个）").fill("025-8411 7788")
    new.get_by_label("地址").fill("南京市秦淮区")
    new.get_by_role("button", name="保存并选中").click()
    expect(new).to_contain_text("该电话号码已登记在“南京秦淮区图书馆”的资料中")
    new.get_by_role("link", name="南京秦淮区图书馆").click()
    expect(panel.get_by_role("heading", name=re.compile("南京秦淮区图书馆"))).to_be_visible()
    assert errors == []
    context.close()
