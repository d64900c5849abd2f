"""A technician's phone and the manager's desk side by side, in a real Chromium."""

import datetime
import re

import pytest
from playwright.sync_api import expect

from tests.browser import PHONE, console_errors, sign_in, without_offline_noise

pytestmark = pytest.mark.browser

DESK = {"viewport": {"width": 1280, "height": 800}}


def _draw(page, canvas):
    # in the middle of the screen: the sticky top bar must not catch the strokes
    canvas.evaluate("c => c.scrollIntoView({block: 'center'})")
    box = canvas.bounding_box()
    x, y, w, h = box["x"], box["y"], box["width"], box["height"]
    page.mouse.move(x + w * 0.15, y + h * 0.6)
    page.mouse.down()
    for i in range(1, 13):
        page.mouse.move(x + w * (0.15 + i * 0.055), y + h * (0.6 - 0.3 * (i % 2)), steps=3)
    page.mouse.up()


def _state(page):
    """The job's state in the page's heading (the money panel shows a charge's state too)."""
    return page.locator("#tech-job [data-job-state]")


def _today():
    from models import db
    from models.core import today

    with db.connection_context():
        return today()


def _job(state, tech="tech1"):
    """A job of the demo's first customer in ``state``, dispatched to ``tech``; its id."""
    from models import Equipment, Job, User, db

    with db.connection_context():
        clerk, manager = User.get(User.username == "clerk"), User.get(User.username == "manager")
        technician = User.get(User.username == tech)
        equipment = Equipment.select().where(Equipment.serial != "").order_by(Equipment.id).first()
        job = Job.register(
            clerk, customer=equipment.customer, equipment=equipment, fault="开机后异响，随后停机"
        )
        job.dispatch(technician, manager)
        if state != "dispatched":
            job.arrive(technician)
        return job.id, job.number


def test_a_dispatch_reaches_the_phone_live_and_is_finished_with_a_signature(browser, live_server, screenshot):
    phone = browser.new_context(**PHONE)
    tech = phone.new_page()
    errors = console_errors(tech)
    sign_in(tech, live_server.url, "tech1")
    tech.goto(live_server.url + "/tech/")
    expect(tech.get_by_role("heading", name="我的工单")).to_be_visible()
    expect(tech.locator(".live-label .live-on")).to_have_text("实时更新")
    expect(tech.locator(".live-label .live-off")).to_be_hidden()

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
    # Not on site yet: no finish form, only the arrival (now, or when it was).
    expect(tech.locator("form[data-finish-form]")).to_have_count(0)
    screenshot(tech, "job")
    tech.get_by_role("button", name="到场", exact=True).click()
    expect(_state(tech)).to_have_text("服务中")
    expect(tech.get_by_role("button", name="到场", exact=True)).to_have_count(0)

    # What is typed survives a reload (a weak signal, a closed tab), rows of parts added too.
    tech.get_by_label("服务内容").fill("清洗冷凝器，补充冷媒，制冷恢复正常")
    tech.get_by_text("调试校准").click()
    tech.get_by_role("combobox", name="配件").first.fill("R410A 冷媒")
    tech.get_by_role("button", name="添加配件").click()
    tech.get_by_role("combobox", name="配件").nth(1).fill("密封圈 DN25")
    tech.get_by_role("spinbutton", name="数量").nth(1).fill("4")
    tech.reload()
    expect(tech.get_by_label("服务内容")).to_have_value("清洗冷凝器，补充冷媒，制冷恢复正常")
    expect(tech.get_by_role("checkbox", name="调试校准")).to_be_checked()
    expect(tech.get_by_role("combobox", name="配件").nth(1)).to_have_value("密封圈 DN25")
    expect(tech.get_by_text("已恢复上次未提交的内容")).to_be_visible()

    # Right above the pads, read only: what the customer signs for, as typed.
    summary = tech.locator("[data-summary]")
    expect(summary.locator('[data-sum="work"]')).to_have_text("清洗冷凝器，补充冷媒，制冷恢复正常\n调试校准")
    expect(summary.locator('[data-sum="parts"]')).to_have_text("R410A 冷媒 × 1; 密封圈 DN25 × 4")

    # Empty pads are refused on the phone, with a message for each.
    submit = tech.get_by_role("button", name="客户签字，提交")
    submit.click()
    expect(tech.get_by_text("请先让客户在框内签名")).to_be_visible()
    expect(tech.get_by_text("请服务人员也签名")).to_be_visible()

    pads = tech.locator("canvas.signature-pad")
    _draw(tech, pads.nth(0))
    _draw(tech, pads.nth(1))
    summary.scroll_into_view_if_needed()
    screenshot(tech, "signature")

    # The customer signed for what the summary says: a change afterwards asks for new signatures.
    tech.get_by_label("服务内容").fill("清洗冷凝器，补充冷媒 1 kg，制冷恢复正常")
    expect(tech.get_by_text("签字确认的内容有改动，请重新签字")).to_be_visible()
    finish_form = tech.locator("form[data-finish-form]")
    assert finish_form.evaluate("form => form.pads.every(p => p.pad.isEmpty())") is True
    _draw(tech, pads.nth(0))
    _draw(tech, pads.nth(1))

    # A form error comes back in place (422) and nobody need sign again.
    tech.get_by_label("客户姓名").fill("")
    submit.click()
    expect(tech.get_by_text("请填写签字客户的姓名")).to_be_visible()
    expect(finish_form).to_have_attribute("data-ready", "1")  # set up once htmx settled the swap
    assert finish_form.evaluate("form => form.pads.some(p => p.pad.isEmpty())") is False
    screenshot(tech, "form-error")
    tech.get_by_label("客户姓名").fill("李女士")

    # The network drops: the screen says so and keeps everything, the drawings included.
    assert errors == []
    phone.set_offline(True)
    submit.click()
    expect(tech.get_by_text("未保存：网络中断，请重试")).to_be_visible()
    expect(tech.get_by_label("服务内容")).to_have_value("清洗冷凝器，补充冷媒 1 kg，制冷恢复正常")
    screenshot(tech, "offline")
    phone.set_offline(False)
    submit.click()

    expect(tech.get_by_text("已完工，等待经理核签")).to_be_in_viewport()
    # The manager's board shows it waiting for countersignature, without a reload.
    expect(manager.locator(f"#cards-done #card-{job_id}")).to_be_visible(timeout=2000)
    screenshot(manager, "board-done")
    expect(tech.get_by_text("李女士")).to_be_visible()
    expect(_state(tech)).to_have_text("完工待核")
    expect(tech.locator("img.sig")).to_have_count(2)  # the customer's and the technician's
    assert tech.locator("img.sig").first.evaluate("img => img.naturalWidth") > 100
    expect(tech.get_by_text("服务人员确认完工")).to_be_visible()
    expect(tech.locator("form[data-finish-form]")).to_have_count(0)
    next_job = tech.locator(".tech-next a")
    expect(next_job).to_be_visible()
    screenshot(tech, "done")
    assert tech.evaluate("Object.keys(localStorage).filter(k => k.startsWith('tech-draft:'))") == []

    # Back on the list, the finished job has gone by itself into "done today".
    tech.get_by_role("link", name="我的工单").first.click()
    expect(tech.get_by_role("heading", name="我的工单")).to_be_visible()
    expect(tech.locator(f"#tech-job-{job_id}")).to_have_count(0)
    expect(tech.locator("#done-today")).to_contain_text(number)
    screenshot(tech, "list-done-today")
    assert without_offline_noise(errors) == []  # the failed sending and polls of the spell
    errors.clear()
    # The live indicator says in words when the list stops following.
    phone.set_offline(True)
    expect(tech.locator(".live-label .live-off")).to_have_text("更新已中断")
    expect(tech.locator(".live-label .live-on")).to_be_hidden()
    screenshot(tech, "list-interrupted")
    phone.set_offline(False)
    expect(tech.locator(".live-label .live-on")).to_be_visible(timeout=5000)
    assert without_offline_noise(errors) == []
    phone.close()
    desk.close()


def test_carried_back_repaired_in_the_workshop_and_returned(browser, live_server, screenshot):
    job_id, number = _job("on_site")
    phone = browser.new_context(**PHONE)
    tech = phone.new_page()
    errors = console_errors(tech)
    sign_in(tech, live_server.url, "tech1")
    tech.goto(f"{live_server.url}/tech/jobs/{job_id}")

    tech.get_by_text("携回修护", exact=True).click()
    expect(tech.get_by_role("group", name="携回维修收据")).to_be_visible()
    expect(tech.get_by_role("group", name="使用的配件")).to_be_hidden()  # parts come from the workshop
    tech.get_by_label("服务内容").fill("压缩机卡缸，现场无法修复")
    tech.get_by_label("携回物品").fill("KX-2000 压缩机总成")
    tech.get_by_label("随物品带走的附件").fill("电源线一根、遥控器")
    # Forgetting the condition and the return date: said next to each, nothing lost.
    pads = tech.locator("canvas.signature-pad")
    _draw(tech, pads.nth(0))
    _draw(tech, pads.nth(1))
    tech.get_by_role("button", name="客户签字，提交").click()
    expect(tech.get_by_text("“外观状况（外壳、损伤）”为必填项")).to_be_visible()
    expect(tech.get_by_text("“预计送回日期”为必填项")).to_be_visible()
    expect(tech.get_by_label("随物品带走的附件")).to_have_value("电源线一根、遥控器")
    tech.get_by_label("外观状况（外壳、损伤）").fill("外壳完好，顶盖有凹痕")
    back = _today() + datetime.timedelta(days=4)
    tech.get_by_label("预计送回日期").fill(back.isoformat())
    summary = tech.locator("[data-summary]")
    expect(summary.locator('[data-sum="carry_item"]')).to_have_text("KX-2000 压缩机总成")
    expect(summary.locator('[data-sum="carry_condition"]')).to_have_text("外壳完好，顶盖有凹痕")
    expect(summary.locator('[data-sum="return_by"]')).to_have_text(back.isoformat())
    # the receipt changed after signing: sign again
    expect(tech.get_by_text("签字确认的内容有改动，请重新签字")).to_be_visible()
    _draw(tech, pads.nth(0))
    _draw(tech, pads.nth(1))
    summary.scroll_into_view_if_needed()
    screenshot(tech, "carry-back-signing")
    tech.get_by_role("button", name="客户签字，提交").click()

    # In the workshop: the delivery pad is not offered until the item is repaired.
    expect(_state(tech)).to_have_text("携回修护")
    expect(tech.locator("form[data-finish-form]")).to_have_count(0)
    expect(tech.get_by_role("link", name="携回维修收据")).to_be_visible()
    tech.get_by_role("link", name="携回维修收据").click()
    expect(tech.get_by_role("heading", name="携回维修收据")).to_be_visible()
    for text in (
        "KX-2000 压缩机总成",
        "电源线一根、遥控器",
        "外壳完好，顶盖有凹痕",
        "压缩机卡缸，现场无法修复",
    ):
        expect(tech.get_by_text(text)).to_be_visible()
    expect(tech.locator('[data-receipt-check="ok"]')).to_have_count(2)
    screenshot(tech, "receipt")
    tech.go_back()

    repair = tech.locator("#repair")
    repair.get_by_label("修复内容").fill("更换压缩机总成，抽真空加注冷媒，试机 2 小时正常")
    repair.locator("input[aria-label=配件]").first.fill("压缩机总成")
    repair.get_by_role("button", name="添加配件").click()
    repair.locator("input[aria-label=配件]").nth(1).fill("R410A 冷媒 (kg) [P-R410A]")
    repair.get_by_role("spinbutton", name="数量").nth(1).fill("2")
    screenshot(tech, "workshop")
    repair.get_by_role("button", name="修复完成，待送回").click()
    expect(_state(tech)).to_have_text("修复完成，待送回")

    # Returning it: the customer sees work, parts and times, then signs for the delivery.
    finish = tech.locator("#finish")
    expect(finish.get_by_role("heading", name="送回修好的物品，客户签收")).to_be_visible()
    summary = tech.locator("[data-summary]")
    expect(summary.locator('[data-sum="parts"]')).to_have_text(
        "压缩机总成 × 1; R410A 冷媒 (kg) [P-R410A] × 2"
    )
    expect(summary).to_contain_text("修复完成时间")
    pads = tech.locator("canvas.signature-pad")
    _draw(tech, pads.nth(0))
    _draw(tech, pads.nth(1))
    summary.scroll_into_view_if_needed()
    screenshot(tech, "delivery-signing")
    tech.get_by_role("button", name="客户签字，提交").click()
    expect(_state(tech)).to_have_text("完工待核")
    expect(tech.locator("img.sig")).to_have_count(4)
    assert errors == []

    # The printed voucher shows the technician's signature beside the customer's.
    desk = browser.new_context(**DESK)
    manager = desk.new_page()
    sign_in(manager, live_server.url, "manager")
    manager.goto(f"{live_server.url}/jobs/{job_id}/print")
    box = manager.locator(".tech-sign-box")
    expect(box).to_contain_text("服务人员签名")
    expect(box.locator("img")).to_have_count(2)
    assert box.locator("img").first.evaluate("img => img.naturalWidth") > 100
    screenshot(manager, "print-desktop")
    phone.close()
    desk.close()


def test_a_job_re_dispatched_under_the_technicians_feet(browser, live_server, screenshot):
    from models import Job, User, db

    job_id, number = _job("dispatched")
    phone = browser.new_context(**PHONE)
    tech = phone.new_page()
    errors = console_errors(tech)
    sign_in(tech, live_server.url, "tech1")
    tech.goto(f"{live_server.url}/tech/jobs/{job_id}")
    expect(tech.get_by_role("heading", name=number)).to_be_visible()
    with db.connection_context():
        manager, tech2 = User.get(User.username == "manager"), User.get(User.username == "tech2")
        Job.get_by_id(job_id).dispatch(tech2, manager)
    message = tech.get_by_text(f"凭证 {number} 已改派给 李师傅，不再由您负责。")
    expect(message).to_be_visible(timeout=3000)
    expect(tech.get_by_role("link", name="返回我的工单")).to_be_visible()
    screenshot(tech, "gone")
    tech.reload()  # an old link or a reload: the same words, not "page not found"
    expect(message).to_be_visible()
    tech.get_by_role("link", name="返回我的工单").click()
    expect(tech.get_by_role("heading", name="我的工单")).to_be_visible()
    expect(tech.locator(f"#tech-job-{job_id}")).to_have_count(0)
    assert errors == []
    phone.close()


def test_in_english_an_arrival_recorded_afterwards_and_messages_in_english(browser, live_server, screenshot):
    from models import Job, db
    from models.core import clock

    job_id, number = _job("dispatched")
    with db.connection_context():  # dispatched two hours ago
        back = clock().now() - datetime.timedelta(hours=2)
        Job.update(registered_at=back - datetime.timedelta(hours=1), dispatched_at=back).where(
            Job.id == job_id
        ).execute()
        dispatched = clock().to_local(back)
    phone = browser.new_context(**PHONE)
    tech = phone.new_page()
    errors = console_errors(tech)
    sign_in(tech, live_server.url, "tech1")
    tech.goto(f"{live_server.url}/tech/jobs/{job_id}")
    tech.get_by_role("button", name="English").click()
    expect(tech.get_by_role("button", name="Arrived on site")).to_be_visible()

    tech.get_by_text("Arrived earlier and forgot to tap? Enter the time you arrived").click()
    too_early = (dispatched - datetime.timedelta(minutes=30)).strftime("%H:%M")
    tech.get_by_label("Arrived at (time)").fill(too_early)
    tech.get_by_role("button", name="Record the arrival at this time").click()
    expect(
        tech.get_by_text(re.compile(r"Arrived at.* cannot be earlier than .*Dispatched at"))
    ).to_be_visible()
    screenshot(tech, "late-arrival-error-en")
    tech.get_by_label("Arrived at (time)").fill(
        (dispatched + datetime.timedelta(minutes=40)).strftime("%H:%M")
    )
    tech.get_by_role("button", name="Record the arrival at this time").click()
    expect(_state(tech)).to_have_text("In service")
    expect(tech.get_by_text("(recorded afterwards)")).to_be_visible()

    # A wrong quantity in the part rows: in English, like everything else.
    tech.get_by_label("Work done").fill("Replaced the fan motor")
    tech.get_by_role("combobox", name="Part").first.fill("Fan motor")
    tech.get_by_role("spinbutton", name="Quantity").first.fill("0")
    pads = tech.locator("canvas.signature-pad")
    _draw(tech, pads.nth(0))
    _draw(tech, pads.nth(1))
    tech.get_by_role("button", name="Submit with the customer's signature").click()
    expect(tech.get_by_text("Quantity: Number must be between 1 and 9999.")).to_be_visible()
    screenshot(tech, "quantity-error-en")
    tech.get_by_role("spinbutton", name="Quantity").first.fill("1")
    expect(tech.get_by_text("What is signed for changed: please sign again.")).to_be_visible()
    _draw(tech, pads.nth(0))
    _draw(tech, pads.nth(1))
    tech.get_by_role("button", name="Submit with the customer's signature").click()
    expect(_state(tech)).to_have_text("Done, awaiting countersign")
    screenshot(tech, "done-en")
    tech.get_by_role("button", name="中文").click()
    expect(_state(tech)).to_have_text("完工待核")
    assert errors == []
    phone.close()


def test_the_technician_screens_on_a_desktop(browser, live_server, screenshot):
    job_id, _ = _job("on_site")
    desk = browser.new_context(**DESK)
    page = desk.new_page()
    errors = console_errors(page)
    sign_in(page, live_server.url, "tech1")
    page.goto(live_server.url + "/tech/")
    cards = page.locator("a.tech-card")
    expect(cards.first).to_be_visible()
    screenshot(page, "list-desktop")
    page.locator(f"#tech-job-{job_id}").click()
    expect(page.locator("[data-finish-form]")).to_be_visible()
    screenshot(page, "job-desktop")
    assert errors == []
    desk.close()
