"""Queries of a fixed shape whose SQL is built once per process and kind of database.

Building a query's SQL costs peewee far more than the database takes to run it: the session
lookup every request makes took 0.26 ms to build and 0.007 ms to run on SQLite. The queries
that every request or every live poll makes have the same shape each time, only a value or
two changes; ``Prepared`` builds their SQL once and then only swaps those values in.

    SESSION = Prepared(lambda digest: UserSession.select().where(UserSession.token_hash == digest))
    row = SESSION.first(_digest(token))

``build(*slots)`` returns the query, with each slot (a text value standing for the varying
one) where a varying text value goes (``as_is(mark)`` where a number goes); the rows come back
as the query itself would give them.
"""

import datetime
import itertools

from peewee import Value

from models.core.db import db

_marks = itertools.count()


class Prepared:
    def __init__(self, build, slots=0):
        self.build, self.slots = build, slots
        self.compiled = {}

    def _compiled(self):
        key = type(db.obj)  # the SQL differs between SQLite and PostgreSQL only
        found = self.compiled.get(key)
        if found is None:
            marks = [f"\x00slot-{next(_marks)}\x00" for _ in range(self.slots)]
            query = self.build(*marks)
            sql, params = query.sql()
            positions = [params.index(mark) for mark in marks]
            if len(set(positions)) != len(marks) or any(params.count(mark) != 1 for mark in marks):
                raise ValueError("each slot must be one parameter of the query")
            found = self.compiled[key] = (query, sql, tuple(params), positions)
        return found

    def rows(self, *values):
        """The query's rows with ``values`` in its slots (models, tuples, as it selects)."""
        if len(values) != self.slots:
            raise TypeError(f"{self.slots} values expected")
        query, sql, params, positions = self._compiled()
        if positions:
            params = list(params)
            for position, value in zip(positions, values, strict=True):
                params[position] = value
        return query._get_cursor_wrapper(db.execute_sql(sql, params))

    def raw(self, *values):
        """The rows as the database driver gives them (tuples of plain values, no model or
        field conversion): for keys compared with ``plain``."""
        if len(values) != self.slots:
            raise TypeError(f"{self.slots} values expected")
        query, sql, params, positions = self._compiled()
        if positions:
            params = list(params)
            for position, value in zip(positions, values, strict=True):
                params[position] = value
        return db.execute_sql(sql, params).fetchall()

    def first(self, *values):
        for row in self.rows(*values):
            return row
        return None


def as_is(mark):
    """A slot compared with a field that would convert it (an id: ``Job.id == as_is(mark)``),
    put in as it is."""
    return Value(mark, converter=False)


def where_id(model, name):
    """``model``'s rows whose field ``name`` is one id (a foreign key, the primary key):
    ``.first(id)``, ``.rows(id)``. The field is looked up when the SQL is built (a deferred
    foreign key is a placeholder until its model exists)."""
    return Prepared(lambda value: model.select().where(getattr(model, name) == as_is(value)), slots=1)


def of_record(model):
    """``model``'s rows about one record (its ``subject`` and ``subject_id``), oldest first:
    ``.rows(subject, record id)``."""
    return Prepared(
        lambda subject, subject_id: (
            model.select()
            .where(model.subject == subject, model.subject_id == as_is(subject_id))
            .order_by(model.id)
        ),
        slots=2,
    )


def plain(values):
    """A tuple of values as SQLite's driver gives them back (dates and times as their text,
    booleans as 0/1): the same key from a raw row and from a model's fields."""
    return tuple(
        str(v) if isinstance(v, (datetime.date, datetime.datetime)) else int(v) if isinstance(v, bool) else v
        for v in values
    )
