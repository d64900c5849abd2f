"""Questionnaires (客户意见调查表): questions kept in versions. A version once published is never
edited: changes go into the next draft version, and every answer keeps the version it answered.

draft -publish-> active -retire-> retired -reactivate-> active; while active, ``publish`` puts
the next version in use. One active questionnaire is the default: follow-up calls and the links
on vouchers ask it.
"""

import secrets

from peewee import BooleanField, CharField, DateTimeField, ForeignKeyField, IntegerField, TextField, fn

from models.core import (
    N_,
    BaseModel,
    Event,
    JSONField,
    RuleError,
    StatefulModel,
    Transition,
    User,
    db,
    now,
    require,
)
from models.core.prepared import Prepared, as_is, where_id
from models.surveys.labels import OPINIONS, QUESTION_KINDS, QUESTIONNAIRE_STATES

MAX_QUESTIONS = 30
MAX_OPTIONS = 10

EDITABLE = ("draft", "active", "retired")
TRANSITIONS = {
    "begin_draft": Transition(EDITABLE, None, "survey.design", N_("Write the next version")),
    "set_intro": Transition(EDITABLE, None, "survey.design", N_("Change the name and greeting")),
    "add_question": Transition(EDITABLE, None, "survey.design", N_("Add a question")),
    "change_question": Transition(EDITABLE, None, "survey.design", N_("Change a question")),
    "remove_question": Transition(EDITABLE, None, "survey.design", N_("Remove a question")),
    "move_question": Transition(EDITABLE, None, "survey.design", N_("Move a question")),
    "publish": Transition(("draft", "active"), "active", "survey.design", N_("Publish")),
    "retire": Transition(("active",), "retired", "survey.design", N_("Retire")),
    "reactivate": Transition(("retired",), "active", "survey.design", N_("Use again")),
    "make_default": Transition(("active",), None, "survey.design", N_("Ask it in follow-ups and links")),
}


def _clean(value, limit):
    return " ".join((value or "").split())[:limit]


class Questionnaire(StatefulModel):
    subject = "questionnaire"
    STATES = QUESTIONNAIRE_STATES
    TRANSITIONS = TRANSITIONS

    name = CharField(max_length=100)
    state = CharField(max_length=20, default="draft", index=True)
    is_default = BooleanField(default=False)
    created_at = DateTimeField(default=now)
    created_by = ForeignKeyField(User, backref="+", lazy_load=False)

    class Meta:
        table_name = "questionnaire"

    @property
    def title(self):
        return self.name

    @classmethod
    def start(cls, by, name, intro=""):
        """A new questionnaire with an empty first draft."""
        require(by, "survey.design")
        name = _clean(name, 100)
        if not name:
            raise RuleError(N_("Give the questionnaire a name."), field="name")
        with db.atomic():
            questionnaire = cls.create(name=name, created_by=by.id, updated_at=now())
            QuestionnaireVersion.create(
                questionnaire=questionnaire, number=1, intro=(intro or "").strip()[:1000], created_by=by.id
            )
            Event.record(by, questionnaire, "start", to_state="draft", note=name)
        return questionnaire

    @classmethod
    def default(cls):
        """The questionnaire follow-up calls and voucher links ask, or None."""
        return _DEFAULT.first()

    # ---- versions -----------------------------------------------------------------------

    def versions(self):
        return list(
            QuestionnaireVersion.select()
            .where(QuestionnaireVersion.questionnaire == self.id)
            .order_by(QuestionnaireVersion.number)
        )

    @classmethod
    def by_id(cls, questionnaire_id):
        """The questionnaire, or None (the customer's page asks on every view)."""
        return _BY_ID.first(questionnaire_id)

    def current_version(self):
        """The newest published version: what customers are asked now."""
        return _CURRENT.first(self.id)

    def draft_version(self):
        return (
            QuestionnaireVersion.select()
            .where(QuestionnaireVersion.questionnaire == self.id, QuestionnaireVersion.published_at.is_null())
            .first()
        )

    def _draft_for_edit(self, by, action, note=""):
        """Inside a transaction: the draft version, begun as a copy of the current one if there is
        none (a version in use is never edited); the edit is one event on the questionnaire."""
        self.apply(action, by, note=note)
        draft = self.draft_version()
        if draft is not None:
            return draft
        current = self.current_version()
        number = (current.number if current else 0) + 1
        draft = QuestionnaireVersion.create(
            questionnaire=self.id, number=number, intro=current.intro if current else "", created_by=by.id
        )
        if current is not None:
            rows = [
                {
                    "version": draft.id,
                    "key": q.key,
                    "position": q.position,
                    "kind": q.kind,
                    "opinion": q.opinion,
                    "text": q.text,
                    "options": q.options,
                    "required": q.required,
                }
                for q in current.questions_list()
            ]
            if rows:
                Question.insert_many(rows).execute()
        return draft

    def begin_draft(self, by):
        """Start the next version as a copy of the one in use (or return the open draft)."""
        require(by, "survey.design")
        with db.atomic():
            existing = self.draft_version()
            if existing is not None:
                return existing
            return self._draft_for_edit(by, "begin_draft")

    def set_intro(self, by, name, intro):
        require(by, "survey.design")
        name = _clean(name, 100)
        if not name:
            raise RuleError(N_("Give the questionnaire a name."), field="name")
        with db.atomic():
            draft = self._draft_for_edit(by, "set_intro", name)
            draft.intro = (intro or "").strip()[:1000]
            draft.save()
            if name != self.name:
                type(self).update(name=name).where(type(self).id == self.id).execute()
                self.name = name
        return draft

    def add_question(self, by, kind, text, opinion, options=(), required=True):
        require(by, "survey.design")
        fields = _question_fields(kind, text, opinion, options, required)
        with db.atomic():
            draft = self._draft_for_edit(by, "add_question", fields["text"][:200])
            count = Question.select().where(Question.version == draft.id).count()
            if count >= MAX_QUESTIONS:
                raise RuleError(N_("A questionnaire has at most %(n)s questions."), n=MAX_QUESTIONS)
            position = (
                Question.select(fn.MAX(Question.position)).where(Question.version == draft.id).scalar() or 0
            )
            return Question.create(
                version=draft.id, key=secrets.token_hex(5), position=position + 1, **fields
            )

    def _draft_question(self, question):
        draft = self.draft_version()
        if draft is None or question.version_id != draft.id:
            raise RuleError(N_("Only questions of the draft version can be changed."))
        return draft

    def update_question(self, by, question, kind, text, opinion, options=(), required=True):
        require(by, "survey.design")
        fields = _question_fields(kind, text, opinion, options, required)
        with db.atomic():
            self.apply("change_question", by, note=fields["text"][:200])
            self._draft_question(question)
            Question.update(**fields).where(Question.id == question.id).execute()

    def remove_question(self, by, question):
        """Take a question out of the draft (never answered: drafts are not asked)."""
        require(by, "survey.design")
        with db.atomic():
            self.apply("remove_question", by, note=question.text[:200])
            self._draft_question(question)
            question.delete_instance()

    def move_question(self, by, question, step):
        require(by, "survey.design")
        with db.atomic():
            self.apply("move_question", by, note=question.text[:200])
            draft = self._draft_question(question)
            ordered = draft.questions_list()
            index = next(i for i, q in enumerate(ordered) if q.id == question.id)
            other = index + (1 if step > 0 else -1)
            if 0 <= other < len(ordered):
                a, b = ordered[index], ordered[other]
                Question.update(position=b.position).where(Question.id == a.id).execute()
                Question.update(position=a.position).where(Question.id == b.id).execute()

    def publish(self, by, version=None):
        """Put the draft version in use; answers from now on keep this version."""
        require(by, "survey.design")
        with db.atomic():
            draft = self.draft_version()
            if draft is None:
                raise RuleError(N_("There is no draft version to publish."))
            if not Question.select().where(Question.version == draft.id).exists():
                raise RuleError(N_("Add at least one question first."))
            first = not type(self).select().where(type(self).is_default).exists()
            self.apply(
                "publish", by, version, data={"version": draft.number}, is_default=self.is_default or first
            )
            draft.published_at = now()
            draft.published_by = by.id
            draft.save()
        return draft

    def retire(self, by, version=None):
        if self.is_default:
            raise RuleError(N_("Choose another questionnaire for follow-ups and links first."))
        return self.apply("retire", by, version)

    def reactivate(self, by, version=None):
        return self.apply("reactivate", by, version)

    def make_default(self, by, version=None):
        with db.atomic():
            type(self).update(is_default=False).where(
                type(self).is_default, type(self).id != self.id
            ).execute()
            return self.apply("make_default", by, version, is_default=True)


class QuestionnaireVersion(BaseModel):
    """One version of a questionnaire's questions; published once, never edited after."""

    questionnaire = ForeignKeyField(Questionnaire, backref="+")
    number = IntegerField()
    intro = TextField(default="")
    created_at = DateTimeField(default=now)
    created_by = ForeignKeyField(User, backref="+", lazy_load=False)
    published_at = DateTimeField(null=True)
    published_by = ForeignKeyField(User, null=True, backref="+", lazy_load=False)

    class Meta:
        table_name = "questionnaire_version"
        indexes = ((("questionnaire", "number"), True),)

    def questions_list(self):
        return list(_QUESTIONS.rows(self.id))


class Question(BaseModel):
    """A question of one version. ``key`` stays the same when a new version copies it, so
    results add up a question over its versions."""

    version = ForeignKeyField(QuestionnaireVersion, backref="+")
    key = CharField(max_length=12, index=True)
    position = IntegerField()
    kind = CharField(max_length=10)
    opinion = CharField(max_length=10)
    text = CharField(max_length=300)
    options = JSONField(default=list)
    required = BooleanField(default=True)

    class Meta:
        table_name = "question"

    @property
    def kind_label(self):
        return QUESTION_KINDS.get(self.kind, self.kind)

    @property
    def opinion_label(self):
        return OPINIONS.get(self.opinion, self.opinion)


def _question_fields(kind, text, opinion, options, required):
    if kind not in QUESTION_KINDS:
        raise RuleError(N_("Choose the kind of question."), field="kind")
    if opinion not in OPINIONS:
        raise RuleError(N_("Say what the question is about."), field="opinion")
    text = _clean(text, 300)
    if not text:
        raise RuleError(N_("Write the question."), field="text")
    cleaned = []
    if kind in ("single", "multiple"):
        for option in options or ():
            option = _clean(option, 60)
            if option and option not in cleaned:
                cleaned.append(option)
        if not 2 <= len(cleaned) <= MAX_OPTIONS:
            raise RuleError(
                N_("Give between 2 and %(n)s choices, one a line."), field="options", n=MAX_OPTIONS
            )
    return {"kind": kind, "text": text, "opinion": opinion, "options": cleaned, "required": bool(required)}


# what the customer's page reads on every view, its SQL built once
_BY_ID = where_id(Questionnaire, "id")
_CURRENT = Prepared(
    lambda q: (
        QuestionnaireVersion.select()
        .where(
            QuestionnaireVersion.questionnaire == as_is(q), QuestionnaireVersion.published_at.is_null(False)
        )
        .order_by(QuestionnaireVersion.number.desc())
        .limit(1)
    ),
    slots=1,
)
_QUESTIONS = Prepared(
    lambda v: Question.select().where(Question.version == as_is(v)).order_by(Question.position, Question.id),
    slots=1,
)
_DEFAULT = Prepared(
    lambda: Questionnaire.select().where(Questionnaire.is_default, Questionnaire.state == "active").limit(1)
)
