"""The shell in a real Chromium: sign in, role navigation, language switch, phone size."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser import PHONE, console_errors

pytestmark = pytest.mark.browser


def test_sign_in_on_a_phone_and_switch_language(browser, live_server, screenshot):
    context = browser.new_context(**PHONE)
    page = context.new_page()
    errors = console_errors(page)
    page.goto(live_server.url + "/")
    expect(page).to_have_url(re.compile(r"/login"))
    expect(page.get_by_role("heading", name="售后服务台")).to_be_visible()
    screenshot(page, "login-phone")

    page.get_by_label("用户名").fill("tech1")
    page.get_by_label("密码").fill("wrong-password")
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_text("用户名或密码错误")).to_be_visible()  # swapped in by htmx (422)

    page.get_by_label("密码").fill("demo1234")
    page.get_by_role("button", name="登录").click()
    # a technician's phone starts on their job list
    expect(page).to_have_url(re.compile(r"/tech/$"))
    expect(page.get_by_role("heading", name="我的工单")).to_be_visible()
    screenshot(page, "home-phone")
    page.locator("summary").first.click()
    expect(page.get_by_role("link", name="用户")).to_have_count(0)

    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", name="My jobs")).to_be_visible()
    assert errors == []
    context.close()


def test_admin_sees_admin_navigation_on_desktop(browser, live_server, screenshot):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    errors = console_errors(page)
    page.goto(live_server.url + "/login")
    page.get_by_label("用户名").fill("admin")
    page.get_by_label("密码").fill("demo1234")
    page.get_by_role("button", name="登录").click()
    page.locator("main").get_by_role("link", name="权限").click()
    expect(page.get_by_role("heading", name=re.compile("权责划分"))).to_be_visible()
    cell = page.locator("#perm-intake-register-finance button")
    expect(cell).to_have_attribute("aria-pressed", "false")
    page.once("dialog", lambda dialog: dialog.accept())  # "grant … to finance?"
    cell.click()  # htmx POST with the CSRF header from the meta tag
    expect(page.locator("#perm-intake-register-finance button")).to_have_attribute("aria-pressed", "true")
    screenshot(page, "permissions-desktop")
    assert errors == []
    context.close()
