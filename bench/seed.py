"""Seed benchmark data sets with the project's own models.

Active work goes through the real model methods (register, dispatch, arrive, finish), so it
is exactly what the department would have; filed history is bulk-inserted into the same
tables (jobs, events, signatures) with the database's own bulk path, because replaying
100,000 (or a million) jobs one transaction at a time would take longer than the benchmark.
The database's triggers (the search index, the dashboard's day summary) see every row.
"""

import datetime
import random

from models import Customer, CustomerPhone, Equipment, Event, Job, Signature, User, db
from models.core import is_postgres, now, today
from models.demo import signature_png

TECHS = 10
SIGNATURE = signature_png(1)
SHARED_PASSWORD = "bench-pass-1"
HISTORY_CUSTOMERS = 5000


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
            f"上海市普陀区测试路 {i} 号",
            [f"021-{5000 + i % 4000:04d} {1000 + i:04d}"],
            confirm_duplicate=True,
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


def bulk_insert(model, rows, batch=5000):
    """Insert many rows (dicts of column values) with the driver's bulk path; every field the
    rows leave out gets its default, so columns added later need nothing here."""
    fields = [
        f for f in model._meta.sorted_fields if f.name != "id" and not (f.primary_key and f.name == "id")
    ]
    names = [f.column_name for f in fields]
    defaults = []
    for field in fields:
        default = field.default
        defaults.append(default() if callable(default) else default)
    table = model._meta.table_name
    columns = ", ".join(f'"{n}"' for n in names)
    cursor = db.cursor()
    for start in range(0, len(rows), batch):
        values = [
            tuple(
                field.db_value(row.get(field.column_name, row.get(field.name, default)))
                for field, default in zip(fields, defaults, strict=True)
            )
            for row in rows[start : start + batch]
        ]
        with db.atomic():
            if is_postgres():
                from psycopg2.extras import execute_values

                execute_values(cursor, f'INSERT INTO "{table}" ({columns}) VALUES %s', values, page_size=1000)
            else:
                marks = ", ".join("?" * len(names))
                cursor.executemany(f'INSERT INTO "{table}" ({columns}) VALUES ({marks})', values)


def _history_customers(count):
    """``count`` customers with a phone and a piece of equipment each; returns their ids."""
    start_id = (Customer.select(Customer.id).order_by(Customer.id.desc()).scalar() or 0) + 1
    at = now()
    bulk_insert(
        Customer,
        [
            {
                "kind": "company",
                "name": f"历史客户{i:05d}",
                "contact_person": f"联系人{i}",
                "address": f"江苏省苏州市吴中区历史路 {i} 号",
                "created_at": at,
            }
            for i in range(count)
        ],
    )
    ids = list(range(start_id, start_id + count))
    bulk_insert(
        CustomerPhone,
        [{"customer_id": c, "number": f"138{c:08d}", "digits": f"138{c:08d}", "label": ""} for c in ids],
    )
    bulk_insert(
        Equipment,
        [
            {
                "customer_id": c,
                "product_model": f"HV-{c % 80:03d}",
                "spec": "5.5kW",
                "serial": f"HS{c:08d}",
                "purchase_place": "苏州",
                "created_at": at,
            }
            for c in ids
        ],
    )
    first_equipment = Equipment.select(Equipment.id).where(Equipment.customer == start_id).scalar()
    return ids, first_equipment


def seed_history(filed, techs, manager, clerk, days=400, customers=HISTORY_CUSTOMERS, first=0, chunk=20_000):
    """``filed`` filed jobs over the past ``days`` days with their events and signatures
    (numbers ``first`` .. ``first + filed`` of one history: --scale grows it step by step)."""
    rng = random.Random(2 + first)
    if first == 0 or not getattr(seed_history, "customers", None):
        seed_history.customers = _history_customers(customers)
    ids, first_equipment = seed_history.customers
    today_ = today()
    total = first + filed
    steps = [
        ("register", "", "registered", 0, False),
        ("dispatch", "registered", "dispatched", 1, False),
        ("arrive", "dispatched", "on_site", 3, True),
        ("finish", "on_site", "done", 4, True),
        ("countersign", "done", "countersigned", 8, False),
        ("file", "countersigned", "filed", 9, False),
    ]
    for begin in range(first, total, chunk):
        end = min(begin + chunk, total)
        rows = []
        for n in range(begin, end):
            # every day of the period gets its share, whatever the size of the history
            day = today_ - datetime.timedelta(days=1 + n % days)
            c = ids[n % len(ids)]
            tech = techs[n % len(techs)].id
            registered = datetime.datetime.combine(day, datetime.time(1, 0)) + datetime.timedelta(
                minutes=n % 300
            )
            rows.append(
                {
                    "number": f"FW{day.year}-H{n:07d}",
                    "year": day.year,
                    "seq": 1_000_000 + n,
                    "state": "filed",
                    "version": 6,
                    "channel": "phone",
                    "customer": c,
                    "equipment": first_equipment + (c - ids[0]),
                    "customer_name": f"历史客户{c - ids[0]:05d}",
                    "phone": f"138{c:08d}",
                    "address": f"江苏省苏州市吴中区历史路 {c} 号",
                    "product_model": f"HV-{c % 80:03d}",
                    "spec": "5.5kW",
                    "serial": f"HS{c:08d}",
                    "purchase_place": "苏州",
                    "fault": "历史故障",
                    "service_type": rng.choice(["paid", "free", "contract"]),
                    "proposed_type": "paid",
                    # as Job.index_text makes it: number, customer, phone digits, serial, model
                    "search_text": (
                        f"fw{day.year}-h{n:07d} 历史客户{c - ids[0]:05d} 138{c:08d} hs{c:08d} hv-{c % 80:03d}"
                    ),
                    "registered_at": registered,
                    "register_day": day,
                    "registered_by": clerk.id,
                    "technician": tech,
                    "dispatched_at": registered + datetime.timedelta(hours=1),
                    "dispatched_by": manager.id,
                    "arrived_at": registered + datetime.timedelta(hours=3),
                    "finished_at": registered + datetime.timedelta(hours=4, minutes=n % 50),
                    "work_done": "更换配件",
                    "countersigned_at": registered + datetime.timedelta(hours=8),
                    "countersigned_by": manager.id,
                    "filed_at": registered + datetime.timedelta(hours=9),
                    "filed_by": clerk.id,
                    "updated_at": registered + datetime.timedelta(hours=9),
                }
            )
        bulk_insert(Job, rows)
        first_id = Job.select(Job.id).where(Job.number == rows[0]["number"]).scalar()
        events, signatures = [], []
        for i, row in enumerate(rows):
            job_id = first_id + i
            for action, src, dst, hours, by_tech in steps:
                events.append(
                    {
                        "at": row["registered_at"] + datetime.timedelta(hours=hours),
                        "actor_id": row["technician"] if by_tech else manager.id,
                        "subject": "job",
                        "subject_id": job_id,
                        "action": action,
                        "from_state": src,
                        "to_state": dst,
                    }
                )
            signatures.append(
                {
                    "subject": "job",
                    "subject_id": job_id,
                    "kind": "completion",
                    "signer_name": "客户",
                    "signed_at": row["finished_at"],
                    "on_paper": True,
                    "content_hash": "0" * 64,
                    "content_version": 2,
                    "captured_by": row["technician"],
                }
            )
        bulk_insert(Event, events)
        bulk_insert(Signature, signatures)
    return filed


def facts(techs):
    """What the figures need to know about a seeded data set: a job in the first technician's
    hands, a filed job in the middle of the history, search fragments that find a few lines."""
    in_hand = (
        Job.select(Job.id)
        .where(Job.technician == techs[0].id, Job.state.in_(("dispatched", "on_site", "in_repair")))
        .order_by(Job.id)
        .scalar()
    )
    filed = Job.select(Job.id).where(Job.state == "filed").order_by(Job.id)
    count = filed.count()
    middle = filed.offset(count // 2).limit(1).scalar() if count else None
    serial = Job.select(Job.serial).where(Job.id == middle).scalar() if middle else "SN0000042"
    return {
        "tech_job": in_hand,
        "filed_job": middle,
        "phone_q": "6234",  # the last digits the caller reads out
        "name_q": "客户00423",
        "serial_q": serial[-7:].lower() if serial else "0000042",
        "short_q": "客户",  # two characters: below the trigram index's reach, every line matches
    }


def prepare_screens():
    """The demo department, for the other areas' screens: a customer with a phone, a survey
    link a customer could open."""
    from models.demo import load_demo

    load_demo()
    facts = {"phone_q": "", "customer": None, "survey_token": None}
    phone = CustomerPhone.select().order_by(CustomerPhone.id).first()
    if phone is not None:
        facts["phone_q"] = phone.digits[-4:]
        facts["customer"] = phone.customer_id
    try:
        from models.surveys.asking import SurveyRequest

        manager = User.get(User.username == "manager")
        job = Job.select().where(Job.state == "filed", Job.customer.is_null(False)).order_by(Job.id).first()
        if job is not None:
            raw, _ = SurveyRequest.for_job(
                job, manager, lambda request: request.issue_link(manager, "message")
            )
            facts["survey_token"] = raw
    except Exception as error:  # another area's model: a missing line, never a failed run
        facts["survey_error"] = repr(error)[:200]
    return facts
