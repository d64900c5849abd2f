"""SIGKILL in the middle of a stream of writes: every acknowledged write survives, nothing is
half-written, and SQLite's integrity check passes."""

import http.client
import os
import re
import threading
import time

import pytest

from models import Event, Job, Sequence, db
from tests import report
from tests.conftest import SECRET, _make_app
from tests.liveserver import Client, Gunicorn

pytestmark = pytest.mark.crash
WRITES = int(os.environ.get("CRASH_WRITES", "1000"))


def test_kill_mid_stream_loses_nothing_acknowledged(backend, database_url):
    _make_app(database_url)
    with db.connection_context():
        from models.demo import load_demo

        load_demo()
        equipment = [
            (j.customer_id, j.equipment_id) for j in Job.select().where(Job.equipment.is_null(False))
        ]
        jobs_before = Job.select().count()
    if hasattr(db.obj, "close_all"):
        db.close_all()

    server = Gunicorn(database_url, SECRET)
    acked, lock, stop = set(), threading.Lock(), threading.Event()

    def write(n):
        client = Client(server.base).login("clerk", "demo1234")
        i = 0
        while not stop.is_set():
            customer_id, equipment_id = equipment[(n + i) % len(equipment)]
            i += 1
            try:
                status, headers, _ = client.post(
                    "/intake/register",
                    {
                        "customer": customer_id,
                        "equipment": equipment_id,
                        "channel": "phone",
                        "fault": f"断电测试 {n}-{i}",
                        # the same equipment again and again: a second open job needs a reason
                        "duplicate_reason": "断电测试：反复登记同一设备",
                    },
                )
            except (OSError, http.client.HTTPException):
                return  # the server is gone, maybe in the middle of its answer
            if status == 303:
                with lock:
                    acked.add(int(re.search(r"registered=(\d+)", headers["Location"]).group(1)))

    writers = [threading.Thread(target=write, args=(n,)) for n in range(8)]
    for t in writers:
        t.start()
    deadline = time.time() + 240
    while len(acked) < WRITES and time.time() < deadline:
        time.sleep(0.05)
    server.kill()  # master and workers, mid-stream
    stop.set()
    for t in writers:
        t.join(30)
    with lock:
        acknowledged = set(acked)
    assert len(acknowledged) >= WRITES

    # restart on the same database: what the next process sees
    server = Gunicorn(database_url, SECRET)
    try:
        status, _, _ = Client(server.base).login("clerk", "demo1234").get("/register/")
        assert status == 200
    finally:
        server.stop()

    _make_app(database_url)
    with db.connection_context():
        if backend == "sqlite":
            assert db.execute_sql("PRAGMA integrity_check").fetchone()[0] == "ok"
        present = {j.id for j in Job.select(Job.id).where(Job.fault.startswith("断电测试"))}
        lost = acknowledged - present
        report.add("crash_writes_acknowledged", len(acknowledged))
        report.add("crash_writes_lost", len(lost))
        assert lost == set()
        # no half-written record: every job has its register event, numbers stay gap-free
        registered = {
            e.subject_id
            for e in Event.select(Event.subject_id).where(Event.subject == "job", Event.action == "register")
        }
        assert {j.id for j in Job.select(Job.id)} <= registered
        seqs = sorted(j.seq for j in Job.select(Job.seq))
        assert seqs == list(range(1, len(seqs) + 1))
        assert Sequence.get(Sequence.kind == "FW").last == len(seqs) == jobs_before + len(present)
