"""Gap-free numbers per (prefix, year): vouchers FW2026-000123, complaints TS2026-000042, …"""

from collections import namedtuple

from peewee import CharField, IntegerField, IntegrityError

from models.core.db import BaseModel, db, is_postgres

Number = namedtuple("Number", "text year seq")


class Sequence(BaseModel):
    kind = CharField(max_length=10)
    year = IntegerField()
    last = IntegerField(default=0)

    class Meta:
        indexes = ((("kind", "year"), True),)

    @classmethod
    def next_value(cls, kind, year):
        """Take the next number; call inside the transaction that creates the numbered record.

        The UPDATE takes the row's write lock (the whole database's on SQLite, where every
        write transaction begins IMMEDIATE), so a concurrent caller waits and then sees the
        committed value: numbers are consecutive and a rolled-back creation gives its number
        back.
        """
        if db.transaction_depth() == 0:
            raise RuntimeError("Sequence.next_value must run inside a transaction")
        where = (cls.kind == kind) & (cls.year == year)
        for _ in range(3):
            if cls.update(last=cls.last + 1).where(where).execute():
                query = cls.select(cls.last).where(where)
                if is_postgres():
                    query = query.for_update()
                return query.scalar()
            try:
                with db.atomic():
                    cls.create(kind=kind, year=year, last=1)
                return 1
            except IntegrityError:
                continue  # another transaction created the row first: update it instead
        raise RuntimeError("could not allocate a number")


def next_number(prefix, year, digits=6):
    """The next number of a kind for a year, e.g. ``next_number("FW", 2026)`` -> FW2026-000123."""
    seq = Sequence.next_value(prefix, year)
    return Number(f"{prefix}{year}-{seq:0{digits}d}", year, seq)
