"""Users, their roles (Art. 4) and sign-in throttling.

Throttling, as the README's Security section promises it:

* Per account, across addresses: the first ``FREE_FAILURES`` wrong passwords for a user name
  cost nothing; each one after that makes the name wait longer before the next try (1, 2, 4,
  8, then 15 minutes at most). Failures at an address where the user has signed in before
  (a *familiar* address, their own desk) count apart, so somebody else's guessing from
  elsewhere does not lock the user out at their desk.
* Per address: at most ``ADDRESS_LIMIT`` failures in a quarter of an hour. Past that, the
  address may still sign in to accounts familiar with it (the department behind one proxy),
  but nothing else is tried from it.
* Counting is atomic: an attempt is admitted by one conditional UPDATE of its counter row
  before the password is hashed, so concurrent guesses cannot overtake the limit.
* Names are not told apart: an unknown name is hashed against a fixed dummy (the same time as
  a real one), throttled exactly like a real one, and every failure has one message.
"""

import datetime
import functools
import secrets
import time

from peewee import BooleanField, Case, CharField, DateTimeField, IntegerField, IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from models.core.access import ROLE_LABELS, ROLES, can
from models.core.db import BaseModel, db, is_postgres, now
from models.core.errors import N_, Forbidden, RuleError
from models.core.events import Event, Subject, register_subject
from models.core.guards import holdings
from models.core.prepared import Prepared

LOCALES = ("zh_CN", "en")
MIN_PASSWORD = 8

FREE_FAILURES = 5
DELAYS_MINUTES = (1, 2, 4, 8, 15)  # after the 5th, 6th, ... failure; the last one repeats
ACCOUNT_MEMORY = datetime.timedelta(hours=24)  # a name's failures are forgotten after a quiet day
ADDRESS_LIMIT = 20
ADDRESS_WINDOW = datetime.timedelta(minutes=15)
FAMILIAR_FOR = datetime.timedelta(days=90)
PENDING = datetime.timedelta(seconds=30)  # an attempt under way holds the next one back at most this long
RETRY_SECONDS = 5.0
MAX_NAME = 80
MAX_ADDRESS = 64


class User(BaseModel):
    subject = "user"

    username = CharField(max_length=40, unique=True)
    full_name = CharField(max_length=60)
    role = CharField(max_length=20, index=True)
    phone = CharField(max_length=30, default="")
    password_hash = CharField(max_length=255)
    active = BooleanField(default=True)
    locale = CharField(max_length=10, default="")
    created_at = DateTimeField(default=now)

    # The session this user object was loaded for (models.core.sessions sets both): what
    # Flask-Login keeps in the cookie is the session's random token, never the user's id.
    session_key = None
    current_session = None

    # Flask-Login's user protocol, without importing Flask into the models.
    @property
    def is_active(self):
        return self.active

    @property
    def is_authenticated(self):
        return True

    @property
    def is_anonymous(self):
        return False

    def get_id(self):
        if not self.session_key:
            raise RuntimeError("a user is signed in only through a session (UserSession.begin)")
        return self.session_key

    @property
    def role_label(self):
        return ROLE_LABELS.get(self.role, self.role)

    def check_password(self, password):
        return check_password_hash(self.password_hash, password)

    @staticmethod
    def hash_password(password):
        if len(password) < MIN_PASSWORD:
            raise RuleError(
                N_("A password needs at least %(n)s characters."), field="password", n=MIN_PASSWORD
            )
        return generate_password_hash(password, method="scrypt")

    @classmethod
    def create_user(
        cls, username, full_name, role, password, by=None, phone="", locale="", password_hash=None
    ):
        """Create a user (the first administrator is created with by=None from the CLI).

        ``password_hash`` lets bulk loaders (demo data) hash a shared password once.
        """
        if role not in ROLES:
            raise RuleError(N_("Unknown role."), field="role")
        try:
            with db.atomic():
                if cls.select().where(cls.username == username).exists():
                    raise RuleError(N_("That user name is taken."), field="username")
                user = cls.create(
                    username=username,
                    full_name=full_name,
                    role=role,
                    phone=phone,
                    locale=locale,
                    password_hash=password_hash or cls.hash_password(password),
                )
                Event.record(by, user, "create", to_state=role, note=username)
        except IntegrityError:  # the same name created at the same moment
            raise RuleError(N_("That user name is taken."), field="username") from None
        return user

    @classmethod
    def _locked(cls, where):
        query = cls.select().where(where)
        return query.for_update() if is_postgres() else query

    def update_profile(self, by, full_name, role, phone, active):
        """An administrator edits a user; deactivating ends their sessions.

        Who acts and who remains an administrator are read again inside the transaction, with
        the administrators' rows locked: two administrators demoting each other at the same
        moment are taken one after the other, and the second is no longer allowed to.
        """
        if role not in ROLES:
            raise RuleError(N_("Unknown role."), field="role")
        if by is not None and by.id == self.id and (not active or role != self.role):
            raise RuleError(N_("You cannot deactivate yourself or change your own role."))
        if not active or role != self.role:
            for msgid, params in holdings(self):
                raise RuleError(msgid, name=self.full_name, **params)
        with db.atomic():
            admins = {u.id: u for u in User._locked((User.role == "admin") & User.active)}
            current = User._locked(User.id == self.id).get()
            if by is not None:
                actor = admins.get(by.id) or User.get_or_none(User.id == by.id)
                if actor is None or not can(actor, "admin.users"):
                    raise Forbidden(N_("You are not allowed to do this."))
            if current.id in admins and (not active or role != "admin") and len(admins) < 2:
                raise RuleError(N_("At least one active administrator must remain."))
            changes = {}
            for name, value in (("full_name", full_name), ("role", role), ("phone", phone)):
                if getattr(current, name) != value:
                    changes[name] = [getattr(current, name), value]
                    setattr(current, name, value)
            if current.active != active:
                changes["active"] = [current.active, active]
                current.active = active
            current.save()
            if not active:
                _end_sessions(current)
            if changes:
                action = "deactivate" if changes.get("active") == [True, False] else "edit"
                Event.record(by, current, action, data=changes)
        for field in ("full_name", "role", "phone", "active"):
            setattr(self, field, getattr(current, field))

    def change_password(self, new_password, by, keep_session=None):
        """Set a new password; every session of this user ends but ``keep_session`` (the one
        the user changed it from)."""
        with db.atomic():
            self.password_hash = self.hash_password(new_password)
            self.save()
            ended = _end_sessions(self, keep=keep_session)
            Event.record(by, self, "password", data={"sessions_ended": ended} if ended else None)

    def confirm_password(self, password):
        """The current password, asked again before changing it: throttled like a sign-in."""
        key = f"current:{self.id}"
        wait = Throttle.admit(key)
        if wait:
            raise RuleError(TOO_MANY, field="current", minutes=_minutes(wait))
        if not self.check_password(password or ""):
            Throttle.failed(key)
            raise RuleError(N_("The current password is wrong."), field="current")
        Throttle.forget(key)

    def set_locale(self, locale):
        if locale in LOCALES and locale != self.locale:
            self.locale = locale
            self.save(only=[User.locale])

    @classmethod
    def active_technicians(cls):
        """The technicians who can be given work, by name (a list: the board asks on every view)."""
        return list(_TECHNICIANS.rows())

    def __str__(self):
        return self.full_name or self.username


_TECHNICIANS = Prepared(
    lambda: User.select().where(User.role == "technician", User.active).order_by(User.full_name)
)

# Sessions refer to users, not the reverse: the sessions module registers how they end.
SESSION_ENDERS = []


def on_sessions_end(function):
    """Register ``function(user, keep=None) -> number ended`` (a new password, deactivation)."""
    SESSION_ENDERS.append(function)
    return function


def _end_sessions(user, keep=None):
    """End every session of ``user`` but ``keep`` (inside the caller's transaction)."""
    return sum(end(user, keep=keep) for end in SESSION_ENDERS)


def _user_titles(ids):
    return {u.id: u.full_name for u in User.select(User.id, User.full_name).where(User.id.in_(list(ids)))}


register_subject(
    Subject(
        "user",
        N_("User"),
        actions={
            "create": N_("created the user"),
            "edit": N_("edited the user"),
            "deactivate": N_("deactivated the user"),
            "password": N_("changed the password"),
            "login": N_("signed in"),
            "logout": N_("signed out"),
            "session_end": N_("ended a session"),
            "sessions_end": N_("ended the other sessions"),
            "session_expired": N_("session expired"),
        },
        fields={
            "full_name": N_("Name"),
            "role": N_("Role"),
            "phone": N_("Phone"),
            "active": N_("Active"),
        },
        reader="admin.users",
        titles=_user_titles,
    )
)


# ---- throttling ---------------------------------------------------------------------------


def _minutes(seconds):
    return max(1, (int(seconds) + 59) // 60)


TOO_MANY = N_("Too many failed sign-ins. Try again in %(minutes)s minutes.")
TOO_MANY_HERE = N_("Too many failed sign-ins from this address. Try again in %(minutes)s minutes.")


@functools.cache
def _dummy_hash():
    """A hash of a random password with the real method: an unknown name costs the same time."""
    return generate_password_hash(secrets.token_hex(16), method="scrypt")


class Throttle(BaseModel):
    """One counter row per throttled key: a user name (or a name at a familiar address, or the
    current-password check of a user) with its growing delay, or an address in one quarter hour.
    Rows are claimed with INSERT ... ON CONFLICT DO NOTHING and counted by conditional UPDATEs."""

    key = CharField(max_length=200, unique=True)
    failures = IntegerField(default=0)
    wait_until = DateTimeField(null=True)
    updated_at = DateTimeField(default=now, index=True)

    @classmethod
    def _claim(cls, key, at):
        cls.insert(key=key, failures=0, updated_at=at).on_conflict_ignore().execute()

    @classmethod
    def admit(cls, key, at=None):
        """Count one attempt against a key with a growing delay. Returns 0 when it may be tried
        now (it counts as a failure until ``forget``; ``failed`` sets the wait it brings), else
        the seconds to wait.

        Past the free tries, an attempt admitted holds the next one back until its outcome is
        known (at most PENDING): concurrent attempts then wait a moment for it instead of being
        refused, so the same user signing in on several devices at once is not locked out."""
        deadline = time.monotonic() + RETRY_SECONDS
        while True:
            wait = cls._admit_once(key, at or now())
            # a hold is at most PENDING (from another request's clock reading); a real wait is
            # a minute or more
            if not wait or wait > PENDING.total_seconds() + 5 or time.monotonic() > deadline:
                return wait
            time.sleep(0.05)  # the slot is held by a try under way: its outcome decides
            at = None  # read the clock afresh

    @classmethod
    def _admit_once(cls, key, at):
        cls._claim(key, at)
        quiet = cls.updated_at < at - ACCOUNT_MEMORY
        count = Case(None, [(quiet, 1)], cls.failures + 1)
        hold = Case(None, [(quiet, None), (cls.failures + 1 < FREE_FAILURES, None)], at + PENDING)
        admitted = (
            cls.update(failures=count, wait_until=hold, updated_at=at)
            .where(cls.key == key, cls.wait_until.is_null() | (cls.wait_until <= at) | quiet)
            .execute()
        )
        if admitted:
            return 0
        row = cls.get_or_none(cls.key == key)
        if row is None or row.wait_until is None:  # forgotten meanwhile: try once more
            return cls._admit_once(key, at)
        return max(1, (row.wait_until - at).total_seconds())

    @classmethod
    def failed(cls, key, at=None):
        """The admitted attempt failed: past the free tries, the next one waits 1, 2, 4, 8,
        then 15 minutes."""
        at = at or now()
        waits = [(cls.failures < FREE_FAILURES, None)]
        for n, minutes in enumerate(DELAYS_MINUTES[:-1]):
            waits.append((cls.failures == FREE_FAILURES + n, at + datetime.timedelta(minutes=minutes)))
        wait = Case(None, waits, at + datetime.timedelta(minutes=DELAYS_MINUTES[-1]))
        cls.update(wait_until=wait).where(cls.key == key).execute()

    @classmethod
    def admit_address(cls, address, at=None):
        """Count one attempt from an address in its quarter hour. Returns 0 when admitted, else
        the seconds until the next quarter hour."""
        at = at or now()
        key, ends = _address_window(address, at)
        cls._claim(key, at)
        admitted = (
            cls.update(failures=cls.failures + 1, updated_at=at)
            .where(cls.key == key, cls.failures < ADDRESS_LIMIT)
            .execute()
        )
        return 0 if admitted else max(1, (ends - at).total_seconds())

    @classmethod
    def address_failed(cls, address, at=None):
        """A failure from an address that was admitted without counting (a familiar account):
        it counts now. Returns True when the address has reached its limit."""
        at = at or now()
        key, _ = _address_window(address, at)
        cls._claim(key, at)
        cls.update(failures=cls.failures + 1, updated_at=at).where(cls.key == key).execute()
        return cls.get(cls.key == key).failures >= ADDRESS_LIMIT

    @classmethod
    def address_refund(cls, address, at=None):
        """A sign-in that succeeded does not use up its address's quarter hour."""
        key, _ = _address_window(address, at or now())
        cls.update(failures=cls.failures - 1).where(cls.key == key, cls.failures > 0).execute()

    @classmethod
    def forget(cls, key):
        cls.delete().where(cls.key == key).execute()

    @classmethod
    def purge(cls, at=None):
        """Counters quiet for a day say nothing any more."""
        cls.delete().where(cls.updated_at < (at or now()) - ACCOUNT_MEMORY).execute()


def _address_window(address, at):
    seconds = ADDRESS_WINDOW.total_seconds()
    epoch = datetime.datetime(2000, 1, 1)
    index = int((at - epoch).total_seconds() // seconds)
    ends = epoch + datetime.timedelta(seconds=(index + 1) * seconds)
    return f"addr:{address}:{index}", ends


class LoginAttempt(BaseModel):
    """Every sign-in attempt, as the log of who tried what from where, and how it ended:
    ``ok``, ``wrong`` (evaluated, refused) or ``throttled`` (refused without trying)."""

    username = CharField(max_length=MAX_NAME, index=True)
    address = CharField(max_length=MAX_ADDRESS, index=True)
    at = DateTimeField(default=now, index=True)
    ok = BooleanField(default=False)
    known = BooleanField(default=True)  # the name belongs to a user
    outcome = CharField(max_length=10, default="wrong")

    @classmethod
    def familiar(cls, name, address, at):
        """Has this name signed in from this address lately (the user's own desk)?"""
        return (
            cls.select(cls.id)
            .where(cls.username == name, cls.address == address, cls.ok, cls.at > at - FAMILIAR_FOR)
            .exists()
        )

    @classmethod
    def authenticate(cls, username, password, address):
        """Check a sign-in; returns the user or raises RuleError saying why not (see the module
        docstring for the limits)."""
        at = now()
        name = (username or "").strip().lower()[:MAX_NAME]
        address = (address or "-")[:MAX_ADDRESS]
        Throttle.purge(at)
        familiar = cls.familiar(name, address, at)
        if not familiar:
            wait = Throttle.admit_address(address, at)
            if wait:
                check_password_hash(_dummy_hash(), password or "")  # the same time as a real try
                cls._log(name, address, "throttled", known=None)
                raise RuleError(TOO_MANY_HERE, minutes=_minutes(wait))
        account = f"name:{name}@{address}" if familiar else f"name:{name}"
        wait = Throttle.admit(account, at)
        if wait:
            cls._log(name, address, "throttled", known=None)
            raise RuleError(TOO_MANY, minutes=_minutes(wait))
        user = User.get_or_none(User.username == (username or "").strip()) if name else None
        matches = check_password_hash(user.password_hash if user else _dummy_hash(), password or "")
        if user is not None and user.active and matches:
            with db.atomic():
                Throttle.forget(account)
                if not familiar:
                    Throttle.address_refund(address, at)
                cls._log(name, address, "ok", known=True)
            return user
        Throttle.failed(account, at)
        cls._log(name, address, "wrong", known=user is not None)
        if familiar and Throttle.address_failed(address, at):
            # the address has used up its quarter hour: say so, as to anybody else there
            ends = _address_window(address, at)[1]
            raise RuleError(TOO_MANY_HERE, minutes=_minutes((ends - at).total_seconds()))
        raise RuleError(N_("Wrong user name or password, or the account is deactivated."), field="password")

    @classmethod
    def _log(cls, name, address, outcome, known):
        cls.create(username=name, address=address, ok=outcome == "ok", known=bool(known), outcome=outcome)
