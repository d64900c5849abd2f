"""Sessions kept on the server: one row per sign-in, so that signing out, an administrator's
deactivation, a new password or the user's own "end this session" really end it, in every
process and on every machine that serves the database.

The browser's cookie carries only a random token; the row keeps its SHA-256 (a stolen
database copy does not give working cookies). A session ends when it is idle longer than
the administrator's setting or older than its absolute lifetime.
"""

import datetime
import hashlib
import json
import secrets

from peewee import CharField, DateTimeField, ForeignKeyField

from models.core.db import BaseModel, db, now
from models.core.errors import N_, RuleError
from models.core.events import Event
from models.core.prepared import Prepared
from models.core.settings import SETTINGS, Setting, SettingSpec, register_settings
from models.core.users import User, on_sessions_end

# "Last seen" is written at most this often: a session's reads stay reads.
TOUCH_EVERY = datetime.timedelta(minutes=1)
MAX_TOKEN = 100
LIMITS = ("session_idle_minutes", "session_lifetime_hours")

register_settings(
    [
        SettingSpec(
            "session_idle_minutes",
            "int",
            8 * 60,
            N_("Sign out after this many minutes without activity"),
            minimum=5,
            maximum=7 * 24 * 60,
        ),
        SettingSpec(
            "session_lifetime_hours",
            "int",
            7 * 24,
            N_("Sign out this many hours after signing in, whatever happens"),
            minimum=1,
            maximum=90 * 24,
        ),
    ],
    section=N_("Sign-in and sessions"),
)


def _digest(token):
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _as_limits(idle_minutes, lifetime_hours):
    return datetime.timedelta(minutes=idle_minutes), datetime.timedelta(hours=lifetime_hours)


def limits():
    """(idle, lifetime) as timedeltas, from the settings (one query)."""
    values = {key: SETTINGS[key].default for key in LIMITS}
    for row in Setting.select().where(Setting.key.in_(list(LIMITS))):
        values[row.key] = row.value
    return _as_limits(*(values[key] for key in LIMITS))


def _setting_column(key):
    """A setting's stored value as a column of another query (NULL when never changed)."""
    return Setting.select(Setting.value).where(Setting.key == key)


class UserSession(BaseModel):
    """One signed-in browser: who, since when, last seen when, from where, with what."""

    token_hash = CharField(max_length=64, unique=True)
    user = ForeignKeyField(User, backref="sessions", on_delete="CASCADE")
    created_at = DateTimeField(default=now)
    last_seen = DateTimeField(default=now)
    address = CharField(max_length=64, default="")
    user_agent = CharField(max_length=200, default="")

    class Meta:
        table_name = "user_session"

    @classmethod
    def begin(cls, user, address="", user_agent=""):
        """Start a session for a user who just proved who they are; returns the user with its
        new token as ``session_key`` (a fresh one at every sign-in). Expired sessions of the
        same user are cleared away on the way."""
        token = secrets.token_urlsafe(32)
        at = now()
        with db.atomic():
            expired = cls._expired_of(user, at)
            if expired:
                cls.delete().where(cls.id.in_(expired)).execute()
            session = cls.create(
                token_hash=_digest(token),
                user=user,
                created_at=at,
                last_seen=at,
                address=(address or "")[:64],
                user_agent=(user_agent or "")[:200],
            )
            data = {"session": session.id, "address": session.address}
            if expired:
                data["expired_cleared"] = len(expired)
            Event.record(user, user, "login", data=data)
        user.session_key, user.current_session = token, session
        return user

    @classmethod
    def _expired_of(cls, user, at):
        idle, lifetime = limits()
        return [
            row.id
            for row in cls.select(cls.id).where(
                cls.user == user.id, (cls.last_seen < at - idle) | (cls.created_at < at - lifetime)
            )
        ]

    @classmethod
    def user_for(cls, token):
        """The active user a session token belongs to, or None (unknown, ended or expired).
        Counts as activity: "last seen" moves on, at most once a minute."""
        if not token or not isinstance(token, str) or len(token) > MAX_TOKEN:
            return None
        # One query for the session, its user and the two limits: this runs on every request
        # (its SQL built once: models.core.prepared).
        row = _SESSION_OF.first(_digest(token))
        if row is None or not row.user.active:
            return None
        at = now()
        idle, lifetime = _as_limits(
            *(
                json.loads(stored) if stored is not None else SETTINGS[key].default
                for key, stored in zip(LIMITS, (row.idle_setting, row.lifetime_setting), strict=True)
            )
        )
        if row.last_seen < at - idle or row.created_at < at - lifetime:
            row.expire()
            return None
        if at - row.last_seen >= TOUCH_EVERY:
            cls.update(last_seen=at).where(cls.id == row.id, cls.last_seen < at - TOUCH_EVERY).execute()
            row.last_seen = at
        user = row.user
        user.session_key, user.current_session = token, row
        return user

    def expire(self):
        """The session outlived its limits: it ends (once, however many requests notice)."""
        with db.atomic():
            if type(self).delete().where(type(self).id == self.id).execute():
                Event.record(None, self.user, "session_expired", data={"session": self.id})

    def end(self, by):
        """Sign out: this session ends."""
        with db.atomic():
            if type(self).delete().where(type(self).id == self.id).execute():
                Event.record(by, self.user, "logout", data={"session": self.id})

    @classmethod
    def active_for(cls, user):
        """The user's sessions that still work, most recently used first."""
        at = now()
        idle, lifetime = limits()
        return (
            cls.select()
            .where(cls.user == user.id, cls.last_seen >= at - idle, cls.created_at >= at - lifetime)
            .order_by(cls.last_seen.desc(), cls.id.desc())
        )

    @classmethod
    def end_one(cls, user, session_id, by, current=None):
        """A user ends one of their other sessions (a phone left signed in somewhere)."""
        if current is not None and current.id == session_id:
            raise RuleError(N_("This is the session you are using: sign out instead."))
        with db.atomic():
            row = cls.get_or_none(cls.id == session_id, cls.user == user.id)
            if row is None:
                raise RuleError(N_("That session has already ended."))
            row.delete_instance()
            Event.record(by, user, "session_end", data={"session": row.id, "address": row.address})

    @classmethod
    def end_others(cls, user, keep, by):
        """A user ends every session but the one they are using; returns how many ended."""
        with db.atomic():
            ended = cls.end_all(user, keep=keep)
            if ended:
                Event.record(by, user, "sessions_end", data={"count": ended})
        return ended

    @classmethod
    def end_all(cls, user, keep=None):
        """Delete the user's sessions but ``keep`` (a session or its id); the caller records
        why (a new password, a deactivation) in its own event and transaction."""
        query = cls.delete().where(cls.user == user.id)
        if keep is not None:
            query = query.where(cls.id != getattr(keep, "id", keep))
        return query.execute()


on_sessions_end(UserSession.end_all)


def _session_of(digest):
    return (
        UserSession.select(
            UserSession,
            User,
            _setting_column(LIMITS[0]).alias("idle_setting"),
            _setting_column(LIMITS[1]).alias("lifetime_setting"),
        )
        .join(User)
        .where(UserSession.token_hash == digest)
        .limit(1)
    )


_SESSION_OF = Prepared(_session_of, slots=1)
