"""Peewee models and the regulation's rules. Nothing here knows about HTTP requests."""

from models.base import Conflict, Forbidden, RuleError, db, init_database
from models.event import Event
from models.permission import Permission, can, require
from models.sequence import Sequence
from models.setting import Setting
from models.user import LoginAttempt, User

ALL_MODELS = [User, LoginAttempt, Event, Permission, Sequence, Setting]

__all__ = [
    "ALL_MODELS",
    "Conflict",
    "Event",
    "Forbidden",
    "LoginAttempt",
    "Permission",
    "RuleError",
    "Sequence",
    "Setting",
    "User",
    "can",
    "db",
    "init_database",
    "require",
]
