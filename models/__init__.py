"""Peewee models and the regulation's rules. Nothing here knows about HTTP requests."""

from models.base import Conflict, Forbidden, RuleError, db, init_database
from models.customer import Contract, ContractEquipment, Customer, CustomerPhone, Equipment
from models.event import Event
from models.job import IdempotencyKey, Job, PartLine, Signature
from models.permission import Permission, can, require
from models.sequence import Sequence
from models.setting import Setting
from models.user import LoginAttempt, User

ALL_MODELS = [
    User,
    LoginAttempt,
    Event,
    Permission,
    Sequence,
    Setting,
    Customer,
    CustomerPhone,
    Equipment,
    Contract,
    ContractEquipment,
    Job,
    PartLine,
    Signature,
    IdempotencyKey,
]

__all__ = [
    "ALL_MODELS",
    "Conflict",
    "Contract",
    "ContractEquipment",
    "Customer",
    "CustomerPhone",
    "Equipment",
    "Job",
    "PartLine",
    "Signature",
    "Event",
    "Forbidden",
    "IdempotencyKey",
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
