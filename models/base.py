"""The one database handle, the base model and the rule errors every model raises."""

import datetime
import json
import zoneinfo

from peewee import DatabaseProxy, Model, PostgresqlDatabase, SqliteDatabase, TextField
from playhouse.pool import PooledPostgresqlDatabase

db = DatabaseProxy()

# The department's local time zone: "today" on the register is a local day.
_tz = {"zone": zoneinfo.ZoneInfo("Asia/Shanghai")}

SQLITE_PRAGMAS = {
    "journal_mode": "wal",
    "busy_timeout": 5000,
    "foreign_keys": 1,
    "synchronous": "normal",
    "cache_size": -4000,  # 4 MB a connection (each gunicorn thread has one)
}


def N_(msgid):
    """Mark a message for translation without translating it (models know no locale)."""
    return msgid


def make_database(url):
    """Build a Peewee database from a SQLite path or a postgresql:// URL."""
    if url.startswith(("postgresql://", "postgres://")):
        from urllib.parse import unquote, urlparse

        parts = urlparse(url)
        return PooledPostgresqlDatabase(
            parts.path.lstrip("/"),
            user=unquote(parts.username or "") or None,
            password=unquote(parts.password or "") or None,
            host=parts.hostname,
            port=parts.port,
            max_connections=32,
            stale_timeout=300,
            autoconnect=True,
        )
    path = url.removeprefix("sqlite:///")
    # Every write transaction takes the write lock up front (BEGIN IMMEDIATE): a
    # transaction that read first and wrote later could otherwise fail with
    # "database is locked" instead of waiting for the busy timeout.
    return SqliteDatabase(path, pragmas=SQLITE_PRAGMAS, lock_type="IMMEDIATE")


def init_database(url, timezone="Asia/Shanghai"):
    """Point the deferred handle at a real database."""
    if not isinstance(db.obj, type(None)) and not db.is_closed():
        db.close()
    db.initialize(make_database(url))
    _tz["zone"] = zoneinfo.ZoneInfo(timezone)
    from models import permission

    permission.clear_cache()
    return db.obj


def is_postgres():
    return isinstance(db.obj, PostgresqlDatabase)


def now():
    """Current time, UTC, naive (stored as is; shown in the local zone by the UI)."""
    return datetime.datetime.now(datetime.UTC).replace(tzinfo=None)


def local_tz():
    return _tz["zone"]


def to_local(dt):
    return dt.replace(tzinfo=datetime.UTC).astimezone(_tz["zone"])


def today():
    """The department's current local date."""
    return datetime.datetime.now(_tz["zone"]).date()


class JSONField(TextField):
    """A small JSON document stored as text (works the same on SQLite and PostgreSQL)."""

    def db_value(self, value):
        return None if value is None else json.dumps(value, ensure_ascii=False, default=str)

    def python_value(self, value):
        return None if value is None else json.loads(value)


class BaseModel(Model):
    class Meta:
        database = db
        legacy_table_names = False


class RuleError(Exception):
    """A rule of the regulation refused an action; the message says why.

    ``msgid`` is an English message marked with N_ and ``params`` its placeholders, so the
    view layer translates it into the user's language.
    """

    status = 409

    def __init__(self, msgid, field=None, **params):
        super().__init__(msgid % params if params else msgid)
        self.msgid = msgid
        self.params = params
        self.field = field


class Forbidden(RuleError):
    """The acting user's role or relation to the object does not allow the action."""

    status = 403


class Conflict(RuleError):
    """Somebody else changed the record first; the message says who and what."""

    status = 409
