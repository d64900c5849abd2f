"""The register, its printed page and the reconciliation in a real Chromium, desktop and phone."""

import datetime
import re

import pytest
from playwright.sync_api import expect

from tests.browser import DESKTOP, PHONE, console_errors, sign_in
from tests.conftest import PNG_1x1

pytestmark = pytest.mark.browser


def _department_day():
    """A day's worth of calls in every state, and two calls carried over from earlier days."""
    from models import Customer, Equipment, Job, User, db
    from models.core import today

    with db.connection_context():
        clerk = User.get(User.username == "clerk")
        manager = User.get(User.username == "manager")
        tech = User.get(User.username == "tech1")
        signed = {"signer_name": "周主任", "image": PNG_1x1}
        calls = [
            (
                "上海华东机械有限公司",
                "021-6234 5678",
                "张经理",
                "上海市普陀区曹杨路 100 号",
                "KX-2000",
                "380V 5.5kW",
            ),
            ("杭州兰溪纺织厂", "0571-8765 4321", "王厂长", "杭州市西湖区文三路 88 号", "TX-90", "220V 双头"),
            (
                "南京鼓楼医院后勤处",
                "025-8330 4616",
                "刘工",
                "南京市鼓楼区中山路 321 号",
                "HV-300",
                "三相 15kW",
            ),
            (
                "苏州工业园区星海小学",
                "0512-6288 1200",
                "陈老师",
                "苏州市工业园区星海街 9 号",
                "AC-12",
                "壁挂 1.5 匹",
            ),
            (
                "宁波北仑港务公司",
                "0574-8686 0000",
                "孙科长",
                "宁波市北仑区明州路 500 号",
                "KX-2000",
                "380V 7.5kW",
            ),
            ("无锡惠山电子厂", "0510-8321 7777", "吴主管", "无锡市惠山区堰新路 18 号", "PX-7", "单相 2kW"),
        ]
        jobs = []
        for i, (name, phone, contact, address, model, spec) in enumerate(calls):
            customer = Customer.register(clerk, name, contact_person=contact, address=address, phones=[phone])
            equipment = Equipment.register(
                clerk,
                customer,
                model,
                spec=spec,
                serial=f"SN-{2024000 + i}",
                purchase_date=today() - datetime.timedelta(days=200 + 40 * i),
                purchase_place="上海总店" if i % 2 else "杭州经销商",
            )
            jobs.append(
                Job.register(
                    clerk, customer=customer, equipment=equipment, fault="设备运行中异响，温度过高后自动停机"
                )
            )
        carried, old, dispatched, in_repair, done, filed = jobs
        Job.update(register_day=today() - datetime.timedelta(days=1)).where(Job.id == carried.id).execute()
        Job.update(register_day=today() - datetime.timedelta(days=4)).where(Job.id == old.id).execute()
        dispatched.dispatch(tech, manager)
        in_repair.dispatch(tech, manager)
        in_repair.arrive(tech)
        in_repair.carry_back(tech, signed, "主板故障，带回维修")
        for job in (done, filed):
            job.dispatch(tech, manager)
            job.arrive(tech)
            job.finish(tech, signed, "更换轴承，清洁散热器，试机正常")
        filed.countersign(manager)
        filed.file(clerk)
        Job.register(manager, service_type="internal", fault="季度工具保养与校准")
        return {
            "carried": carried.number,
            "filed": filed.number,
            "lanxi": old.number,
            "dispatched": dispatched.number,
        }


def _top(page, screenshot, name):
    """A full-page screenshot and one of what fits the first screen."""
    path = screenshot(page, name)
    page.screenshot(path=path.replace(".png", "-top.png"), caret="initial")


def test_register_on_desktop_search_and_print(browser, live_server, screenshot):
    numbers = _department_day()
    context = browser.new_context(**DESKTOP)
    page = context.new_page()
    errors = console_errors(page)
    sign_in(page, live_server.url, "manager")
    page.goto(live_server.url + "/register/")
    expect(page.get_by_role("heading", name="服务登记簿")).to_be_visible()
    table = page.locator(".register-table")
    expect(table).to_contain_text(numbers["filed"])
    expect(table).not_to_contain_text(numbers["carried"])  # registered yesterday
    expect(page.locator(f"tr.closed:has-text('{numbers['filed']}') .closed-mark")).to_have_text("已注销")
    _top(page, screenshot, "register-desktop")

    page.get_by_label("查找").fill(
        "83304616"
    )  # 南京鼓楼医院's phone without separators: htmx swaps the table
    expect(page.locator(".register-table tbody tr")).to_have_count(1)
    expect(table).to_contain_text("南京鼓楼医院后勤处")
    expect(page).to_have_url(re.compile(r"q=83304616"))
    page.get_by_label("查找").fill("")
    page.get_by_label("状态").select_option(label="已注销的登记")
    expect(table).to_contain_text(numbers["filed"])
    rows = page.locator(".register-table tbody tr")
    assert rows.count() == page.locator(".register-table tbody tr.closed").count()
    screenshot(page, "register-filtered-desktop")

    page.get_by_label("状态").select_option(label="全部状态")
    expect(table).to_contain_text(numbers["dispatched"])
    page.get_by_role("link", name="前一天").click()
    expect(page.locator(".register-table")).to_contain_text(numbers["carried"])

    page.goto(live_server.url + "/register/print")
    expect(page.get_by_role("heading", name="服务登记簿").first).to_be_visible()  # one a sheet
    expect(page.locator(".register-book", has_text=numbers["filed"])).to_have_count(1)
    _top(page, screenshot, "print-screen")
    page.emulate_media(media="print")
    page.set_viewport_size({"width": 1047, "height": 740})  # A4 landscape less 10 mm margins, at 96 dpi
    screenshot(page, "print-media")
    pdf = page.pdf(prefer_css_page_size=True)
    sizes = re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf)
    assert sizes and all(float(w) > float(h) for w, h in sizes)  # A4 landscape
    assert round(float(sizes[0][0])) in (841, 842)
    # Each numbered sheet is one printed page: 第 n 页 / 共 m 页 is what the paper says.
    sheets = page.locator(".register-sheet").count()
    assert len(sizes) == sheets, (len(sizes), sheets)
    expect(page.locator(".register-sheet").last).to_contain_text(f"第 {sheets} 页 / 共 {sheets} 页")
    assert errors == []
    context.close()


def test_register_and_reconciliation_on_a_phone(browser, live_server, screenshot):
    numbers = _department_day()
    context = browser.new_context(**PHONE)
    page = context.new_page()
    errors = console_errors(page)
    sign_in(page, live_server.url, "manager")
    page.goto(live_server.url + "/register/")
    expect(page.locator(".register-table")).to_contain_text(numbers["filed"])
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    _top(page, screenshot, "register-phone")

    page.goto(live_server.url + "/reconcile/")
    expect(page.get_by_role("heading", name="核对")).to_be_visible()
    carried = page.locator("#carried")
    expect(carried).to_contain_text(numbers["carried"])
    expect(carried).to_contain_text("优先派工")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    _top(page, screenshot, "reconcile-phone")
    assert errors == []
    context.close()


def test_reconciliation_on_desktop(browser, live_server, screenshot):
    numbers = _department_day()
    context = browser.new_context(**DESKTOP)
    page = context.new_page()
    sign_in(page, live_server.url, "clerk")
    page.goto(live_server.url + "/reconcile/")
    carried = page.locator("#carried")
    expect(carried).to_contain_text(numbers["carried"])
    text = carried.inner_text()
    assert text.index(numbers["lanxi"]) < text.index(numbers["carried"])  # the oldest first
    expect(page.locator("#problems")).to_contain_text("核对一致")
    _top(page, screenshot, "reconcile-desktop")
    context.close()
