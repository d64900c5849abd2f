# Generated from a schema diff on 2026-11-27 09:12.
from peewee import *


def up(migrator, db):
    class Event(Model):
        at = DateTimeField()
        actor_id = IntegerField(null=True)
        subject = CharField(max_length=30)
        subject_id = IntegerField()
        action = CharField(max_length=30)
        from_state = CharField(max_length=30, default='')
        to_state = CharField(max_length=30, default='')
        note = TextField(default='')
        data = TextField(null=True)
        class Meta:
            database = db
            table_name = 'event'
            indexes = ((('subject', 'subject_id', 'id'), False),)
    db.create_tables([Event])

    class LoginAttempt(Model):
        username = CharField(index=True, max_length=80)
        address = CharField(index=True, max_length=64)
        at = DateTimeField(index=True)
        ok = BooleanField(default=False)
        class Meta:
            database = db
            table_name = 'login_attempt'
    db.create_tables([LoginAttempt])

    class Permission(Model):
        action = CharField(max_length=40)
        role = CharField(max_length=20)
        allowed = BooleanField(default=False)
        class Meta:
            database = db
            table_name = 'permission'
            indexes = ((('action', 'role'), True),)
    db.create_tables([Permission])

    class Sequence(Model):
        kind = CharField(max_length=10)
        year = IntegerField()
        last = IntegerField(default=0)
        class Meta:
            database = db
            table_name = 'sequence'
            indexes = ((('kind', 'year'), True),)
    db.create_tables([Sequence])

    class Setting(Model):
        key = CharField(unique=True, max_length=60)
        value = TextField()
        class Meta:
            database = db
            table_name = 'setting'
    db.create_tables([Setting])

    class User(Model):
        username = CharField(unique=True, max_length=40)
        full_name = CharField(max_length=60)
        role = CharField(index=True, max_length=20)
        phone = CharField(max_length=30, default='')
        password_hash = CharField()
        session_token = CharField(max_length=32)
        active = BooleanField(default=True)
        locale = CharField(max_length=10, default='')
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'user'
    db.create_tables([User])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('user'))
    migrator.migrate(migrator.drop_table('setting'))
    migrator.migrate(migrator.drop_table('sequence'))
    migrator.migrate(migrator.drop_table('permission'))
    migrator.migrate(migrator.drop_table('login_attempt'))
    migrator.migrate(migrator.drop_table('event'))
