"""Peewee models and the regulation's rules. Nothing here knows about HTTP requests.

``models.core`` is the domain-neutral machinery; each domain (customer files, the service
spine, …) is one module or package that registers itself with the core when imported.
Importing ``models`` loads every domain.
"""

from models.complaints import Complaint, ComplaintJob
from models.core import (
    CORE_MODELS,
    Conflict,
    Event,
    Forbidden,
    IdempotencyKey,
    LoginAttempt,
    Permission,
    RuleError,
    Sequence,
    Setting,
    Signature,
    User,
    can,
    db,
    init_database,
    may,
    require,
)
from models.customers import Contract, ContractEquipment, Customer, CustomerPhone, Equipment, ProductModel
from models.materials import MODELS as MATERIAL_MODELS
from models.money import MODELS as MONEY_MODELS
from models.service import MODELS as SERVICE_MODELS
from models.service import Job, PartLine
from models.surveys import MODELS as SURVEY_MODELS
from models.trips import MODELS as TRIP_MODELS

ALL_MODELS = [
    *CORE_MODELS,
    Customer,
    CustomerPhone,
    Equipment,
    Contract,
    ContractEquipment,
    ProductModel,
    *SERVICE_MODELS,
    Complaint,
    ComplaintJob,
    *MONEY_MODELS,
    *TRIP_MODELS,
    *MATERIAL_MODELS,
    *SURVEY_MODELS,
]

__all__ = [
    "ALL_MODELS",
    "Complaint",
    "ComplaintJob",
    "Conflict",
    "Contract",
    "ContractEquipment",
    "Customer",
    "CustomerPhone",
    "Equipment",
    "Event",
    "Forbidden",
    "IdempotencyKey",
    "Job",
    "LoginAttempt",
    "PartLine",
    "Permission",
    "RuleError",
    "Sequence",
    "Setting",
    "Signature",
    "User",
    "can",
    "db",
    "init_database",
    "may",
    "require",
]
