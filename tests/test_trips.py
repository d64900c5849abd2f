"""Out-of-town service approved before departure, trip costs booked to the jobs to the fen, the
cost of every job; the promotional-material ledger that never goes negative and never changes."""

import datetime
import threading

import pytest

from models import Event, Job, Setting, db
from models.core import Forbidden, RuleError, clock, now, today
from models.materials import Material, Movement, PurchaseRequest
from models.money import Charge, PriceItem
from models.trips import JobCost, OutOfTown, Trip, cost_report, costs_of, split_fen


def _trip(users, jobs, **kwargs):
    data = {
        "destination": "苏州",
        "depart_on": today(),
        "return_on": today() + datetime.timedelta(days=1),
        "transport": "train",
        "travel_fen": 20000,
        "lodging_fen": 30000,
        "allowance_days": 2,
    }
    data.update(kwargs)
    return Trip.apply_for(users["tech1"], users["tech1"], jobs, **data)


@pytest.mark.parametrize(
    "total,weights,shares",
    [
        (10001, {1: 1, 2: 1, 3: 1}, {1: 3334, 2: 3334, 3: 3333}),
        (100, {5: 1, 9: 3}, {5: 25, 9: 75}),
        (10, {1: 1, 2: 1, 3: 1}, {1: 4, 2: 3, 3: 3}),
        (7, {1: 0, 2: 0}, {1: 4, 2: 3}),
        (99, {1: 50, 2: 25, 3: 25}, {1: 49, 2: 25, 3: 25}),  # the largest remainders get the fen
    ],
)
def test_costs_split_to_the_fen_with_the_remainder_placed_deterministically(total, weights, shares):
    assert split_fen(total, weights) == shares
    assert sum(split_fen(total, weights).values()) == total


def test_an_out_of_town_job_does_not_start_before_its_trip_is_approved(make, users):
    job = make.job(state="dispatched")
    OutOfTown.mark(users["manager"], job)
    with pytest.raises(RuleError) as refused:
        job.arrive(users["tech1"])
    assert "out-of-town" in refused.value.msgid
    trip = _trip(users, [job])
    assert trip.number == f"YD{today().year}-000001" and trip.est_total_fen == 20000 + 30000 + 2 * 10000
    with pytest.raises(RuleError) as still:
        Job.get_by_id(job.id).arrive(users["tech1"])
    assert still.value.params["trip"] == trip.number
    with pytest.raises(Forbidden):
        trip.approve(users["tech1"])
    trip.approve(users["manager"], "同意")
    Job.get_by_id(job.id).arrive(users["tech1"])
    assert Job.get_by_id(job.id).state == "on_site"


def test_a_rejected_trip_keeps_the_job_from_starting(make, users):
    job = make.job(state="dispatched")
    trip = _trip(users, [job])
    with pytest.raises(RuleError):
        trip.reject(users["manager"], "")
    trip.reject(users["manager"], "电话远程指导即可")
    with pytest.raises(RuleError):
        Job.get_by_id(job.id).arrive(users["tech1"])


@pytest.mark.parametrize(
    "change,field",
    [
        ({"destination": " "}, "destination"),
        ({"return_on": today() - datetime.timedelta(days=1)}, "return_on"),
        ({"transport": "rocket"}, "transport"),
        ({"travel_fen": -1}, "travel"),
        ({"allowance_days": 400}, "allowance_days"),
    ],
)
def test_bad_applications_are_refused_next_to_the_field(make, users, change, field):
    job = make.job(state="dispatched")
    with pytest.raises(RuleError) as refused:
        _trip(users, [job], **change)
    assert refused.value.field == field
    assert Trip.select().count() == 0


def test_only_the_technician_or_the_manager_applies_and_only_for_jobs_in_hand(make, users):
    job = make.job(state="dispatched", tech="tech1")
    with pytest.raises(Forbidden):
        Trip.apply_for(
            users["tech2"],
            users["tech1"],
            [job],
            destination="杭州",
            depart_on=today(),
            return_on=today(),
            transport="bus",
        )
    with pytest.raises(RuleError):
        Trip.apply_for(
            users["tech2"],
            users["tech2"],
            [job],
            destination="杭州",
            depart_on=today(),
            return_on=today(),
            transport="bus",
        )
    trip = Trip.apply_for(
        users["manager"],
        users["tech1"],
        [job],
        destination="杭州",
        depart_on=today(),
        return_on=today(),
        transport="bus",
    )
    assert trip.technician_id == users["tech1"].id and trip.applied_by_id == users["manager"].id
    with pytest.raises(RuleError):
        _trip(users, [job])  # one open application per job


def test_actual_costs_are_approved_and_booked_to_the_trip_s_jobs(make, users):
    jobs = [make.job(state="dispatched") for _ in range(3)]
    trip = _trip(users, jobs)
    trip.approve(users["manager"])
    trip.enter_costs(users["tech1"], [("transport", 18000, 2, "高铁往返"), ("lodging", 32001, 1, "")], 2)
    trip = Trip.get_by_id(trip.id)
    assert trip.state == "costs_entered" and trip.cost_total_fen == 18000 + 32001 + 2 * 10000
    trip.return_costs(users["manager"], "住宿发票缺一张")
    trip = Trip.get_by_id(trip.id)
    trip.enter_costs(users["tech1"], [("transport", 18000, 2, ""), ("lodging", 32001, 2, "")], 2)
    trip = Trip.get_by_id(trip.id)
    assert len(trip.costs()) == 3  # the earlier round is kept, not shown as current
    trip.approve_costs(users["manager"])
    booked = JobCost.for_jobs([j.id for j in jobs])
    assert sorted(booked.values()) == [23333, 23334, 23334] and sum(booked.values()) == trip.cost_total_fen
    assert [e.action for e in Event.of(trip)][-1] == "approve_costs"


def test_the_cost_of_a_job_and_the_report_add_up(make, users):
    finance = users["finance"]
    PriceItem.add(finance, "P-CAP", "电容", "part", "piece", 4500, 1800)
    PriceItem.add(finance, "RG-H", "工时", "labour", "hour", 8000, 0)
    Setting.set_value("internal_labour_rate_fen", 6000, users["admin"])
    jobs = []
    for minutes in (30, 45, 90):
        job = make.job(state="on_site")
        end = now()
        Job.update(arrived_at=end - datetime.timedelta(minutes=minutes)).where(Job.id == job.id).execute()
        job = Job.get_by_id(job.id)
        job.finish(users["tech1"], make.signature(), "更换电容", parts=[("电容 [P-CAP]", 2)], finished_at=end)
        jobs.append(Job.get_by_id(job.id))
    costs = costs_of(jobs)
    first = costs[jobs[0].id]
    assert (first["labour"], first["parts"], first["trips"]) == (3000, 3600, 0)
    assert first["charge"] == Charge.for_job(jobs[0].id).total_fen
    assert first["margin"] == first["charge"] - first["total"]
    report = cost_report(today() - datetime.timedelta(days=1), today())
    totals = report["totals"]
    assert totals["total"] == sum(c["total"] for c in costs.values())
    assert totals["total"] == totals["labour"] + totals["parts"] + totals["trips"]
    for group in report["groups"].values():
        assert sum(bucket["total"] for bucket in group.values()) == totals["total"]
        assert sum(bucket["margin"] for bucket in group.values()) == totals["margin"]


# ---- promotional material -------------------------------------------------------------------


def test_an_issue_larger_than_the_balance_is_refused_with_a_clear_message(users, dbc):
    item = Material.add(users["clerk"], "产品宣传册", "A4 彩页", "份", low_stock=20)
    item.receive(users["clerk"], 30)
    with pytest.raises(RuleError) as refused:
        item.issue(users["tech1"], 31, "customer", "上海华东机械", "上门服务时赠送")
    assert refused.value.field == "quantity" and refused.value.params["n"] == 30
    item.issue(users["tech1"], 12, "customer", "上海华东机械", "上门服务时赠送")
    assert Material.get_by_id(item.id).balance == 18 and Material.get_by_id(item.id).low
    assert [m.name for m in Material.running_low()] == ["产品宣传册"]


def test_ten_concurrent_issues_never_take_the_stock_below_zero(app, users):
    with db.connection_context():
        item = Material.add(users["clerk"], "环保袋", unit="个")
        item.receive(users["clerk"], 5)
    db.close()
    done, refused = [], []
    barrier = threading.Barrier(10)

    def issue():
        try:
            barrier.wait()
            with db.connection_context():
                Material.get_by_id(item.id).issue(users["tech1"], 1, "event", "展会", "展会派发")
                done.append(1)
        except RuleError:
            refused.append(1)

    threads = [threading.Thread(target=issue) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(done) == 5 and len(refused) == 5
    with db.connection_context():
        assert Material.get_by_id(item.id).balance == 0
        assert Movement.select().where(Movement.material == item.id, Movement.kind == "issue").count() == 5


def test_balances_at_past_dates(users, dbc):
    start = clock().offset
    try:
        item = Material.add(users["clerk"], "台历")
        clock().travel(-datetime.timedelta(days=3))
        item.receive(users["clerk"], 100)
        three_days_ago = today()
        clock().travel(datetime.timedelta(days=1))
        item.issue(users["clerk"], 40, "colleague", "销售部王经理", "客户拜访")
        clock().travel(datetime.timedelta(days=2))
        item.stocktake(users["manager"], 58, "盘点少 2 本")
    finally:
        clock().offset = start
    assert item.balance_on(three_days_ago - datetime.timedelta(days=1)) == 0
    assert item.balance_on(three_days_ago) == 100
    assert item.balance_on(three_days_ago + datetime.timedelta(days=1)) == 60
    assert item.balance_on(today()) == 58 == Material.get_by_id(item.id).balance


def test_nothing_in_the_ledger_can_be_edited_or_deleted(users, dbc):
    item = Material.add(users["clerk"], "纸杯")
    line = item.receive(users["clerk"], 10)
    line.change = 1000
    with pytest.raises(RuleError):
        line.save()
    with pytest.raises(RuleError):
        line.delete_instance()
    assert Movement.get_by_id(line.id).change == 10
    with pytest.raises(RuleError):
        item.stocktake(users["manager"], 10, "一致")  # nothing to adjust


def test_a_purchase_request_is_approved_then_received_into_stock(users, dbc):
    item = Material.add(users["clerk"], "宣传海报")
    request = PurchaseRequest.ask(users["clerk"], item, 200, "展会需要")
    assert request.number == f"QG{today().year}-000001"
    with pytest.raises(Forbidden):
        request.approve(users["clerk"])
    request.approve(users["manager"])
    request.receive(users["clerk"], 180)
    assert PurchaseRequest.get_by_id(request.id).state == "received"
    assert Material.get_by_id(item.id).balance == 180


# ---- through the screens ----------------------------------------------------------------------


def test_a_trip_through_the_screens_from_application_to_booked_costs(client, auth, make, users, dbc):
    job = make.job(state="dispatched")
    OutOfTown.mark(users["manager"], job)
    auth.login("tech1")
    page = client.get(f"/tech/jobs/{job.id}").get_data(as_text=True)
    assert "此工单属于异地服务" in page and f"/trips/new?job={job.id}" in page
    refused = client.post(f"/jobs/{job.id}/arrive", data={"version": job.version}, htmx=True)
    assert refused.status_code == 409 and "异地服务" in refused.get_data(as_text=True)
    form = client.get(f"/trips/new?job={job.id}").get_data(as_text=True)
    assert job.number in form
    data = {
        "technician": users["tech1"].id,
        "jobs": [job.id],
        "destination": "苏州",
        "depart_on": today().isoformat(),
        "return_on": today().isoformat(),
        "transport": "train",
        "travel": "120",
        "lodging": "0",
        "allowance_days": "1",
        "purpose": "上门检修",
    }
    bad = client.post("/trips/new", data={**data, "travel": "12.345"})
    assert bad.status_code == 422 and "最多两位小数" in bad.get_data(as_text=True)
    response = client.post("/trips/new", data=data)
    assert response.status_code == 303
    trip = Trip.get()
    assert trip.est_travel_fen == 12000 and trip.est_allowance_days == 1
    assert client.post(f"/trips/{trip.id}/approve", data={"approve-version": trip.version}).status_code == 403
    auth.logout()
    auth.login("manager")
    assert client.post(f"/trips/{trip.id}/approve", data={"approve-version": trip.version}).status_code == 303
    assert Trip.get_by_id(trip.id).state == "approved"
    auth.logout()
    auth.login("tech1")
    assert (
        client.post(f"/jobs/{job.id}/arrive", data={"version": Job.get_by_id(job.id).version}).status_code
        == 303
    )
    trip = Trip.get_by_id(trip.id)
    costs = {
        "enter_costs-version": trip.version,
        "enter_costs-transport": "118",
        "enter_costs-transport_receipts": "2",
        "enter_costs-lodging": "0",
        "enter_costs-other": "0",
        "enter_costs-allowance_days": "1",
    }
    assert client.post(f"/trips/{trip.id}/costs", data=costs).status_code == 303
    auth.logout()
    auth.login("manager")
    trip = Trip.get_by_id(trip.id)
    assert (
        client.post(
            f"/trips/{trip.id}/approve-costs", data={"approve_costs-version": trip.version}
        ).status_code
        == 303
    )
    assert JobCost.for_jobs([job.id]) == {job.id: 11800 + 10000}
    printed = client.get(f"/trips/{trip.id}/print").get_data(as_text=True)
    assert "异地服务申请单" in printed and trip.number in printed and "出发前审批" in printed


def test_the_cost_report_screen_and_its_export(client, auth, make, users, dbc):
    make.job(state="filed")
    auth.login("manager")
    page = client.get("/trips/costs").get_data(as_text=True)
    assert "工单成本" in page and "按服务人员" in page
    export = client.get("/trips/costs.xlsx")
    assert export.status_code == 200 and export.data[:2] == b"PK"
    auth.logout()
    auth.login("clerk")
    assert client.get("/trips/costs").status_code == 403


def test_the_material_screens_refuse_too_much_next_to_the_field(client, auth, users, dbc):
    item = Material.add(users["clerk"], "产品宣传册")
    item.receive(users["clerk"], 10)
    auth.login("tech1")
    data = {"quantity": "11", "recipient": "customer", "to_whom": "张经理", "purpose": "赠送", "job": ""}
    response = client.post(f"/materials/{item.id}/issue", data=data)
    assert response.status_code == 422 and "仅剩 10" in response.get_data(as_text=True)
    assert client.post(f"/materials/{item.id}/issue", data={**data, "quantity": "3"}).status_code == 303
    assert (
        client.post(f"/materials/{item.id}/stocktake", data={"counted": "1", "reason": "x"}).status_code
        == 403
    )
    printed = client.get(f"/materials/{item.id}/print").get_data(as_text=True)
    assert "宣传品台账" in printed and "签字" in printed and "张经理" in printed
    assert Material.get_by_id(item.id).balance == 7
