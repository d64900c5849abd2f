"""Product models (warranty months), chasers (催修) on open jobs, appointments."""

from peewee import *


def up(migrator, db):
    class Job(Model):
        class Meta:
            database = db
            table_name = "job"

    class User(Model):
        class Meta:
            database = db
            table_name = "user"

    class ProductModel(Model):
        model = CharField(max_length=80, unique=True)
        name = CharField(max_length=100, default="")
        warranty_months = IntegerField(default=12)
        created_at = DateTimeField()

        class Meta:
            database = db
            table_name = "product_model"

    db.create_tables([ProductModel])

    class Chaser(Model):
        job = ForeignKeyField(Job, index=True)
        at = DateTimeField()
        said = TextField()
        by = ForeignKeyField(User)

        class Meta:
            database = db
            table_name = "chaser"

    db.create_tables([Chaser])

    class Appointment(Model):
        job = ForeignKeyField(Job, unique=True)
        day = DateField(index=True)
        slot = CharField(max_length=10, default="any")
        agreed = CharField(max_length=10, default="agreed")
        note = CharField(max_length=200, default="")
        by = ForeignKeyField(User)
        at = DateTimeField()

        class Meta:
            database = db
            table_name = "appointment"

    db.create_tables([Appointment])


def down(migrator, db):
    migrator.migrate(migrator.drop_table("appointment"))
    migrator.migrate(migrator.drop_table("chaser"))
    migrator.migrate(migrator.drop_table("product_model"))
