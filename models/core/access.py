"""Who may do what (Art. 4, 权责划分): roles, and a map of permission -> roles kept as data.

Each domain registers its actions from its own module. An action is either plain
("job.dispatch": a role may or may not) or scoped to ownership ("job.view": ``.any`` record,
or only records the user ``.own``s, as the record's ``owned_by(user)`` decides). Deny by
default: a permission missing from the map is allowed to nobody.
"""

import dataclasses
import threading
import time

from peewee import BooleanField, CharField

from models.core.db import BaseModel, db
from models.core.errors import N_, Forbidden, Label
from models.core.events import Event, Subject, register_subject

ROLES = ("admin", "clerk", "manager", "technician", "finance")
ROLE_LABELS = {
    "admin": N_("Administrator"),
    "clerk": N_("Service clerk"),
    "manager": N_("Department manager"),
    "technician": N_("Technician"),
    "finance": N_("Finance"),
}
STAFF = ROLES


@dataclasses.dataclass(frozen=True)
class Action:
    """An action of the permission map and who may take it by default.

    A scoped action (``own`` given) is stored as two permissions: ``<name>.any`` for the roles
    in ``roles`` and ``<name>.own`` for the roles in ``own``. A locked action cannot be changed
    from the UI, so an administrator cannot lock everyone out of the permission screen itself.
    """

    label: str
    roles: tuple = ()
    own: tuple | None = None
    own_label: str = N_("only their own")
    locked: bool = False
    group: str = ""

    @property
    def scoped(self):
        return self.own is not None


ACTIONS: dict[str, Action] = {}


def register_actions(actions, group=""):
    for name, action in actions.items():
        ACTIONS[name] = dataclasses.replace(action, group=group) if group else action


def permission_keys():
    """Every stored permission: (key, action name, scope, default roles)."""
    for name, action in ACTIONS.items():
        if action.scoped:
            yield f"{name}.any", name, "any", action.roles
            yield f"{name}.own", name, "own", action.own
        else:
            yield name, name, "", action.roles


def split_key(key):
    """(action name, scope) of a stored permission key, or (None, None) if it is not one."""
    for stored, name, scope, _ in permission_keys():
        if stored == key:
            return name, scope
    return None, None


_CACHE_SECONDS = 5.0
_cache = {"at": 0.0, "map": None, "db": None}
_lock = threading.Lock()


class Permission(BaseModel):
    subject = "permission"

    action = CharField(max_length=40)
    role = CharField(max_length=20)
    allowed = BooleanField(default=False)

    class Meta:
        indexes = ((("action", "role"), True),)

    @classmethod
    def ensure_defaults(cls):
        """Add the default row of every (permission, role) pair not yet stored."""
        with db.atomic():
            stored = {(p.action, p.role) for p in cls.select(cls.action, cls.role)}
            rows = [
                {"action": key, "role": role, "allowed": role in defaults}
                for key, _, _, defaults in permission_keys()
                for role in ROLES
                if (key, role) not in stored
            ]
            if rows:
                cls.insert_many(rows).execute()
        clear_cache()

    @classmethod
    def set_allowed(cls, key, role, allowed, by):
        require(by, "admin.permissions")
        name, _ = split_key(key)
        if name is None or ACTIONS[name].locked or role not in ROLES:
            raise Forbidden(N_("This permission is fixed and cannot be changed."))
        with db.atomic():
            row, _ = cls.get_or_create(action=key, role=role)
            if row.allowed != allowed:
                row.allowed = allowed
                row.save()
                Event.record(by, row, "grant" if allowed else "revoke", note=f"{key}:{role}")
        clear_cache()


def clear_cache():
    with _lock:
        _cache["map"] = None


def permission_map():
    """permission key -> frozenset(roles), read from the database at most every few seconds.

    A scoped action's own name maps to the roles that have either form (what a route needs
    before the record is known). A change made in this process is seen at once; other
    processes see it within _CACHE_SECONDS.
    """
    with _lock:
        fresh = time.monotonic() - _cache["at"] < _CACHE_SECONDS
        if _cache["map"] is not None and fresh and _cache["db"] is db.obj:
            return _cache["map"]
    keys = list(permission_keys())
    mapping = {key: set() for key, *_ in keys}
    for row in Permission.select(Permission.action, Permission.role).where(Permission.allowed):
        if row.action in mapping:
            mapping[row.action].add(row.role)
    for key, name, _, defaults in keys:
        if ACTIONS[name].locked:  # always the default, whatever is stored
            mapping[key] = set(defaults)
    for name, action in ACTIONS.items():
        if action.scoped:
            mapping[name] = mapping[f"{name}.any"] | mapping[f"{name}.own"]
    frozen = {key: frozenset(roles) for key, roles in mapping.items()}
    with _lock:
        _cache.update(at=time.monotonic(), map=frozen, db=db.obj)
    return frozen


register_actions(
    {
        "home.view": Action(N_("See the home page"), STAFF, locked=True),
        "profile.edit": Action(N_("Change own password and language"), STAFF, locked=True),
        "admin.users": Action(N_("Manage users"), ("admin",), locked=True),
        "admin.permissions": Action(N_("Change permissions"), ("admin",), locked=True),
        "admin.settings": Action(N_("Change settings"), ("admin", "manager")),
        "audit.view": Action(N_("Read the audit log"), ("admin", "manager")),
    },
    group=N_("Administration"),
)

register_subject(
    Subject(
        "permission",
        N_("Permission"),
        actions={"grant": N_("granted"), "revoke": N_("revoked")},
        phrase=lambda event: _permission_phrase(event),
        reader="admin.permissions",
    )
)


def _permission_phrase(event):
    key, _, role = event.note.rpartition(":")
    name, scope = split_key(key)
    params = {"what": Label(ACTIONS[name].label) if name else key, "role": Label(ROLE_LABELS.get(role, role))}
    if scope == "own":
        params["scope"] = Label(ACTIONS[name].own_label)
        if event.action == "grant":
            return N_("granted “%(what)s” (%(scope)s) to %(role)s"), params
        return N_("revoked “%(what)s” (%(scope)s) from %(role)s"), params
    if event.action == "grant":
        return N_("granted “%(what)s” to %(role)s"), params
    return N_("revoked “%(what)s” from %(role)s"), params


def can(user, permission):
    """May this user take the action at all (on some record, for a scoped action)?"""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return user.role in permission_map().get(permission, ())


def may(user, permission, record=None):
    """May this user take the action on this record: any record, or one they own."""
    action = ACTIONS.get(permission)
    if action is None or not action.scoped:
        return can(user, permission)
    if can(user, f"{permission}.any"):
        return True
    return record is not None and can(user, f"{permission}.own") and record.owned_by(user, permission)


def require(user, permission, record=None, message=None):
    if not may(user, permission, record):
        if record is not None and can(user, permission):
            raise Forbidden(message or N_("This record is not yours to change."))
        raise Forbidden(N_("You are not allowed to do this."))
