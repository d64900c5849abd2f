"""The live board in Chromium: a change made elsewhere appears within 2 seconds, state kept."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser import WALL, console_errors, sign_in

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
    # The watcher is half-way through dispatching ANOTHER card: chosen, technician picked.
    second = waiting.nth(1)
    second_id = second.get_attribute("id")
    second.locator(".who").click()
    bar = watcher.locator("#dispatch-bar")
    bar.locator("select").select_option(label="李师傅")
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
    expect(bar.locator("select")).to_have_value(re.compile(r"\d+"))
    expect(watcher.locator(f"#{second_id}")).to_have_class(re.compile("chosen"))
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
    for page, name in ((a, "王师傅"), (b, "李师傅")):
        page.locator(f"#{card_id} .who").click()
        page.locator("#dispatch-bar select").select_option(label=name)
        page.locator("#dispatch-bar").get_by_role("button", name="派工").click()
    expect(b.locator("#toast")).to_contain_text("已将凭证", timeout=3000)
    expect(b.locator("#toast")).to_contain_text("王师傅")


def test_the_wall_screen_shows_many_cards_and_dispatches_by_keyboard_and_by_drag(
    browser, live_server, screenshot
):
    from models import Job, User, db

    with db.connection_context():
        clerk = User.get(User.username == "clerk")
        base = Job.select().where(Job.equipment.is_null(False)).first()
        for n in range(30):  # a busy morning
            Job.register(clerk, customer=base.customer, equipment=base.equipment, fault=f"来电 {n}")
    for size, name in (({"width": 1920, "height": 1080}, "1920"), ({"width": 1366, "height": 900}, "1366")):
        wall = browser.new_context(viewport=size).new_page()
        errors = console_errors(wall)
        sign_in(wall, live_server.url, "manager")
        wall.goto(live_server.url + "/board/?wall=1")
        expect(wall.locator("[data-clock]")).not_to_be_empty()
        visible = wall.evaluate(
            """() => [...document.querySelectorAll('#cards-waiting .bcard')]
                .filter(c => c.getBoundingClientRect().bottom <= window.innerHeight).length"""
        )
        expect(wall.locator("#cards-waiting .bcard .age").first).not_to_be_empty()
        wall.screenshot(path=f"tests/results/screenshots/wall-{name}-viewport.png", caret="initial")
        screenshot(wall, f"wall-{name}")
        assert visible >= 12, visible  # three times the four of the old board
        assert errors == []
    # keyboard: Tab to a card, Enter to choose it, pick the technician, dispatch
    card = wall.locator("#cards-waiting .bcard").first
    card_id = card.get_attribute("id")
    card.focus()
    wall.keyboard.press("Enter")
    expect(wall.locator("[data-dispatch-what]")).to_contain_text(card.get_attribute("data-number"))
    wall.locator("#dispatch-bar select").select_option(label="王师傅")
    wall.locator("#dispatch-bar").get_by_role("button", name="派工").click()
    expect(wall.locator("#toast")).to_contain_text("王师傅")
    lane = wall.locator("section", has=wall.locator("h2", has_text="王师傅"))
    expect(lane.locator(f"#{card_id}")).to_be_visible(timeout=2000)
    # drag and drop onto 李师傅's lane
    other = wall.locator("#cards-waiting .bcard").first
    other_id = other.get_attribute("id")
    target = wall.locator("section.lane-tech", has=wall.locator("h2", has_text="李师傅"))
    other.drag_to(target)
    expect(target.locator(f"#{other_id}")).to_be_visible(timeout=3000)
    assert errors == []
