"""The screens' questions about jobs, as query methods views can chain and paginate."""

import re

from peewee import JOIN, SQL, Case, fn

from models.core import User, db, is_postgres
from models.core.prepared import Prepared, as_is, plain
from models.customers import phone_digits
from models.service.appointments import SLOT_ORDER, Appointment, Chaser
from models.service.labels import ACTIVE_STATES, IN_HAND_STATES, OPEN_STATES

# What a register line shows (on the screen and in the printed book)
REGISTER_COLUMNS = (
    "id",
    "version",
    "updated_at",
    "number",
    "state",
    "channel",
    "service_type",
    "register_day",
    "seq",
    "registered_at",
    "filed_at",
    "customer_name",
    "contact_person",
    "phone",
    "address",
    "product_model",
    "spec",
    "serial",
    "purchase_date",
    "purchase_place",
    "fault",
    "work_done",
    "technician",
)

# What a phone number typed with separators looks like: digits, spaces, + - . / ( ) and
# their full-width forms.
PHONE_LIKE = re.compile(r"[\d\s+\-.()（）－／/]+")


class JobQueries:
    """Mixed into Job: every list a screen shows, each in a bounded number of queries."""

    @classmethod
    def with_people(cls):
        """Jobs with their technician joined (one query for a whole list)."""
        tech = User.alias("tech")
        return cls.select(cls, tech).join(tech, JOIN.LEFT_OUTER, on=(cls.technician == tech.id), attr="tech")

    @classmethod
    def one_with_people(cls, job_id):
        """One job ``with_people`` (or None), its SQL built once: every job's screen reads one."""
        prepared = _BOARD.get("one")
        if prepared is None:
            prepared = _BOARD["one"] = Prepared(
                lambda mark: cls.with_people().where(cls.id == as_is(mark)), slots=1
            )
        return prepared.first(job_id)

    @classmethod
    def awaiting_dispatch(cls):
        """Undispatched jobs, carried-over ones first (oldest day first), then today's."""
        return cls.with_people().where(cls.state == "registered").order_by(cls.register_day, cls.id)

    @classmethod
    def dispatched_not_started(cls):
        return cls.with_people().where(cls.state == "dispatched").order_by(cls.dispatched_at)

    @classmethod
    def for_board(cls):
        """Only the columns a board card shows, with its appointment (``job.appt``) and its
        number of chasers (``job.chasers``): the board is the busiest page."""
        chasers = Chaser.select(fn.COUNT(Chaser.id)).where(Chaser.job == cls.id)
        return cls.select(
            cls.id,
            cls.number,
            cls.state,
            cls.version,
            cls.service_type,
            cls.customer_name,
            cls.address,
            cls.product_model,
            cls.fault,
            cls.preferred_time,
            cls.register_day,
            cls.registered_at,
            cls.technician,
            cls.arrived_at,
            cls.dispatched_at,
            cls.finished_at,
            cls.updated_at,
            Appointment.day,
            Appointment.slot,
            Appointment.agreed,
            chasers.alias("chasers"),
        ).join(Appointment, JOIN.LEFT_OUTER, on=(Appointment.job == cls.id), attr="appt")

    @classmethod
    def appointment_order(cls):
        """Due day first: the appointment's day (by time of day), else the register day."""
        slot = Case(Appointment.slot, [(key, n) for n, key in enumerate(SLOT_ORDER)], len(SLOT_ORDER))
        return [fn.COALESCE(Appointment.day, cls.register_day), slot]

    @classmethod
    def board_keys(cls):
        """What decides a board card's look, as tuples (id, version, time of the last change,
        technician id, appointment day, slot and agreed, number of chasers): a card rendered
        once for the same tuple (and day and language) can be shown again without reading or
        rendering the job. The time keeps the key unique even when a restored backup takes
        a job back to an earlier version."""
        chasers = Chaser.select(fn.COUNT(Chaser.id)).where(Chaser.job == cls.id)
        return cls.select(
            cls.id,
            cls.version,
            cls.updated_at,
            cls.technician,
            Appointment.day,
            Appointment.slot,
            Appointment.agreed,
            chasers,
        ).join(Appointment, JOIN.LEFT_OUTER, on=(Appointment.job == cls.id))

    @classmethod
    def board_lanes(cls, technicians, limit=100, per_lane=25, keys=False, counts=None):
        """The dispatch board: waiting (carried-over first), each technician's open jobs, done.

        Three bounded queries whatever the history or the backlog: the board never scans filed
        jobs, and shows at most ``per_lane`` jobs a technician (the counts show the rest).
        ``keys``: each card as its ``board_keys`` tuple instead of a job (their SQL is built
        once: the board is the busiest page). ``counts`` (``board_counts``) known to hold no
        technician with more than ``per_lane``: the in-hand lane is read without ranking each
        technician's jobs (the window function was two thirds of the board's database time).
        """
        if keys:
            crowded = counts is None or any(
                lane["total"] > per_lane for key, lane in counts.items() if type(key) is int
            )
            prepared = _BOARD.get((limit, per_lane, crowded))
            if prepared is None:
                prepared = _BOARD[(limit, per_lane, crowded)] = [
                    Prepared(
                        lambda n=n: cls._lanes(
                            cls.board_keys().tuples(), limit, per_lane if crowded else None
                        )[n]
                    )
                    for n in range(3)
                ]
            lanes = [query.raw() for query in prepared]
            if is_postgres():  # its driver gives dates and times as objects: as text, like SQLite's
                lanes = [[plain(row) for row in lane] for lane in lanes]
            waiting, active, done = lanes
        else:
            waiting, active, done = (list(query) for query in cls._lanes(cls.for_board(), limit, per_lane))
        lanes = {t.id: [] for t in technicians}
        for job in active:
            lanes.setdefault(job[3] if keys else job.technician_id, []).append(job)
        return waiting, lanes, done

    @classmethod
    def _lanes(cls, board, limit, per_lane):
        """The queries of the board's waiting, in-hand and done lanes, selecting ``board``
        (``per_lane`` None: every job in hand)."""
        due = cls.appointment_order()
        waiting = board.where(cls.state == "registered").order_by(*due, cls.id).limit(limit)
        order = [*due, cls.dispatched_at, cls.id]
        done = board.where(cls.state == "done").order_by(cls.finished_at, cls.id).limit(limit)
        if per_lane is None:
            return waiting, board.where(cls.state.in_(IN_HAND_STATES)).order_by(*order), done
        ranked = (
            cls.select(
                cls.id, fn.ROW_NUMBER().over(partition_by=[cls.technician], order_by=order).alias("rn")
            )
            .join(Appointment, JOIN.LEFT_OUTER, on=(Appointment.job == cls.id))
            .where(cls.state.in_(IN_HAND_STATES))
            .alias("ranked")
        )
        active = (
            board.switch(cls)
            .join(ranked, on=(cls.id == ranked.c.id))
            .where(ranked.c.rn <= per_lane)
            .order_by(*order)
        )
        return waiting, active, done

    @classmethod
    def board_counts(cls):
        """{'waiting': n, 'done': n, technician id: {state: n, 'total': n}} in one grouped query."""
        counts = {"waiting": 0, "done": 0}
        prepared = _BOARD.get("counts")
        if prepared is None:
            prepared = _BOARD["counts"] = Prepared(
                lambda: (
                    cls.select(cls.technician, cls.state, fn.COUNT(cls.id).alias("n"))
                    .where(cls.state.in_(ACTIVE_STATES))
                    .group_by(cls.technician, cls.state)
                    .tuples()
                )
            )
        for tech_id, state, n in prepared.rows():
            if state == "registered":
                counts["waiting"] += n
            elif state == "done":
                counts["done"] += n
            else:
                mine = counts.setdefault(tech_id, {"total": 0})
                mine[state] = n
                mine["total"] += n  # every state in hand
        return counts

    @classmethod
    def awaiting_countersign(cls):
        return cls.with_people().where(cls.state == "done").order_by(cls.finished_at, cls.id)

    @classmethod
    def awaiting_filing(cls):
        return cls.with_people().where(cls.state == "countersigned").order_by(cls.countersigned_at, cls.id)

    @classmethod
    def in_hand(cls, technician):
        """A technician's own work not yet finished, by appointment, older register days
        (carried over) first; ``job.appt`` is the appointment."""
        tech = User.alias("tech")
        return (
            cls.select(cls, tech, Appointment)
            .join(tech, JOIN.LEFT_OUTER, on=(cls.technician == tech.id), attr="tech")
            .switch(cls)
            .join(Appointment, JOIN.LEFT_OUTER, on=(Appointment.job == cls.id), attr="appt")
            .where(cls.technician == technician.id, cls.state.in_(IN_HAND_STATES))
            .order_by(*cls.appointment_order(), cls.dispatched_at, cls.id)
        )

    @classmethod
    def next_in_hand(cls, technician, besides):
        """The first of a technician's jobs in hand other than ``besides`` (its id, number and
        customer: the phone's "next job" link), or None."""
        return (
            cls.select(cls.id, cls.number, cls.customer_name)
            .join(Appointment, JOIN.LEFT_OUTER, on=(Appointment.job == cls.id))
            .where(cls.technician == technician.id, cls.state.in_(IN_HAND_STATES), cls.id != besides.id)
            .order_by(*cls.appointment_order(), cls.dispatched_at, cls.id)
            .first()
        )

    @classmethod
    def count_in_hand(cls, technician):
        return cls.select().where(cls.technician == technician.id, cls.state.in_(IN_HAND_STATES)).count()

    @classmethod
    def for_register(cls, start, end):
        """Register lines registered between two local days, inclusive: the columns the register
        shows and prints, with the technician (a page has a hundred lines)."""
        tech = User.alias("tech")
        columns = [getattr(cls, name) for name in REGISTER_COLUMNS]
        return (
            cls.select(*columns, tech.id, tech.full_name)
            .join(tech, JOIN.LEFT_OUTER, on=(cls.technician == tech.id), attr="tech")
            .where(cls.register_day >= start, cls.register_day <= end)
            .order_by(cls.register_day, cls.seq)
        )

    @classmethod
    def readable_by(cls, user, query=None):
        """Restrict a query to the jobs the user may read (technicians: their own)."""
        return cls.visible_to(user, "job.view", query if query is not None else cls.with_people())

    @classmethod
    def search(cls, query, text):
        """Narrow a job query to a voucher number, customer name, serial, model or phone fragment.

        Fragments of three characters or more are looked up in ``job_search``, the substring
        index of ``search_text`` (FTS5 trigram on SQLite, pg_trgm on PostgreSQL, kept in step
        by triggers: migration 0009); shorter ones, which no trigram can serve and which match
        a good part of the register anyway, read the column itself.
        """
        text = (text or "").strip().lower()
        if not text:
            return query
        terms = [text]
        digits = phone_digits(text)
        if len(digits) >= 3 and digits != text and PHONE_LIKE.fullmatch(text):
            # "021-6234" typed with separators: the phone is kept as digits. (Not the digits
            # of "客户00423": a name with a number in it is not a phone number.)
            terms.append(digits)
        if min(len(term) for term in terms) < 3:
            match = cls.search_text.contains(terms[0])
            for term in terms[1:]:
                match |= cls.search_text.contains(term)
            return query.where(match)
        return query.where(cls.id.in_(_substring_ids(terms)))

    @classmethod
    def count_with_closed(cls, query, closed_states):
        """(lines, closed lines) of a register query, in one pass over it."""
        closed = fn.SUM(Case(None, [(cls.state.in_(closed_states), 1)], 0))
        total, closed_n = query.order_by().select(fn.COUNT(cls.id), closed).tuples().first()
        return total or 0, int(closed_n or 0)

    @classmethod
    def open_for_equipment(cls, equipment_ids):
        """equipment id -> open jobs, for the warning against registering a call twice."""
        found = {}
        if equipment_ids:
            jobs = cls.with_people().where(cls.equipment.in_(list(equipment_ids)), cls.state.in_(OPEN_STATES))
            for job in jobs.order_by(cls.id.desc()):
                found.setdefault(job.equipment_id, []).append(job)
        return found


def _substring_ids(terms):
    """The ids of the jobs whose search text contains any of ``terms`` (3 characters or more),
    from the trigram index."""
    param = db.obj.param
    if is_postgres():
        # LIKE's own wildcards typed by the user are matched as themselves
        patterns = [
            "%" + t.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%" for t in terms
        ]
        where = " OR ".join(f"search_text LIKE {param}" for _ in patterns)
        return SQL(f"(SELECT id FROM job_search WHERE {where})", patterns)
    # an FTS5 phrase in double quotes (doubled inside) is the text as typed: with the trigram
    # tokenizer it matches wherever the text occurs
    expression = " OR ".join('"' + t.replace('"', '""') + '"' for t in terms)
    return SQL(f"(SELECT rowid FROM job_search WHERE job_search MATCH {param})", [expression])


# (limit, per lane, crowded) -> the board's three lane queries of card keys; "counts" -> the
# lanes' grouped counts; "one" -> one job with its technician: each built once per process
_BOARD: dict = {}
