# Generated from a schema diff on 2026-11-27 10:28.
from peewee import *


def up(migrator, db):
    class Customer(Model):
        kind = CharField(max_length=10, default='company')
        name = CharField(index=True, max_length=100)
        contact_person = CharField(max_length=60, default='')
        address = CharField(max_length=200, default='')
        notes = TextField(default='')
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'customer'
    db.create_tables([Customer])

    class Contract(Model):
        customer = ForeignKeyField(Customer)
        number = CharField(unique=True, max_length=40)
        start = DateField()
        end = DateField()
        notes = TextField(default='')
        created_at = DateTimeField()
        voided_at = DateTimeField(null=True)
        class Meta:
            database = db
            table_name = 'contract'
    db.create_tables([Contract])

    class Equipment(Model):
        customer = ForeignKeyField(Customer)
        product_model = CharField(max_length=80)
        spec = CharField(max_length=120, default='')
        serial = CharField(index=True, max_length=80, default='')
        purchase_date = DateField(null=True)
        purchase_place = CharField(max_length=120, default='')
        warranty_end = DateField(null=True)
        notes = TextField(default='')
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'equipment'
    db.create_tables([Equipment])

    class ContractEquipment(Model):
        contract = ForeignKeyField(Contract, on_delete='CASCADE')
        equipment = ForeignKeyField(Equipment, on_delete='CASCADE')
        class Meta:
            database = db
            table_name = 'contract_equipment'
            indexes = ((('contract', 'equipment'), True),)
    db.create_tables([ContractEquipment])

    class CustomerPhone(Model):
        customer = ForeignKeyField(Customer, on_delete='CASCADE')
        number = CharField(max_length=40)
        digits = CharField(index=True, max_length=40)
        label = CharField(max_length=20, default='')
        class Meta:
            database = db
            table_name = 'customer_phone'
    db.create_tables([CustomerPhone])

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

    class Job(Model):
        number = CharField(unique=True, max_length=20)
        year = IntegerField()
        seq = IntegerField()
        state = CharField(index=True, max_length=20, default='registered')
        version = IntegerField(default=1)
        channel = CharField(max_length=10, default='phone')
        customer = ForeignKeyField(Customer, null=True)
        equipment = ForeignKeyField(Equipment, null=True)
        customer_name = CharField(max_length=100, default='')
        contact_person = CharField(max_length=60, default='')
        phone = CharField(max_length=40, default='')
        address = CharField(max_length=200, default='')
        product_model = CharField(max_length=80, default='')
        spec = CharField(max_length=120, default='')
        serial = CharField(max_length=80, default='')
        purchase_date = DateField(null=True)
        purchase_place = CharField(max_length=120, default='')
        fault = TextField(default='')
        preferred_time = CharField(max_length=60, default='')
        service_type = CharField(max_length=10)
        proposed_type = CharField(max_length=10)
        type_reason = CharField(max_length=200, default='')
        search_text = TextField(default='')
        registered_at = DateTimeField()
        register_day = DateField(index=True)
        registered_by = ForeignKeyField(User)
        technician = ForeignKeyField(User, null=True)
        dispatched_at = DateTimeField(null=True)
        dispatched_by = ForeignKeyField(User, null=True)
        arrived_at = DateTimeField(null=True)
        finished_at = DateTimeField(null=True)
        work_done = TextField(default='')
        carried_back = BooleanField(default=False)
        countersigned_at = DateTimeField(null=True)
        countersigned_by = ForeignKeyField(User, null=True)
        filed_at = DateTimeField(null=True)
        filed_by = ForeignKeyField(User, null=True)
        voided_at = DateTimeField(null=True)
        void_reason = TextField(default='')
        updated_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'job'
            indexes = ((('state', 'register_day'), False), (('technician', 'state'), False))
    db.create_tables([Job])

    class IdempotencyKey(Model):
        key = CharField(unique=True, max_length=64)
        user = ForeignKeyField(User)
        job = ForeignKeyField(Job)
        action = CharField(max_length=20)
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'idempotency_key'
    db.create_tables([IdempotencyKey])

    class LoginAttempt(Model):
        username = CharField(index=True, max_length=80)
        address = CharField(index=True, max_length=64)
        at = DateTimeField(index=True)
        ok = BooleanField(default=False)
        known = BooleanField(default=True)
        class Meta:
            database = db
            table_name = 'login_attempt'
    db.create_tables([LoginAttempt])

    class PartLine(Model):
        job = ForeignKeyField(Job, on_delete='CASCADE')
        name = CharField(max_length=100)
        quantity = IntegerField(default=1)
        class Meta:
            database = db
            table_name = 'part_line'
    db.create_tables([PartLine])

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

    class Signature(Model):
        job = ForeignKeyField(Job)
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
    db.create_tables([Signature])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('signature'))
    migrator.migrate(migrator.drop_table('setting'))
    migrator.migrate(migrator.drop_table('sequence'))
    migrator.migrate(migrator.drop_table('permission'))
    migrator.migrate(migrator.drop_table('part_line'))
    migrator.migrate(migrator.drop_table('login_attempt'))
    migrator.migrate(migrator.drop_table('idempotency_key'))
    migrator.migrate(migrator.drop_table('job'))
    migrator.migrate(migrator.drop_table('user'))
    migrator.migrate(migrator.drop_table('event'))
    migrator.migrate(migrator.drop_table('customer_phone'))
    migrator.migrate(migrator.drop_table('contract_equipment'))
    migrator.migrate(migrator.drop_table('equipment'))
    migrator.migrate(migrator.drop_table('contract'))
    migrator.migrate(migrator.drop_table('customer'))
