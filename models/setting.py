"""Settings an administrator can change: thresholds, deadlines, texts."""

from peewee import CharField

from models.base import N_, BaseModel, JSONField, RuleError, db
from models.event import Event

# key: (default, kind, label)
DEFAULTS = {
    "small_fee_limit_fen": (50000, "money", N_("Largest fee a technician collects on site")),
    "quick_work_picks": (
        "更换配件\n清洁保养\n调试校准\n软件升级\n检查无故障",
        "lines",
        N_("Quick picks for work done (one per line)"),
    ),
}


class Setting(BaseModel):
    key = CharField(max_length=60, unique=True)
    value = JSONField()

    @classmethod
    def get_value(cls, key):
        row = cls.get_or_none(cls.key == key)
        return row.value if row is not None else DEFAULTS[key][0]

    @classmethod
    def all_values(cls):
        stored = {row.key: row.value for row in cls.select()}
        return {key: stored.get(key, default[0]) for key, default in DEFAULTS.items()}

    @classmethod
    def set_value(cls, key, value, by):
        if key not in DEFAULTS:
            raise RuleError(N_("Unknown setting."))
        with db.atomic():
            old = cls.get_value(key)
            if old == value:
                return
            row, created = cls.get_or_create(key=key, defaults={"value": value})
            if not created:
                row.value = value
                row.save()
            Event.record(by, row, "set", note=key, data={"from": old, "to": value})
