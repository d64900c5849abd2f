"""Answers (Art. 15): one questionnaire version answered about one job, by the customer online,
by phone or from the paper form. One answer a request, whatever is sent twice.

An answer with a low rating, or a remark the customer calls a complaint, proposes a complaint
to the clerk (proposed -take_up-> taken, or -dismiss-> dismissed, with a reason); a remark called
a suggestion goes to the manager's list (open -consider-> considered).
"""

from peewee import (
    JOIN,
    BooleanField,
    CharField,
    DateField,
    DateTimeField,
    ForeignKeyField,
    IntegerField,
    IntegrityError,
    TextField,
    fn,
)

from models.core import (
    N_,
    BaseModel,
    Event,
    RuleError,
    Setting,
    StatefulModel,
    Transition,
    User,
    db,
    next_number,
    now,
    require,
    to_local,
)
from models.core.prepared import Prepared, as_is
from models.customers import Customer
from models.service import Job
from models.surveys.asking import ASKABLE_STATES, Campaign, SurveyRequest, SurveyToken
from models.surveys.labels import ANSWER_STATES, CHANNELS, RATINGS, SUGGESTION_STATES, TAGS
from models.surveys.questionnaire import Question, Questionnaire, QuestionnaireVersion

MAX_TEXT = 2000


class AlreadyAnswered(RuleError):
    """The request (or this very link) has its answer already."""

    status = 409


class Answer(StatefulModel):
    subject = "survey_answer"
    STATES = ANSWER_STATES
    TRANSITIONS = {
        "take_up": Transition(("proposed",), "taken", "survey.call", N_("Record a complaint")),
        "dismiss": Transition(("proposed",), "dismissed", "survey.call", N_("No complaint needed")),
    }

    number = CharField(max_length=20, unique=True)
    year = IntegerField()
    seq = IntegerField()
    state = CharField(max_length=20, default="plain", index=True)
    # one answer a request: a double submission meets this unique index
    request = ForeignKeyField(SurveyRequest, unique=True, backref="+", lazy_load=False)
    questionnaire_version = ForeignKeyField(QuestionnaireVersion, backref="+", lazy_load=False)
    questionnaire = ForeignKeyField(Questionnaire, backref="+", lazy_load=False)
    campaign = ForeignKeyField(Campaign, null=True, backref="+", lazy_load=False)
    job = ForeignKeyField(Job, backref="+", lazy_load=False)
    customer = ForeignKeyField(Customer, null=True, backref="+", lazy_load=False)
    technician = ForeignKeyField(User, null=True, backref="+", lazy_load=False)
    service_type = CharField(max_length=10)
    channel = CharField(max_length=10)
    token = ForeignKeyField(SurveyToken, null=True, backref="+", lazy_load=False)
    entered_by = ForeignKeyField(User, null=True, backref="+", lazy_load=False)
    answered_at = DateTimeField(default=now)
    day = DateField(index=True)  # the department's local day, for periods
    month = CharField(max_length=7)  # "2026-11", for the months of the results
    rating_sum = IntegerField(default=0)
    rating_count = IntegerField(default=0)
    lowest = IntegerField(null=True)
    low_score = BooleanField(default=False)
    complaint_tagged = BooleanField(default=False)
    taken_by = ForeignKeyField(User, null=True, backref="+", lazy_load=False)
    taken_at = DateTimeField(null=True)
    dismiss_reason = TextField(default="")

    class Meta:
        table_name = "survey_answer"
        indexes = ((("technician", "day"), False), (("job",), False))

    @property
    def average(self):
        return self.rating_sum / self.rating_count if self.rating_count else None

    @property
    def channel_label(self):
        return CHANNELS.get(self.channel, self.channel)

    def owned_by(self, user, permission=None):
        """A technician reads the answers about their own jobs."""
        return user is not None and self.technician_id == user.id

    @classmethod
    def owned_where(cls, user, permission=None):
        return cls.technician == user.id

    def items_list(self):
        return list(
            AnswerItem.select(AnswerItem, Question)
            .join(Question, on=(AnswerItem.question == Question.id))
            .where(AnswerItem.answer == self.id)
            .order_by(Question.position, AnswerItem.id)
        )

    # ---- recording ---------------------------------------------------------------------------

    @classmethod
    def record(cls, request, version, values, channel, by=None, token=None):
        """Store the answers to ``version`` for ``request``: from the customer's link
        (``token``, nobody signed in) or entered by a clerk (``by``, by phone or from paper).

        ``values``: question id -> a rating, a choice, a list of choices, or (text, tag).
        Raises AlreadyAnswered when the request or the link has its answer already.
        """
        if channel not in CHANNELS or (channel == "link") != (token is not None):
            raise RuleError(N_("Unknown way of answering."))
        if by is not None:
            require(by, "survey.call")
        elif token is None:
            raise RuleError(N_("You are not allowed to do this."))
        if version.questionnaire_id != request.questionnaire_id or version.published_at is None:
            raise RuleError(N_("This form is damaged. Reload the page."))
        questions = version.questions_list()
        items = _items(questions, values)
        ratings = [i["rating"] for i in items if i["rating"] is not None]
        low = bool(ratings) and min(ratings) <= Setting.get_value("survey_low_score")
        tagged = any(i["tag"] == "complaint" for i in items)
        at = now()
        day = to_local(at).date()
        try:
            with db.atomic():
                current = request.locked()
                if current.state not in ASKABLE_STATES:
                    raise AlreadyAnswered(N_("This survey has been answered already."))
                if token is not None:
                    link = token.locked()
                    if link.used_at is not None:
                        raise AlreadyAnswered(N_("This survey has been answered already."))
                    if at >= link.expires_at:
                        raise RuleError(N_("This survey link has expired."))
                    SurveyToken.update(used_at=at).where(SurveyToken.id == link.id).execute()
                job = Job.get_by_id(current.job_id)
                number = next_number("DC", day.year)
                answer = cls.create(
                    number=number.text,
                    year=number.year,
                    seq=number.seq,
                    state="proposed" if low or tagged else "plain",
                    request=current.id,
                    questionnaire_version=version.id,
                    questionnaire=version.questionnaire_id,
                    campaign=current.campaign_id,
                    job=job.id,
                    customer=job.customer_id,
                    technician=job.technician_id,
                    service_type=job.service_type,
                    channel=channel,
                    token=token.id if token is not None else None,
                    entered_by=by.id if by is not None else None,
                    answered_at=at,
                    day=day,
                    month=f"{day:%Y-%m}",
                    rating_sum=sum(ratings),
                    rating_count=len(ratings),
                    lowest=min(ratings) if ratings else None,
                    low_score=low,
                    complaint_tagged=tagged,
                    updated_at=at,
                )
                for item in items:
                    row = AnswerItem.create(answer=answer.id, **item)
                    if item["tag"] == "suggestion":
                        Suggestion.create(
                            answer=answer.id, item=row.id, job=job.id, text=item["text"], updated_at=at
                        )
                data = {"channel": channel, "job": job.number}
                if by is not None:
                    current.apply("answer", by, data=data)
                else:
                    SurveyRequest.update(
                        state="answered", version=SurveyRequest.version + 1, updated_at=at
                    ).where(SurveyRequest.id == current.id).execute()
                    Event.record(None, current, "answer", current.state, "answered", data=data)
                Event.record(by, answer, "answer", to_state=answer.state, data=data)
        except IntegrityError:
            # the same request answered at the same moment by another submission
            raise AlreadyAnswered(N_("This survey has been answered already.")) from None
        return answer

    # ---- the complaint it proposes -----------------------------------------------------------

    def take_up(self, by, version=None):
        """The clerk takes the proposal into the complaint intake (prefilled there)."""
        return self.apply("take_up", by, version, taken_by=by.id, taken_at=now())

    def dismiss(self, by, reason, version=None):
        reason = (reason or "").strip()[:300]
        if not reason:
            raise RuleError(N_("Say why no complaint is needed."), field="reason")
        return self.apply("dismiss", by, version, note=reason, dismiss_reason=reason)

    # ---- lists -------------------------------------------------------------------------------

    @classmethod
    def with_people(cls):
        """Answers with their job and its technician (one query a list)."""
        tech = User.alias("tech")
        return (
            cls.select(cls, Job, tech)
            .join(Job, on=(cls.job == Job.id), attr="answered_job")
            .switch(cls)
            .join(tech, JOIN.LEFT_OUTER, on=(cls.technician == tech.id), attr="tech")
        )

    @classmethod
    def proposals(cls):
        return cls.with_people().where(cls.state == "proposed").order_by(cls.answered_at)

    @classmethod
    def for_job(cls, job):
        """The job's answers (the voucher page shows them: the SQL built once)."""
        return list(_FOR_JOB.rows(job.id))


class AnswerItem(BaseModel):
    """One answer to one question (a multiple choice gives one row per option chosen). ``key``
    and ``opinion`` are the question's, kept here so results group without a join."""

    answer = ForeignKeyField(Answer, backref="+", on_delete="CASCADE")
    question = ForeignKeyField(Question, backref="+")
    key = CharField(max_length=12)
    opinion = CharField(max_length=10)
    rating = IntegerField(null=True)
    option = CharField(max_length=60, null=True)
    text = TextField(default="")
    tag = CharField(max_length=12, default="")

    class Meta:
        table_name = "survey_answer_item"
        indexes = ((("key", "rating"), False),)

    @property
    def tag_label(self):
        return TAGS.get(self.tag, "")


class Suggestion(StatefulModel):
    """A suggestion a customer made (建议): the manager reviews it and marks it considered."""

    subject = "suggestion"
    STATES = SUGGESTION_STATES
    TRANSITIONS = {"consider": Transition(("open",), "considered", "survey.review", N_("Mark as considered"))}

    answer = ForeignKeyField(Answer, backref="+")
    item = ForeignKeyField(AnswerItem, unique=True, backref="+")
    job = ForeignKeyField(Job, backref="+", lazy_load=False)
    text = TextField()
    state = CharField(max_length=20, default="open", index=True)
    created_at = DateTimeField(default=now)
    considered_by = ForeignKeyField(User, null=True, backref="+", lazy_load=False)
    considered_at = DateTimeField(null=True)
    outcome = TextField(default="")

    class Meta:
        table_name = "suggestion"

    def consider(self, by, note="", version=None):
        """Reviewed: what the department makes of it, in a line (optional)."""
        note = (note or "").strip()[:1000]
        return self.apply(
            "consider", by, version, note=note, outcome=note, considered_by=by.id, considered_at=now()
        )

    @classmethod
    def listing(cls, state="open"):
        query = (
            cls.select(cls, Answer, Job)
            .join(Answer, on=(cls.answer == Answer.id), attr="from_answer")
            .switch(cls)
            .join(Job, on=(cls.job == Job.id), attr="about_job")
        )
        if state in SUGGESTION_STATES:
            query = query.where(cls.state == state)
        return query.order_by(cls.id.desc() if state == "considered" else cls.id)


def _items(questions, values):
    """The rows of an answer, each checked against its question; a refusal names the field."""
    items = []
    for question in questions:
        field = f"q{question.id}"
        value = values.get(question.id)
        base = {"question": question.id, "key": question.key, "opinion": question.opinion}
        if question.kind == "rating":
            if value in (None, ""):
                if question.required:
                    raise RuleError(N_("Please choose a rating."), field=field)
                continue
            try:
                rating = int(value)
            except (TypeError, ValueError):
                rating = 0
            if rating not in RATINGS:
                raise RuleError(N_("Please choose a rating."), field=field)
            items.append({**base, "rating": rating, "option": None, "text": "", "tag": ""})
        elif question.kind in ("single", "multiple"):
            chosen = value if isinstance(value, list | tuple) else [value] if value else []
            chosen = [c for c in question.options if c in set(chosen)]
            if question.kind == "single":
                chosen = chosen[:1]
            if not chosen:
                if question.required:
                    raise RuleError(N_("Please choose an answer."), field=field)
                continue
            items.extend({**base, "rating": None, "option": c, "text": "", "tag": ""} for c in chosen)
        else:
            text, tag = value if isinstance(value, list | tuple) else (value, "")
            text = (text or "").strip()[:MAX_TEXT]
            if not text:
                if question.required:
                    raise RuleError(N_("Please write your answer."), field=field)
                continue
            items.append(
                {
                    **base,
                    "rating": None,
                    "option": None,
                    "text": text,
                    "tag": tag if tag in TAGS else "remark",
                }
            )
    if not items:
        raise RuleError(N_("Please answer at least one question."))
    return items


def questionnaire_listing():
    """Every questionnaire with its newest published version number and its answers' count."""
    versions = (
        QuestionnaireVersion.select(
            QuestionnaireVersion.questionnaire, fn.MAX(QuestionnaireVersion.number).alias("n")
        )
        .where(QuestionnaireVersion.published_at.is_null(False))
        .group_by(QuestionnaireVersion.questionnaire)
    )
    published = {row.questionnaire_id: row.n for row in versions}
    answers = Answer.select(Answer.questionnaire, fn.COUNT(Answer.id).alias("n")).group_by(
        Answer.questionnaire
    )
    counts = {row.questionnaire_id: row.n for row in answers}
    items = list(Questionnaire.select().order_by(Questionnaire.state, Questionnaire.name))
    for item in items:
        item.published = published.get(item.id)
        item.answer_count = counts.get(item.id, 0)
    return items


_FOR_JOB = Prepared(
    lambda job: Answer.with_people().where(Answer.job == as_is(job)).order_by(Answer.id), slots=1
)
