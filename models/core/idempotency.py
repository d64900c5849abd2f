"""A form submission carried out once: a resend after a dropped connection does not act twice.

The key is claimed inside the acting transaction (its unique index stops a race), per
(subject, record, action) and user.
"""

from peewee import CharField, DateTimeField, IntegerField, IntegrityError

from models.core.db import BaseModel, db, now
from models.core.errors import N_, RuleError

MAX_KEY = 64


class IdempotencyKey(BaseModel):
    key = CharField(max_length=MAX_KEY, unique=True)
    user_id = IntegerField()
    subject = CharField(max_length=30)
    subject_id = IntegerField()
    action = CharField(max_length=30)
    created_at = DateTimeField(default=now)

    class Meta:
        table_name = "idempotency_key"

    @classmethod
    def seen(cls, key, user, record):
        if not key or len(key) > MAX_KEY:
            return False
        return (
            cls.select()
            .where(
                cls.key == key,
                cls.user_id == user.id,
                cls.subject == record.subject,
                cls.subject_id == record.id,
            )
            .exists()
        )

    @classmethod
    def claim(cls, key, user, record, action):
        if not key:
            return
        if len(key) > MAX_KEY:
            raise RuleError(N_("This form is damaged. Reload the page."))
        cls.create(key=key, user_id=user.id, subject=record.subject, subject_id=record.id, action=action)


def once(key, user, record, action, work):
    """Run ``work()`` in one transaction unless this key was already carried out.

    Returns True when it acted, False when the same submission had been carried out before.
    A key used by somebody else or for another record means a damaged form.
    """
    if key and IdempotencyKey.seen(key, user, record):
        return False
    try:
        with db.atomic():
            IdempotencyKey.claim(key, user, record, action)
            work()
    except IntegrityError:
        if key and IdempotencyKey.seen(key, user, record):
            return False
        if key and IdempotencyKey.select().where(IdempotencyKey.key == key).exists():
            raise RuleError(N_("This form is damaged. Reload the page.")) from None
        raise
    return True
