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


# What a page logs about its own requests while the network is down (the browser's failed
# load, htmx's send error): expected during a test's offline spell, and possibly delivered a
# moment after it ends.
OFFLINE_NOISE = ("net::ERR_INTERNET_DISCONNECTED", "htmx:sendError", "htmx:afterRequest")


def without_offline_noise(errors):
    """The console errors that are not the expected traces of an offline spell."""
    return [e for e in errors if not any(noise in e for noise in OFFLINE_NOISE)]


def sign_in(page, base, username, password="demo1234"):
    page.goto(base + "/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    expect(page).not_to_have_url(re.compile("/login"))
