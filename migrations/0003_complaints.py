"""Complaint management: the complaint record and the vouchers it concerns."""
from peewee import *


def up(migrator, db):
    class Customer(Model):
        class Meta:
            database = db
            table_name = 'customer'

    class Job(Model):
        class Meta:
            database = db
            table_name = 'job'

    class User(Model):
        class Meta:
            database = db
            table_name = 'user'

    class Complaint(Model):
        version = IntegerField(default=1)
        updated_at = DateTimeField()
        number = CharField(unique=True, max_length=20)
        year = IntegerField()
        seq = IntegerField()
        state = CharField(index=True, max_length=20, default='registered')
        channel = CharField(max_length=12, default='phone')
        severity = CharField(max_length=10, default='normal')
        customer = ForeignKeyField(Customer, null=True)
        caller_name = CharField(max_length=100, default='')
        caller_phone = CharField(max_length=40, default='')
        said = TextField()
        technician = ForeignKeyField(User, null=True)
        owner = ForeignKeyField(User)
        registered_by = ForeignKeyField(User)
        registered_at = DateTimeField()
        acknowledge_due = DateTimeField()
        resolve_due = DateTimeField(index=True)
        acknowledged_at = DateTimeField(null=True)
        contact_way = CharField(max_length=10, default='')
        investigated_at = DateTimeField(null=True)
        cause = CharField(max_length=12, default='')
        resolved_at = DateTimeField(null=True)
        resolved_by = ForeignKeyField(User, null=True)
        resolution = TextField(default='')
        told_customer = TextField(default='')
        told_how = CharField(max_length=10, default='')
        satisfied = BooleanField(null=True)
        satisfaction_note = TextField(default='')
        followed_up_at = DateTimeField(null=True)
        reopened = IntegerField(default=0)
        closed_at = DateTimeField(null=True)
        voided_at = DateTimeField(null=True)
        void_reason = TextField(default='')
        search_text = TextField(default='')
        class Meta:
            database = db
            table_name = 'complaint'
            indexes = ((('owner', 'state'), False), (('technician', 'state'), False), (('customer', 'state'), False))
    db.create_tables([Complaint])

    class ComplaintJob(Model):
        complaint = ForeignKeyField(Complaint, on_delete='CASCADE')
        job = ForeignKeyField(Job)
        class Meta:
            database = db
            table_name = 'complaint_job'
            indexes = ((('complaint', 'job'), True),)
    db.create_tables([ComplaintJob])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('complaint_job'))
    migrator.migrate(migrator.drop_table('complaint'))
