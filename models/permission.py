"""Who may do what (Art. 4, 权责划分): a map of action -> roles, kept as data.

Deny by default: an action missing from the map is allowed to nobody. Routes and model
methods ask the same question through ``can``/``require``; per-object rules (a technician
and their own jobs) live on the object's model and call ``require`` first.
"""

import threading
import time

from peewee import BooleanField, CharField

from models.base import N_, BaseModel, Forbidden, db
from models.event import Event

# action: (label, default roles, locked). A locked action cannot be changed from the UI, so
# an administrator cannot lock everyone out of the permission screen itself.
ACTIONS = {
    "home.view": (
        N_("See the home page"),
        ("admin", "clerk", "manager", "technician", "finance"),
        True,
    ),
    "profile.edit": (
        N_("Change own password and language"),
        ("admin", "clerk", "manager", "technician", "finance"),
        True,
    ),
    "admin.users": (N_("Manage users"), ("admin",), True),
    "admin.permissions": (N_("Change permissions"), ("admin",), True),
    "admin.settings": (N_("Change settings"), ("admin", "manager"), False),
    "audit.view": (N_("Read the audit log"), ("admin", "manager"), False),
    "customers.view": (N_("Read customer files"), ("clerk", "manager", "finance"), False),
    "customers.edit": (N_("Edit customer files"), ("clerk", "manager"), False),
    "intake.register": (N_("Register a service call"), ("clerk", "manager"), False),
    "register.view": (N_("Read the service register"), ("clerk", "manager", "finance"), False),
    "job.view": (N_("Read service vouchers"), ("clerk", "manager", "finance", "technician"), False),
    "job.dispatch": (N_("Dispatch and re-dispatch"), ("manager",), False),
    "job.work": (N_("Record on-site work and signatures"), ("manager", "technician"), False),
    "job.paper": (N_("Enter a signed paper voucher"), ("manager", "clerk"), False),
    "job.countersign": (N_("Countersign vouchers"), ("manager",), False),
    "job.file": (N_("File vouchers"), ("manager", "clerk"), False),
    "job.void": (N_("Void vouchers"), ("manager",), False),
    "job.amend": (N_("Amend signed vouchers"), ("manager",), False),
    "reconcile.view": (N_("Daily reconciliation"), ("manager", "clerk"), False),
    "board.view": (N_("Dispatch board"), ("manager",), False),
    "dashboard.view": (N_("Department dashboard"), ("manager", "admin"), False),
    "tech.jobs": (N_("Own job list (technician)"), ("technician",), False),
}

_CACHE_SECONDS = 5.0
_cache = {"at": 0.0, "map": None}
_lock = threading.Lock()


class Permission(BaseModel):
    action = CharField(max_length=40)
    role = CharField(max_length=20)
    allowed = BooleanField(default=False)

    class Meta:
        indexes = ((("action", "role"), True),)

    @classmethod
    def ensure_defaults(cls):
        """Add the default row of every (action, role) pair not yet stored."""
        from models.user import ROLES

        with db.atomic():
            stored = {(p.action, p.role) for p in cls.select(cls.action, cls.role)}
            rows = [
                {"action": action, "role": role, "allowed": role in spec[1]}
                for action, spec in ACTIONS.items()
                for role in ROLES
                if (action, role) not in stored
            ]
            if rows:
                cls.insert_many(rows).execute()
        clear_cache()

    @classmethod
    def set_allowed(cls, action, role, allowed, by):
        require(by, "admin.permissions")
        if action not in ACTIONS or ACTIONS[action][2]:
            raise Forbidden(N_("This permission is fixed and cannot be changed."))
        with db.atomic():
            row, _ = cls.get_or_create(action=action, role=role)
            if row.allowed != allowed:
                row.allowed = allowed
                row.save()
                Event.record(by, row, "grant" if allowed else "revoke", note=f"{action}:{role}")
        clear_cache()


def clear_cache():
    with _lock:
        _cache["map"] = None


def permission_map():
    """action -> frozenset(roles), read from the database at most every few seconds.

    A change made in this process is seen at once; other processes see it within
    _CACHE_SECONDS.
    """
    with _lock:
        if _cache["map"] is not None and time.monotonic() - _cache["at"] < _CACHE_SECONDS:
            return _cache["map"]
    mapping = {action: set() for action in ACTIONS}
    for row in Permission.select().where(Permission.allowed):
        if row.action in mapping:
            mapping[row.action].add(row.role)
    for action, spec in ACTIONS.items():
        if spec[2]:  # locked: always the default, whatever is stored
            mapping[action] = set(spec[1])
    frozen = {action: frozenset(roles) for action, roles in mapping.items()}
    with _lock:
        _cache.update(at=time.monotonic(), map=frozen)
    return frozen


def can(user, action):
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return user.role in permission_map().get(action, ())


def require(user, action):
    if not can(user, action):
        raise Forbidden(N_("You are not allowed to do this."))
