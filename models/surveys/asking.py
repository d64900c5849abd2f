"""Asking customers (Art. 14): the follow-up call on each filed job (回访), links the customer
answers alone, and campaigns, periodic (定期) and ad hoc (不定期).

Every asking of one customer about one job is a ``SurveyRequest`` (unique by its key), with the
outcome of each call as a transition. A link is a ``SurveyToken``: 192 random bits, kept only as
its SHA-256, single-use, expiring. A periodic campaign is created for each period exactly once,
by the first caller that needs it (a unique period key; the loser of a race reads the winner's).
"""

import datetime
import hashlib
import re
import secrets

from peewee import (
    JOIN,
    Case,
    CharField,
    DateField,
    DateTimeField,
    ForeignKeyField,
    IntegerField,
    IntegrityError,
    fn,
)

from models.core import (
    N_,
    BaseModel,
    Event,
    JSONField,
    RuleError,
    Setting,
    StatefulModel,
    Transition,
    User,
    clock,
    db,
    is_postgres,
    now,
    require,
    today,
)
from models.core.prepared import Prepared
from models.customers import Contract, Customer
from models.service import Job
from models.surveys.labels import (
    CAMPAIGN_STATES,
    CUSTOMER_TYPES,
    LINK_PLACES,
    REQUEST_STATES,
)
from models.surveys.questionnaire import Questionnaire

TOKEN_BYTES = 24  # 192 bits; the URL carries 32 characters
TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
SERVED_STATES = ("done", "countersigned", "filed")
ASKABLE_STATES = ("pending", "refused", "unreachable")


def local_start(day):
    """The first moment of a local day, as stored (UTC naive)."""
    return clock().to_utc(datetime.datetime.combine(day, datetime.time()))


def digest(raw):
    return hashlib.sha256(raw.encode("ascii")).hexdigest()


# ---- campaigns ------------------------------------------------------------------------------


def period_of(day, mode):
    """(key, first day, last day) of the last complete period before ``day``."""
    if mode == "quarterly":
        quarter = (day.month - 1) // 3  # the current quarter, 0-based
        year, previous = (day.year, quarter - 1) if quarter else (day.year - 1, 3)
        first = datetime.date(year, previous * 3 + 1, 1)
        last = datetime.date(year + (previous == 3), (previous * 3 + 3) % 12 + 1, 1) - datetime.timedelta(
            days=1
        )
        return f"{year}-Q{previous + 1}", first, last
    last = day.replace(day=1) - datetime.timedelta(days=1)
    first = last.replace(day=1)
    return f"{first:%Y-%m}", first, last


def served_jobs(served_from, served_to, types=None, product_model="", contract_only=False):
    """The latest job of each customer served between two local days (one query): who to ask."""
    query = (
        Job.select(fn.MAX(Job.id))
        .where(
            Job.state.in_(SERVED_STATES),
            Job.customer.is_null(False),
            Job.service_type.in_(list(types or [k for k, _ in CUSTOMER_TYPES])),
            Job.finished_at >= local_start(served_from),
            Job.finished_at < local_start(served_to + datetime.timedelta(days=1)),
        )
        .group_by(Job.customer)
    )
    if product_model:
        query = query.where(Job.product_model.contains(product_model))
    if contract_only:
        covered = Contract.select(Contract.customer).where(
            Contract.voided_at.is_null(), Contract.start <= served_to, Contract.end >= served_from
        )
        query = query.where(Job.customer.in_(covered))
    return Job.select(Job.id, Job.customer, Job.technician).where(Job.id.in_(query)).order_by(Job.id)


class Campaign(StatefulModel):
    subject = "campaign"
    STATES = CAMPAIGN_STATES
    TRANSITIONS = {"close": Transition(("open",), "closed", "survey.campaign", N_("Close the campaign"))}

    kind = CharField(max_length=10)
    # periodic ones: "2026-11" or "2026-Q3"; unique, so a period gets exactly one campaign
    period = CharField(max_length=10, null=True, unique=True)
    name = CharField(max_length=100, default="")
    state = CharField(max_length=20, default="open", index=True)
    questionnaire = ForeignKeyField(Questionnaire, backref="+")
    served_from = DateField()
    served_to = DateField()
    criteria = JSONField(null=True)
    asked = IntegerField(default=0)
    created_at = DateTimeField(default=now)
    created_by = ForeignKeyField(User, null=True, backref="+", lazy_load=False)

    class Meta:
        table_name = "campaign"

    @property
    def title(self):
        return self.period or self.name

    @classmethod
    def _open(cls, by, kind, questionnaire, served_from, served_to, jobs, **fields):
        """Inside a transaction: the campaign and one request per customer to ask."""
        campaign = cls.create(
            kind=kind,
            questionnaire=questionnaire,
            served_from=served_from,
            served_to=served_to,
            asked=len(jobs),
            created_by=by.id if by else None,
            updated_at=now(),
            **fields,
        )
        rows = [
            {
                "key": f"c{campaign.id}:{job.customer_id}",
                "kind": "campaign",
                "campaign": campaign.id,
                "job": job.id,
                "customer": job.customer_id,
                "technician": job.technician_id,
                "questionnaire": questionnaire.id,
                "state": "pending",
                "updated_at": campaign.created_at,
                "created_at": campaign.created_at,
            }
            for job in jobs
        ]
        for start in range(0, len(rows), 500):
            SurveyRequest.insert_many(rows[start : start + 500]).execute()
        Event.record(
            by,
            campaign,
            "start",
            to_state="open",
            note=fields.get("name") or fields.get("period") or "",
            data={"asked": len(jobs)},
        )
        return campaign

    @classmethod
    def ensure_periodic(cls, on=None):
        """The campaign of the last complete period, created on first need (or None: periodic
        surveys off, no questionnaire in use, or nobody served). Safe when several processes
        ask at the same moment: the period is a unique key, and the loser reads the winner's."""
        mode = Setting.get_value("survey_periodic")
        if mode not in ("monthly", "quarterly"):
            return None
        key, first, last = period_of(on or today(), mode)
        found = cls.get_or_none(cls.period == key)
        if found is not None:
            return found
        questionnaire = Questionnaire.default()
        if questionnaire is None:
            return None
        jobs = list(served_jobs(first, last))
        if not jobs:
            return None
        try:
            with db.atomic():
                return cls._open(None, "periodic", questionnaire, first, last, jobs, period=key)
        except IntegrityError:
            return cls.get(cls.period == key)

    @classmethod
    def start_adhoc(
        cls, by, name, questionnaire, served_from, served_to, types=(), product_model="", contract_only=False
    ):
        """An ad-hoc survey of a chosen set of customers (不定期): served in a date range, of some
        service types, a product model, or contract customers only."""
        require(by, "survey.campaign")
        name = " ".join((name or "").split())[:100]
        if not name:
            raise RuleError(N_("Give the campaign a name."), field="name")
        if questionnaire is None or questionnaire.state != "active":
            raise RuleError(N_("Choose a questionnaire in use."), field="questionnaire")
        if served_from is None or served_to is None or served_to < served_from:
            raise RuleError(N_("Choose the days the customers were served."), field="served_to")
        types = [t for t, _ in CUSTOMER_TYPES if t in set(types or ())] or [t for t, _ in CUSTOMER_TYPES]
        product_model = (product_model or "").strip()[:80]
        jobs = list(served_jobs(served_from, served_to, types, product_model, contract_only))
        if not jobs:
            raise RuleError(N_("No customer served matches: nobody to ask."), field="served_to")
        criteria = {"types": types, "product_model": product_model, "contract_only": bool(contract_only)}
        with db.atomic():
            return cls._open(
                by, "adhoc", questionnaire, served_from, served_to, jobs, name=name, criteria=criteria
            )

    def close(self, by, version=None):
        return self.apply("close", by, version)

    def counts(self):
        """{state: n} of its requests, in one grouped query."""
        rows = (
            SurveyRequest.select(SurveyRequest.state, fn.COUNT(SurveyRequest.id).alias("n"))
            .where(SurveyRequest.campaign == self.id)
            .group_by(SurveyRequest.state)
            .tuples()
        )
        return dict(rows)

    @classmethod
    def listing(cls):
        """Every campaign, newest first, with its answered count (two queries)."""
        campaigns = list(cls.select().order_by(cls.id.desc()))
        answered = dict(
            SurveyRequest.select(SurveyRequest.campaign, fn.COUNT(SurveyRequest.id))
            .where(SurveyRequest.campaign.is_null(False), SurveyRequest.state == "answered")
            .group_by(SurveyRequest.campaign)
            .tuples()
        )
        for campaign in campaigns:
            campaign.answered = answered.get(campaign.id, 0)
        return campaigns


# ---- one customer asked about one job -------------------------------------------------------


REQUEST_TRANSITIONS = {
    "link": Transition(ASKABLE_STATES, None, "survey.link", N_("Give a survey link")),
    "no_answer": Transition(("pending",), None, "survey.call", N_("No answer")),
    "give_up": Transition(("pending",), "unreachable", "survey.call", N_("No answer")),
    "call_back": Transition(("pending",), None, "survey.call", N_("Call back at")),
    "refuse": Transition(("pending",), "refused", "survey.call", N_("Refused")),
    "answer": Transition(ASKABLE_STATES, "answered", "survey.call", N_("Save the answers")),
}


class SurveyRequest(StatefulModel):
    """A customer asked about a job: in a follow-up call or a campaign, by phone or by link."""

    subject = "survey_request"
    STATES = REQUEST_STATES
    TRANSITIONS = REQUEST_TRANSITIONS

    key = CharField(max_length=40, unique=True)
    kind = CharField(max_length=10)
    campaign = ForeignKeyField(Campaign, null=True, backref="+", lazy_load=False)
    job = ForeignKeyField(Job, backref="+", lazy_load=False)
    customer = ForeignKeyField(Customer, null=True, backref="+", lazy_load=False)
    technician = ForeignKeyField(User, null=True, backref="+", lazy_load=False)
    questionnaire = ForeignKeyField(Questionnaire, backref="+", lazy_load=False)
    state = CharField(max_length=20, default="pending", index=True)
    attempts = IntegerField(default=0)
    call_back_at = DateTimeField(null=True)
    last_called_at = DateTimeField(null=True)
    created_at = DateTimeField(default=now)

    class Meta:
        table_name = "survey_request"
        indexes = ((("job", "kind"), False), (("campaign", "state"), False))

    def owned_by(self, user, permission=None):
        """A technician's own: the requests about jobs they did."""
        return user is not None and self.technician_id == user.id

    def not_yours_message(self):
        return N_("This job is not assigned to you.")

    @property
    def title(self):
        """The job's number: what a message about the request names."""
        job = getattr(self, "asked_job", None)
        if job is None:
            job = Job.select(Job.number).where(Job.id == self.job_id).first()
        return job.number if job else f"#{self.id}"

    @classmethod
    def followup_of(cls, job, create=False):
        """The follow-up request of a job; created (race-safe) when asked to."""
        key = f"f{job.id}"
        found = _BY_KEY.first(key)
        if found is not None or not create:
            return found
        questionnaire = Questionnaire.default()
        if questionnaire is None:
            raise RuleError(N_("No questionnaire is in use for follow-ups yet."))
        try:
            with db.atomic():
                return cls.create(
                    key=key,
                    kind="followup",
                    job=job.id,
                    customer=job.customer_id,
                    technician=job.technician_id,
                    questionnaire=questionnaire.id,
                    updated_at=now(),
                )
        except IntegrityError:
            return cls.get(cls.key == key)

    @classmethod
    def for_job(cls, job, by, work):
        """``work(request)`` on the job's follow-up request, created in the same transaction
        (a refused step leaves no request behind)."""
        if job.customer_id is None or job.service_type == "internal" or job.state == "void":
            raise RuleError(N_("There is no customer to ask about this job."))
        with db.atomic():
            return work(cls.followup_of(job, create=True))

    def issue_link(self, by, place):
        """A new link for the customer: the raw token is returned once and kept only hashed."""
        if place not in LINK_PLACES:
            raise RuleError(N_("Unknown place for a link."))
        raw = secrets.token_urlsafe(TOKEN_BYTES)
        expires = now() + datetime.timedelta(days=Setting.get_value("survey_link_days"))
        with db.atomic():
            self.apply("link", by, data={"place": place})
            token = SurveyToken.create(
                digest=digest(raw), request=self.id, place=place, issued_by=by.id, expires_at=expires
            )
        return raw, token

    # ---- the outcome of a call ---------------------------------------------------------------

    def no_answer(self, by, version=None):
        """Nobody answered: call again later; after the last try, the customer was not reached."""
        attempts = self.attempts + 1
        common = {"attempts": attempts, "last_called_at": now()}
        if attempts >= Setting.get_value("survey_max_attempts"):
            return self.apply(
                "give_up", by, version, data={"attempts": attempts}, call_back_at=None, **common
            )
        later = now() + datetime.timedelta(hours=Setting.get_value("survey_retry_hours"))
        return self.apply("no_answer", by, version, data={"attempts": attempts}, call_back_at=later, **common)

    def call_back(self, by, at, note="", version=None):
        """The customer asked to be called back at a time."""
        if at is None or at <= now():
            raise RuleError(N_("Choose a time in the future."), field="call_back_at")
        return self.apply(
            "call_back",
            by,
            version,
            note=(note or "").strip()[:300],
            data={"at": at.isoformat()},
            call_back_at=at,
            attempts=self.attempts + 1,
            last_called_at=now(),
        )

    def refuse(self, by, note="", version=None):
        """The customer does not want to answer; nobody asks them again about this job."""
        return self.apply(
            "refuse",
            by,
            version,
            note=(note or "").strip()[:300],
            attempts=self.attempts + 1,
            last_called_at=now(),
        )

    # ---- lists ---------------------------------------------------------------------------------

    @classmethod
    def with_job(cls):
        """Requests with their job and its technician (one query a list)."""
        tech = User.alias("tech")
        return (
            cls.select(cls, Job, tech)
            .join(Job, on=(cls.job == Job.id), attr="asked_job")
            .join(tech, JOIN.LEFT_OUTER, on=(Job.technician == tech.id), attr="tech")
        )

    @classmethod
    def of_campaign(cls, campaign):
        still_to_ask = Case(None, [(cls.state == "pending", 0)], 1)
        return (
            cls.with_job()
            .where(cls.campaign == campaign.id)
            .order_by(still_to_ask, Job.customer_name, cls.id)
        )


def followup_filter(values=None):
    """The jobs follow-up calls are for, from Settings: all, a share, some service types, none."""
    values = values or Setting.all_values()
    scope = values["survey_followup_scope"]
    since = now() - datetime.timedelta(days=values["survey_followup_days"])
    where = (
        (Job.state == "filed")
        & (Job.filed_at >= since)
        & Job.customer.is_null(False)
        & (Job.service_type != "internal")
    )
    if scope == "none":
        return where & (Job.id < 0)
    if scope == "share":
        # every job whose spread id falls below the share: exactly share% of each hundred ids
        spread = Job.id * 61
        where &= (spread - (spread / 100) * 100) < values["survey_followup_share"]
    elif scope == "types":
        where &= Job.service_type.in_(list(values["survey_followup_types"]) or ["-"])
    return where


def followup_queue(at=None):
    """Filed jobs awaiting a follow-up call, oldest first: never asked, or still to ask and not
    booked for later. Each row has ``req`` (its request, or None) and ``tech``."""
    at = at or now()
    tech = User.alias("tech")
    req = SurveyRequest.alias("req")
    due = req.id.is_null() | (
        (req.state == "pending") & (req.call_back_at.is_null() | (req.call_back_at <= at))
    )
    return (
        Job.select(Job, tech, req)
        .join(tech, JOIN.LEFT_OUTER, on=(Job.technician == tech.id), attr="tech")
        .switch(Job)
        .join(req, JOIN.LEFT_OUTER, on=((req.job == Job.id) & (req.kind == "followup")), attr="req")
        .where(followup_filter(), due)
        .order_by(Job.filed_at, Job.id)
    )


def booked_calls(at=None, limit=50):
    """Follow-ups and campaign calls booked for later, soonest first."""
    at = at or now()
    return (
        SurveyRequest.with_job()
        .where(SurveyRequest.state == "pending", SurveyRequest.call_back_at > at)
        .order_by(SurveyRequest.call_back_at)
        .limit(limit)
    )


class SurveyToken(BaseModel):
    """A link for the customer. Only its SHA-256 is stored: the database cannot give it away."""

    digest = CharField(max_length=64, unique=True)
    request = ForeignKeyField(SurveyRequest, backref="+")
    place = CharField(max_length=10)
    issued_by = ForeignKeyField(User, null=True, backref="+", lazy_load=False)
    created_at = DateTimeField(default=now)
    expires_at = DateTimeField()
    used_at = DateTimeField(null=True)

    class Meta:
        table_name = "survey_token"

    @classmethod
    def find(cls, raw):
        """The token a link carries (with its request and job), or None for anything else."""
        if not raw or not TOKEN_SHAPE.match(raw):
            return None
        return _TOKEN.first(digest(raw))

    @classmethod
    def _with_job(cls, digest_):
        tech = User.alias("tech")
        return (
            cls.select(cls, SurveyRequest, Job, tech)
            .join(SurveyRequest, on=(cls.request == SurveyRequest.id), attr="req")
            .join(Job, on=(SurveyRequest.job == Job.id), attr="asked_job")
            .join(tech, JOIN.LEFT_OUTER, on=(Job.technician == tech.id), attr="tech")
            .where(cls.digest == digest_)
        )

    def status(self, at=None):
        """What the link can do now: open, or why not (used, answered, expired, closed)."""
        at = at or now()
        if self.used_at is not None:
            return "used"
        if self.req.state == "answered":
            return "answered"
        if at >= self.expires_at:
            return "expired"
        if self.req.asked_job.state == "void":
            return "closed"
        if self.req.campaign_id:
            campaign = Campaign.get_or_none(Campaign.id == self.req.campaign_id)
            if campaign is None or campaign.state != "open":
                return "closed"
        return "open"

    def locked(self):
        query = type(self).select().where(type(self).id == self.id)
        if is_postgres():
            query = query.for_update()
        return query.get()


# the customer's page finds its link on every view: its SQL (four tables) built once
_TOKEN = Prepared(SurveyToken._with_job, slots=1)
_BY_KEY = Prepared(lambda key: SurveyRequest.select().where(SurveyRequest.key == key), slots=1)
