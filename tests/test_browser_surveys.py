"""The customer's survey on a phone, in real Chromium: the QR link of a filed job opened without
signing in, answered, thanked; the link then used, another expired; the answer on the results,
the voucher and the technician's record; its low score proposing a complaint. And the clerk's
follow-up call at the desk."""

import datetime
import re

import pytest
from playwright.sync_api import expect

from tests.browser import DESKTOP, PHONE, console_errors, sign_in

pytestmark = pytest.mark.browser


def _unasked_filed_jobs(n=2):
    """Filed jobs of the demo department nobody has asked yet, with their technicians."""
    from models import Job, User, db
    from models.surveys import SurveyRequest

    with db.connection_context():
        asked = SurveyRequest.select(SurveyRequest.job)
        jobs = list(
            Job.select()
            .where(Job.state == "filed", Job.customer.is_null(False), Job.id.not_in(asked))
            .order_by(Job.id)
        )[:n]
        return [(j.id, j.number, User.get_by_id(j.technician_id)) for j in jobs]


def test_the_customer_answers_the_qr_link_on_a_phone(browser, live_server, screenshot):
    from models import User, db
    from models.core import clock
    from models.service import Job
    from models.surveys import SurveyRequest

    (job_id, number, tech), (other_id, _, _) = _unasked_filed_jobs()
    # the clerk prints the voucher: its QR code carries the link
    desk = browser.new_context(**DESKTOP).new_page()
    desk_errors = console_errors(desk)
    sign_in(desk, live_server.url, "clerk")
    desk.goto(f"{live_server.url}/jobs/{job_id}/print")
    qr = desk.locator("#survey-qr")
    expect(qr.locator("svg.qr")).to_be_visible()
    link = qr.locator("dd.mono").inner_text().strip()
    assert re.fullmatch(rf"{re.escape(live_server.url)}/s/[A-Za-z0-9_-]{{32}}", link)
    screenshot(desk, "voucher-print")

    # the customer scans it: a phone, nobody signed in
    customer = browser.new_context(**PHONE).new_page()
    errors = console_errors(customer)
    customer.on("pageerror", lambda e: errors.append(str(e)))
    customer.goto(link)
    expect(customer.get_by_role("heading", name="客户意见调查")).to_be_visible()
    expect(customer.locator("dl.facts")).to_contain_text(number)
    expect(customer.locator("dl.facts")).to_contain_text(tech.full_name)
    fieldsets = customer.locator("fieldset")
    fieldsets.nth(0).locator("label", has_text="非常满意").click()
    fieldsets.nth(1).locator("label", has_text="非常不满意").click()  # the technician's manners: 1 of 5
    fieldsets.nth(2).locator("label", has_text="满意").first.click()
    fieldsets.nth(3).locator("label").first.click()
    remark = fieldsets.nth(4)
    remark.locator("textarea").fill("师傅态度不好，问了几句就不耐烦")
    remark.locator("label", has_text="抱怨").click()
    screenshot(customer, "questions")
    customer.get_by_role("button", name="提交评价").click()
    expect(customer.locator(".say-box")).to_contain_text("感谢您的宝贵意见")
    screenshot(customer, "thanks")

    # the same link again: used
    customer.goto(link)
    expect(customer.locator(".say-box")).to_contain_text("已经填写过")
    expect(customer.locator("fieldset")).to_have_count(0)
    screenshot(customer, "used")

    # a link of another job, opened after it expired
    with db.connection_context():
        clerk = User.get(User.username == "clerk")
        other = Job.get_by_id(other_id)
        raw, _ = SurveyRequest.for_job(other, clerk, lambda r: r.issue_link(clerk, "message"))
    start = clock().offset
    try:
        clock().travel(datetime.timedelta(days=15))
        customer.goto(f"{live_server.url}/s/{raw}")
        expect(customer.locator(".warn-box")).to_contain_text("已过期")
        screenshot(customer, "expired")
    finally:
        clock().offset = start

    # English on the customer's phone
    customer.goto(f"{live_server.url}/s/{raw}")
    customer.get_by_role("button", name="English").click()
    expect(customer.get_by_role("heading", name="Customer opinion survey")).to_be_visible()
    screenshot(customer, "english")
    customer.get_by_role("button", name="中文").click()

    # the answer on the voucher page, and the complaint its low score proposes
    desk.goto(f"{live_server.url}/jobs/{job_id}")
    panel = desk.locator("#survey-panel")
    expect(panel).to_contain_text("师傅态度不好")
    expect(panel).to_contain_text("已提出投诉")
    screenshot(desk, "voucher")
    panel.locator("a.mono").first.click()
    expect(desk.locator("#proposal")).to_contain_text("这份问卷提出了一项投诉")
    screenshot(desk, "answer")
    desk.get_by_role("button", name="登记投诉").click()
    expect(desk).to_have_url(re.compile(r"/complaints/new\?"))
    said = desk.locator("textarea[name=said]")
    expect(said).to_have_value(re.compile("师傅态度不好"))
    expect(desk.locator("input[name=channel][value=survey]")).to_be_checked()
    expect(desk.locator("#complaint-workspace")).to_contain_text(number)
    screenshot(desk, "complaint-intake")

    # the manager's results and the technician's record
    manager = browser.new_context(**PHONE).new_page()
    manager_errors = console_errors(manager)
    sign_in(manager, live_server.url, "manager")
    manager.goto(f"{live_server.url}/surveys/results")
    expect(manager.locator("#texts")).to_contain_text("师傅态度不好")
    expect(manager.locator("svg.chart")).to_be_visible()
    screenshot(manager, "results")
    manager.goto(f"{live_server.url}/complaints/staff/{tech.id}")
    scores = manager.locator("#survey-scores")
    expect(scores).to_contain_text(datetime.date.today().strftime("%Y-%m"))
    screenshot(manager, "staff-record")
    assert errors == [] and desk_errors == [] and manager_errors == []


def test_the_clerk_calls_the_customer_and_enters_the_answers(browser, live_server, screenshot):
    (job_id, number, _), *_ = _unasked_filed_jobs(1)
    page = browser.new_context(**DESKTOP).new_page()
    errors = console_errors(page)
    page.on("pageerror", lambda e: errors.append(str(e)))
    sign_in(page, live_server.url, "clerk")
    page.goto(f"{live_server.url}/surveys/")
    expect(page.get_by_role("heading", name=re.compile("回访"))).to_be_visible()
    screenshot(page, "queue")
    page.locator("tr", has_text=number).get_by_role("link", name="打电话").click()
    expect(page.get_by_role("heading", name=re.compile(number))).to_be_visible()
    page.get_by_role("button", name="保存答卷").click()  # nothing chosen: the errors show in place
    expect(page.locator("fieldset .error").first).to_be_visible()
    fieldsets = page.locator("form fieldset")
    for n in range(3):
        fieldsets.nth(n).locator("label.chip", has_text="4").click()
    fieldsets.nth(3).locator("li").first.locator("input").check()
    screenshot(page, "call")
    page.get_by_role("button", name="保存答卷").click()
    expect(page.locator(".toast-ok")).to_contain_text("答卷已保存")
    expect(page.locator("h1")).to_contain_text("DC")
    screenshot(page, "answer")
    page.goto(f"{live_server.url}/surveys/")
    expect(page.locator("tr", has_text=number)).to_have_count(0)
    assert errors == []
