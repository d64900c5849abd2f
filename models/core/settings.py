"""Settings an administrator changes: thresholds, deadlines, texts. Each domain registers its
own (key, kind, default, label, validation); the Settings screen is built from the registry."""

import dataclasses
import datetime
from collections.abc import Callable

from peewee import CharField

from models.core.access import can, require
from models.core.db import BaseModel, JSONField, db
from models.core.errors import N_, Label, RuleError
from models.core.events import Event, Subject, register_subject
from models.core.prepared import Prepared

# kind: what the value is and how the screen edits it
KINDS = ("money", "int", "bool", "text", "lines", "choice", "choices", "dates", "time")


@dataclasses.dataclass(frozen=True)
class SettingSpec:
    key: str
    kind: str
    default: object
    label: str
    hint: str = ""
    minimum: int | None = None
    maximum: int | None = None
    options: tuple = ()  # (value, label) pairs for "choice" and "choices"
    validate: Callable | None = None  # value -> None, or raise RuleError
    section: str = ""
    # Changing it needs this permission too (a setting that loosens a control of the manager's
    # own work is not the manager's to change).
    permission: str | None = None


SETTINGS: dict[str, SettingSpec] = {}


def register_settings(specs, section=""):
    for spec in specs:
        if spec.kind not in KINDS:
            raise ValueError(f"unknown setting kind {spec.kind}")
        SETTINGS[spec.key] = dataclasses.replace(spec, section=section) if section else spec


def _check(spec, value):
    """The value in its stored form, or a RuleError naming the setting's field."""
    field = spec.key
    if spec.kind in ("money", "int"):
        if not isinstance(value, int) or isinstance(value, bool):
            raise RuleError(N_("Enter a whole number."), field=field)
        if spec.minimum is not None and value < spec.minimum:
            raise RuleError(N_("The smallest allowed value is %(n)s."), field=field, n=spec.minimum)
        if spec.maximum is not None and value > spec.maximum:
            raise RuleError(N_("The largest allowed value is %(n)s."), field=field, n=spec.maximum)
    elif spec.kind == "bool":
        value = bool(value)
    elif spec.kind in ("text", "lines"):
        value = str(value or "").strip()
    elif spec.kind == "choice":
        if value not in {v for v, _ in spec.options}:
            raise RuleError(N_("Choose one of the options."), field=field)
    elif spec.kind == "choices":
        allowed = [v for v, _ in spec.options]
        value = [v for v in allowed if v in set(value or ())]
    elif spec.kind == "dates":
        days = sorted({d if isinstance(d, str) else d.isoformat() for d in value or ()})
        for day in days:
            try:
                datetime.date.fromisoformat(day)
            except ValueError:
                raise RuleError(
                    N_("“%(value)s” is not a date (YYYY-MM-DD)."), field=field, value=day
                ) from None
        value = days
    elif spec.kind == "time":
        try:
            value = datetime.time.fromisoformat(str(value)).strftime("%H:%M")
        except ValueError:
            raise RuleError(N_("Enter a time as HH:MM."), field=field) from None
    if spec.validate is not None:
        spec.validate(value)
    return value


class Setting(BaseModel):
    subject = "setting"

    key = CharField(max_length=60, unique=True)
    value = JSONField()

    @classmethod
    def get_value(cls, key):
        row = _ONE.first(key)
        return row.value if row is not None else SETTINGS[key].default

    @classmethod
    def all_values(cls):
        stored = {row.key: row.value for row in _ALL.rows()}
        return {key: stored.get(key, spec.default) for key, spec in SETTINGS.items()}

    @classmethod
    def set_value(cls, key, value, by):
        """Change one setting (checked against its spec); an event records old and new."""
        spec = SETTINGS.get(key)
        if spec is None:
            raise RuleError(N_("Unknown setting."))
        if by is not None:
            require(by, "admin.settings")
        value = _check(spec, value)
        with db.atomic():
            old = cls.get_value(key)
            if old == value:
                return False
            if by is not None and spec.permission:
                require(by, spec.permission)
            row, created = cls.get_or_create(key=key, defaults={"value": value})
            if not created:
                row.value = value
                row.save()
            Event.record(by, row, "set", note=key, data={"from": old, "to": value})
        return True

    @classmethod
    def set_values(cls, values, by):
        """Several settings at once: all or none (the first refusal names its field)."""
        for key, value in values.items():
            _check(SETTINGS[key], value)
        with db.atomic():
            return [key for key, value in values.items() if cls.set_value(key, value, by)]


def may_change(user, key):
    """Whether ``user`` may change this setting (its own permission, if it has one)."""
    spec = SETTINGS[key]
    return can(user, "admin.settings") and (spec.permission is None or can(user, spec.permission))


def _setting_titles(ids):
    return {
        row.id: row.key for row in Setting.select(Setting.id, Setting.key).where(Setting.id.in_(list(ids)))
    }


register_subject(
    Subject(
        "setting",
        N_("Setting"),
        actions={"set": N_("changed the setting “%(key)s”")},
        phrase=lambda event: (
            N_("changed the setting “%(key)s”"),
            {"key": Label(SETTINGS[event.note].label) if event.note in SETTINGS else event.note},
        ),
        titles=_setting_titles,
        reader="admin.settings",
    )
)


# The company on every printed form (letterhead) and wherever customers see its name.
register_settings(
    [
        SettingSpec("company_name", "text", "", N_("Company name, printed at the head of every form")),
        SettingSpec("company_address", "text", "", N_("Company address on printed forms")),
        SettingSpec("company_phone", "text", "", N_("Service telephone on printed forms")),
    ],
    section=N_("Company and printed forms"),
)


def company():
    """The letterhead: {"name", "address", "phone"} from the settings (empty when not set)."""
    values = Setting.all_values()
    return {key: values[f"company_{key}"] for key in ("name", "address", "phone")}


_ALL = Prepared(lambda: Setting.select(Setting.key, Setting.value))
_ONE = Prepared(lambda key: Setting.select(Setting.value).where(Setting.key == key), slots=1)
