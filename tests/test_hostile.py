"""Hostile text through every kind of text field: stored exactly (or refused with a message), and
shown as text in a real browser, never run."""

import re

import pytest
from playwright.sync_api import expect

from models import Customer, Equipment, Job, db
from models.core import now, to_local
from tests import report


def _local_minute(ahead):
    """A datetime-local value ``ahead`` minutes from now, in the department's time zone."""
    import datetime

    return (to_local(now()) + datetime.timedelta(minutes=ahead)).strftime("%Y-%m-%dT%H:%M")


HOSTILE = [
    '<script>window.__xss=1;alert("xss")</script>',
    '"><img src=x onerror="window.__xss=1;alert(1)">',
    "javascript:window.__xss=1;alert(1)",
    "' OR 1=1; DROP TABLE job; --",
    "Robert'); DROP TABLE customer;--",
    "<svg/onload=window.__xss=1>",
    "{{ 7*7 }} {% if 1 %}x{% endif %}",
    "%(name)s %s \\x00 ${7*7}",
    "维修 🔧 服务 😀 — 中文与 emoji",
    "</textarea><script>window.__xss=1</script>",
    "長" * 300,
    "bell\x07and\x00nul",
]


def _enter(client, clerk_login, manager_login, s, dbc):
    """Type ``s`` into the customer, equipment, intake and voucher forms; what happened to each."""
    outcomes = []
    clerk_login()
    r = client.post(
        "/customers/new",
        data={
            "kind": "company",
            "name": s,
            "contact_person": s,
            "phone": "021-5555 0001",
            "address": s,
            "notes": s,
            "confirm_duplicate": "y",  # every string files a customer with this number
        },
    )
    outcomes.append(("customer", r.status_code))
    if r.status_code == 422:
        assert 'class="error' in r.get_data(as_text=True)
        return outcomes, None
    customer = Customer.get_by_id(int(re.search(r"/customers/(\d+)", r.headers["Location"]).group(1)))
    assert (customer.name, customer.address, customer.notes) == (s, s, s)
    r = client.post(
        f"/customers/{customer.id}/equipment/new",
        data={"product_model": s[:80], "spec": s[:120], "serial": "SN-X"},
    )
    outcomes.append(("equipment", r.status_code))
    equipment = Equipment.get(Equipment.customer == customer.id)
    assert equipment.product_model == s[:80]
    r = client.post(
        "/intake/register",
        data={
            "customer": customer.id,
            "equipment": equipment.id,
            "channel": "phone",
            "fault": s,
            "preferred_time": s[:60],
        },
    )
    outcomes.append(("intake", r.status_code))
    job = Job.get(Job.customer == customer.id)
    assert job.fault == s and job.preferred_time == s[:60]
    client.post("/logout")
    manager_login()
    technician = re.search(
        r'<option value="([1-9]\d*)">', client.get(f"/jobs/{job.id}").get_data(as_text=True)
    )
    client.post(f"/jobs/{job.id}/dispatch", data={"technician": technician.group(1), "version": job.version})
    job = Job.get_by_id(job.id)
    r = client.post(
        f"/jobs/{job.id}/record",
        data={
            "version": job.version,
            "result": "finish",
            # Times a service can have: after the dispatch a moment ago, not in the future.
            "arrived_at": _local_minute(1),
            "finished_at": _local_minute(2),
            "work_done": s,
            "parts-0-name": s[:100],
            "parts-0-quantity": "1",
            "signer_name": s[:60],
            "on_paper": "y",
        },
    )
    outcomes.append(("record", r.status_code))
    job = Job.get_by_id(job.id)
    assert job.work_done == s and job.state == "done"
    return outcomes, job


def test_hostile_text_is_stored_exactly_or_refused(client, auth, users, dbc):
    tried = 0
    for s in HOSTILE:
        outcomes, job = _enter(client, lambda: auth.login("clerk"), lambda: auth.login("manager"), s, dbc)
        tried += 1
        if "\x00" in s or "\x07" in s:
            assert outcomes == [("customer", 422)]  # refused, with the message next to the field
        elif len(s) > 100:
            assert outcomes[0] == ("customer", 422)
        else:
            assert all(status == 303 for _, status in outcomes), outcomes
        auth.logout()
    report.add("hostile_strings_tried", tried)


@pytest.mark.browser
def test_hostile_text_is_shown_as_text_in_chromium(browser, live_server, password_hash):
    from tests.conftest import Client

    app = live_server.app
    app.test_client_class = Client
    client = app.test_client()

    def login(name):
        return lambda: client.post("/login", data={"username": name, "password": "demo1234"})

    jobs = []
    with app.app_context():
        db.connect(reuse_if_open=True)
        for s in HOSTILE:
            _, job = _enter(client, login("clerk"), login("manager"), s, None)
            if job:
                jobs.append(job)
            client.post("/logout")
        db.close()

    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(live_server.url + "/login")
    page.get_by_label("用户名").fill("manager")
    page.get_by_label("密码").fill("demo1234")
    page.get_by_role("button", name="登录").click()
    expect(page).not_to_have_url(re.compile("/login"))
    urls = [
        "/board/",
        "/jobs/dispatch",
        "/jobs/queue",
        "/register/",
        "/register/print",
        "/reconcile/",
        "/admin/events",
    ]
    for job in jobs:
        urls += [f"/jobs/{job.id}", f"/jobs/{job.id}/print"]
    executed = 0
    for url in urls:
        page.goto(live_server.url + url)
        page.wait_for_load_state("networkidle")
        if page.evaluate("window.__xss === 1"):
            executed += 1
    # the voucher page shows the script tag as text
    page.goto(live_server.url + f"/jobs/{jobs[0].id}")
    expect(page.get_by_text('<script>window.__xss=1;alert("xss")</script>').first).to_be_visible()
    executed += len(dialogs)
    report.add("scripts_executed", executed)
    assert executed == 0 and dialogs == []
