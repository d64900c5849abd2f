"""The append-only event log (audit trail, each record's history, the live pages' change feed)
and the registry of what each kind of record and each of its events is called.

A domain registers its subject once, from its own module:

    register_subject(Subject("job", N_("Service voucher"), states=STATES, actions={...}))

History pages and the audit log read the registry (``models.core.history``); nothing here
knows any domain.
"""

import dataclasses
from collections.abc import Callable

from peewee import AutoField, CharField, DateTimeField, IntegerField, TextField

from models.core.db import BaseModel, JSONField, db, is_postgres, now
from models.core.errors import N_
from models.core.prepared import Prepared, of_record

EVENT_ORDER_LOCK = 8_431_277  # an arbitrary advisory-lock key of this application


@dataclasses.dataclass(frozen=True)
class Subject:
    """How a kind of record reads in histories and the audit log.

    ``actions``: event action -> what happened, in words (an N_ msgid; its ``%(name)s``
    placeholders are filled from the event's data, user ids in ``people`` replaced by names).
    ``phrase(event)`` may choose another msgid for one event (re-dispatch vs. dispatch).
    ``fields``: field -> label, for the old -> new lines of amendments and edits.
    ``titles(ids)``: {id: what the record is called} (a number, a name), one query a page.
    ``reader``: the permission a viewer needs to read notes and changed values.
    """

    key: str
    label: str
    states: dict = dataclasses.field(default_factory=dict)
    actions: dict = dataclasses.field(default_factory=dict)
    fields: dict = dataclasses.field(default_factory=dict)
    people: tuple = ()
    reader: str | None = None
    titles: Callable | None = None
    phrase: Callable | None = None


SUBJECTS: dict[str, Subject] = {}


def register_subject(subject):
    SUBJECTS[subject.key] = subject
    return subject


def subject_of(key):
    return SUBJECTS.get(key) or Subject(key, key)


class Event(BaseModel):
    # Its increasing id is the position a live page polls from.
    id = AutoField()
    at = DateTimeField(default=now)
    # The acting user (None for the system); an id rather than a foreign key so the log
    # can be written from the user module itself.
    actor_id = IntegerField(null=True)
    subject = CharField(max_length=30)
    subject_id = IntegerField()
    action = CharField(max_length=30)
    from_state = CharField(max_length=30, default="")
    to_state = CharField(max_length=30, default="")
    note = TextField(default="")
    data = JSONField(null=True)

    class Meta:
        indexes = ((("subject", "subject_id", "id"), False),)

    @classmethod
    def record(cls, actor, obj, action, from_state="", to_state="", note="", data=None):
        """Append one event about ``obj`` (call inside the transaction that made the change)."""
        if is_postgres():
            # Event ids are handed out at insert, but a later id may commit first; a live page
            # that polled in between would skip the earlier one for good. Writers of events
            # take turns until they commit, so ids become visible in order. (SQLite already
            # runs one write transaction at a time.)
            db.execute_sql("SELECT pg_advisory_xact_lock(%s)", (EVENT_ORDER_LOCK,))
        return cls.create(
            actor_id=actor.id if actor is not None else None,
            subject=obj.subject,
            subject_id=obj.id,
            action=action,
            from_state=from_state or "",
            to_state=to_state or "",
            note=note or "",
            data=data,
        )

    @classmethod
    def latest_id(cls):
        """The newest event's id (0 for none): every live poll asks, its SQL is built once."""
        row = _LATEST.first()
        return row.id if row else 0

    @classmethod
    def latest_mark(cls):
        """(id, time) of the newest event, (0, None) for none: one state of everything the
        event log covers. The time tells a database restored and written again (an id used
        twice) from the state that id first named."""
        row = _LATEST.first()
        return (row.id, row.at) if row else (0, None)

    @classmethod
    def changes_since(cls, position, limit=1000):
        """(new position, {subject: ids of its records changed after ``position``}).

        The live pages' one question: nothing new is a single indexed read of the newest id.
        A long absence is answered in steps of ``limit`` events, each step's position being
        its last event, so nothing is skipped.
        """
        latest = cls.latest_id()
        if latest <= position:
            return latest, {}
        rows = list(
            cls.select(cls.id, cls.subject, cls.subject_id)
            .where(cls.id > position)
            .order_by(cls.id)
            .limit(limit)
            .tuples()
        )
        reached = rows[-1][0] if len(rows) == limit else latest
        changed = {}
        for _, kind, subject_id in rows:
            changed.setdefault(kind, set()).add(subject_id)
        return reached, changed

    @classmethod
    def of(cls, obj):
        """The events of one record, oldest first (a query, to narrow further)."""
        return cls.select().where(cls.subject == obj.subject, cls.subject_id == obj.id).order_by(cls.id)

    @classmethod
    def all_of(cls, obj):
        """The events of one record, oldest first, as a list (its SQL built once: every
        record's page shows its history)."""
        return list(_OF.rows(obj.subject, obj.id))

    @classmethod
    def last_of(cls, obj):
        return (
            cls.select()
            .where(cls.subject == obj.subject, cls.subject_id == obj.id)
            .order_by(cls.id.desc())
            .first()
        )


register_subject(Subject("system", N_("System")))


_LATEST = Prepared(lambda: Event.select(Event.id, Event.at).order_by(Event.id.desc()).limit(1))


_OF = of_record(Event)
