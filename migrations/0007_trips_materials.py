"""Out-of-town applications, their costs and the jobs they serve; the promotional-material ledger."""
from peewee import *


def up(migrator, db):
    class Job(Model):
        class Meta:
            database = db
            table_name = 'job'

    class User(Model):
        class Meta:
            database = db
            table_name = 'user'

    class Trip(Model):
        version = IntegerField(default=1)
        updated_at = DateTimeField()
        number = CharField(unique=True, max_length=20)
        state = CharField(index=True, max_length=20, default='applied')
        technician = ForeignKeyField(User)
        applied_by = ForeignKeyField(User)
        applied_at = DateTimeField()
        destination = CharField(max_length=100)
        depart_on = DateField()
        return_on = DateField()
        transport = CharField(max_length=10)
        purpose = TextField(default='')
        est_travel_fen = IntegerField(default=0)
        est_lodging_fen = IntegerField(default=0)
        est_allowance_days = IntegerField(default=0)
        allowance_rate_fen = IntegerField(default=0)
        decided_by = ForeignKeyField(User, null=True)
        decided_at = DateTimeField(null=True)
        decision_note = TextField(default='')
        cost_round = IntegerField(default=0)
        allowance_days = IntegerField(default=0)
        cost_total_fen = IntegerField(default=0)
        booked_at = DateTimeField(null=True)
        class Meta:
            database = db
            table_name = 'trip'
    db.create_tables([Trip])

    class JobCost(Model):
        job = ForeignKeyField(Job)
        trip = ForeignKeyField(Trip)
        amount_fen = IntegerField()
        booked_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'job_cost'
    db.create_tables([JobCost])

    class Material(Model):
        name = CharField(max_length=100)
        spec = CharField(max_length=100, default='')
        unit = CharField(max_length=10, default='份')
        low_stock = IntegerField(default=0)
        balance = IntegerField(default=0)
        active = BooleanField(default=True)
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'material'
    db.create_tables([Material])

    class Movement(Model):
        material = ForeignKeyField(Material)
        at = DateTimeField()
        kind = CharField(max_length=10)
        change = IntegerField()
        balance = IntegerField()
        recipient = CharField(max_length=10, default='')
        to_whom = CharField(max_length=100, default='')
        note = TextField(default='')
        job = ForeignKeyField(Job, null=True)
        purchase = IntegerField(null=True)
        by = ForeignKeyField(User)
        class Meta:
            database = db
            table_name = 'material_movement'
    db.create_tables([Movement])

    class OutOfTown(Model):
        job = ForeignKeyField(Job, unique=True)
        marked_by = ForeignKeyField(User)
        marked_at = DateTimeField()
        note = CharField(max_length=200, default='')
        class Meta:
            database = db
            table_name = 'out_of_town'
    db.create_tables([OutOfTown])

    class PurchaseRequest(Model):
        version = IntegerField(default=1)
        updated_at = DateTimeField()
        number = CharField(unique=True, max_length=20)
        state = CharField(max_length=20, default='requested')
        material = ForeignKeyField(Material)
        quantity = IntegerField()
        reason = TextField()
        requested_by = ForeignKeyField(User)
        requested_at = DateTimeField()
        decided_by = ForeignKeyField(User, null=True)
        decision_note = TextField(default='')
        class Meta:
            database = db
            table_name = 'purchase_request'
    db.create_tables([PurchaseRequest])

    class TripCost(Model):
        trip = ForeignKeyField(Trip)
        round = IntegerField()
        kind = CharField(max_length=12)
        amount_fen = IntegerField()
        receipts = IntegerField(default=0)
        note = CharField(max_length=200, default='')
        class Meta:
            database = db
            table_name = 'trip_cost'
    db.create_tables([TripCost])

    class TripJob(Model):
        trip = ForeignKeyField(Trip)
        job = ForeignKeyField(Job)
        class Meta:
            database = db
            table_name = 'trip_job'
            indexes = ((('trip', 'job'), True),)
    db.create_tables([TripJob])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('trip_job'))
    migrator.migrate(migrator.drop_table('trip_cost'))
    migrator.migrate(migrator.drop_table('purchase_request'))
    migrator.migrate(migrator.drop_table('out_of_town'))
    migrator.migrate(migrator.drop_table('material_movement'))
    migrator.migrate(migrator.drop_table('material'))
    migrator.migrate(migrator.drop_table('job_cost'))
    migrator.migrate(migrator.drop_table('trip'))
