"""Survey results for a period (Art. 14: the basis for improving the service): the response
rate, each question's score and the spread of its ratings, per technician, per service type and
per month, the free-text answers; each a grouped query, whatever the number of answers.

A score is the mean of the ratings given (every rating question counts once per answer).
"""

import dataclasses
import datetime

from peewee import JOIN, fn

from models.core import User
from models.service import Job
from models.surveys.answers import Answer, AnswerItem
from models.surveys.asking import SurveyRequest, local_start
from models.surveys.labels import RATINGS
from models.surveys.questionnaire import Question, QuestionnaireVersion

FREE_TEXTS = 200


@dataclasses.dataclass
class Score:
    """A count of answers and the ratings they gave."""

    answers: int = 0
    ratings: int = 0
    total: int = 0

    @property
    def mean(self):
        return self.total / self.ratings if self.ratings else None


@dataclasses.dataclass
class QuestionResult:
    key: str
    text: str
    kind: str
    opinion: str
    options: list
    spread: dict  # rating -> count, or option -> count
    answered: int = 0

    @property
    def mean(self):
        n = sum(self.spread.values())
        if self.kind != "rating" or not n:
            return None
        return sum(r * c for r, c in self.spread.items()) / n


def _answers_in(start, end, questionnaire=None):
    where = (Answer.day >= start) & (Answer.day <= end)
    if questionnaire:
        where &= Answer.questionnaire == questionnaire
    return where


def _scores(rows):
    return {key: Score(answers or 0, ratings or 0, total or 0) for key, answers, ratings, total in rows}


def _grouped(column, where):
    rows = (
        Answer.select(column, fn.COUNT(Answer.id), fn.SUM(Answer.rating_count), fn.SUM(Answer.rating_sum))
        .where(where)
        .group_by(column)
        .tuples()
    )
    return _scores(rows)


def latest_questions(keys):
    """key -> the newest version of that question (its text, kind and options now)."""
    found = {}
    if not keys:
        return found
    rows = (
        Question.select(Question)
        .join(QuestionnaireVersion, on=(Question.version == QuestionnaireVersion.id))
        .where(Question.key.in_(list(keys)), QuestionnaireVersion.published_at.is_null(False))
        .order_by(QuestionnaireVersion.id.desc())
    )
    for question in rows:
        found.setdefault(question.key, question)
    return found


def results(start, end, questionnaire=None):
    """Everything the results screen shows for the local days ``start``..``end``."""
    where = _answers_in(start, end, questionnaire)
    overall = _grouped(Answer.questionnaire, where)
    total = Score(
        sum(s.answers for s in overall.values()),
        sum(s.ratings for s in overall.values()),
        sum(s.total for s in overall.values()),
    )
    asked_where = (SurveyRequest.created_at >= local_start(start)) & (
        SurveyRequest.created_at < local_start(end + datetime.timedelta(days=1))
    )
    if questionnaire:
        asked_where &= SurveyRequest.questionnaire == questionnaire
    asked = dict(
        SurveyRequest.select(SurveyRequest.state, fn.COUNT(SurveyRequest.id))
        .where(asked_where)
        .group_by(SurveyRequest.state)
        .tuples()
    )
    asked_total = sum(asked.values())
    ratings = (
        AnswerItem.select(AnswerItem.key, AnswerItem.rating, fn.COUNT(AnswerItem.id))
        .join(Answer, on=(AnswerItem.answer == Answer.id))
        .where(where, AnswerItem.rating.is_null(False))
        .group_by(AnswerItem.key, AnswerItem.rating)
        .tuples()
    )
    options = (
        AnswerItem.select(AnswerItem.key, AnswerItem.option, fn.COUNT(AnswerItem.id))
        .join(Answer, on=(AnswerItem.answer == Answer.id))
        .where(where, AnswerItem.option.is_null(False))
        .group_by(AnswerItem.key, AnswerItem.option)
        .tuples()
    )
    answered = dict(
        AnswerItem.select(AnswerItem.key, fn.COUNT(fn.DISTINCT(AnswerItem.answer)))
        .join(Answer, on=(AnswerItem.answer == Answer.id))
        .where(where)
        .group_by(AnswerItem.key)
        .tuples()
    )
    spreads = {}
    for key, value, n in [*ratings, *options]:
        spreads.setdefault(key, {})[value] = n
    questions = []
    for key, question in sorted(
        latest_questions(answered).items(), key=lambda kv: (kv[1].version_id, kv[1].position)
    ):
        spread = spreads.get(key, {})
        if question.kind == "rating":
            spread = {r: spread.get(r, 0) for r in RATINGS}
        elif question.kind in ("single", "multiple"):
            extra = [o for o in spread if o not in question.options]
            spread = {o: spread.get(o, 0) for o in [*question.options, *extra]}
        questions.append(
            QuestionResult(
                key,
                question.text,
                question.kind,
                question.opinion,
                question.options,
                spread,
                answered.get(key, 0),
            )
        )
    by_tech = _grouped(Answer.technician, where)
    staff_only = dict(
        AnswerItem.select(Answer.technician, fn.AVG(AnswerItem.rating))
        .join(Answer, on=(AnswerItem.answer == Answer.id))
        .where(where, AnswerItem.opinion == "staff", AnswerItem.rating.is_null(False))
        .group_by(Answer.technician)
        .tuples()
    )
    names = {}
    ids = [i for i in by_tech if i]
    if ids:
        names = dict(User.select(User.id, User.full_name).where(User.id.in_(ids)).tuples())
    technicians = sorted(
        (
            (
                names.get(tech_id, "—"),
                tech_id,
                score,
                float(staff_only[tech_id]) if staff_only.get(tech_id) else None,
            )
            for tech_id, score in by_tech.items()
        ),
        key=lambda row: (row[0] == "—", row[0]),
    )
    return {
        "start": start,
        "end": end,
        "total": total,
        "asked": asked,
        "asked_total": asked_total,
        "response_rate": asked.get("answered", 0) / asked_total if asked_total else None,
        "questions": questions,
        "technicians": technicians,
        "service_types": _grouped(Answer.service_type, where),
        "months": _every_month(start, end, _grouped(Answer.month, where)),
        "channels": _grouped(Answer.channel, where),
        "texts": free_texts(where),
    }


def _every_month(start, end, scores, most=24):
    """The months of the period in order, those without answers too (up to ``most`` months)."""
    months, day = [], start.replace(day=1)
    while day <= end and len(months) <= most:
        months.append(f"{day:%Y-%m}")
        day = (day + datetime.timedelta(days=32)).replace(day=1)
    if len(months) > most:
        return dict(sorted(scores.items()))
    return {month: scores.get(month, Score()) for month in months}


def free_texts(where, limit=FREE_TEXTS):
    """The newest free-text answers with their question, job and technician."""
    tech = User.alias("tech")
    return list(
        AnswerItem.select(AnswerItem, Answer, Job, tech, Question)
        .join(Answer, on=(AnswerItem.answer == Answer.id), attr="of_answer")
        .join(Job, on=(Answer.job == Job.id), attr="answered_job")
        .switch(Answer)
        .join(tech, JOIN.LEFT_OUTER, on=(Answer.technician == tech.id), attr="tech")
        .switch(AnswerItem)
        .join(Question, on=(AnswerItem.question == Question.id))
        .where(where, AnswerItem.text != "")
        .order_by(Answer.answered_at.desc(), AnswerItem.id)
        .limit(limit)
    )


def technician_scores(technician, since):
    """A technician's scores month by month since a day: answers, the mean of all ratings and
    of the ratings on their conduct (two grouped queries)."""
    where = (Answer.technician == technician.id) & (Answer.day >= since)
    months = dict(sorted(_grouped(Answer.month, where).items()))
    staff = dict(
        AnswerItem.select(Answer.month, fn.AVG(AnswerItem.rating))
        .join(Answer, on=(AnswerItem.answer == Answer.id))
        .where(where, AnswerItem.opinion == "staff", AnswerItem.rating.is_null(False))
        .group_by(Answer.month)
        .tuples()
    )
    return [
        (month, score, float(staff[month]) if staff.get(month) else None) for month, score in months.items()
    ]


def export_rows(start, end, questionnaire=None):
    """(question columns, rows) of every answer in the period, oldest first, for a spreadsheet:
    one query for the answers, one for their items, one for the questions."""
    where = _answers_in(start, end, questionnaire)
    answers = list(Answer.with_people().where(where).order_by(Answer.answered_at, Answer.id))
    values = {}
    keys = []
    if answers:
        items = (
            AnswerItem.select(
                AnswerItem.answer,
                AnswerItem.key,
                AnswerItem.rating,
                AnswerItem.option,
                AnswerItem.text,
                AnswerItem.tag,
            )
            .join(Answer, on=(AnswerItem.answer == Answer.id))
            .where(where)
            .order_by(AnswerItem.id)
            .tuples()
        )
        for answer_id, key, rating, option, text, tag in items:
            if key not in keys:
                keys.append(key)
            cell = values.setdefault(answer_id, {})
            value = rating if rating is not None else option if option is not None else text
            if key in cell and option is not None:
                cell[key] = f"{cell[key]}；{option}"
            else:
                cell[key] = value
            if tag:
                cell[f"{key}:tag"] = tag
    questions = latest_questions(keys)
    columns = sorted((questions[k] for k in keys if k in questions), key=lambda q: (q.version_id, q.position))
    return columns, [(answer, values.get(answer.id, {})) for answer in answers]
