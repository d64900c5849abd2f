"""Seed benchmark data sets with the project's own models.

Active work goes through the real model methods (register, dispatch, arrive, finish), so it
is exactly what the department would have; a year of filed history is bulk-inserted into the
same tables (jobs, events, signatures) because replaying 100,000 jobs one transaction at a
time would take longer than the benchmark itself.
"""

import datetime
import random

from models import Customer, CustomerPhone, Equipment, Event, Job, Signature, User, db
from models.core import now, today
from models.demo import signature_png

TECHS = 10
SIGNATURE = signature_png(1)
SHARED_PASSWORD = "bench-pass-1"


def _users(rng):
    password_hash = User.hash_password(SHARED_PASSWORD)
    users = {}
    for username, role in (
        ("manager", "manager"),
        ("clerk", "clerk"),
        ("finance", "finance"),
        ("admin", "admin"),
    ):
        users[username] = User.create_user(
            username, username.title(), role, None, password_hash=password_hash
        )
    techs = [
        User.create_user(f"tech{i}", f"技师{i:02d}", "technician", None, password_hash=password_hash)
        for i in range(1, TECHS + 1)
    ]
    return users, techs


def _customers(rng, clerk, count):
    """Customers and equipment through the model methods (a few hundred)."""
    items = []
    for i in range(count):
        customer = Customer.register(
            clerk,
            f"测试客户{i:05d}有限公司",
            "company",
            f"联系人{i}",
            f"上海市测试路 {i} 号",
            [f"021-{5000 + i % 4000:04d} {1000 + i:04d}"],
        )
        items.append(
            Equipment.register(
                clerk,
                customer,
                f"KX-{i % 50:03d}",
                "380V",
                serial=f"SN{i:07d}",
                purchase_date=today() - datetime.timedelta(days=400),
                warranty_end=today() + datetime.timedelta(days=rng.choice([-30, 30])),
            )
        )
    return items


def seed_active(jobs, rng=None):
    """``jobs`` active jobs over 10 technicians, in every open state, via the model methods."""
    rng = rng or random.Random(1)
    users, techs = _users(rng)
    manager, clerk = users["manager"], users["clerk"]
    equipment = _customers(rng, clerk, max(50, jobs // 4))
    states = ["registered", "dispatched", "dispatched", "on_site", "in_repair", "done"]
    for i in range(jobs):
        item = equipment[i % len(equipment)]
        job = Job.register(clerk, customer=item.customer, equipment=item, fault=f"故障描述 {i}")
        state = states[i % len(states)]
        tech = techs[i % len(techs)]
        if state == "registered":
            continue
        job.dispatch(tech, manager)
        if state == "dispatched":
            continue
        job.arrive(tech)
        if state == "on_site":
            continue
        signature = {"signer_name": "客户", "image": SIGNATURE}
        if state == "in_repair":
            job.carry_back(tech, signature, "带回")
        else:
            job.finish(tech, signature, "更换配件，试机正常")
    return users, techs


def seed_history(filed, techs, manager, clerk, days=400, customers=5000, batch=1000):
    """``filed`` filed jobs over the past ``days`` days, with their events and signatures."""
    rng = random.Random(2)
    start_id = (Customer.select(Customer.id).order_by(Customer.id.desc()).scalar() or 0) + 1
    with db.atomic():
        Customer.insert_many(
            [
                {
                    "kind": "company",
                    "name": f"历史客户{i:05d}",
                    "contact_person": f"联系人{i}",
                    "address": f"江苏省苏州市历史路 {i} 号",
                    "notes": "",
                    "created_at": now(),
                }
                for i in range(customers)
            ]
        ).execute()
    ids = list(range(start_id, start_id + customers))
    for chunk in _chunks(ids, batch):
        with db.atomic():
            CustomerPhone.insert_many(
                [
                    {"customer": c, "number": f"138{c:08d}", "digits": f"138{c:08d}", "label": ""}
                    for c in chunk
                ]
            ).execute()
            Equipment.insert_many(
                [
                    {
                        "customer": c,
                        "product_model": f"HV-{c % 80:03d}",
                        "spec": "5.5kW",
                        "serial": f"HS{c:08d}",
                        "purchase_place": "苏州",
                        "notes": "",
                        "created_at": now(),
                    }
                    for c in chunk
                ]
            ).execute()
    first_equipment = Equipment.select(Equipment.id).where(Equipment.customer == start_id).scalar()
    counters = {}
    today_ = today()
    job_rows = []
    for n in range(filed):
        day = today_ - datetime.timedelta(days=1 + (n * days) // filed)
        counters[day.year] = counters.get(day.year, 0) + 1
        c = ids[n % customers]
        tech = techs[n % len(techs)].id
        registered = datetime.datetime.combine(day, datetime.time(1, 0)) + datetime.timedelta(minutes=n % 300)
        job_rows.append(
            {
                "number": f"FW{day.year}-H{counters[day.year]:06d}",
                "year": day.year,
                "seq": counters[day.year],
                "state": "filed",
                "version": 6,
                "channel": "phone",
                "customer": c,
                "equipment": first_equipment + (c - start_id),
                "customer_name": f"历史客户{c - start_id:05d}",
                "contact_person": "",
                "phone": f"138{c:08d}",
                "address": f"江苏省苏州市历史路 {c} 号",
                "product_model": f"HV-{c % 80:03d}",
                "spec": "5.5kW",
                "serial": f"HS{c:08d}",
                "purchase_place": "苏州",
                "fault": "历史故障",
                "preferred_time": "",
                "service_type": rng.choice(["paid", "free", "contract"]),
                "proposed_type": "paid",
                "type_reason": "",
                "registered_at": registered,
                "register_day": day,
                "registered_by": clerk.id,
                "technician": tech,
                "dispatched_at": registered + datetime.timedelta(hours=1),
                "dispatched_by": manager.id,
                "arrived_at": registered + datetime.timedelta(hours=3),
                "finished_at": registered + datetime.timedelta(hours=4),
                "work_done": "更换配件",
                "carried_back": False,
                "countersigned_at": registered + datetime.timedelta(hours=8),
                "countersigned_by": manager.id,
                "filed_at": registered + datetime.timedelta(hours=9),
                "filed_by": clerk.id,
                "void_reason": "",
                "updated_at": registered + datetime.timedelta(hours=9),
            }
        )
    for chunk in _chunks(job_rows, batch):
        with db.atomic():
            Job.insert_many(chunk).execute()
    # Numbers: the history above used a separate series (H); nothing to move in Sequence.
    steps = [
        ("register", "", "registered", 0),
        ("dispatch", "registered", "dispatched", 1),
        ("arrive", "dispatched", "on_site", 3),
        ("finish", "on_site", "done", 4),
        ("countersign", "done", "countersigned", 8),
        ("file", "countersigned", "filed", 9),
    ]
    first_job = Job.select(Job.id).where(Job.number == job_rows[0]["number"]).scalar()
    for chunk in _chunks(list(enumerate(job_rows)), batch // 2):
        events, signatures = [], []
        for i, row in chunk:
            job_id = first_job + i
            for action, src, dst, hours in steps:
                events.append(
                    {
                        "at": row["registered_at"] + datetime.timedelta(hours=hours),
                        "actor_id": row["technician"] if action in ("arrive", "finish") else manager.id,
                        "subject": "job",
                        "subject_id": job_id,
                        "action": action,
                        "from_state": src,
                        "to_state": dst,
                        "note": "",
                        "data": None,
                    }
                )
            signatures.append(
                {
                    "job": job_id,
                    "kind": "completion",
                    "signer_name": "客户",
                    "signed_at": row["finished_at"],
                    "on_paper": True,
                    "content_hash": "0" * 64,
                    "captured_by": row["technician"],
                }
            )
        with db.atomic():
            Event.insert_many(events).execute()
            Signature.insert_many(signatures).execute()
    return filed


def _chunks(items, size):
    for i in range(0, len(items), size):
        yield items[i : i + size]
