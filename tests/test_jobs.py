"""The voucher's life as model rules: numbering, transitions, roles, carry-over, reconciliation."""

import datetime
import threading

import pytest

from models import Conflict, Event, Forbidden, Job, RuleError, Signature
from models.core import today
from models.service import reconciliation


def test_register_records_art7_fields_and_numbers_the_voucher(make, users):
    equipment = make.equipment(
        warranty_days=-10, purchase_place="上海门店", purchase_date=today() - datetime.timedelta(days=400)
    )
    job = Job.register(
        users["clerk"],
        customer=equipment.customer,
        equipment=equipment,
        fault="不制冷",
        channel="phone",
        preferred_time="明天上午",
    )
    assert job.number == f"FW{today().year}-000001"
    assert job.state == "registered" and job.register_day == today()
    assert job.customer_name == "上海华东机械有限公司" and job.phone == "021-6234 5678"
    assert job.product_model == "KX-2000" and job.spec == "380V 5.5kW"
    assert job.purchase_place == "上海门店" and job.purchase_date == equipment.purchase_date
    assert job.service_type == "paid" and job.proposed_type == "paid"
    events = list(Event.of(job))
    assert [(e.action, e.to_state, e.actor_id) for e in events] == [
        ("register", "registered", users["clerk"].id)
    ]


def test_type_is_proposed_from_warranty_and_contract(make, users):
    from models import Contract

    in_warranty = make.equipment(warranty_days=30)
    assert Job.propose_type(in_warranty) == "free"
    out = make.equipment(warranty_days=-1, serial="SN-2")
    assert Job.propose_type(out) == "paid"
    Contract.register(
        users["clerk"],
        out.customer,
        "HT-2026-01",
        today() - datetime.timedelta(days=1),
        today() + datetime.timedelta(days=300),
        [out.id],
    )
    assert Job.propose_type(out) == "contract"


def test_changing_the_proposed_type_needs_a_reason(make, users):
    equipment = make.equipment(warranty_days=30)
    with pytest.raises(RuleError) as error:
        Job.register(users["clerk"], equipment=equipment, fault="x", service_type="paid")
    assert error.value.field == "type_reason"
    job = Job.register(
        users["clerk"],
        equipment=equipment,
        fault="x",
        service_type="paid",
        type_reason="人为损坏，不在保修范围",
    )
    assert job.service_type == "paid" and job.proposed_type == "free"
    assert Job.select().count() == 1


@pytest.mark.parametrize("role", ["tech1", "finance", "admin"])
def test_only_clerks_and_managers_register(make, users, role):
    equipment = make.equipment()
    with pytest.raises(Forbidden):
        Job.register(users[role], equipment=equipment, fault="x")
    assert Job.select().count() == 0


def test_full_life_and_history(make, users):
    job = make.job(state="filed")
    assert job.state == "filed" and job.closed
    assert [e.action for e in Event.of(job)] == [
        "register",
        "dispatch",
        "arrive",
        "finish",
        "countersign",
        "file",
    ]
    signature = Signature.get(Signature.subject_id == job.id)
    assert signature.kind == "completion" and signature.signer_name == "张经理"
    assert len(signature.content_hash) == 64
    assert [(p.name, p.quantity) for p in job.parts] == [("电容 100uF", 2)]


def test_carry_back_then_the_workshop_then_delivery(make, users):
    job = make.job(state="in_repair")
    assert job.carried_back and job.state == "in_repair" and job.carried_back_at is not None
    # the item defaults to the equipment, the note to what was written when it was taken
    assert (job.carry_item, job.carry_serial, job.carry_note) == (
        "KX-2000 380V 5.5kW",
        "SN-0001",
        "主板故障，带回维修",
    )
    # The delivery signature is not offered before the workshop says the item is repaired.
    assert "finish" not in job.allowed_actions(users["tech1"]) and "repair" in job.allowed_actions(
        users["tech1"]
    )
    with pytest.raises(RuleError):
        job.finish(users["tech1"], make.signature(), "维修完成送回")
    with pytest.raises(RuleError) as error:
        job.repair(users["tech1"], "  ")
    assert error.value.field == "work_done"
    job.repair(users["tech1"], "更换主板，老化测试正常", parts=[("主板 [P-MB]", 1)])
    assert job.state == "repaired" and job.repaired_at is not None and job.repaired_by_id == users["tech1"].id
    assert job.work_done == "更换主板，老化测试正常" and [(p.name, p.quantity) for p in job.parts] == [
        ("主板 [P-MB]", 1)
    ]
    assert [e.action for e in Event.of(job)][-2:] == ["carry_back", "repair"]
    job.finish(users["tech1"], make.signature(), "更换主板，送回试机正常")
    assert job.state == "done" and job.finished_at >= job.repaired_at >= job.carried_back_at
    kinds = [s.kind for s in job.signatures_list()]
    assert kinds == ["item_taken", "completion"]
    # The receipt the customer signed still reads as signed after the repair and the delivery.
    taken, completion = job.signatures_list()
    assert taken.content_version == Job.RECEIPT_VERSION and job.signature_matches(taken)
    assert completion.content_version == Job.CONTENT_VERSION == 3 and job.signature_matches(completion)


def test_the_carry_back_receipt_is_what_the_customer_signs_for(make, users):
    job = make.job(state="on_site")
    receipt = {
        "item": "控制主板",
        "serial": "MB-778",
        "accessories": "电源线",
        "condition": "外壳完好",
        "return_by": today() + datetime.timedelta(days=2),
    }
    job.carry_back(
        users["tech1"],
        make.signature(),
        "主板烧毁",
        receipt=receipt,
        technician_signature=make.signature()["image"],
    )
    job = Job.get_by_id(job.id)
    assert (job.carry_item, job.carry_serial, job.carry_accessories, job.carry_condition) == (
        "控制主板",
        "MB-778",
        "电源线",
        "外壳完好",
    )
    assert job.return_by == receipt["return_by"]
    taken, by_tech = job.signatures_list()
    assert (taken.kind, by_tech.kind, by_tech.signer_name) == ("item_taken", "tech_item_taken", "Tech1")
    assert by_tech.content_version == Job.RECEIPT_VERSION and job.signature_matches(by_tech)
    # A change to the receipt shows: the receipt no longer reads as signed.
    Job.update(carry_accessories="").where(Job.id == job.id).execute()
    assert not Job.get_by_id(job.id).signature_matches(taken)


@pytest.mark.parametrize(
    "receipt,field",
    [
        ({"return_by": today() - datetime.timedelta(days=1)}, "return_by"),
        ({"return_by": today() + datetime.timedelta(days=400)}, "return_by"),
    ],
)
def test_a_receipt_with_an_impossible_return_date_is_refused(make, users, receipt, field):
    job = make.job(state="on_site")
    with pytest.raises(RuleError) as error:
        job.carry_back(users["tech1"], make.signature(), "带回", receipt=receipt)
    assert error.value.field == field
    assert Job.get_by_id(job.id).state == "on_site" and Signature.select().count() == 0


def test_nothing_is_finished_or_carried_back_before_the_arrival(make, users):
    job = make.job(state="dispatched")
    for step in (
        lambda: job.finish(users["tech1"], make.signature(), "done"),
        lambda: job.carry_back(users["tech1"], make.signature(), "带回"),
    ):
        with pytest.raises(RuleError):
            step()
    # The office entering a paper voucher says when the technician arrived: never the end time.
    with pytest.raises(RuleError) as error:
        job.enter_paper(users["clerk"], "finish", "张经理", "更换电容", arrived_at=None)
    assert error.value.field == "arrived_at"
    assert Job.get_by_id(job.id).state == "dispatched" and Signature.select().count() == 0


def test_arrival_recorded_afterwards_keeps_the_service_time_true(make, users):
    from models.core import clock, now

    job = make.job(state="dispatched")
    clock().travel(datetime.timedelta(minutes=50))
    arrived = now() - datetime.timedelta(minutes=40)
    job.arrive(users["tech1"], at=arrived)
    clock().travel(datetime.timedelta(minutes=30))
    job.finish(users["tech1"], make.signature(), "更换电容")
    job = Job.get_by_id(job.id)
    assert job.arrived_at == arrived and (job.finished_at - job.arrived_at) >= datetime.timedelta(minutes=70)
    arrive = Event.of(job).where(Event.action == "arrive").get()
    assert arrive.data["late"] is True
    with pytest.raises(RuleError) as error:  # before the dispatch: impossible
        make.job(state="dispatched").arrive(users["tech1"], at=now() - datetime.timedelta(days=1))
    assert error.value.field == "arrived_at"


@pytest.mark.parametrize(
    "state,action",
    [
        ("registered", lambda j, u, m: j.arrive(u["manager"])),
        ("registered", lambda j, u, m: j.countersign(u["manager"])),
        ("dispatched", lambda j, u, m: j.file(u["manager"])),
        ("done", lambda j, u, m: j.arrive(u["tech1"])),
        ("filed", lambda j, u, m: j.void(u["manager"], "错误")),
        ("filed", lambda j, u, m: j.dispatch(u["tech2"], u["manager"])),
        ("void", lambda j, u, m: j.dispatch(u["tech2"], u["manager"])),
    ],
)
def test_illegal_transitions_are_refused_and_change_nothing(make, users, state, action):
    job = make.job(state=state)
    before = (Job.get_by_id(job.id).state, Event.select().count())
    with pytest.raises(RuleError) as error:
        action(job, users, make)
    assert "cannot be changed" in str(error.value)
    assert (Job.get_by_id(job.id).state, Event.select().count()) == before


@pytest.mark.parametrize(
    "who,action",
    [
        ("clerk", lambda j, u: j.dispatch(u["tech1"], u["clerk"])),
        ("tech1", lambda j, u: j.dispatch(u["tech1"], u["tech1"])),
        ("finance", lambda j, u: j.void(u["finance"], "x")),
        ("clerk", lambda j, u: j.void(u["clerk"], "x")),
    ],
)
def test_wrong_roles_are_refused(make, users, who, action):
    job = make.job()
    with pytest.raises(Forbidden):
        action(job, users)
    assert Job.get_by_id(job.id).state == "registered"


def test_a_technician_works_only_their_own_jobs(make, users):
    job = make.job(state="dispatched", tech="tech1")
    with pytest.raises(Forbidden):
        job.arrive(users["tech2"])
    assert not job.can_view(users["tech2"]) and job.can_view(users["tech1"])
    assert "arrive" in job.allowed_actions(users["tech1"])
    assert job.allowed_actions(users["tech2"]) == []


def test_filed_voucher_cannot_change(make, users):
    job = make.job(state="filed")
    for attempt in (
        lambda: job.void(users["manager"], "x"),
        lambda: job.countersign(users["manager"]),
        lambda: job.finish(users["manager"], make.signature(), "again"),
    ):
        with pytest.raises(RuleError):
            attempt()
    assert Job.get_by_id(job.id).state == "filed"


def test_void_needs_a_reason_and_keeps_the_number(make, users):
    job = make.job()
    with pytest.raises(RuleError):
        job.void(users["manager"], "  ")
    job.void(users["manager"], "重复登记")
    again = make.job()
    assert Job.get_by_id(job.id).number.endswith("000001") and again.number.endswith("000002")
    assert Job.get_by_id(job.id).state == "void"


def test_stale_version_is_a_conflict_naming_who_won(make, users):
    job = make.job()
    stale = Job.get_by_id(job.id)
    job.dispatch(users["tech1"], users["manager"], version=1)
    with pytest.raises(Conflict) as error:
        stale.dispatch(users["tech2"], users["manager"], version=1)
    assert "Manager" in str(error.value) and "Tech1" in str(error.value)
    assert Job.get_by_id(job.id).technician_id == users["tech1"].id


def test_signature_rules(make, users):
    job = make.job(state="on_site")
    bad = [
        ({"signer_name": "", "image": make.signature()["image"]}, "signer_name"),
        ({"signer_name": "张"}, "signature"),
        ({"signer_name": "张", "image": b"GIF89a" + b"0" * 200}, "signature"),
        ({"signer_name": "张", "image": b"\x89PNG\r\n\x1a\n" + b"0" * 300_000}, "signature"),
    ]
    for signature, field in bad:
        with pytest.raises(RuleError) as error:
            job.finish(users["tech1"], signature, "done")
        assert error.value.field == field
    assert Job.get_by_id(job.id).state == "on_site" and Signature.select().count() == 0


def test_carry_over_is_computed_from_dates(make, users):
    old = make.job()
    Job.update(register_day=today() - datetime.timedelta(days=1)).where(Job.id == old.id).execute()
    new = make.job()
    queue = list(Job.awaiting_dispatch())
    assert [j.id for j in queue] == [old.id, new.id]
    assert queue[0].carried_from() == today() - datetime.timedelta(days=1)
    assert queue[1].carried_from() is None


def test_reconciliation_lists_each_discrepancy(make, users):
    jobs = {
        state: make.job(state=state)
        for state in ("registered", "dispatched", "done", "countersigned", "filed")
    }
    yesterday = make.job()
    Job.update(register_day=today() - datetime.timedelta(days=1)).where(Job.id == yesterday.id).execute()
    # an inconsistent record: completed with no signature (e.g. edited outside the app)
    broken = make.job(state="done")
    Signature.delete().where(Signature.subject_id == broken.id).execute()
    report = reconciliation(today())
    ids = {k: [j.id for j in v] for k, v in report["buckets"].items()}
    assert ids["not_dispatched"] == [jobs["registered"].id]
    assert ids["not_back"] == [jobs["dispatched"].id]
    assert set(ids["not_countersigned"]) == {jobs["done"].id, broken.id}
    assert ids["not_filed"] == [jobs["countersigned"].id]
    assert [j.id for j in report["carried"]] == [yesterday.id]
    assert [(j.id, msg) for j, msg in report["problems"]] == [
        (broken.id, "Completed without the customer's signature")
    ]


def test_concurrent_registrations_get_consecutive_numbers(app, make, users):
    from models import db

    equipment = make.equipment()
    db.close()
    numbers, errors = [], []
    barrier = threading.Barrier(20)

    def register():
        try:
            barrier.wait()
            with db.connection_context():
                job = Job.register(
                    users["clerk"], customer=equipment.customer, equipment=equipment, fault="并发"
                )
                numbers.append(job.seq)
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=register) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == []
    assert sorted(numbers) == list(range(1, 21))
    with db.connection_context():
        assert Job.select().count() == 20


def test_a_resent_finish_with_the_same_key_acts_once(make, users):
    job = make.job(state="on_site")
    for _ in range(2):
        Job.get_by_id(job.id).finish(
            users["tech1"], make.signature(), "修好了", key="k-123", parts=[("保险管", 1)]
        )
    job = Job.get_by_id(job.id)
    assert job.state == "done"
    assert Signature.select().where(Signature.subject_id == job.id).count() == 1
    assert job.parts.count() == 1
    assert Event.select().where(Event.subject_id == job.id, Event.action == "finish").count() == 1


def test_signed_content_changes_only_by_a_recorded_amendment(make, users):
    job = make.job(state="done")
    signature = Signature.get(Signature.subject_id == job.id)
    assert job.signature_matches(signature)
    with pytest.raises(Forbidden):
        job.amend(users["tech1"], "typo", work_done="x")
    with pytest.raises(RuleError):
        job.amend(users["manager"], "", work_done="x")
    with pytest.raises(RuleError):
        job.amend(users["manager"], "reason", technician=5)
    job.amend(users["manager"], "客户补充说明", work_done="更换电容，并清洁风扇")
    job = Job.get_by_id(job.id)
    assert job.work_done == "更换电容，并清洁风扇"
    assert not job.signature_matches(signature)  # the signature still covers the old content
    event = Event.get(Event.action == "amend")
    assert event.note == "客户补充说明"
    assert event.data["work_done"] == ["更换电容，试机正常", "更换电容，并清洁风扇"]
    filed = make.job(state="filed")
    with pytest.raises(RuleError):
        filed.amend(users["manager"], "late", work_done="x")
