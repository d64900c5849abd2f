"""The price list (Art. 6): parts and labour, each price change a new version, so a price
change never alters a job already charged (its charge lines copy the price)."""

from peewee import JOIN, BooleanField, CharField, DateTimeField, ForeignKeyField, fn

from models.core import N_, BaseModel, Event, FenField, RuleError, User, db, now, require
from models.money.labels import PRICE_KINDS, UNITS

MAX_PRICE = 10_000_000_00


class PriceItem(BaseModel):
    subject = "price"

    code = CharField(max_length=30, unique=True)
    name = CharField(max_length=100)
    kind = CharField(max_length=10, default="part")
    unit = CharField(max_length=10, default="piece")
    active = BooleanField(default=True)
    sale_fen = FenField(default=0)  # the current price (the versions keep every earlier one)
    cost_fen = FenField(default=0)
    created_at = DateTimeField(default=now)

    class Meta:
        table_name = "price_item"

    @classmethod
    def add(cls, by, code, name, kind, unit, sale_fen, cost_fen):
        require(by, "prices.edit")
        code, name = (code or "").strip().upper(), (name or "").strip()
        if not code:
            raise RuleError(N_("Enter the code."), field="code")
        if not name:
            raise RuleError(N_("Enter the name."), field="name")
        if kind not in PRICE_KINDS:
            raise RuleError(N_("Choose part or labour."), field="kind")
        if unit not in UNITS:
            raise RuleError(N_("Choose the unit."), field="unit")
        _check_prices(sale_fen, cost_fen)
        with db.atomic():
            if cls.select().where(cls.code == code).exists():
                raise RuleError(N_("That code is already on the price list."), field="code")
            item = cls.create(
                code=code, name=name, kind=kind, unit=unit, sale_fen=sale_fen, cost_fen=cost_fen
            )
            PriceVersion.create(item=item, sale_fen=sale_fen, cost_fen=cost_fen, by=by)
            Event.record(by, item, "create", note=f"{code} {name}", data={"sale": sale_fen, "cost": cost_fen})
        return item

    def set_price(self, by, sale_fen, cost_fen, active=True):
        """A new price from now on; jobs charged earlier keep theirs."""
        require(by, "prices.edit")
        _check_prices(sale_fen, cost_fen)
        with db.atomic():
            if (self.sale_fen, self.cost_fen, self.active) == (sale_fen, cost_fen, active):
                raise RuleError(N_("Nothing was changed."))
            data = {"sale": [self.sale_fen, sale_fen], "cost": [self.cost_fen, cost_fen]}
            self.sale_fen, self.cost_fen, self.active = sale_fen, cost_fen, active
            self.save()
            PriceVersion.create(item=self, sale_fen=sale_fen, cost_fen=cost_fen, by=by)
            Event.record(by, self, "price", note=self.code, data=data)
        return self

    @classmethod
    def by_code(cls, codes):
        codes = [c for c in {(c or "").upper() for c in codes} if c]
        if not codes:
            return {}
        return {i.code: i for i in cls.select().where(cls.code.in_(codes), cls.active)}

    @classmethod
    def picks(cls):
        """Active parts for the technician's picker, by code."""
        return cls.select().where(cls.active, cls.kind == "part").order_by(cls.code)

    @classmethod
    def listed(cls, text=""):
        query = cls.select().order_by(cls.kind.desc(), cls.code)
        text = (text or "").strip()
        if text:
            query = query.where(fn.LOWER(cls.code).contains(text.lower()) | cls.name.contains(text))
        return query

    def versions(self):
        return (
            PriceVersion.select(PriceVersion, User)
            .join(User, JOIN.LEFT_OUTER, on=(PriceVersion.by == User.id), attr="who")
            .where(PriceVersion.item == self.id)
            .order_by(PriceVersion.id.desc())
        )


class PriceVersion(BaseModel):
    item = ForeignKeyField(PriceItem, backref="+")
    sale_fen = FenField()
    cost_fen = FenField()
    since = DateTimeField(default=now)
    by = ForeignKeyField(User, backref="+", lazy_load=False)

    class Meta:
        table_name = "price_version"


def _check_prices(sale_fen, cost_fen):
    for value, field in ((sale_fen, "sale"), (cost_fen, "cost")):
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_PRICE:
            raise RuleError(N_("Enter a price from 0 to 10,000,000 yuan."), field=field)
