"""Time on site of a job carried back for repair: from arrival to the carry-back, not to the
delivery days later (the dashboard's "average time on site", as money pays labour for it).

The summary's triggers (``0009_perf``) are made again with the service wait ending at
``carried_back_at`` when the job was carried back, and the summary is summed again."""

import importlib.util
import os

from peewee import PostgresqlDatabase

_spec = importlib.util.spec_from_file_location(
    "m0009_perf", os.path.join(os.path.dirname(__file__), "0009_perf.py")
)
m0009 = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(m0009)

WAITS = tuple(
    ("service", "carried_back_at|finished_at", "arrived_at") if name == "service" else (name, later, earlier)
    for name, later, earlier in m0009.WAITS
)
SUMMED = (*m0009.SUMMED, "carried_back_at")


def _remake(db, waits, summed):
    postgres = isinstance(db, PostgresqlDatabase)
    m0009.drop_stat_triggers(db, postgres)
    for table in m0009.STATS:
        db.execute_sql(f"DELETE FROM {table}")
    m0009.backfill(db, postgres, waits)
    m0009.stat_triggers(db, postgres, waits, summed)


def up(migrator, db):
    _remake(db, WAITS, SUMMED)


def down(migrator, db):
    _remake(db, m0009.WAITS, m0009.SUMMED)
