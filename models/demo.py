"""Realistic Chinese demo data: one user per role and a working department's records."""

from models.base import db
from models.user import User

DEMO_PASSWORD = "demo1234"

DEMO_USERS = [
    ("admin", "系统管理员", "admin", "13800000000"),
    ("clerk", "林晓燕", "clerk", "13800000001"),
    ("manager", "陈建国", "manager", "13800000002"),
    ("tech1", "王师傅", "technician", "13900000001"),
    ("tech2", "李师傅", "technician", "13900000002"),
    ("finance", "赵会计", "finance", "13800000003"),
]


def load_demo():
    """Fill an empty database with the demo department."""
    shared_hash = User.hash_password(DEMO_PASSWORD)
    with db.atomic():
        for username, name, role, phone in DEMO_USERS:
            User.create_user(username, name, role, None, phone=phone, password_hash=shared_hash)
