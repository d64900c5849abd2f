"""In Chromium: technicians' drafts leave the phone with its user; the register's search is
sent with Enter or its button without an aborted request."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser import DESKTOP, PHONE, console_errors, sign_in

pytestmark = pytest.mark.browser
DRAFTS = "Object.keys(localStorage).filter(k => k.startsWith('tech-draft:'))"


def _draft(page, key="tech-draft:1:3"):
    page.evaluate(f"localStorage.setItem('{key}', JSON.stringify([['work_done', '给李女士换了电容']]))")


def _sign_out(page):
    page.locator("details.menu summary").click()
    page.get_by_role("button", name="退出登录").click()
    expect(page).to_have_url(re.compile("/login"))


def test_drafts_leave_the_phone_at_sign_out_and_when_another_user_signs_in(browser, live_server):
    context = browser.new_context(**PHONE)
    page = context.new_page()
    errors = console_errors(page)
    sign_in(page, live_server.url, "tech1")
    _draft(page)
    _sign_out(page)
    assert page.evaluate(DRAFTS) == []

    sign_in(page, live_server.url, "tech1")
    _draft(page)
    context.clear_cookies()  # the session ended without a sign-out (expired, revoked)
    sign_in(page, live_server.url, "tech1")
    assert page.evaluate(DRAFTS) == ["tech-draft:1:3"]  # the same technician keeps what they typed
    context.clear_cookies()
    sign_in(page, live_server.url, "tech2")
    assert page.evaluate(DRAFTS) == []  # another user does not see it
    assert errors == []
    context.close()


def test_the_register_search_by_enter_or_button_logs_no_error(browser, live_server):
    context = browser.new_context(**DESKTOP)
    page = context.new_page()
    errors = console_errors(page)
    sign_in(page, live_server.url, "manager")
    page.goto(live_server.url + "/register/")
    search = page.get_by_label("查找")
    search.fill("FW")
    search.press("Enter")
    expect(page).to_have_url(re.compile(r"q=FW"))
    search.fill("021")
    page.get_by_role("button", name="查找").click()
    expect(page).to_have_url(re.compile(r"q=021"))
    search.fill("0216")
    search.press("Enter")
    expect(page).to_have_url(re.compile(r"q=0216"))
    page.wait_for_load_state("networkidle")
    assert errors == []
    context.close()
