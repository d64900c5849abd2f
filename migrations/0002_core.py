"""The domain-neutral core: signatures and idempotency keys belong to any record
(subject, subject id) instead of a job; scoped permissions (job.view/job.work -> .any/.own)."""
from peewee import *


def _is_postgres(db):
    return isinstance(db, PostgresqlDatabase)


def _rebuild(db, table, model, columns, select):
    """Move a table's rows into its new shape: copy out, drop, create, copy back."""
    db.execute_sql(f'CREATE TEMPORARY TABLE "{table}_copy" AS SELECT * FROM "{table}"')
    db.execute_sql(f'DROP TABLE "{table}"')
    db.create_tables([model])
    db.execute_sql(f'INSERT INTO "{table}" ({columns}) SELECT {select} FROM "{table}_copy"')
    db.execute_sql(f'DROP TABLE "{table}_copy"')
    if _is_postgres(db):
        db.execute_sql(
            f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), COALESCE(MAX(id), 0) + 1, false) FROM \"{table}\""
        )


def up(migrator, db):
    class User(Model):
        class Meta:
            database = db
            table_name = 'user'

    class Signature(Model):
        subject = CharField(max_length=30)
        subject_id = IntegerField()
        kind = CharField(max_length=20)
        signer_name = CharField(max_length=60)
        signed_at = DateTimeField()
        image = BlobField(null=True)
        on_paper = BooleanField(default=False)
        content_hash = CharField(max_length=64)
        captured_by = ForeignKeyField(User)
        class Meta:
            database = db
            table_name = 'signature'
            indexes = ((('subject', 'subject_id'), False),)

    class IdempotencyKey(Model):
        key = CharField(unique=True, max_length=64)
        user_id = IntegerField()
        subject = CharField(max_length=30)
        subject_id = IntegerField()
        action = CharField(max_length=30)
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'idempotency_key'

    _rebuild(
        db,
        'signature',
        Signature,
        'id, subject, subject_id, kind, signer_name, signed_at, image, on_paper, content_hash, captured_by_id',
        "id, 'job', job_id, kind, signer_name, signed_at, image, on_paper, content_hash, captured_by_id",
    )
    _rebuild(
        db,
        'idempotency_key',
        IdempotencyKey,
        'id, key, user_id, subject, subject_id, action, created_at',
        "id, key, user_id, 'job', job_id, action, created_at",
    )

    # A technician's "read vouchers" and "record work" were their own jobs only (a rule in
    # the code); the permission map now says so itself.
    for name in ('job.view', 'job.work'):
        db.execute_sql(
            "INSERT INTO permission (action, role, allowed) SELECT %s, role, "
            "CASE WHEN allowed AND role <> 'technician' THEN %s ELSE %s END FROM permission WHERE action = %s"
            % ("'%s.any'" % name, _true(db), _false(db), "'%s'" % name)
        )
        db.execute_sql(
            "INSERT INTO permission (action, role, allowed) SELECT %s, role, "
            "CASE WHEN allowed AND role = 'technician' THEN %s ELSE %s END FROM permission WHERE action = %s"
            % ("'%s.own'" % name, _true(db), _false(db), "'%s'" % name)
        )
        db.execute_sql("DELETE FROM permission WHERE action = '%s'" % name)


def _true(db):
    return 'true' if _is_postgres(db) else '1'


def _false(db):
    return 'false' if _is_postgres(db) else '0'
