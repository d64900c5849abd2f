"""Stateful records: a state, a version, and a table of transitions kept as data.

Every change of a stateful record goes through ``apply`` (a transition) or ``change`` (an
amendment): one transaction that locks the row, checks permission (any record, or one the
user owns), state and the version the user saw, saves, and writes the event. The same table
tells a page which buttons to show (``allowed_actions``).
"""

import datetime
from collections import namedtuple

from peewee import CharField, DateTimeField, ForeignKeyField, IntegerField

from models.core.access import ACTIONS, can, may, require
from models.core.db import BaseModel, db, is_postgres, now
from models.core.errors import N_, Conflict, Label, RuleError
from models.core.events import Event, subject_of
from models.core.users import User

# target None: the record stays in its state (a handover, a note), still one versioned event.
Transition = namedtuple("Transition", "sources target permission label")


# (subject, action) -> checks another domain adds to a transition (an out-of-town job may not
# start before its trip is approved): check(record, by) raises RuleError to refuse.
STEP_GUARDS: dict[tuple, list] = {}


def guard_step(subject, action, check):
    STEP_GUARDS.setdefault((subject, action), []).append(check)
    return check


# (subject, action) -> what another domain does in the same transaction once the step is
# saved (a finished job is charged): after(record, by).
STEP_FOLLOWERS: dict[tuple, list] = {}


def follow_step(subject, action, after):
    STEP_FOLLOWERS.setdefault((subject, action), []).append(after)
    return after


def plain(value):
    """A value as the event log keeps it: text, times as ISO 8601 (UTC), None as is."""
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, datetime.date | datetime.datetime):
        return value.isoformat()
    return str(value)


class StatefulModel(BaseModel):
    """Base of every record with a life: subclasses set ``subject``, ``STATES``, ``TRANSITIONS``.

    ``AMENDABLE`` (field -> label), ``AMEND_STATES`` and ``AMEND_PERMISSION`` allow
    corrections through ``change``; ``owned_by(user)`` decides the ``.own`` permissions.
    """

    subject = None
    STATES: dict = {}
    TRANSITIONS: dict = {}
    AMENDABLE: dict = {}
    AMEND_STATES: tuple = ()
    AMEND_PERMISSION: str | None = None

    state = CharField(max_length=20, index=True)
    version = IntegerField(default=1)
    updated_at = DateTimeField(default=now)

    # ---- what the record is ----------------------------------------------------------------

    def owned_by(self, user, permission=None):
        """Is this the user's own record, for the ``.own`` form of ``permission``?"""
        return False

    @classmethod
    def owned_where(cls, user, permission=None):
        """The query condition for records ``user`` owns (for lists of ``.own`` readers)."""
        return cls.id < 0

    @classmethod
    def visible_to(cls, user, permission, query=None):
        """Restrict a query to the records this user may read under ``permission``."""
        query = query if query is not None else cls.select()
        action = ACTIONS.get(permission)
        if action is not None and action.scoped:
            if can(user, f"{permission}.any"):
                return query
            if can(user, f"{permission}.own"):
                return query.where(cls.owned_where(user, permission))
        elif can(user, permission):
            return query
        return query.where(cls.id < 0)

    @property
    def title(self):
        """What the record is called in messages: its number."""
        return getattr(self, "number", None) or f"#{self.id}"

    @property
    def state_label(self):
        return self.STATES.get(self.state, self.state)

    def check(self, by, action):
        """Refuse, saying why, an action this user may not take on this record now."""
        if action == "amend":
            require(by, self.AMEND_PERMISSION, self)
            sources = self.AMEND_STATES
        else:
            spec = self.TRANSITIONS[action]
            require(by, spec.permission, self, self.not_yours_message())
            sources = spec.sources
        if self.state not in sources:
            raise RuleError(
                N_("%(record)s %(number)s is %(state)s: it cannot be changed that way now."),
                record=Label(subject_of(self.subject).label),
                number=self.title,
                state=Label(self.state_label),
            )

    def not_yours_message(self):
        return N_("This record is not yours to change.")

    def allowed_actions(self, user):
        """Transitions (and "amend") this user may take now: the buttons a page shows."""
        actions = []
        if (
            self.AMEND_PERMISSION
            and self.state in self.AMEND_STATES
            and may(user, self.AMEND_PERMISSION, self)
        ):
            actions.append("amend")
        for name, spec in self.TRANSITIONS.items():
            if self.state in spec.sources and may(user, spec.permission, self):
                actions.append(name)
        return actions

    # ---- changes -------------------------------------------------------------------------

    def locked(self):
        """The record as stored, its row locked until the transaction ends."""
        query = type(self).select().where(type(self).id == self.id)
        if is_postgres():
            query = query.for_update()
        return query.get()

    def reload(self, row=None):
        """Take every stored value of ``row`` (default: a fresh read) into this instance."""
        row = row if row is not None else type(self).get_by_id(self.id)
        for field in self._meta.sorted_fields:
            # a foreign key by its id: reading the related object would query it
            name = field.object_id_name if isinstance(field, ForeignKeyField) else field.name
            setattr(self, name, getattr(row, name))
        return self

    def before(self, action, current, changes):
        """Hook: check what only the locked row can tell (times against stored ones)."""

    def apply(self, action, by, version=None, note="", data=None, **changes):
        """Take transition ``action``: lock, check who / state / version, save, record the event."""
        spec = self.TRANSITIONS[action]
        require(by, spec.permission, self, self.not_yours_message())
        with db.atomic():
            current = self.locked()
            if version is not None and int(version) != current.version:
                current.check(by, action)  # a refused step says more than a conflict
                raise current.conflict(action)
            current.check(by, action)
            current.before(action, current, changes)
            for guard in STEP_GUARDS.get((self.subject, action), ()):
                guard(current, by)
            from_state = current.state
            for key, value in changes.items():
                setattr(current, key, value)
            current.state = spec.target or current.state
            current.version += 1
            current.updated_at = now()
            current.on_save()
            current.save()
            Event.record(by, current, action, from_state, current.state, note, data)
            for after in STEP_FOLLOWERS.get((self.subject, action), ()):
                after(current, by)
        return self.reload(current)

    def change(self, by, reason, version=None, action="amend", **changes):
        """Correct fields listed in ``AMENDABLE`` with a reason; the event keeps old -> new."""
        reason = (reason or "").strip()
        if not reason:
            raise RuleError(N_("Give the reason for the amendment."), field="reason")
        unknown = set(changes) - set(self.AMENDABLE)
        if unknown:
            raise RuleError(N_("That part of the record cannot be amended."))
        require(by, self.AMEND_PERMISSION, self)
        with db.atomic():
            current = self.locked()
            if version is not None and int(version) != current.version:
                raise current.conflict(action)
            current.check(by, "amend")
            current.before(action, current, changes)
            diff = {}
            for field, value in changes.items():
                if isinstance(value, str):
                    value = value.strip()
                if getattr(current, field) != value:
                    diff[field] = [plain(getattr(current, field)), plain(value)]
                    setattr(current, field, value)
            if not diff:
                raise RuleError(N_("Nothing was changed."))
            current.version += 1
            current.updated_at = now()
            current.on_save()
            current.save()
            Event.record(by, current, action, current.state, current.state, reason, diff)
        return self.reload(current)

    def on_save(self):
        """Hook: keep derived columns (search text) in step before each save of a change."""

    # ---- conflicts -------------------------------------------------------------------------

    def conflict(self, action):
        """Say who changed the record first and what it is now."""
        last = Event.last_of(self)
        who = User.get_or_none(User.id == last.actor_id) if last and last.actor_id else None
        msgid, params = self.conflict_message(action, who.full_name if who else "?", last)
        return Conflict(msgid, **params)

    def conflict_message(self, action, who, last_event):
        """(msgid, params) of the conflict; a record says it in its own words."""
        return (
            N_(
                "%(record)s %(number)s was changed by %(who)s meanwhile (now: %(state)s). "
                "Check and try again."
            ),
            {
                "record": Label(subject_of(self.subject).label),
                "number": self.title,
                "who": who,
                "state": Label(self.state_label),
            },
        )
