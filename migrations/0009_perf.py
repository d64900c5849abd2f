"""Speed that does not fade as the history grows (issue 16).

* ``job_search``: an index that serves the register's substring search of ``job.search_text``
  (phone, name, serial, model, number fragments). SQLite: an FTS5 table with the trigram
  tokenizer over the job table's own column (external content, nothing stored twice but the
  index); PostgreSQL: the column kept beside the job's id with a pg_trgm GIN index. Triggers
  keep it in step with every insert, change and delete of a job; existing jobs are indexed here.
* ``job_day_stat`` and ``job_month_stat``: the dashboard's figures summed per register day (and
  month), service type, state and technician (how many jobs, how many carried back, the waits
  in seconds and how many are known), kept in step by triggers on job: a year costs a few
  hundred month rows (and the days of a partial month at either end), however many jobs the
  department had. Existing jobs are summed here.
* an index on ``job.finished_at`` for the jobs finished today.
"""

from peewee import *

# What the summary adds for one job row (R is NEW or OLD): a wait is known when both its
# times are; its length is in whole seconds. "a|b" is the first of a and b that is set (a later
# migration redefines the waits with the same functions).
WAITS = (
    ("dispatch", "dispatched_at", "registered_at"),
    ("service", "finished_at", "arrived_at"),
    ("filing", "filed_at", "finished_at"),
)
# Columns whose change moves a job in the summary (the UPDATE triggers fire only then).
SUMMED = (
    "register_day",
    "service_type",
    "state",
    "technician_id",
    "carried_back",
    "registered_at",
    "dispatched_at",
    "arrived_at",
    "finished_at",
    "filed_at",
)
STAT_COLUMNS = (
    "day, service_type, state, technician_id, jobs, carried, "
    "dispatch_n, dispatch_s, service_n, service_s, filing_n, filing_s"
)
STATS = ("job_day_stat", "job_month_stat")


def _col(r, name):
    """The SQL of a wait's time for row ``r`` (no prefix when empty): "a|b" is COALESCE(a, b)."""
    columns = [f"{r}.{c}" if r else c for c in name.split("|")]
    return columns[0] if len(columns) == 1 else f"COALESCE({', '.join(columns)})"


def _add(table):
    """The ON CONFLICT assignments that add a row's figures to the summary row."""
    return f"jobs = {table}.jobs + excluded.jobs, carried = {table}.carried + excluded.carried, " + ", ".join(
        f"{w}_n = {table}.{w}_n + excluded.{w}_n, {w}_s = {table}.{w}_s + excluded.{w}_s" for w, _, _ in WAITS
    )


def _day(table, r, postgres):
    """The summary row's day: the register day, or the first day of its month."""
    if table == "job_day_stat":
        return f"{r}.register_day"
    return (
        f"date_trunc('month', {r}.register_day)::date"
        if postgres
        else f"date({r}.register_day, 'start of month')"
    )


# The event log's advisory lock (models.core.events.EVENT_ORDER_LOCK): every job change
# writes an event and takes it anyway; taking it before the summary rows keeps two writers
# from locking the same summary rows in opposite orders.
EVENT_ORDER_LOCK = 8_431_277


def _sqlite_values(table, r, sign, waits_of):
    waits = []
    for _, later, earlier in waits_of:
        later, earlier = _col(r, later), _col(r, earlier)
        known = f"({later} IS NOT NULL AND {earlier} IS NOT NULL)"
        seconds = f"COALESCE(CAST(ROUND((julianday({later}) - julianday({earlier})) * 86400) AS INTEGER), 0)"
        waits += [f"{sign} * {known}", f"{sign} * {seconds}"]
    return (
        f"SELECT {_day(table, r, False)}, {r}.service_type, {r}.state, COALESCE({r}.technician_id, 0), {sign}, "
        f"{sign} * COALESCE({r}.carried_back, 0), " + ", ".join(waits)
    )


def _sqlite_upsert(r, sign, waits_of):
    # "WHERE true": SQLite's grammar needs it between a SELECT and ON CONFLICT
    return " ".join(
        f"INSERT INTO {table} ({STAT_COLUMNS}) {_sqlite_values(table, r, sign, waits_of)} WHERE true "
        f"ON CONFLICT (day, service_type, state, technician_id) DO UPDATE SET {_add(table)};"
        for table in STATS
    )


def _sqlite(db):
    for sql in (
        "CREATE VIRTUAL TABLE job_search USING fts5("
        "search_text, content='job', content_rowid='id', tokenize='trigram')",
        "CREATE TRIGGER job_search_insert AFTER INSERT ON job BEGIN "
        "INSERT INTO job_search (rowid, search_text) VALUES (NEW.id, NEW.search_text); END",
        "CREATE TRIGGER job_search_delete AFTER DELETE ON job BEGIN "
        "INSERT INTO job_search (job_search, rowid, search_text) VALUES ('delete', OLD.id, OLD.search_text); END",
        "CREATE TRIGGER job_search_update AFTER UPDATE OF search_text ON job "
        "WHEN OLD.search_text IS NOT NEW.search_text BEGIN "
        "INSERT INTO job_search (job_search, rowid, search_text) VALUES ('delete', OLD.id, OLD.search_text); "
        "INSERT INTO job_search (rowid, search_text) VALUES (NEW.id, NEW.search_text); END",
        "INSERT INTO job_search (job_search) VALUES ('rebuild')",
    ):
        db.execute_sql(sql)


def stat_triggers(db, postgres, waits_of=WAITS, summed=SUMMED):
    """Create the triggers that keep the summary in step, for these waits."""
    if not postgres:
        changed = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in summed)
        for sql in (
            f"CREATE TRIGGER job_day_stat_insert AFTER INSERT ON job BEGIN {_sqlite_upsert('NEW', 1, waits_of)} END",
            f"CREATE TRIGGER job_day_stat_delete AFTER DELETE ON job BEGIN {_sqlite_upsert('OLD', -1, waits_of)} END",
            f"CREATE TRIGGER job_day_stat_update AFTER UPDATE ON job WHEN {changed} BEGIN "
            f"{_sqlite_upsert('OLD', -1, waits_of)} {_sqlite_upsert('NEW', 1, waits_of)} END",
        ):
            db.execute_sql(sql)
        return
    waits = []
    for _, later, earlier in waits_of:
        later, earlier = _col("r", later), _col("r", earlier)
        known = f"({later} IS NOT NULL AND {earlier} IS NOT NULL)::integer"
        seconds = f"COALESCE(round(extract(epoch FROM {later} - {earlier}))::bigint, 0)"
        waits += [f"sign * {known}", f"sign * {seconds}"]
    changed = " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in summed)
    for sql in (
        "CREATE FUNCTION job_day_stat_add(r job, sign integer) RETURNS void LANGUAGE sql AS $$"
        + ";".join(
            f"""
          INSERT INTO {table} ({STAT_COLUMNS})
          VALUES ({_day(table, "r", True)}, r.service_type, r.state, COALESCE(r.technician_id, 0), sign,
                  sign * COALESCE(r.carried_back::integer, 0), {", ".join(waits)})
          ON CONFLICT (day, service_type, state, technician_id) DO UPDATE SET {_add(table)}"""
            for table in STATS
        )
        + " $$",
        f"""CREATE FUNCTION job_day_stat_sync() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          PERFORM pg_advisory_xact_lock({EVENT_ORDER_LOCK});
          IF TG_OP IN ('UPDATE', 'DELETE') THEN PERFORM job_day_stat_add(OLD, -1); END IF;
          IF TG_OP IN ('UPDATE', 'INSERT') THEN PERFORM job_day_stat_add(NEW, 1); END IF;
          RETURN NULL;
        END $$""",
        "CREATE TRIGGER job_day_stat_write AFTER INSERT OR DELETE ON job FOR EACH ROW "
        "EXECUTE FUNCTION job_day_stat_sync()",
        f"CREATE TRIGGER job_day_stat_update AFTER UPDATE ON job FOR EACH ROW WHEN ({changed}) "
        "EXECUTE FUNCTION job_day_stat_sync()",
    ):
        db.execute_sql(sql)


def drop_stat_triggers(db, postgres):
    if postgres:
        for sql in (
            "DROP TRIGGER job_day_stat_write ON job",
            "DROP TRIGGER job_day_stat_update ON job",
            "DROP FUNCTION job_day_stat_sync()",
            "DROP FUNCTION job_day_stat_add(job, integer)",
        ):
            db.execute_sql(sql)
    else:
        for name in ("job_day_stat_insert", "job_day_stat_delete", "job_day_stat_update"):
            db.execute_sql(f"DROP TRIGGER {name}")


def _postgres(db):
    for sql in (
        "CREATE EXTENSION IF NOT EXISTS pg_trgm",
        "CREATE TABLE job_search (id integer PRIMARY KEY REFERENCES job (id) ON DELETE CASCADE, "
        "search_text text NOT NULL)",
        "INSERT INTO job_search (id, search_text) SELECT id, search_text FROM job",
        "CREATE INDEX job_search_trgm ON job_search USING gin (search_text gin_trgm_ops)",
        """CREATE FUNCTION job_search_sync() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          INSERT INTO job_search (id, search_text) VALUES (NEW.id, NEW.search_text)
          ON CONFLICT (id) DO UPDATE SET search_text = excluded.search_text;
          RETURN NULL;
        END $$""",
        "CREATE TRIGGER job_search_insert AFTER INSERT ON job FOR EACH ROW EXECUTE FUNCTION job_search_sync()",
        "CREATE TRIGGER job_search_update AFTER UPDATE OF search_text ON job FOR EACH ROW "
        "WHEN (OLD.search_text IS DISTINCT FROM NEW.search_text) EXECUTE FUNCTION job_search_sync()",
    ):
        db.execute_sql(sql)


def backfill(db, postgres, waits_of=WAITS):
    """Sum the jobs there are (the triggers take over from here)."""
    waits = []
    for _, later, earlier in waits_of:
        later, earlier = _col("", later), _col("", earlier)
        if postgres:
            known = f"SUM(({later} IS NOT NULL AND {earlier} IS NOT NULL)::integer)"
            seconds = f"COALESCE(SUM(round(extract(epoch FROM {later} - {earlier}))::bigint), 0)"
            carried = "SUM(carried_back::integer)"
        else:
            known = f"SUM({later} IS NOT NULL AND {earlier} IS NOT NULL)"
            seconds = f"COALESCE(SUM(CAST(ROUND((julianday({later}) - julianday({earlier})) * 86400) AS INTEGER)), 0)"
            carried = "SUM(carried_back)"
        waits += [known, seconds]
    for table in STATS:
        day = _day(table, "job", postgres)
        db.execute_sql(
            f"INSERT INTO {table} ({STAT_COLUMNS}) "
            f"SELECT {day}, service_type, state, COALESCE(technician_id, 0), COUNT(*), {carried}, "
            f"{', '.join(waits)} FROM job GROUP BY {day}, service_type, state, COALESCE(technician_id, 0)"
        )


def up(migrator, db):
    class JobStat(Model):
        day = DateField()
        service_type = CharField(max_length=10)
        state = CharField(max_length=20)
        technician_id = IntegerField(default=0)
        jobs = IntegerField(default=0)
        carried = IntegerField(default=0)
        dispatch_n = IntegerField(default=0)
        dispatch_s = BigIntegerField(default=0)
        service_n = IntegerField(default=0)
        service_s = BigIntegerField(default=0)
        filing_n = IntegerField(default=0)
        filing_s = BigIntegerField(default=0)

        class Meta:
            database = db
            indexes = ((("day", "service_type", "state", "technician_id"), True),)

    class DayStat(JobStat):
        class Meta:
            table_name = "job_day_stat"

    class MonthStat(JobStat):
        class Meta:
            table_name = "job_month_stat"

    db.create_tables([DayStat, MonthStat])
    postgres = isinstance(db, PostgresqlDatabase)
    backfill(db, postgres)
    if postgres:
        _postgres(db)
    else:
        _sqlite(db)
    stat_triggers(db, postgres)
    migrator.migrate(migrator.add_index("job", ("finished_at",), False))


def down(migrator, db):
    migrator.migrate(migrator.drop_index("job", "job_finished_at"))
    postgres = isinstance(db, PostgresqlDatabase)
    drop_stat_triggers(db, postgres)
    if postgres:
        for sql in (
            "DROP TRIGGER job_search_insert ON job",
            "DROP TRIGGER job_search_update ON job",
            "DROP FUNCTION job_search_sync()",
            "DROP TABLE job_search",
        ):
            db.execute_sql(sql)
    else:
        for name in (
            "job_search_insert",
            "job_search_delete",
            "job_search_update",
        ):
            db.execute_sql(f"DROP TRIGGER {name}")
        db.execute_sql("DROP TABLE job_search")
    migrator.migrate(migrator.drop_table("job_month_stat"))
    migrator.migrate(migrator.drop_table("job_day_stat"))
