"""Hardening: sessions kept on the server, sign-in throttle counters, how each sign-in attempt
ended, and the version of what a signature covers (existing signatures covered version 1)."""
from peewee import *


def up(migrator, db):
    class User(Model):
        class Meta:
            database = db
            table_name = 'user'

    class Throttle(Model):
        key = CharField(unique=True, max_length=200)
        failures = IntegerField(default=0)
        wait_until = DateTimeField(null=True)
        updated_at = DateTimeField(index=True)
        class Meta:
            database = db
            table_name = 'throttle'
    db.create_tables([Throttle])

    class UserSession(Model):
        token_hash = CharField(unique=True, max_length=64)
        user = ForeignKeyField(User, on_delete='CASCADE')
        created_at = DateTimeField()
        last_seen = DateTimeField()
        address = CharField(max_length=64, default='')
        user_agent = CharField(max_length=200, default='')
        class Meta:
            database = db
            table_name = 'user_session'
    db.create_tables([UserSession])

    migrator.migrate(migrator.add_column('login_attempt', 'outcome', CharField(max_length=10, default='wrong')))
    db.execute_sql("UPDATE login_attempt SET outcome = 'ok' WHERE ok")
    migrator.migrate(migrator.add_column('signature', 'content_version', IntegerField(default=1)))
    # Sessions now live in user_session: every cookie of the old kind stops working at once.
    migrator.migrate(migrator.drop_column('user', 'session_token'))


def down(migrator, db):
    migrator.migrate(migrator.add_column('user', 'session_token', CharField(max_length=32, default='')))
    migrator.migrate(migrator.drop_column('signature', 'content_version'))
    migrator.migrate(migrator.drop_column('login_attempt', 'outcome'))
    migrator.migrate(migrator.drop_table('user_session'))
    migrator.migrate(migrator.drop_table('throttle'))
