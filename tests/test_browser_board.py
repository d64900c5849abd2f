"""The live board in Chromium: a change made elsewhere appears within 2 seconds, state kept."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser import WALL, sign_in

pytestmark = pytest.mark.browser


def test_board_follows_dispatch_made_elsewhere_and_keeps_the_watchers_state(browser, live_server, screenshot):
    watcher = browser.new_context(**WALL).new_page()
    other = browser.new_context(**WALL).new_page()
    sign_in(watcher, live_server.url, "manager")
    sign_in(other, live_server.url, "manager")
    watcher.goto(live_server.url + "/board/")
    waiting = watcher.locator("#cards-waiting article")
    first = waiting.first
    card_id = first.get_attribute("id")
    job_id = card_id.split("-")[1]
    # The watcher is half-way through choosing a technician on ANOTHER card.
    second_select = watcher.locator(f"#{waiting.nth(1).get_attribute('id')} select")
    second_select.select_option(label="李师傅")
    watcher.evaluate("window.scrollTo(0, 200)")
    screenshot(watcher, "board-before")

    other.goto(live_server.url + "/jobs/dispatch")
    row = other.locator(f"article#job-{job_id}")
    row.locator("select").select_option(label="王师傅")
    row.get_by_role("button", name="派工").click()
    expect(row.get_by_text("已派给 王师傅")).to_be_visible()

    lane = watcher.locator("section", has=watcher.locator("h2", has_text="王师傅"))
    expect(lane.locator(f"#card-{job_id}")).to_be_visible(timeout=2000)
    expect(watcher.locator(f"#cards-waiting #card-{job_id}")).to_have_count(0)
    # what the watcher was doing survived the update
    expect(second_select).to_have_value(re.compile(r"\d+"))
    screenshot(watcher, "board-after")


def test_concurrent_dispatch_on_the_board_has_one_winner(browser, live_server):
    a = browser.new_context(**WALL).new_page()
    b = browser.new_context(**WALL).new_page()
    sign_in(a, live_server.url, "manager")
    sign_in(b, live_server.url, "manager")
    a.goto(live_server.url + "/board/")
    b.goto(live_server.url + "/board/")
    card_id = a.locator("#cards-waiting article").first.get_attribute("id")
    # b's page is stale from now on: stop its poll so it still shows the old card
    b.evaluate("document.getElementById('board-poller').remove()")
    a.locator(f"#{card_id} select").select_option(label="王师傅")
    a.locator(f"#{card_id} button").click()
    b.locator(f"#{card_id} select").select_option(label="李师傅")
    b.locator(f"#{card_id} button").click()
    expect(b.locator("#toast")).to_contain_text("已将凭证", timeout=3000)
    expect(b.locator("#toast")).to_contain_text("王师傅")
