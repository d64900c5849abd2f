"""The domain-neutral core: what every record of the regulation shares.

It imports no domain module: domains import it and register their actions, subjects,
settings and guards with it.
"""

from models.core.access import (
    ACTIONS,
    ROLE_LABELS,
    ROLES,
    STAFF,
    Action,
    Permission,
    can,
    may,
    permission_map,
    register_actions,
    require,
)
from models.core.db import (
    BaseModel,
    FenField,
    JSONField,
    clock,
    db,
    init_database,
    is_postgres,
    local_tz,
    now,
    to_local,
    today,
)
from models.core.errors import N_, Conflict, Forbidden, Label, RuleError
from models.core.events import SUBJECTS, Event, Subject, register_subject, subject_of
from models.core.guards import register_guard
from models.core.idempotency import IdempotencyKey, once
from models.core.numbering import Sequence, next_number
from models.core.sessions import UserSession
from models.core.settings import SETTINGS, Setting, SettingSpec, register_settings
from models.core.signing import Signature, Signed, check_png, sign_also
from models.core.users import LoginAttempt, Throttle, User
from models.core.workflow import StatefulModel, Transition, follow_step, guard_step, plain

CORE_MODELS = [
    User,
    LoginAttempt,
    Throttle,
    UserSession,
    Event,
    Permission,
    Sequence,
    Setting,
    Signature,
    IdempotencyKey,
]

__all__ = [
    "ACTIONS",
    "CORE_MODELS",
    "ROLES",
    "ROLE_LABELS",
    "SETTINGS",
    "STAFF",
    "SUBJECTS",
    "Action",
    "BaseModel",
    "Conflict",
    "Event",
    "FenField",
    "Forbidden",
    "IdempotencyKey",
    "JSONField",
    "Label",
    "LoginAttempt",
    "N_",
    "Permission",
    "RuleError",
    "Sequence",
    "Setting",
    "SettingSpec",
    "Signature",
    "Signed",
    "StatefulModel",
    "Subject",
    "Throttle",
    "Transition",
    "User",
    "UserSession",
    "can",
    "check_png",
    "clock",
    "db",
    "init_database",
    "is_postgres",
    "local_tz",
    "may",
    "next_number",
    "now",
    "once",
    "permission_map",
    "plain",
    "register_actions",
    "follow_step",
    "guard_step",
    "register_guard",
    "register_settings",
    "register_subject",
    "require",
    "sign_also",
    "subject_of",
    "to_local",
    "today",
]
