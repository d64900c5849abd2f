"""The department manager in Chromium: the countersign queue (look, tick, countersign together;
ticks survive the live refresh; filing elsewhere) and the permission grid (asks, then says)."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser import DESKTOP, PHONE, console_errors, sign_in

pytestmark = pytest.mark.browser


def _done_jobs(n):
    """``n`` vouchers finished and signed by the customer on the technician's phone."""
    from models import Customer, Equipment, Job, User, db
    from models.demo import _signature

    with db.connection_context():
        clerk, manager = User.get(User.username == "clerk"), User.get(User.username == "manager")
        tech = User.get(User.username == "tech2")
        customer = Customer.register(
            clerk, "无锡梁溪电梯维保中心", address="无锡市梁溪区中山路 1 号", phones=["0510-8111 2299"]
        )
        item = Equipment.register(clerk, customer, "GX-12 工业冷水机", serial="WX-GX-01")
        jobs = []
        for n_ in range(n):
            job = Job.register(clerk, customer=customer, equipment=item, fault=f"冷水机报警 {n_ + 1}")
            job.dispatch(tech, manager)
            job.arrive(tech)
            job.finish(tech, _signature("梁主任", n_), f"清洗冷凝器 {n_ + 1}", parts=[("冷媒 R410A", 1)])
            jobs.append(Job.get_by_id(job.id))
        return jobs


def test_manager_countersigns_ticked_vouchers_and_the_ticks_survive_a_refresh(
    browser, live_server, screenshot
):
    from models import Job, db

    first, second, third = _done_jobs(3)
    page = browser.new_context(**DESKTOP).new_page()
    errors = console_errors(page)
    sign_in(page, live_server.url, "manager")
    page.goto(live_server.url + "/jobs/queue")
    card = page.locator(f"#job-{first.id}")
    expect(card).to_contain_text("清洗冷凝器 1")
    expect(card).to_contain_text("冷媒 R410A × 1")
    expect(card.get_by_role("img", name="梁主任 的签名")).to_be_visible()
    expect(card.get_by_role("button", name="归档")).to_have_count(0)  # filing is elsewhere

    page.get_by_label(f"勾选 {first.number}").check()
    page.get_by_label(f"勾选 {second.number}").check()
    # Somebody countersigns the third one meanwhile: the list is sent again, the ticks stay.
    with db.connection_context():
        from models import User

        Job.get_by_id(third.id).countersign(User.get(User.username == "manager"))
    expect(page.locator(f"#job-{third.id}")).to_have_count(0, timeout=5000)
    expect(page.get_by_label(f"勾选 {first.number}")).to_be_checked()
    screenshot(page, "queue-ticked-desktop")
    page.get_by_role("button", name="核签所勾选的凭证").click()
    expect(page.locator("#toast")).to_contain_text("已核签 2 张。")
    expect(page.locator(f"#job-{first.id}")).to_have_count(0)
    with db.connection_context():
        assert {Job.get_by_id(j.id).state for j in (first, second, third)} == {"countersigned"}

    page.get_by_role("link", name="归档", exact=True).first.click()
    expect(page).to_have_url(re.compile(r"/jobs/filing$"))
    expect(page.locator(f"#job-{first.id}").get_by_role("button", name="归档")).to_be_visible()
    assert errors == []


def test_a_permission_change_asks_first_and_says_what_changed(browser, live_server, screenshot):
    from models import Permission, db

    page = browser.new_context(**PHONE).new_page()
    errors = console_errors(page)
    sign_in(page, live_server.url, "admin")
    page.goto(live_server.url + "/admin/permissions")
    cell = page.locator("#perm-intake-register-finance")
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    cell.get_by_role("button").click()
    expect(cell.get_by_role("button")).to_have_attribute("aria-pressed", "false")
    assert asked == ["将“登记服务来电”授予财务？"]
    page.once("dialog", lambda dialog: dialog.accept())
    cell.get_by_role("button").click()
    expect(page.locator("#toast")).to_contain_text("已将“登记服务来电”授予财务。")
    expect(cell.get_by_role("button")).to_have_attribute("aria-pressed", "true")
    with db.connection_context():
        assert Permission.get(action="intake.register", role="finance").allowed
    # On the phone the action names stay in view when the grid scrolls sideways.
    page.locator(".scroll-x").evaluate("el => el.scrollLeft = 400")
    name = page.locator("th[scope=row]").first
    box = name.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] < 40
    screenshot(page, "permissions-phone")
    page.once("dialog", lambda dialog: dialog.accept())
    cell.get_by_role("button").click()
    expect(cell.get_by_role("button")).to_have_attribute("aria-pressed", "false")
    assert errors == []
