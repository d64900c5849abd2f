"""Money: charges by service type to the fen, collection on site, handover to finance, invoices,
receivables and the cash journal; every yuan accounted for."""

import datetime
import threading

import pytest

from models import Event, Job, Setting, Signature, db
from models.core import RuleError, clock, now, today
from models.money import (
    Charge,
    CollectionVisits,
    Handover,
    Invoice,
    InvoiceTitle,
    JournalDay,
    JournalLine,
    Payment,
    PriceItem,
    check_taxpayer,
    parse_yuan,
    receivables,
    rmb_capitals,
    to_invoice,
)

VALID_USCC = "91110000600037341L"


@pytest.mark.parametrize(
    "fen,words",
    [
        (0, "零元整"),
        (5, "伍分"),
        (50, "伍角整"),
        (150, "壹元伍角整"),
        (10000, "壹佰元整"),
        (12345, "壹佰贰拾叁元肆角伍分"),
        (100500, "壹仟零伍元整"),
        (1005, "壹拾元零伍分"),
        (1000005, "壹万元零伍分"),
        (10001000, "壹拾万零壹拾元整"),
        (123456789, "壹佰贰拾叁万肆仟伍佰陆拾柒元捌角玖分"),
        (10000000000, "壹亿元整"),
        (10010000000, "壹亿零壹拾万元整"),
    ],
)
def test_amounts_in_chinese_capitals(fen, words):
    assert rmb_capitals(fen) == words


@pytest.mark.parametrize(
    "text,fen", [("128.5", 12850), ("1,234.56", 123456), ("0", 0), ("¥80", 8000), ("１２", 1200)]
)
def test_typed_yuan_become_exact_fen(text, fen):
    assert parse_yuan(text) == fen


@pytest.mark.parametrize("text", ["", "abc", "1.234", "-5", "1e3", "nan", "99999999999", "1 2", "0x10"])
def test_bad_amounts_are_refused(text):
    with pytest.raises(RuleError):
        parse_yuan(text)


@pytest.fixture
def prices(users, dbc):
    finance = users["finance"]
    return {
        "cap": PriceItem.add(finance, "P-CAP", "启动电容 100uF", "part", "piece", 4500, 1800),
        "fan": PriceItem.add(finance, "P-FAN", "散热风扇", "part", "piece", 12000, 7000),
        "hour": PriceItem.add(finance, "RG-H", "现场工时", "labour", "hour", 8000, 0),
    }


def _finished(make, users, service_type="paid", parts=(("启动电容 100uF [P-CAP]", 2),), minutes=70, **kwargs):
    job = make.job(state="on_site", service_type=service_type, **kwargs)
    end = now()
    # on site for ``minutes`` (set up directly: the clock of a test does not wait)
    Job.update(arrived_at=end - datetime.timedelta(minutes=minutes)).where(Job.id == job.id).execute()
    job = Job.get_by_id(job.id)
    job.finish(users["tech1"], make.signature(), "更换电容", parts=list(parts), finished_at=end)
    return job


def test_each_service_type_charges_by_its_rule_to_the_fen(make, users, prices):
    paid = _finished(make, users, "paid", parts=[("启动电容 100uF [P-CAP]", 2), ("散热风扇 [P-FAN]", 1)])
    charge = Charge.for_job(paid.id)
    # parts at sale price, labour 70 min = 3 half hours at ¥80 an hour
    assert (charge.parts_fen, charge.labour_fen, charge.total_fen) == (2 * 4500 + 12000, 12000, 33000)
    assert charge.state == "priced"
    contract = _finished(make, users, "contract", parts=[("启动电容 100uF [P-CAP]", 2)])
    assert Charge.for_job(contract.id).total_fen == 2 * 1800  # parts at cost, no labour
    free = _finished(make, users, "free")
    assert Charge.for_job(free.id).total_fen == 0
    internal = _finished(make, users, "internal")
    assert Charge.for_job(internal.id) is None  # not billed


def test_a_carried_back_job_pays_the_time_on_site_not_the_days_in_the_workshop(make, users, prices):
    job = make.job(state="in_repair", service_type="paid")
    taken = job.carried_back_at
    # 40 minutes on site before the item was taken; delivered three days later
    Job.update(arrived_at=taken - datetime.timedelta(minutes=40)).where(Job.id == job.id).execute()
    job = Job.get_by_id(job.id)
    job.repair(users["tech1"], "更换主板", parts=[("启动电容 100uF [P-CAP]", 1)])
    start = clock().offset
    clock().travel(datetime.timedelta(days=3))
    try:
        Job.get_by_id(job.id).finish(users["tech1"], make.signature(), "送回试机正常")
    finally:
        clock().offset = start
    charge = Charge.for_job(job.id)
    # 40 minutes = 2 half hours at ¥80 an hour, and the part the workshop used
    assert (charge.minutes, charge.labour_fen, charge.parts_fen) == (40, 8000, 4500)


def test_a_free_text_part_is_priced_by_the_office_with_a_reason(make, users, prices):
    job = _finished(make, users, parts=[("客户自购配件安装", 1)], minutes=30)
    charge = Charge.for_job(job.id)
    assert charge.state == "to_price" and charge.total_fen == 4000  # half an hour of labour only
    with pytest.raises(RuleError):
        Payment.collect(users["tech1"], job, "cash", 4000)  # not before it is priced
    line = next(line for line in charge.lines() if line.kind == "part")
    with pytest.raises(RuleError):
        charge.revise(users["manager"], "", {line.id: 2000})
    charge.revise(users["manager"], "按安装费收取", {line.id: 2000})
    charge = Charge.for_job(job.id)
    assert charge.state == "priced" and charge.total_fen == 6000
    event = Event.select().where(Event.subject == "charge", Event.action == "revise").get()
    assert event.data["total"] == [4000, 6000] and event.note == "按安装费收取"


def test_a_price_change_never_alters_a_job_already_charged(make, users, prices):
    job = _finished(make, users)
    before = Charge.for_job(job.id).total_fen
    prices["cap"].set_price(users["finance"], 9900, 2000)
    assert Charge.for_job(job.id).total_fen == before
    later = _finished(make, users)
    assert Charge.for_job(later.id).parts_fen == 2 * 9900
    assert [v.sale_fen for v in prices["cap"].versions()] == [9900, 4500]


def test_the_signature_covers_the_amount(make, users, prices):
    job = _finished(make, users, parts=[("客户自购配件安装", 1)])
    signature = Signature.get(Signature.subject_id == job.id, Signature.kind == "completion")
    assert job.signature_matches(signature)
    assert job.full_content()["charge_fen"] == Charge.for_job(job.id).total_fen
    charge = Charge.for_job(job.id)
    charge.revise(users["manager"], "补收安装费", {charge.lines()[0].id: 5000})
    assert not job.signature_matches(signature)  # the signed amount changed afterwards


def test_collection_on_site_under_the_limit_with_a_numbered_receipt(make, users, prices):
    Setting.set_value("small_fee_limit_fen", 50000, users["admin"])
    job = _finished(make, users)
    total = Charge.for_job(job.id).total_fen
    with pytest.raises(RuleError):
        Payment.collect(users["tech2"], job, "cash", total)  # not their job
    with pytest.raises(RuleError) as too_much:
        Payment.collect(users["tech1"], job, "cash", total + 1)
    assert too_much.value.field == "amount"
    payment = Payment.collect(users["tech1"], job, "cash", total)
    assert payment.receipt == f"SJ{today().year}-000001" and payment.state == "in_hand"
    second = Payment.collect(users["tech1"], _finished(make, users), "wechat", total)
    assert second.receipt == f"SJ{today().year}-000002"
    with pytest.raises(RuleError):
        Payment.collect(users["tech1"], job, "cash", 1)  # nothing more is owed


def test_above_the_limit_finance_invoices_first(make, users, prices):
    Setting.set_value("small_fee_limit_fen", 10000, users["admin"])
    job = _finished(make, users)
    with pytest.raises(RuleError):
        Payment.collect(users["tech1"], job, "cash", 100)
    assert job.id in [j.id for j in to_invoice()]


def test_handover_counts_flags_a_difference_and_it_cannot_be_cleared_silently(make, users, prices):
    a = Payment.collect(users["tech1"], _finished(make, users), "cash", 33000 - 12000 - 4500 * 0 - 9000 + 0)
    b = Payment.collect(users["tech1"], _finished(make, users), "cash", 21000)
    batch = Handover.submit(users["tech1"], [a.id, b.id])
    assert batch.number == f"JK{today().year}-000001" and batch.total_fen == a.amount_fen + b.amount_fen
    assert {p.state for p in batch.items()} == {"handed_over"}
    Payment.get_by_id(a.id).receive(users["finance"], a.amount_fen)
    assert Handover.get_by_id(batch.id).state == "submitted"  # not all counted yet
    Payment.get_by_id(b.id).receive(users["finance"], b.amount_fen - 1000)  # ¥10 short
    batch = Handover.get_by_id(batch.id)
    assert batch.state == "differs" and batch.difference_fen == -1000
    assert Payment.get_by_id(b.id).state == "differs"
    with pytest.raises(RuleError):
        batch.resolve(users["finance"], "")
    batch.resolve(users["finance"], "服务人员已补交 10 元现金，另记一笔")
    assert Handover.get_by_id(batch.id).state == "resolved"
    total = sum(line.amount_fen for line in JournalLine.of_day(today()))
    assert total == a.amount_fen + b.amount_fen - 1000  # the journal has what was counted


def test_a_sum_cannot_be_handed_over_twice_even_by_two_concurrent_requests(app, make, users, prices):
    payment = Payment.collect(users["tech1"], _finished(make, users), "cash", 21000)
    db.close()
    results, errors = [], []
    barrier = threading.Barrier(2)

    def hand():
        try:
            barrier.wait()
            with db.connection_context():
                results.append(Handover.submit(users["tech1"], [payment.id]).id)
        except RuleError as error:
            errors.append(error)

    threads = [threading.Thread(target=hand) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(results) == 1 and len(errors) == 1
    with db.connection_context():
        assert Handover.select().count() == 1
        assert Payment.get_by_id(payment.id).handover_id == results[0]


@pytest.mark.parametrize(
    "change,field",
    [
        ({"number": "123"}, "number"),
        ({"taxpayer_no": "91110000600037341X"}, "taxpayer_no"),
        ({"amount_fen": 0}, "amount"),
        ({"amount_fen": 10**9}, "amount"),
        ({"tax_rate": "77"}, "tax_rate"),
        ({"delivery": "mail", "tracking_no": ""}, "tracking_no"),
        ({"buyer_name": " "}, "buyer_name"),
        ({"issued_on": datetime.date(2999, 1, 1)}, "issued_on"),
    ],
)
def test_bad_invoices_are_refused_next_to_the_field(make, users, prices, change, field):
    job = _finished(make, users)
    data = _invoice_data(job, **change)
    with pytest.raises(RuleError) as refused:
        Invoice.issue(users["finance"], job, **data)
    assert refused.value.field == field
    assert Invoice.select().count() == 0


def _invoice_data(job, **change):
    data = {
        "kind": "e",
        "number": "26312000000000012345",
        "issued_on": today(),
        "amount_fen": Charge.for_job(job.id).total_fen,
        "tax_rate": "130",
        "buyer_kind": "company",
        "buyer_name": "上海华东机械有限公司",
        "taxpayer_no": VALID_USCC,
        "delivery": "mail",
        "tracking_no": "SF1234567890",
    }
    data.update(change)
    return data


def test_an_invoice_is_reversed_never_deleted_and_a_new_one_issued(make, users, prices):
    job = _finished(make, users)
    invoice = Invoice.issue(users["finance"], job, **_invoice_data(job))
    assert [t.buyer_name for t in InvoiceTitle.of(job.customer_id)] == ["上海华东机械有限公司"]
    with pytest.raises(RuleError):
        Invoice.issue(
            users["finance"], job, **_invoice_data(job, number="26312000000000099999")
        )  # fully invoiced
    with pytest.raises(RuleError):
        invoice.reverse(users["finance"], "")
    invoice.reverse(users["finance"], "抬头开错")
    again = Invoice.issue(users["finance"], job, **_invoice_data(job, number="26312000000000054321"))
    assert Invoice.select().count() == 2 and Invoice.get_by_id(invoice.id).state == "reversed"
    assert again.state == "issued"
    with pytest.raises(RuleError):
        Invoice.issue(users["clerk"], job, **_invoice_data(job, number="26312000000000011111"))


def test_individuals_have_no_taxpayer_number_and_companies_need_a_valid_one():
    assert check_taxpayer("person", "anything") == ""
    assert check_taxpayer("company", " 9111 0000 6000 3734 1l ") == VALID_USCC
    with pytest.raises(RuleError):
        check_taxpayer("company", "")


def test_receivables_by_age_and_a_collection_visit_settles_them(make, users, prices):
    job = _finished(make, users)
    total = Charge.for_job(job.id).total_fen
    Invoice.issue(
        users["finance"], job, **_invoice_data(job, issued_on=today() - datetime.timedelta(days=40))
    )
    rows = receivables()
    assert [(r.id, r.owed_fen, r.bucket) for r in rows] == [(job.id, total, 1)]  # 31–60 days
    link, visit = CollectionVisits.request(users["manager"], job)
    with pytest.raises(RuleError):
        CollectionVisits.request(users["manager"], job)  # one visit at a time
    visit.dispatch(users["tech2"], users["manager"])
    part = Payment.collect(users["tech2"], job, "cash", 10000, kind="visit", visit=visit)
    assert part.kind == "visit"
    assert receivables()[0].owed_fen == total - 10000  # a partial payment
    Payment.receive_bank(users["finance"], job, "transfer", total - 10000)
    assert receivables() == []


def test_a_closed_day_cannot_change(make, users, prices):
    job = _finished(make, users)
    Payment.receive_bank(users["finance"], job, "transfer", 1000)
    closed = JournalDay.close(users["finance"], today())
    assert closed.total_fen == 1000
    with pytest.raises(RuleError):
        JournalDay.close(users["finance"], today())
    with pytest.raises(RuleError):
        Payment.receive_bank(users["finance"], job, "transfer", 500)
    assert JournalLine.select().count() == 1
    with pytest.raises(RuleError):
        JournalDay.close(users["clerk"], today() - datetime.timedelta(days=1))


# ---- through the screens ----------------------------------------------------------------------


def test_the_phone_shows_what_the_customer_pays_before_signing(client, auth, make, users, prices):
    job = make.job(state="on_site")
    auth.login("tech1")
    page = client.get(f"/tech/jobs/{job.id}").get_data(as_text=True)
    assert 'id="part-picks"' in page and "启动电容 100uF [P-CAP]" in page and 'list="part-picks"' in page
    assert 'id="charge-quote"' in page
    fragment = client.get(
        f"/money/jobs/{job.id}/quote?parts-0-name=启动电容 100uF [P-CAP]&parts-0-quantity=2", htmx=True
    ).get_data(as_text=True)
    assert "¥90.00" in fragment and "玖拾元整" in fragment and "<html" not in fragment


def test_collect_on_site_gives_a_receipt_page(client, auth, make, users, prices):
    job = _finished(make, users)
    total = Charge.for_job(job.id).total_fen
    auth.login("tech1")
    page = client.get(f"/tech/jobs/{job.id}").get_data(as_text=True)
    assert "现场收费" in page and f'value="{total / 100:.2f}"' in page
    response = client.post(
        f"/money/jobs/{job.id}/collect", data={"method": "cash", "amount": f"{total / 100:.2f}"}
    )
    assert response.status_code == 303
    receipt = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"SJ{today().year}-000001" in receipt and "收据" in receipt and rmb_capitals(total) in receipt
    bad = client.post(f"/money/jobs/{job.id}/collect", data={"method": "cash", "amount": "abc"}, htmx=True)
    assert bad.status_code == 409 and "请以元为单位" in bad.get_data(as_text=True)
    assert Payment.select().count() == 1


def test_hand_over_and_finance_counts_it(client, auth, make, users, prices):
    payment = Payment.collect(users["tech1"], _finished(make, users), "cash", 21000)
    auth.login("tech1")
    page = client.get("/money/mine").get_data(as_text=True)
    assert payment.receipt in page and "¥210.00" in page
    response = client.post("/money/handovers", data={"payments": [payment.id]})
    assert response.status_code == 303
    batch = Handover.get()
    auth.logout()
    auth.login("finance")
    sheet = client.get(f"/money/handovers/{batch.id}").get_data(as_text=True)
    assert batch.number in sheet and "交款人（签字）" in sheet
    payment = Payment.get_by_id(payment.id)
    response = client.post(
        f"/money/payments/{payment.id}/receive", data={"counted": "210", "version": payment.version}
    )
    assert response.status_code == 303
    assert Handover.get_by_id(batch.id).state == "confirmed"
    journal = client.get("/money/journal").get_data(as_text=True)
    assert "¥210.00" in journal
    home = client.get("/money/").get_data(as_text=True)
    assert "待开票" in home and "¥210.00" in home


def test_invoice_screen_refuses_a_bad_taxpayer_number_next_to_the_field(client, auth, make, users, prices):
    job = _finished(make, users)
    auth.login("finance")
    form = client.get(f"/money/jobs/{job.id}/invoice").get_data(as_text=True)
    assert "¥210.00" in form and 'value="210.00"' in form and "购买方名称" in form
    data = {
        "kind": "e",
        "number": "26312000000000012345",
        "issued_on": today().isoformat(),
        "amount": "210",
        "tax_rate": "130",
        "buyer_kind": "company",
        "buyer_name": "上海华东机械有限公司",
        "taxpayer_no": "91110000600037341X",
        "delivery": "mail",
        "tracking_no": "SF1",
    }
    response = client.post(f"/money/jobs/{job.id}/invoice", data=data)
    assert response.status_code == 422 and "统一社会信用代码无效" in response.get_data(as_text=True)
    assert Invoice.select().count() == 0
    data["taxpayer_no"] = VALID_USCC
    assert client.post(f"/money/jobs/{job.id}/invoice", data=data).status_code == 303
    register = client.get("/money/invoices").get_data(as_text=True)
    assert "26312000000000012345" in register
    export = client.get("/money/invoices.xlsx")
    assert export.status_code == 200 and export.data[:2] == b"PK"


def test_finance_screens_are_finance_s(client, auth, make, users, prices):
    job = _finished(make, users)
    auth.login("tech1")
    assert client.get("/money/invoices").status_code == 403
    assert client.get(f"/money/jobs/{job.id}/invoice").status_code == 403
    auth.logout()
    auth.login("clerk")
    assert client.get("/money/prices").status_code == 403
    assert (
        client.post(f"/money/jobs/{job.id}/payment", data={"method": "cash", "amount": "1"}).status_code
        == 403
    )
    assert Payment.select().count() == 0


def test_totals_add_up_across_charges_receipts_invoices_and_the_journal(make, users, prices):
    jobs = [_finished(make, users, minutes=30 * (n + 1)) for n in range(4)]
    charges = [Charge.for_job(j.id).total_fen for j in jobs]
    payments = [
        Payment.collect(users["tech1"], j, "cash", c) for j, c in zip(jobs[:2], charges[:2], strict=True)
    ]
    batch = Handover.submit(users["tech1"], [p.id for p in payments])
    for p in batch.items():
        Payment.get_by_id(p.id).receive(users["finance"], p.amount_fen)
    for n, job in enumerate(jobs[2:]):
        Invoice.issue(users["finance"], job, **_invoice_data(job, number=f"2631200000000000000{n}"))
    Payment.receive_bank(users["finance"], jobs[2], "transfer", charges[2])
    journal = sum(line.amount_fen for line in JournalLine.of_day(today()))
    assert journal == charges[0] + charges[1] + charges[2]
    assert sum(r.owed_fen for r in receivables()) == charges[3]
    assert Handover.get_by_id(batch.id).total_fen == charges[0] + charges[1]
