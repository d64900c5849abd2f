"""A technician's phone and the manager's desk side by side, in a real Chromium."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser import PHONE, console_errors, sign_in

pytestmark = pytest.mark.browser

DESK = {"viewport": {"width": 1280, "height": 800}}


def _draw(page, canvas):
    box = canvas.bounding_box()
    x, y, w, h = box["x"], box["y"], box["width"], box["height"]
    page.mouse.move(x + w * 0.15, y + h * 0.6)
    page.mouse.down()
    for i in range(1, 13):
        page.mouse.move(x + w * (0.15 + i * 0.055), y + h * (0.6 - 0.3 * (i % 2)), steps=3)
    page.mouse.up()


def test_a_dispatch_reaches_the_phone_live_and_is_finished_with_a_signature(browser, live_server, screenshot):
    phone = browser.new_context(**PHONE)
    tech = phone.new_page()
    errors = console_errors(tech)
    sign_in(tech, live_server.url, "tech1")
    tech.goto(live_server.url + "/tech/")
    expect(tech.get_by_role("heading", name="我的工单")).to_be_visible()

    desk = browser.new_context(**DESK)
    manager = desk.new_page()
    sign_in(manager, live_server.url, "manager")
    manager.goto(live_server.url + "/jobs/dispatch")
    row = manager.locator("article.row").filter(has=manager.locator(".state-registered")).first
    job_id = row.get_attribute("id").removeprefix("job-")
    number = row.locator("header a.mono").inner_text()
    expect(tech.locator(f"#tech-job-{job_id}")).to_have_count(0)
    row.locator("select").select_option(label="王师傅")
    row.locator("button[type=submit]").click()
    expect(manager.locator(f"article#job-{job_id}")).to_contain_text("王师傅")

    # No reload on the phone: the poller brings the new job within two seconds.
    card = tech.locator(f"#tech-job-{job_id}")
    expect(card).to_be_visible(timeout=2000)
    expect(card).to_contain_text(number)
    screenshot(tech, "list")
    manager.goto(live_server.url + "/board/")  # the manager watches the board from now on
    expect(manager.locator(f".lane #card-{job_id}")).to_be_visible()

    card.click()
    expect(tech.get_by_role("heading", name=number)).to_be_visible()
    expect(tech.get_by_role("link", name="打电话")).to_have_attribute("href", re.compile(r"^tel:"))
    expect(tech.get_by_role("link", name="地图导航")).to_have_attribute(
        "href", re.compile(r"^https://uri\.amap\.com/search\?keyword=")
    )
    screenshot(tech, "job")
    tech.get_by_role("button", name="到场").click()
    expect(tech.locator(".state")).to_have_text("服务中")
    expect(tech.get_by_role("button", name="到场")).to_have_count(0)

    # What is typed survives a reload (a weak signal, a closed tab).
    tech.get_by_label("服务内容").fill("清洗冷凝器，补充冷媒，制冷恢复正常")
    tech.get_by_text("调试校准").click()
    tech.reload()
    expect(tech.get_by_label("服务内容")).to_have_value("清洗冷凝器，补充冷媒，制冷恢复正常")
    expect(tech.get_by_role("checkbox", name="调试校准")).to_be_checked()
    expect(tech.get_by_text("已恢复上次未提交的内容")).to_be_visible()

    # An empty pad is refused on the phone, with a message.
    submit = tech.get_by_role("button", name="客户签字，提交")
    submit.click()
    expect(tech.get_by_text("请先让客户在框内签名")).to_be_visible()

    canvas = tech.locator("canvas.signature-pad")
    canvas.scroll_into_view_if_needed()
    _draw(tech, canvas)
    screenshot(tech, "signature")

    # A form error comes back in place (422) and the customer need not sign again.
    tech.get_by_label("客户姓名").fill("")
    submit.click()
    expect(tech.get_by_text("请填写签字客户的姓名")).to_be_visible()
    finish_form = tech.locator("form[data-finish-form]")
    expect(finish_form).to_have_attribute("data-ready", "1")  # set up once htmx settled the swap
    assert finish_form.evaluate("form => form.signaturePad.isEmpty()") is False
    screenshot(tech, "form-error")
    tech.get_by_label("客户姓名").fill("李女士")

    # The network drops: the screen says so and keeps everything, the drawing included.
    assert errors == []
    phone.set_offline(True)
    submit.click()
    expect(tech.get_by_text("未保存：网络中断，请重试")).to_be_visible()
    expect(tech.get_by_label("服务内容")).to_have_value("清洗冷凝器，补充冷媒，制冷恢复正常")
    screenshot(tech, "offline")
    phone.set_offline(False)
    errors.clear()  # htmx logs the failed request: expected here
    submit.click()

    expect(tech.get_by_text("已完工，等待经理核签")).to_be_in_viewport()
    # The manager's board shows it waiting for countersignature, without a reload.
    expect(manager.locator(f"#cards-done #card-{job_id}")).to_be_visible(timeout=2000)
    screenshot(manager, "board-done")
    expect(tech.get_by_text("李女士")).to_be_visible()
    expect(tech.locator(".heading .state")).to_have_text("完工待核")
    expect(tech.locator("img.sig")).to_be_visible()
    assert tech.locator("img.sig").evaluate("img => img.naturalWidth") > 100
    expect(tech.locator("form[data-finish-form]")).to_have_count(0)
    screenshot(tech, "done")
    assert tech.evaluate("Object.keys(localStorage).filter(k => k.startsWith('tech-draft:'))") == []

    # Back on the list, the finished job has gone by itself.
    tech.get_by_role("link", name="我的工单").click()
    expect(tech.get_by_role("heading", name="我的工单")).to_be_visible()
    expect(tech.locator(f"#tech-job-{job_id}")).to_have_count(0)
    assert errors == []
    phone.close()
    desk.close()


def test_the_technician_screens_on_a_desktop(browser, live_server, screenshot):
    desk = browser.new_context(**DESK)
    page = desk.new_page()
    errors = console_errors(page)
    sign_in(page, live_server.url, "tech1")
    page.goto(live_server.url + "/tech/")
    cards = page.locator("a.tech-card")
    expect(cards.first).to_be_visible()
    screenshot(page, "list-desktop")
    cards.first.click()
    expect(page.locator("[data-finish-form]")).to_be_visible()
    screenshot(page, "job-desktop")
    assert errors == []
    desk.close()
