"""Create or upgrade the schema through the versioned migrations in ``migrations/``."""

import os

from playhouse.migrations import Runner

from models.base import db

MIGRATIONS_DIR = os.path.join(os.path.dirname(os.path.dirname(__file__)), "migrations")


def runner():
    return Runner(db.obj, MIGRATIONS_DIR)


def upgrade():
    """Apply every pending migration, then seed what the rules need; returns applied names."""
    from models.permission import Permission

    applied = runner().up()
    Permission.ensure_defaults()
    return applied


def pending():
    return [m.name for m in runner().status() if not m.applied]
