"""The customer's answer page: reached by the link on the voucher's QR code or in a text
message, without signing in. It shows only the company, the job's number and date, what was
done and the technician's name; a used or expired link is refused politely."""

from flask import Blueprint, redirect, url_for

from models import RuleError
from models.surveys import (
    RATING_WORDS,
    AlreadyAnswered,
    Answer,
    Questionnaire,
    QuestionnaireVersion,
    SurveyToken,
    survey_company,
)
from views.common import form_error, public, render
from views.surveys.forms import answer_form, answer_values, form_id

bp = Blueprint("answer", __name__, url_prefix="/s")
PAGE = "surveys/public.html"
# a link that works no more is answered with a page that says why (an unknown one is a 404)
GONE = {"used": 200, "answered": 200, "expired": 200, "closed": 200, "unknown": 404}


def _page(token, status=200, form=None, questions=None, version=None, state="open"):
    job = token.req.asked_job if token is not None else None
    return render(
        PAGE,
        status=status,
        state=state,
        token=token,
        job=job,
        tech=job.tech if job is not None else None,
        company=survey_company(),
        version=version,
        questions=questions or [],
        form=form,
        words=RATING_WORDS,
    )


def _version(token):
    questionnaire = Questionnaire.by_id(token.req.questionnaire_id)
    return questionnaire.current_version() if questionnaire is not None else None


def _gone(token, state):
    return _page(token if state != "unknown" else None, GONE[state], state=state)


@bp.get("/<token>")
@public
def form(token):
    """The questions, or why this link does not work (used, expired, closed, unknown)."""
    found = SurveyToken.find(token)
    state = found.status() if found is not None else "unknown"
    if state != "open":
        return _gone(found, state)
    version = _version(found)
    if version is None:
        return _gone(found, "closed")
    questions = version.questions_list()
    return _page(
        found, form=answer_form(version, questions, formdata=None), questions=questions, version=version
    )


@bp.post("/<token>")
@public
def submit(token):
    """Store the answers once: a second tap or a resend finds them stored and says thank you."""
    found = SurveyToken.find(token)
    state = found.status() if found is not None else "unknown"
    if state == "used":
        return redirect(url_for("answer.thanks", token=token), 303)
    if state != "open":
        return _gone(found, state)
    version = _version(found)
    if version is None:
        return _gone(found, "closed")
    # the answers are to the version the page showed (a newer one may be in use meanwhile)
    chosen = QuestionnaireVersion.get_or_none(
        QuestionnaireVersion.id == form_id("version_id"),
        QuestionnaireVersion.questionnaire == version.questionnaire_id,
        QuestionnaireVersion.published_at.is_null(False),
    )
    version = chosen or version
    questions = version.questions_list()
    answers = answer_form(version, questions)
    if answers.validate_on_submit():
        try:
            Answer.record(found.req, version, answer_values(answers, questions), "link", token=found)
        except AlreadyAnswered:
            again = SurveyToken.find(token)
            if again is not None and again.used_at is not None:
                return redirect(url_for("answer.thanks", token=token), 303)
            return _gone(found, "answered")
        except RuleError as error:
            again = SurveyToken.find(token)
            if again is None or again.status() != "open":
                return _gone(found, again.status() if again is not None else "unknown")
            form_error(answers, error)
        else:
            return redirect(url_for("answer.thanks", token=token), 303)
    return _page(found, 422, form=answers, questions=questions, version=version)


@bp.get("/<token>/thanks")
@public
def thanks(token):
    """Thank the customer (only once the link has been used)."""
    found = SurveyToken.find(token)
    if found is None:
        return _gone(None, "unknown")
    if found.used_at is None:
        return redirect(url_for("answer.form", token=token), 303)
    return _page(found, state="thanks")
