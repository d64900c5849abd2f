"""The register's page in its own order (issue 16): an index on the day and the line number,
so a day's first page of lines is read in order and stops there. With only the day indexed, a
day of 2,000 lines was read whole and sorted for every page of 100. It replaces the index on
the day alone (its first column serves the same look-ups)."""

from peewee import *


def up(migrator, db):
    migrator.migrate(
        migrator.add_index("job", ("register_day", "seq"), False),
        migrator.drop_index("job", "job_register_day"),
    )


def down(migrator, db):
    migrator.migrate(
        migrator.add_index("job", ("register_day",), False),
        migrator.drop_index("job", "job_register_day_seq"),
    )
