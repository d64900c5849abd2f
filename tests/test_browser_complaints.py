"""A complaint taken by phone, in real Chromium and in Chinese, to the customer's satisfaction;
and the manager's board flagging an overdue complaint by the clock alone."""

import datetime
import re

import pytest
from playwright.sync_api import expect

from tests.browser import DESKTOP, PHONE, WALL, console_errors, sign_in

pytestmark = pytest.mark.browser


def _filed_job():
    """A filed job of the demo department, with its customer's phone and technician."""
    from models import Job, User, db

    with db.connection_context():
        job = Job.select().where(Job.state == "filed", Job.customer.is_null(False)).order_by(Job.id).first()
        tech = User.get_by_id(job.technician_id)
        return job.id, job.number, job.customer_name, job.phone, tech.full_name


def test_a_complaint_by_phone_from_intake_to_closed(browser, live_server, screenshot):
    job_id, number, customer_name, phone, tech_name = _filed_job()
    page = browser.new_context(**DESKTOP).new_page()
    errors = console_errors(page)
    page.on("pageerror", lambda e: errors.append(str(e)))
    sign_in(page, live_server.url, "clerk")
    page.goto(live_server.url + "/complaints/new")

    # type-ahead on a phone fragment, then one tap on the customer and on the voucher
    digits = re.sub(r"\D", "", phone)[-4:]
    page.get_by_label("查找客户").fill(digits)
    page.locator("#complaint-results a", has_text=customer_name).first.click()
    expect(page.locator("#complaint-workspace h2")).to_have_text(customer_name)
    page.locator("label.pick", has_text=number).locator("input").check()
    page.get_by_label("客户反映的内容（客户原话）").fill("修完第二天又坏了，师傅也不回电话，非常不满意")
    page.locator("label.chip", has_text="严重").click()
    expect(page.locator("#complaint-deadlines")).to_contain_text("联系客户")
    screenshot(page, "intake")
    page.get_by_role("button", name="登记投诉").click()

    # the number and the sentence to read to the caller
    say = page.locator(".say-box")
    expect(say).to_contain_text("您的投诉编号 TS")
    expect(say).to_contain_text("由 林晓燕 负责")
    complaint_url = page.url.split("?")[0]
    screenshot(page, "sentence")

    # the clerk hands it over to the manager, who handles it
    page.locator("summary", has_text="移交给同事").click()
    page.get_by_label("新负责人").select_option(label="陈建国 (部门经理)")
    page.get_by_label("移交原因").fill("涉及服务人员态度，由经理处理")
    page.get_by_role("button", name="移交给同事").click()
    expect(page.locator(".facts").nth(1)).to_contain_text("负责人陈建国")

    manager = browser.new_context(**DESKTOP).new_page()
    manager_errors = console_errors(manager)
    sign_in(manager, live_server.url, "manager")
    expect(manager.locator(".complaints-home")).to_contain_text("您负责的投诉")
    manager.goto(complaint_url)
    manager.get_by_label("沟通内容").fill("已致电客户致歉，约定明天答复")
    manager.get_by_role("button", name="已联系客户").click()
    expect(manager.locator(".heading .state")).to_have_text("已联系客户")
    manager.get_by_label("原因（如已查明）").select_option(label="服务态度")
    manager.get_by_role("button", name="开始调查").click()
    expect(manager.locator(".heading .state")).to_have_text("调查中")
    manager.get_by_label("原因", exact=True).select_option(label="服务态度")
    manager.get_by_label("采取的措施").fill("对服务人员批评教育，另派李师傅免费复修")
    manager.get_by_label("告知客户的内容").fill("已致歉，明天上午李师傅上门免费复修")
    manager.get_by_role("button", name="处理完毕").click()
    expect(manager.locator(".heading .state")).to_have_text("已处理，待回访")
    manager.get_by_label("满意", exact=True).check()
    manager.get_by_label("回访时客户的意见").fill("客户表示满意")
    screenshot(manager, "follow-up")
    manager.get_by_role("button", name="记录回访结果").click()
    expect(manager.locator(".heading .state")).to_have_text("已结案，客户满意")
    history = manager.locator("ol.history")
    for words in (
        "受理了投诉（严重）",
        "移交 林晓燕 → 陈建国",
        "联系了客户（电话）",
        "处理完毕（原因：服务态度）",
        "结案：客户满意",
    ):
        expect(history).to_contain_text(words)
    screenshot(manager, "closed")
    assert errors == [] and manager_errors == []


def test_the_board_flags_an_overdue_complaint_within_two_seconds(browser, live_server, screenshot):
    from models import Complaint, User, db
    from models.core import clock

    with db.connection_context():
        clerk = User.get(User.username == "clerk")
        urgent = Complaint.record(
            clerk,
            said="热水器漏水淹了厨房",
            severity="urgent",
            caller_name="孙女士",
            caller_phone="13700001111",
        )
        number = urgent.number
    board = browser.new_context(**WALL).new_page()
    errors = console_errors(board)
    board.on("pageerror", lambda e: errors.append(str(e)))
    sign_in(board, live_server.url, "manager")
    board.goto(live_server.url + "/board/")
    strip = board.locator("#strip-complaints")
    expect(strip).not_to_contain_text(number)
    start = clock().offset
    try:
        clock().travel(datetime.timedelta(hours=2, seconds=5))  # past the urgent contact deadline
        expect(strip.locator("li", has_text=number)).to_be_visible(timeout=2000)
        expect(strip).to_contain_text("联系已逾期")
        screenshot(board, "overdue")
    finally:
        clock().offset = start
    assert errors == []


def test_a_technician_reports_a_complaint_on_site_from_the_phone(browser, live_server, screenshot):
    from models import Job, User, db

    with db.connection_context():
        tech = User.get(User.username == "tech1")
        job = Job.select().where(Job.technician == tech.id, Job.state.in_(("dispatched", "on_site"))).first()
    phone = browser.new_context(**PHONE).new_page()
    errors = console_errors(phone)
    sign_in(phone, live_server.url, "tech1")
    phone.goto(f"{live_server.url}/tech/jobs/{job.id}")
    phone.get_by_role("link", name="就此凭证受理投诉").click()
    expect(phone.locator("input[value=technician]")).to_be_checked()
    expect(phone.locator("label.pick", has_text=job.number).locator("input")).to_be_checked()
    phone.get_by_label("客户反映的内容（客户原话）").fill("客户说上次来的师傅没戴鞋套")
    screenshot(phone, "tech-report")
    phone.get_by_role("button", name="登记投诉").click()
    expect(phone.locator(".say-box")).to_contain_text("由 王师傅 负责")
    screenshot(phone, "tech-reported")
    assert errors == []
