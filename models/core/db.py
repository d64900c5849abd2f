"""The one database handle, the base model and the field types every record uses."""

import json
import os
from urllib.parse import unquote, urlparse

from peewee import DatabaseProxy, IntegerField, Model, PostgresqlDatabase, TextField
from playhouse.pool import PooledPostgresqlDatabase, PooledSqliteDatabase

from models.core.clock import Clock

db = DatabaseProxy()
_unbound_clock = Clock()

SQLITE_PRAGMAS = {
    "journal_mode": "wal",
    "busy_timeout": 5000,
    "foreign_keys": 1,
    "synchronous": "normal",
    "cache_size": -2000,  # 2 MB a connection (each gunicorn thread has one; the OS caches the file)
    # ...but SQLite's heap in the whole process (every connection's cache, sorts, schema) is
    # kept near 4 MB: past it, caches recycle their pages instead of growing. A worker's four
    # connections otherwise held 12 MB after searching 100,000 lines (the OS has the file anyway).
    "soft_heap_limit": 4_000_000,
}


def make_database(url, timezone="Asia/Shanghai"):
    """A Peewee database from a SQLite path or a postgresql:// URL, with its department clock."""
    if url.startswith(("postgresql://", "postgres://")):
        parts = urlparse(url)
        database = PooledPostgresqlDatabase(
            parts.path.lstrip("/"),
            user=unquote(parts.username or "") or None,
            password=unquote(parts.password or "") or None,
            host=parts.hostname,
            port=parts.port,
            max_connections=32,
            stale_timeout=300,
            autoconnect=True,
        )
    else:
        # Every write transaction takes the write lock up front (BEGIN IMMEDIATE): a
        # transaction that read first and wrote later could otherwise fail with
        # "database is locked" instead of waiting for the busy timeout.
        # Connections are kept open between requests (a pool; closing one returns it): a new
        # SQLite connection reads the whole schema and sets its pragmas before its first
        # query, which cost more than a board's poll itself, and its page cache starts cold.
        # One thread uses a connection at a time, whichever thread opened it.
        path = url.removeprefix("sqlite:///")
        _create_private(path)
        database = PooledSqliteDatabase(
            path,
            pragmas=SQLITE_PRAGMAS,
            lock_type="IMMEDIATE",
            max_connections=32,
            stale_timeout=300,
            check_same_thread=False,
        )
    database.clock = Clock(timezone)
    return database


def _create_private(path):
    """A new SQLite file is readable by its owner only (0600: it holds every customer's file);
    SQLite gives its -wal and -shm files the same mode. An existing file keeps its mode."""
    if not path or path == ":memory:" or path.startswith("file:") or os.path.exists(path):
        return
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:  # another process created it a moment ago
        pass


def init_database(url, timezone="Asia/Shanghai"):
    """Point the deferred handle at a real database (the app factory calls this)."""
    if db.obj is not None:
        if not db.is_closed():
            db.close()
        db.obj.close_all()  # the idle connections of the pool, too
    db.initialize(make_database(url, timezone))
    return db.obj


def is_postgres():
    return isinstance(db.obj, PostgresqlDatabase)


def clock():
    """The clock of the department whose database is open."""
    return getattr(db.obj, "clock", None) or _unbound_clock


def now():
    """Current time, UTC, naive (stored as is; shown in the local zone by the UI)."""
    return clock().now()


def today():
    """The department's current local date."""
    return clock().today()


def to_local(dt):
    return clock().to_local(dt)


def local_tz():
    return clock().zone


class JSONField(TextField):
    """A small JSON document stored as text (works the same on SQLite and PostgreSQL)."""

    def db_value(self, value):
        return None if value is None else json.dumps(value, ensure_ascii=False, default=str)

    def python_value(self, value):
        return None if value is None else json.loads(value)


class FenField(IntegerField):
    """An amount of money in integer fen (分): never a float."""


class BaseModel(Model):
    class Meta:
        database = db
        legacy_table_names = False
