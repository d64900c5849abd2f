"""The append-only event log: audit trail, voucher history and live-update feed at once."""

from peewee import JOIN, AutoField, CharField, DateTimeField, IntegerField, TextField

from models.base import BaseModel, JSONField, db, is_postgres, now

EVENT_ORDER_LOCK = 8_431_277  # an arbitrary advisory-lock key of this application


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
            subject=type(obj).__name__.lower(),
            subject_id=obj.id,
            action=action,
            from_state=from_state or "",
            to_state=to_state or "",
            note=note or "",
            data=data,
        )

    @classmethod
    def latest_id(cls):
        row = cls.select(cls.id).order_by(cls.id.desc()).limit(1).first()
        return row.id if row else 0

    @classmethod
    def changes_since(cls, position, subject="job", limit=1000):
        """(new position, ids of ``subject`` records changed after ``position``).

        The live pages' one question: nothing new is a single indexed read of the newest id.
        A long absence is answered in steps of ``limit`` events, each step's position being
        its last event, so nothing is skipped.
        """
        latest = cls.latest_id()
        if latest <= position:
            return latest, set()
        rows = list(
            cls.select(cls.id, cls.subject, cls.subject_id)
            .where(cls.id > position)
            .order_by(cls.id)
            .limit(limit)
            .tuples()
        )
        reached = rows[-1][0] if len(rows) == limit else latest
        return reached, {subject_id for _, kind, subject_id in rows if kind == subject}

    @classmethod
    def history(cls, obj):
        from models.user import User

        return (
            cls.select(cls, User)
            .join(User, JOIN.LEFT_OUTER, on=(cls.actor_id == User.id), attr="who")
            .where(cls.subject == type(obj).__name__.lower(), cls.subject_id == obj.id)
            .order_by(cls.id)
        )
