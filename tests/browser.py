"""What the browser tests share: viewports, signing in, collecting console errors."""

import re

from playwright.sync_api import expect

PHONE = {
    "viewport": {"width": 390, "height": 844},
    "is_mobile": True,
    "has_touch": True,
    "device_scale_factor": 2,
}
DESKTOP = {"viewport": {"width": 1280, "height": 800}}
WALL = {"viewport": {"width": 1600, "height": 900}}


def console_errors(page):
    """Console errors of a page (CSP violations, script errors); a 422 form answer is expected."""
    errors = []
    page.on(
        "console",
        lambda m: errors.append(m.text) if m.type == "error" and "status of 422" not in m.text else None,
    )
    return errors


def sign_in(page, base, username, password="demo1234"):
    page.goto(base + "/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    expect(page).not_to_have_url(re.compile("/login"))
