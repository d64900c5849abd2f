"""Operations: online backup and restore of SQLite, schema upgrades through every migration."""

import os
import sqlite3
import threading

import pytest

from models import Event, Job, db
from models.schema import pending, restore_sqlite, runner


@pytest.mark.backends("sqlite")
def test_backup_while_writes_continue_then_restore(app, make, users, tmp_path, runner):
    equipment = make.equipment()
    stop = threading.Event()
    written = []

    def write():
        with db.connection_context():
            while not stop.is_set():
                job = Job.register(users["clerk"], equipment=equipment, fault="并发写入")
                written.append(job.id)

    writer = threading.Thread(target=write)
    writer.start()
    try:
        while len(written) < 20:
            pass
        result = runner.invoke(args=["backup", str(tmp_path / "copy.sqlite3")])
    finally:
        stop.set()
        writer.join(10)
    assert result.exit_code == 0, result.output
    copy = sqlite3.connect(tmp_path / "copy.sqlite3")
    assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    jobs = copy.execute("SELECT count(*) FROM job").fetchone()[0]
    events = copy.execute("SELECT count(*) FROM event WHERE subject='job' AND action='register'").fetchone()[
        0
    ]
    copy.close()
    assert 20 <= jobs <= len(written) + 1 and jobs == events  # a consistent snapshot

    # restore: the live database goes back to the snapshot
    with db.connection_context():
        restore_sqlite(str(tmp_path / "copy.sqlite3"))
        assert Job.select().count() == jobs
        assert Event.select().where(Event.action == "register").count() == jobs


@pytest.mark.backends("sqlite")
def test_restore_refuses_a_missing_or_damaged_backup(app, make, tmp_path):
    make.job()
    damaged = tmp_path / "damaged.sqlite3"
    damaged.write_bytes(b"SQLite format 3\x00" + os.urandom(4096))
    for source in (tmp_path / "missing.sqlite3", damaged):
        with pytest.raises(RuntimeError):
            restore_sqlite(str(source))
    with db.connection_context():
        assert Job.select().count() == 1  # nothing was replaced


def test_every_migration_applies_to_a_database_of_the_first_release(backend, tmp_path, request):
    """The first released schema, with data in it, upgrades through every later migration."""
    from tests import pg
    from tests.conftest import _make_app

    if backend == "sqlite":
        url = str(tmp_path / "old.sqlite3")
    else:
        server = request.getfixturevalue("pg_server")
        name = f"sd_mig_{os.getpid()}"
        pg.admin_execute(server, f"DROP DATABASE IF EXISTS {name}", f"CREATE DATABASE {name}")
        url = pg.database_url(server, name)
    _make_app(url)
    with db.connection_context():
        migrations = [m.name for m in runner().migrations()]
        runner().up(migrations[0])  # the first release
        db.execute_sql(
            'INSERT INTO "user" (username, full_name, role, phone, password_hash, session_token, active, '
            "locale, created_at) VALUES ('old', 'Old User', 'clerk', '', 'x', 't', %s, '', '2026-01-01')"
            % ("1" if backend == "sqlite" else "true")
        )
        from models.schema import upgrade

        upgrade()
        assert pending() == []
        from models import User

        assert User.get(User.username == "old").full_name == "Old User"
    if backend != "sqlite":
        db.close_all()
        pg.admin_execute(server, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def test_migrations_match_the_models(app):
    """No drift: the schema the migrations build is the schema the models describe."""
    from playhouse.schema_diff import diff_models

    from models import ALL_MODELS

    with db.connection_context():
        drift = diff_models(db.obj, ALL_MODELS)
    assert not drift, str(drift)
