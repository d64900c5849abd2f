"""Money: the price list, charges, payments and handovers, the cash journal, invoices, collection visits."""
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

    class Charge(Model):
        version = IntegerField(default=1)
        updated_at = DateTimeField()
        job = ForeignKeyField(Job, unique=True)
        state = CharField(max_length=20, default='priced')
        service_type = CharField(max_length=10)
        minutes = IntegerField(default=0)
        parts_fen = IntegerField(default=0)
        labour_fen = IntegerField(default=0)
        total_fen = IntegerField(default=0)
        class Meta:
            database = db
            table_name = 'charge'
    db.create_tables([Charge])

    class ChargeLine(Model):
        charge = ForeignKeyField(Charge, on_delete='CASCADE')
        kind = CharField(max_length=10)
        code = CharField(max_length=30, default='')
        name = CharField(max_length=100)
        quantity = IntegerField()
        unit_fen = IntegerField()
        cost_fen = IntegerField(default=0)
        amount_fen = IntegerField()
        priced = BooleanField(default=True)
        half = BooleanField(default=False)
        class Meta:
            database = db
            table_name = 'charge_line'
    db.create_tables([ChargeLine])

    class CollectionVisit(Model):
        job = ForeignKeyField(Job)
        visit = ForeignKeyField(Job, unique=True)
        requested_by = ForeignKeyField(User)
        requested_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'collection_visit'
    db.create_tables([CollectionVisit])

    class Handover(Model):
        version = IntegerField(default=1)
        updated_at = DateTimeField()
        number = CharField(unique=True, max_length=20)
        technician = ForeignKeyField(User)
        state = CharField(index=True, max_length=20, default='submitted')
        total_fen = IntegerField()
        submitted_at = DateTimeField()
        counted_fen = IntegerField(null=True)
        confirmed_by = ForeignKeyField(User, null=True)
        confirmed_at = DateTimeField(null=True)
        resolution = TextField(default='')
        class Meta:
            database = db
            table_name = 'handover'
    db.create_tables([Handover])

    class Invoice(Model):
        version = IntegerField(default=1)
        updated_at = DateTimeField()
        job = ForeignKeyField(Job)
        state = CharField(max_length=20, default='issued')
        kind = CharField(max_length=6)
        code = CharField(max_length=12, default='')
        number = CharField(max_length=20)
        issued_on = DateField()
        amount_fen = IntegerField()
        tax_rate = IntegerField(default=130)
        buyer_kind = CharField(max_length=10, default='company')
        buyer_name = CharField(max_length=100)
        taxpayer_no = CharField(max_length=20, default='')
        delivery = CharField(max_length=10)
        tracking_no = CharField(max_length=40, default='')
        email = CharField(max_length=120, default='')
        issued_by = ForeignKeyField(User)
        reversed_at = DateTimeField(null=True)
        reversal_reason = TextField(default='')
        class Meta:
            database = db
            table_name = 'invoice'
            indexes = ((('kind', 'code', 'number'), True),)
    db.create_tables([Invoice])

    class InvoiceTitle(Model):
        customer = ForeignKeyField(Customer)
        buyer_kind = CharField(max_length=10)
        buyer_name = CharField(max_length=100)
        taxpayer_no = CharField(max_length=20, default='')
        used_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'invoice_title'
            indexes = ((('customer', 'buyer_name'), True),)
    db.create_tables([InvoiceTitle])

    class JournalDay(Model):
        day = DateField(unique=True)
        closed_by = ForeignKeyField(User)
        closed_at = DateTimeField()
        total_fen = IntegerField()
        class Meta:
            database = db
            table_name = 'journal_day'
    db.create_tables([JournalDay])

    class Payment(Model):
        version = IntegerField(default=1)
        updated_at = DateTimeField()
        job = ForeignKeyField(Job)
        kind = CharField(max_length=10)
        method = CharField(max_length=10)
        amount_fen = IntegerField()
        receipt = CharField(unique=True, null=True, max_length=20)
        state = CharField(index=True, max_length=20, default='in_hand')
        collected_by = ForeignKeyField(User)
        collected_at = DateTimeField()
        handover = ForeignKeyField(Handover, null=True)
        counted_fen = IntegerField(null=True)
        received_by = ForeignKeyField(User, null=True)
        received_at = DateTimeField(null=True)
        note = TextField(default='')
        class Meta:
            database = db
            table_name = 'payment'
    db.create_tables([Payment])

    class JournalLine(Model):
        day = DateField(index=True)
        at = DateTimeField()
        amount_fen = IntegerField()
        payment = ForeignKeyField(Payment, null=True)
        method = CharField(max_length=10, default='cash')
        text = CharField(max_length=200)
        by = ForeignKeyField(User)
        corrects = ForeignKeyField('self', null=True)
        class Meta:
            database = db
            table_name = 'journal_line'
    db.create_tables([JournalLine])

    class PriceItem(Model):
        code = CharField(unique=True, max_length=30)
        name = CharField(max_length=100)
        kind = CharField(max_length=10, default='part')
        unit = CharField(max_length=10, default='piece')
        active = BooleanField(default=True)
        sale_fen = IntegerField(default=0)
        cost_fen = IntegerField(default=0)
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'price_item'
    db.create_tables([PriceItem])

    class PriceVersion(Model):
        item = ForeignKeyField(PriceItem)
        sale_fen = IntegerField()
        cost_fen = IntegerField()
        since = DateTimeField()
        by = ForeignKeyField(User)
        class Meta:
            database = db
            table_name = 'price_version'
    db.create_tables([PriceVersion])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('price_version'))
    migrator.migrate(migrator.drop_table('price_item'))
    migrator.migrate(migrator.drop_table('journal_line'))
    migrator.migrate(migrator.drop_table('payment'))
    migrator.migrate(migrator.drop_table('journal_day'))
    migrator.migrate(migrator.drop_table('invoice_title'))
    migrator.migrate(migrator.drop_table('invoice'))
    migrator.migrate(migrator.drop_table('handover'))
    migrator.migrate(migrator.drop_table('collection_visit'))
    migrator.migrate(migrator.drop_table('charge_line'))
    migrator.migrate(migrator.drop_table('charge'))
