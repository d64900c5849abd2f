"""Create or upgrade the schema through the versioned migrations in ``migrations/``."""

import os
import sqlite3

from playhouse.migrations import Runner

from models.core import Permission, db, is_postgres

MIGRATIONS_DIR = os.path.join(os.path.dirname(os.path.dirname(__file__)), "migrations")


def runner():
    return Runner(db.obj, MIGRATIONS_DIR)


def upgrade():
    """Apply every pending migration, then seed what the rules need; returns applied names."""
    applied = runner().up()
    Permission.ensure_defaults()
    return applied


def pending():
    return [m.name for m in runner().status() if not m.applied]


def backup_sqlite(destination):
    """A consistent copy of the live SQLite database (online backup API; writers may continue)."""
    if is_postgres():
        raise RuntimeError("PostgreSQL: use pg_dump (see README).")
    # A copy of every customer's file: readable by its owner only, created so from the start.
    os.close(os.open(destination, os.O_WRONLY | os.O_CREAT, 0o600))
    os.chmod(destination, 0o600)
    target = sqlite3.connect(destination)
    try:
        with db.connection_context():
            db.connection().backup(target, pages=256)
        check = target.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        target.close()
    if check != "ok":
        raise RuntimeError(f"backup failed its integrity check: {check}")
    return destination


def restore_sqlite(source):
    """Replace the database's content with a backup file's (online backup API, in one step)."""
    if is_postgres():
        raise RuntimeError("PostgreSQL: use pg_restore (see README).")
    try:
        origin = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        healthy = origin.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    except sqlite3.DatabaseError as error:
        raise RuntimeError(f"not a usable backup: {error}") from error
    try:
        if not healthy:
            raise RuntimeError("the backup file is damaged")
        with db.connection_context():
            origin.backup(db.connection())
    finally:
        origin.close()
