"""An out-of-town trip in real Chromium: applied for on the phone, the job held back until the
manager approves, the costs entered after the trip and booked to the job's cost."""

import pytest
from playwright.sync_api import expect

from tests.browser import DESKTOP, PHONE, console_errors, sign_in

pytestmark = pytest.mark.browser


def _dispatched_out_of_town_job():
    from models import Customer, Equipment, Job, User, db
    from models.trips import OutOfTown

    with db.connection_context():
        clerk, manager = User.get(User.username == "clerk"), User.get(User.username == "manager")
        customer = Customer.register(
            clerk,
            "苏州工业园区精工有限公司",
            contact_person="钱经理",
            address="苏州市工业园区星湖街 88 号",
            phones=["0512-6288 1234"],
        )
        item = Equipment.register(clerk, customer, "GX-12 工业冷水机", serial="SZ-0001")
        job = Job.register(clerk, customer=customer, equipment=item, fault="压缩机不启动")
        job.dispatch(User.get(User.username == "tech1"), manager)
        OutOfTown.mark(manager, job)
        return job.id, job.number


def test_a_trip_applied_for_on_the_phone_approved_then_costed(browser, live_server, screenshot):
    job_id, number = _dispatched_out_of_town_job()
    phone = browser.new_context(**PHONE).new_page()
    errors = console_errors(phone)
    phone.on("pageerror", lambda e: errors.append(str(e)))
    sign_in(phone, live_server.url, "tech1")
    phone.goto(f"{live_server.url}/tech/jobs/{job_id}")
    expect(phone.locator(".trip-panel")).to_contain_text("此工单属于异地服务")
    phone.get_by_role("button", name="到场").click()
    expect(phone.locator("#toast")).to_contain_text("请提交申请并等待批准")
    errors.clear()  # the refused step answers 409: the console logs it, as it should

    phone.locator(".trip-panel").get_by_role("link", name="申请异地服务").click()
    phone.get_by_label("目的地").fill("苏州工业园区")
    phone.get_by_label("预计交通费（元）").fill("120")
    phone.get_by_label("预计住宿费（元）").fill("300")
    phone.get_by_label("补贴天数").fill("2")
    screenshot(phone, "apply")
    phone.get_by_role("button", name="提交申请").click()
    expect(phone.locator(".heading .state")).to_have_text("已申请，待审批")
    trip_url = phone.url
    phone.goto(f"{live_server.url}/tech/jobs/{job_id}")
    expect(phone.locator(".trip-panel")).to_contain_text("等待经理批准")
    screenshot(phone, "held-back")

    manager = browser.new_context(**DESKTOP).new_page()
    manager_errors = console_errors(manager)
    sign_in(manager, live_server.url, "manager")
    manager.goto(trip_url)
    manager.get_by_role("button", name="批准出行").click()
    expect(manager.locator(".heading .state")).to_have_text("已批准，可以出发")

    phone.goto(f"{live_server.url}/tech/jobs/{job_id}")
    phone.get_by_role("button", name="到场").click()
    expect(phone.locator(".heading .state")).to_have_text("服务中")

    # back from the trip: the actual costs, approved and booked to the job
    phone.goto(trip_url)
    phone.get_by_label("交通费（元）").fill("118")
    phone.get_by_label("住宿费（元）").fill("280")
    phone.get_by_label("补贴天数").fill("2")
    phone.get_by_role("button", name="填报实际费用").click()
    expect(phone.locator(".heading .state")).to_have_text("已返回，费用待审批")
    manager.reload()
    manager.get_by_role("button", name="批准费用并计入工单成本").click()
    expect(manager.locator(".heading .state")).to_have_text("费用已批准并入账")
    expect(manager.locator("body")).to_contain_text("¥598.00")  # 118 + 280 + 2 × 100

    from models import Job, User, db

    with db.connection_context():
        job = Job.get_by_id(job_id)
        from tests.conftest import PNG_1x1

        job.finish(
            User.get(User.username == "tech1"), {"signer_name": "钱经理", "image": PNG_1x1}, "更换压缩机电容"
        )
    manager.goto(f"{live_server.url}/jobs/{job_id}")
    cost = manager.locator(".trip-panel")
    expect(cost).to_contain_text("服务成本")
    expect(cost).to_contain_text("¥598.00")
    screenshot(manager, "job-cost")
    assert errors == [] and manager_errors == []
