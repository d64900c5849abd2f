"""Gap-free numbers per (kind, year) for vouchers, complaints, applications."""

from peewee import CharField, IntegerField, IntegrityError

from models.base import BaseModel, db, is_postgres


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
