"""The technician's phone (issue 15): the carry-back receipt (携回修护: item, serial,
accessories, condition, expected return), the time of the carry-back and the workshop's step
(修复完成，待送回: when, by whom). Items carried back before keep what the voucher knew: the
equipment as the item, the carry-back's time from its event, its note from the work done."""

from peewee import *


def up(migrator, db):
    class User(Model):
        class Meta:
            database = db
            table_name = "user"

    # Text columns are NOT NULL with a default: added with their default in one ALTER TABLE
    # (the migrator's way, a nullable column made NOT NULL afterwards, rebuilds the table on
    # SQLite, which drops the job table's triggers).
    for name, kind in (
        ("carry_item", "VARCHAR(200)"),
        ("carry_serial", "VARCHAR(80)"),
        ("carry_accessories", "VARCHAR(200)"),
        ("carry_condition", "VARCHAR(200)"),
        ("carry_note", "TEXT"),
    ):
        db.execute_sql(f"ALTER TABLE job ADD COLUMN {name} {kind} NOT NULL DEFAULT ''")
    migrator.migrate(
        migrator.add_column("job", "carried_back_at", DateTimeField(null=True)),
        migrator.add_column("job", "return_by", DateField(null=True)),
        migrator.add_column("job", "repaired_at", DateTimeField(null=True)),
        migrator.add_column("job", "repaired_by_id", ForeignKeyField(User, null=True, field=User.id)),
    )
    db.execute_sql(
        "UPDATE job SET"
        " carry_item = TRIM(product_model || ' ' || spec),"
        " carry_serial = serial,"
        " carry_note = work_done,"
        " carried_back_at = (SELECT MIN(e.at) FROM event e WHERE e.subject = 'job'"
        " AND e.subject_id = job.id AND e.action IN ('carry_back', 'paper_carry_back'))"
        " WHERE carried_back"
    )


def down(migrator, db):
    migrator.migrate(
        *(
            migrator.drop_column("job", name)
            for name in (
                "repaired_by_id",
                "repaired_at",
                "return_by",
                "carry_note",
                "carry_condition",
                "carry_accessories",
                "carry_serial",
                "carry_item",
                "carried_back_at",
            )
        )
    )
