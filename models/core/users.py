"""Users, their roles (Art. 4) and sign-in throttling."""

import datetime
import secrets

from peewee import BooleanField, CharField, DateTimeField, IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from models.core.access import ROLE_LABELS, ROLES
from models.core.db import BaseModel, db, now
from models.core.errors import N_, RuleError
from models.core.events import Event, Subject, register_subject
from models.core.guards import holdings

LOCALES = ("zh_CN", "en")
MIN_PASSWORD = 8

# Sign-in throttling: this many failures inside the window lock a user name from one address,
# and an address trying names that do not exist, until the window has passed since the oldest
# of them. A user is never locked out by failures from somebody else's machine.
MAX_FAILURES_PER_USER = 5
MAX_FAILURES_PER_ADDRESS = 20
THROTTLE_WINDOW = datetime.timedelta(minutes=15)


class User(BaseModel):
    subject = "user"

    username = CharField(max_length=40, unique=True)
    full_name = CharField(max_length=60)
    role = CharField(max_length=20, index=True)
    phone = CharField(max_length=30, default="")
    password_hash = CharField(max_length=255)
    # Regenerated when the password changes or the user is deactivated: every session
    # that carries the old token stops working.
    session_token = CharField(max_length=32, default=lambda: secrets.token_hex(16))
    active = BooleanField(default=True)
    locale = CharField(max_length=10, default="")
    created_at = DateTimeField(default=now)

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
        return f"{self.id}:{self.session_token}"

    @classmethod
    def by_session_id(cls, session_id):
        """The active user a session id names, or None when it is stale."""
        user_id, _, token = (session_id or "").partition(":")
        if not user_id.isdigit():
            return None
        user = cls.get_or_none(cls.id == int(user_id))
        if user is None or not user.active or user.session_token != token:
            return None
        return user

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

    def update_profile(self, by, full_name, role, phone, active):
        """An administrator edits a user; deactivating ends their sessions."""
        if role not in ROLES:
            raise RuleError(N_("Unknown role."), field="role")
        if by is not None and by.id == self.id and (not active or role != self.role):
            raise RuleError(N_("You cannot deactivate yourself or change your own role."))
        if not active or role != self.role:
            for msgid, params in holdings(self):
                raise RuleError(msgid, name=self.full_name, **params)
        with db.atomic():
            changes = {}
            for name, value in (("full_name", full_name), ("role", role), ("phone", phone)):
                if getattr(self, name) != value:
                    changes[name] = [getattr(self, name), value]
                    setattr(self, name, value)
            if self.active != active:
                changes["active"] = [self.active, active]
                self.active = active
                if not active:
                    self.session_token = secrets.token_hex(16)
            self.save()
            if changes:
                action = "deactivate" if changes.get("active") == [True, False] else "edit"
                Event.record(by, self, action, data=changes)

    def change_password(self, new_password, by):
        """Set a new password; every other session of this user ends."""
        with db.atomic():
            self.password_hash = self.hash_password(new_password)
            self.session_token = secrets.token_hex(16)
            self.save()
            Event.record(by, self, "password")

    def set_locale(self, locale):
        if locale in LOCALES and locale != self.locale:
            self.locale = locale
            self.save(only=[User.locale])

    @classmethod
    def active_technicians(cls):
        return cls.select().where(cls.role == "technician", cls.active).order_by(cls.full_name)

    def __str__(self):
        return self.full_name or self.username


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


class LoginAttempt(BaseModel):
    username = CharField(max_length=80, index=True)
    address = CharField(max_length=64, index=True)
    at = DateTimeField(default=now, index=True)
    ok = BooleanField(default=False)
    known = BooleanField(default=True)  # the name belongs to a user

    @classmethod
    def locked_for(cls, username, address, at=None):
        """Seconds until this name may try again from this address, 0 when it may now."""
        at = at or now()
        since = at - THROTTLE_WINDOW
        waits = [0]
        for where, limit in (
            ((cls.username == username.lower()) & (cls.address == address), MAX_FAILURES_PER_USER),
            ((cls.address == address) & ~cls.known, MAX_FAILURES_PER_ADDRESS),
        ):
            fails = list(
                cls.select(cls.at).where(where, cls.at > since, ~cls.ok).order_by(cls.at.desc()).limit(limit)
            )
            if len(fails) >= limit:
                waits.append((fails[-1].at + THROTTLE_WINDOW - at).total_seconds())
        return int(max(waits) + 0.999)

    @classmethod
    def authenticate(cls, username, password, address):
        """Check a sign-in; returns the user or raises RuleError saying why not."""
        username = (username or "").strip()
        wait = cls.locked_for(username, address)
        if wait:
            raise RuleError(
                N_("Too many failed sign-ins. Try again in %(minutes)s minutes."),
                minutes=max(1, (wait + 59) // 60),
            )
        user = User.get_or_none(User.username == username)
        ok = user is not None and user.check_password(password) and user.active
        with db.atomic():
            cls.create(username=username.lower(), address=address, ok=ok, known=user is not None)
            if ok:
                Event.record(user, user, "login")
        if user is not None and user.active is False and user.check_password(password):
            raise RuleError(N_("This account has been deactivated."))
        if not ok:
            raise RuleError(N_("Wrong user name or password."), field="password")
        return user
