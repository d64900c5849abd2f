"""Customer opinion surveys (客户意见调查, section 三, Art. 14, 15) and the service guidelines
(客户服务准则, section 五): questionnaires in versions, follow-up calls on filed jobs, links the
customer answers alone, periodic and ad-hoc campaigns, answers that propose complaints and
suggestions, results; the guidelines page in versions."""

import datetime

from models.core import N_, Label, Subject, register_subject, to_local
from models.service import Job
from models.surveys.answers import AlreadyAnswered, Answer, AnswerItem, Suggestion, questionnaire_listing
from models.surveys.asking import (
    Campaign,
    SurveyRequest,
    SurveyToken,
    booked_calls,
    digest,
    followup_queue,
    period_of,
    served_jobs,
)
from models.surveys.guidelines import GuidelineVersion, enforced_rules
from models.surveys.labels import (
    ANSWER_STATES,
    CAMPAIGN_KINDS,
    CAMPAIGN_STATES,
    CHANNELS,
    CUSTOMER_TYPES,
    LINK_PLACES,
    OPINIONS,
    QUESTION_KINDS,
    QUESTIONNAIRE_STATES,
    RATING_WORDS,
    RATINGS,
    REQUEST_KINDS,
    REQUEST_STATES,
    SUGGESTION_STATES,
    TAGS,
    survey_company,
)
from models.surveys.questionnaire import Question, Questionnaire, QuestionnaireVersion

MODELS = [
    Questionnaire,
    QuestionnaireVersion,
    Question,
    Campaign,
    SurveyRequest,
    SurveyToken,
    Answer,
    AnswerItem,
    Suggestion,
    GuidelineVersion,
]


def _titles(model, column):
    return lambda ids: dict(model.select(model.id, column).where(model.id.in_(list(ids))).tuples())


def _request_titles(ids):
    rows = (
        SurveyRequest.select(SurveyRequest.id, Job.number)
        .join(Job, on=(SurveyRequest.job == Job.id))
        .where(SurveyRequest.id.in_(list(ids)))
        .tuples()
    )
    return dict(rows)


def _request_phrase(event):
    data = event.data if isinstance(event.data, dict) else {}
    if event.action == "link" and data.get("place") in LINK_PLACES:
        return N_("gave the customer a survey link (%(place)s)"), {"place": Label(LINK_PLACES[data["place"]])}
    if event.action == "call_back" and data.get("at"):
        at = to_local(datetime.datetime.fromisoformat(data["at"]))
        return N_("called: call back at %(at)s"), {"at": f"{at:%Y-%m-%d %H:%M}"}
    if event.action == "answer" and data.get("channel"):
        return N_("answered (%(channel)s)"), {"channel": Label(CHANNELS.get(data["channel"], ""))}
    return None


def _answer_phrase(event):
    data = event.data if isinstance(event.data, dict) else {}
    if event.action == "answer" and data.get("channel") == "link":
        return N_("received the customer's answers online")
    if event.action == "answer" and data.get("channel"):
        return N_("recorded the answers (%(channel)s)"), {"channel": Label(CHANNELS.get(data["channel"], ""))}
    return None


register_subject(
    Subject(
        "questionnaire",
        N_("Questionnaire"),
        states=QUESTIONNAIRE_STATES,
        actions={
            "start": N_("created the questionnaire"),
            "begin_draft": N_("began the next version as a draft"),
            "set_intro": N_("changed the name and greeting of the draft"),
            "add_question": N_("added a question to the draft"),
            "change_question": N_("changed a question of the draft"),
            "remove_question": N_("removed a question from the draft"),
            "move_question": N_("moved a question of the draft"),
            "publish": N_("put version %(version)s in use"),
            "retire": N_("retired the questionnaire"),
            "reactivate": N_("put the questionnaire in use again"),
            "make_default": N_("chose it for follow-up calls and links"),
        },
        reader="survey.design",
        titles=_titles(Questionnaire, Questionnaire.name),
    )
)
register_subject(
    Subject(
        "campaign",
        N_("Survey campaign"),
        states=CAMPAIGN_STATES,
        actions={
            "start": N_("started the campaign: %(asked)s customers to ask"),
            "close": N_("closed the campaign"),
        },
        reader="survey.campaign",
        titles=lambda ids: {
            c.id: c.title
            for c in Campaign.select(Campaign.id, Campaign.period, Campaign.name).where(
                Campaign.id.in_(list(ids))
            )
        },
    )
)
register_subject(
    Subject(
        "survey_request",
        N_("Survey of a job"),
        states=REQUEST_STATES,
        actions={
            "link": N_("gave the customer a survey link"),
            "no_answer": N_("called: no answer (%(attempts)s calls)"),
            "give_up": N_("called: no answer after %(attempts)s calls, not reached"),
            "call_back": N_("called: call back later"),
            "refuse": N_("called: the customer did not want to answer"),
            "answer": N_("answered"),
        },
        reader="survey.call",
        titles=_request_titles,
        phrase=_request_phrase,
    )
)
register_subject(
    Subject(
        "survey_answer",
        N_("Survey answer"),
        states=ANSWER_STATES,
        actions={
            "answer": N_("recorded the answers"),
            "take_up": N_("took it into the complaint intake"),
            "dismiss": N_("decided no complaint is needed"),
        },
        reader="survey.view",
        titles=_titles(Answer, Answer.number),
        phrase=_answer_phrase,
    )
)
register_subject(
    Subject(
        "suggestion",
        N_("Suggestion"),
        states=SUGGESTION_STATES,
        actions={"consider": N_("marked the suggestion as considered")},
        reader="survey.review",
    )
)
register_subject(
    Subject(
        "guideline",
        N_("Service guidelines"),
        actions={"publish": N_("published version %(version)s of the guidelines")},
        reader="guidelines.view",
        titles=lambda ids: {
            g.id: g.title
            for g in GuidelineVersion.select(GuidelineVersion.id, GuidelineVersion.number).where(
                GuidelineVersion.id.in_(list(ids))
            )
        },
    )
)

__all__ = [
    "questionnaire_listing",
    "survey_company",
    "ANSWER_STATES",
    "CAMPAIGN_KINDS",
    "CAMPAIGN_STATES",
    "CHANNELS",
    "CUSTOMER_TYPES",
    "LINK_PLACES",
    "MODELS",
    "OPINIONS",
    "QUESTION_KINDS",
    "QUESTIONNAIRE_STATES",
    "RATINGS",
    "RATING_WORDS",
    "REQUEST_KINDS",
    "REQUEST_STATES",
    "SUGGESTION_STATES",
    "TAGS",
    "AlreadyAnswered",
    "Answer",
    "AnswerItem",
    "Campaign",
    "GuidelineVersion",
    "Question",
    "Questionnaire",
    "QuestionnaireVersion",
    "Suggestion",
    "SurveyRequest",
    "SurveyToken",
    "booked_calls",
    "digest",
    "enforced_rules",
    "followup_queue",
    "period_of",
    "served_jobs",
]
