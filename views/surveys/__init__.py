"""Customer opinion surveys (客户意见调查): the follow-up queue and the call screen (回访),
campaigns, answers and the complaints they propose, suggestions, results and their export,
questionnaires; panels on the voucher, its print, the technician's phone and the staff record."""

import datetime
import io

import click
from flask import Blueprint, abort, redirect, request, send_file, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from htmx_flask import make_response
from playhouse.flask_utils import PaginatedQuery

from models import Job, RuleError, User, db
from models.complaints import Complaint, ComplaintJob
from models.core import Setting, may, now, today
from models.core.errors import N_
from models.core.history import history
from models.service import SERVICE_TYPES
from models.surveys import (
    ANSWER_STATES,
    CAMPAIGN_KINDS,
    CHANNELS,
    OPINIONS,
    QUESTION_KINDS,
    REQUEST_STATES,
    TAGS,
    Answer,
    Campaign,
    Question,
    Questionnaire,
    QuestionnaireVersion,
    Suggestion,
    SurveyRequest,
    booked_calls,
    followup_queue,
    questionnaire_listing,
    survey_company,
)
from models.surveys.asking import SERVED_STATES
from models.surveys.results import export_rows, results, technician_scores
from views.common import (
    choices,
    field_or_raise,
    form_error,
    int_arg,
    period_arg,
    render,
    requires,
    see_other,
    text_arg,
)
from views.forms import EmptyForm, VersionForm
from views.records import changed_answer, link_records, record_or_404, to_utc
from views.shell import home_panel, nav, record_panel
from views.surveys.forms import (
    CampaignForm,
    ConsiderForm,
    DismissForm,
    MoveForm,
    OutcomeForm,
    QuestionForm,
    QuestionnaireForm,
    answer_form,
    answer_values,
    form_id,
)
from views.surveys.links import link_context, remember, remembered

bp = Blueprint("surveys", __name__, url_prefix="/surveys")
PER_PAGE = 50
CALL_PAGE = "surveys/call.html"

nav("surveys.index", _l("Follow-up calls"), "survey.call", order=28)
nav("surveys.results", _l("Survey results"), "survey.results", order=29)
nav("surveys.questionnaires", _l("Questionnaires"), "survey.design", order=86)
link_records("survey_answer", "surveys.answer", "answer_id")
link_records("survey_request", "surveys.request", "request_id")
link_records("campaign", "surveys.campaign", "campaign_id")
link_records("questionnaire", "surveys.questionnaire", "questionnaire_id")


def _job(job_id):
    return record_or_404(Job.with_people(), job_id, "job.view")


def _tabs():
    """The survey screens this user may open, for the tab row."""
    tabs = [
        ("surveys.index", _l("Follow-up calls"), "survey.call"),
        ("surveys.proposals", _l("Proposed complaints"), "survey.call"),
        ("surveys.suggestions", _l("Suggestions"), "survey.review"),
        ("surveys.campaigns", _l("Campaigns"), "survey.campaign"),
        ("surveys.results", _l("Results"), "survey.results"),
        ("surveys.questionnaires", _l("Questionnaires"), "survey.design"),
    ]
    return [(endpoint, title) for endpoint, title, action in tabs if may(current_user, action)]


def _render(template, tab, **context):
    return render(template, tabs=_tabs(), current_tab=tab, **context)


# ---- the follow-up queue (回访) --------------------------------------------------------------


@bp.get("/")
@requires("survey.call")
def index():
    """Filed jobs awaiting a follow-up call, oldest first; calls booked for later."""
    Campaign.ensure_periodic()  # the periodic campaign is made on first need
    page = PaginatedQuery(followup_queue(), paginate_by=PER_PAGE, page=int_arg("page") or 1)
    return _render(
        "surveys/index.html",
        "surveys.index",
        page=page,
        jobs=list(page.get_object_list()),
        booked=list(booked_calls()),
        questionnaire=Questionnaire.default(),
        proposals=Answer.select().where(Answer.state == "proposed").count(),
    )


# ---- the call screen: one request (a follow-up or a campaign's customer) ---------------------


def _version_for(questionnaire_id):
    questionnaire = (
        Questionnaire.get_or_none(Questionnaire.id == questionnaire_id) if questionnaire_id else None
    )
    questionnaire = questionnaire or Questionnaire.default()
    return questionnaire.current_version() if questionnaire else None


def _call_page(job, req, status=200, outcome=None, answers=None):
    version = _version_for(req.questionnaire_id if req else None)
    questions = version.questions_list() if version else []
    if answers is None and version is not None:
        answers = answer_form(version, questions, formdata=None)
    link = remembered(f"r{req.id}" if req else f"j{job.id}")
    return render(
        CALL_PAGE,
        status=status,
        job=job,
        req=req,
        version=version,
        questions=questions,
        answers=answers,
        outcome=outcome or OutcomeForm(formdata=None),
        history=history(req, current_user) if req else [],
        earlier=Answer.for_job(job),
        link=link_context(*link) if link else None,
        campaign=Campaign.get_or_none(Campaign.id == req.campaign_id) if req and req.campaign_id else None,
        min_call_back=now(),
    )


def _take_call(job, req):
    """Record how the call went: the answers, no answer, refused, or call back at a time."""
    outcome = OutcomeForm()
    version = None
    answers = None
    if outcome.validate_on_submit():
        choice = outcome.outcome.data
        if choice == "answered":
            shown = QuestionnaireVersion.get_or_none(QuestionnaireVersion.id == form_id("version_id"))
            version = shown or _version_for(req.questionnaire_id if req else None)
            if version is None:
                abort(404)
            questions = version.questions_list()
            answers = answer_form(version, questions)
        try:
            if choice == "answered":
                if answers.validate():
                    values = answer_values(answers, questions)
                    answer = _work(
                        job,
                        req,
                        lambda r: Answer.record(r, version, values, outcome.channel.data, by=current_user),
                    )
                    return see_other("surveys.answer", answer_id=answer.id, new=1)
            elif choice == "no_answer":
                _work(job, req, lambda r: r.no_answer(current_user))
                return _after_call(req)
            elif choice == "refused":
                _work(job, req, lambda r: r.refuse(current_user, outcome.note.data))
                return _after_call(req)
            elif outcome.call_back_at.data is None:
                form_error(outcome, RuleError(N_("Choose a time in the future."), field="call_back_at"))
            else:
                at = to_utc(outcome.call_back_at.data)
                _work(job, req, lambda r: r.call_back(current_user, at, outcome.note.data))
                return _after_call(req)
        except RuleError as error:
            field_or_raise(
                answers if answers is not None and (error.field or "").startswith("q") else outcome, error
            )
    return _call_page(job, req, 422, outcome, answers)


def _work(job, req, work):
    if req is not None:
        return work(req)
    return SurveyRequest.for_job(job, current_user, work)


def _after_call(req):
    """Back to the list the call came from: the campaign's page or the follow-up queue."""
    if req is not None and req.campaign_id:
        return see_other("surveys.campaign", campaign_id=req.campaign_id)
    return see_other("surveys.index")


def _served_job(job_id):
    """A job whose service is done, for its follow-up call (or 404)."""
    job = _job(job_id)
    if job.state not in SERVED_STATES or job.customer_id is None:
        abort(404)
    return job


@bp.get("/followup/<int:job_id>")
@requires("survey.call")
def followup(job_id):
    """The follow-up call on one job: its details beside the questions and the outcomes."""
    job = _served_job(job_id)
    return _call_page(job, SurveyRequest.followup_of(job))


@bp.post("/followup/<int:job_id>")
@requires("survey.call")
def followup_outcome(job_id):
    """Record the follow-up call (the job's request is made with its first outcome)."""
    job = _served_job(job_id)
    return _take_call(job, SurveyRequest.followup_of(job))


def _request(request_id):
    req = SurveyRequest.get_or_none(SurveyRequest.id == request_id) or abort(404)
    return _job(req.job_id), req


@bp.get("/requests/<int:request_id>", endpoint="request")
@requires("survey.call")
def request_page(request_id):
    """The call screen of one customer asked (a campaign's, or a job's follow-up)."""
    return _call_page(*_request(request_id))


@bp.post("/requests/<int:request_id>")
@requires("survey.call")
def request_outcome(request_id):
    """Record the call to one customer asked."""
    return _take_call(*_request(request_id))


# ---- links for the customer ------------------------------------------------------------------


@bp.post("/jobs/<int:job_id>/link")
@requires("survey.link")
def job_link(job_id):
    """A new link for the job's customer (for a text message, or the technician's screen)."""
    job = _job(job_id)
    if not may(current_user, "survey.link", job):
        abort(404)
    place = "tech" if request.form.get("place") == "tech" else "message"
    raw, token = SurveyRequest.for_job(job, current_user, lambda r: r.issue_link(current_user, place))
    remember(f"j{job.id}", raw, token)
    req = SurveyRequest.followup_of(job)
    remember(f"r{req.id}", raw, token)
    return changed_answer(job)


@bp.post("/requests/<int:request_id>/link")
@requires("survey.call")
def request_link(request_id):
    """A new link for one customer of a campaign, to send in a text message."""
    job, req = _request(request_id)
    raw, token = req.issue_link(current_user, "message")
    remember(f"r{req.id}", raw, token)
    return see_other("surveys.request", request_id=req.id)


@bp.get("/jobs/<int:job_id>/form")
@requires("survey.call")
def paper_form(job_id):
    """The survey form (客户意见调查表) for a paper follow-up, with the job's details."""
    job = _job(job_id)
    req = SurveyRequest.followup_of(job)
    version = _version_for(req.questionnaire_id if req else None)
    return render(
        "surveys/print.html",
        job=job,
        version=version,
        questions=version.questions_list() if version else [],
        company=survey_company(),
    )


# ---- answers and what they propose -----------------------------------------------------------


def _answer(answer_id):
    return record_or_404(Answer.with_people(), answer_id, "survey.view")


def _complaint_text(answer, items):
    """What the complaint intake is prefilled with: the low ratings and the customer's words."""
    low = answer.low_score
    lines = [
        gettext(
            "Survey answer %(number)s about voucher %(job)s:",
            number=answer.number,
            job=answer.answered_job.number,
        )
    ]
    threshold = Setting.get_value("survey_low_score")
    for item in items:
        question = item.question.text
        if item.rating is not None and (item.rating <= threshold or not low):
            lines.append(gettext("%(question)s: %(answer)s", question=question, answer=f"{item.rating}/5"))
        elif item.text and item.tag in TAGS:
            tag = gettext(TAGS[item.tag])
            lines.append(
                gettext("%(question)s (%(tag)s): %(answer)s", question=question, tag=tag, answer=item.text)
            )
        elif item.text:
            lines.append(gettext("%(question)s: %(answer)s", question=question, answer=item.text))
    return "\n".join(lines)[:2000]


def _answer_page(answer, status=200, dismiss=None):
    items = answer.items_list()
    version = QuestionnaireVersion.get_by_id(answer.questionnaire_version_id)
    questionnaire = Questionnaire.get_by_id(answer.questionnaire_id)
    complaints = list(
        Complaint.select(Complaint.id, Complaint.number, Complaint.state, Complaint.registered_at)
        .join(ComplaintJob, on=(ComplaintJob.complaint == Complaint.id))
        .where(ComplaintJob.job == answer.job_id, Complaint.registered_at >= answer.answered_at)
        .order_by(Complaint.id)
    )
    by_question = {}
    for item in items:
        by_question.setdefault(item.question_id, []).append(item)
    return render(
        "surveys/answer.html",
        status=status,
        answer=answer,
        version=version,
        questionnaire=questionnaire,
        questions=version.questions_list(),
        by_question=by_question,
        actions=answer.allowed_actions(current_user),
        dismiss=dismiss or DismissForm(formdata=None, version=answer.version),
        complaints=complaints,
        intake_url=_intake_url(answer, items),
        history=history(answer, current_user),
        entered_by=User.get_or_none(User.id == answer.entered_by_id) if answer.entered_by_id else None,
        new=bool(int_arg("new")),
        tags=TAGS,
        low=Setting.get_value("survey_low_score"),
    )


def _intake_url(answer, items):
    return url_for("complaints.new", job=answer.job_id, channel="survey", said=_complaint_text(answer, items))


@bp.get("/answers/<int:answer_id>")
@requires("survey.view")
def answer(answer_id):
    """One answer: each question of the version it answered, and the complaint it proposes."""
    return _answer_page(_answer(answer_id))


@bp.post("/answers/<int:answer_id>/complaint")
@requires("survey.call")
def take_up(answer_id):
    """Take the proposed complaint into the complaint intake, prefilled with the answer."""
    answer = _answer(answer_id)
    form = VersionForm()
    if not form.validate_on_submit():
        raise RuleError(N_("This form is damaged. Reload the page."))
    answer.take_up(current_user, form.version.data)
    target = _intake_url(answer, answer.items_list())
    if getattr(request, "htmx", None):
        return make_response("", 204, location=target)
    return redirect(target, 303)


@bp.post("/answers/<int:answer_id>/dismiss")
@requires("survey.call")
def dismiss(answer_id):
    """No complaint is needed for this answer: say why."""
    answer = _answer(answer_id)
    answer.check(current_user, "dismiss")
    form = DismissForm()
    if form.validate_on_submit():
        try:
            answer.dismiss(current_user, form.reason.data, form.version.data)
        except RuleError as error:
            field_or_raise(form, error)
        else:
            return see_other("surveys.answer", answer_id=answer.id)
    return _answer_page(answer, 422, dismiss=form)


@bp.get("/proposals")
@requires("survey.call")
def proposals():
    """Answers that propose a complaint (a low rating, or a remark called a complaint)."""
    return _render("surveys/proposals.html", "surveys.proposals", answers=list(Answer.proposals().limit(200)))


@bp.get("/suggestions")
@requires("survey.review")
def suggestions():
    """The customers' suggestions (建议), to review and mark as considered."""
    state = "considered" if text_arg("state", 12) == "considered" else "open"
    page = PaginatedQuery(Suggestion.listing(state), paginate_by=PER_PAGE, page=int_arg("page") or 1)
    return _render(
        "surveys/suggestions.html",
        "surveys.suggestions",
        state=state,
        page=page,
        items=list(page.get_object_list()),
        form=ConsiderForm(formdata=None),
    )


@bp.post("/suggestions/<int:suggestion_id>/consider")
@requires("survey.review")
def consider(suggestion_id):
    """Mark a suggestion as considered, with what the department makes of it."""
    suggestion = Suggestion.get_or_none(Suggestion.id == suggestion_id) or abort(404)
    form = ConsiderForm()
    if not form.validate_on_submit():
        raise RuleError(N_("This form is damaged. Reload the page."))
    suggestion.consider(current_user, form.note.data, form.version.data)
    return see_other("surveys.suggestions")


# ---- campaigns -------------------------------------------------------------------------------


@bp.get("/campaigns")
@requires("survey.campaign")
def campaigns():
    """Periodic (定期, made on first need) and ad-hoc (不定期) campaigns."""
    Campaign.ensure_periodic()
    return _render(
        "surveys/campaigns.html", "surveys.campaigns", campaigns=Campaign.listing(), kinds=CAMPAIGN_KINDS
    )


def _campaign_form(**kwargs):
    form = CampaignForm(**kwargs)
    active = list(Questionnaire.select().where(Questionnaire.state == "active").order_by(Questionnaire.name))
    form.questionnaire.choices = choices((q.id, q.name) for q in active)
    default = Questionnaire.default()
    if form.questionnaire.data is None and default is not None:
        form.questionnaire.data = default.id
    return form


@bp.get("/campaigns/new")
@requires("survey.campaign")
def new_campaign():
    """Choose the customers of an ad-hoc campaign: served when, what, which customers."""
    start = today().replace(day=1)
    form = _campaign_form(formdata=None, served_from=start, served_to=today())
    return _render("surveys/campaign_form.html", "surveys.campaigns", form=form)


@bp.post("/campaigns/new")
@requires("survey.campaign")
def start_campaign():
    """Start the ad-hoc campaign: one customer to ask per customer served."""
    form = _campaign_form()
    if form.validate_on_submit():
        try:
            campaign = Campaign.start_adhoc(
                current_user,
                form.name.data,
                Questionnaire.get_or_none(Questionnaire.id == form.questionnaire.data),
                form.served_from.data,
                form.served_to.data,
                form.types.data,
                form.product_model.data,
                form.contract_only.data,
            )
        except RuleError as error:
            form_error(form, error)
        else:
            return see_other("surveys.campaign", campaign_id=campaign.id)
    return _render("surveys/campaign_form.html", "surveys.campaigns", form=form, status=422)


@bp.get("/campaigns/<int:campaign_id>")
@requires("survey.campaign")
def campaign(campaign_id):
    """Who was asked, who answered, and the rest to call."""
    found = Campaign.get_or_none(Campaign.id == campaign_id) or abort(404)
    state = text_arg("state", 12)
    query = SurveyRequest.of_campaign(found)
    if state in REQUEST_STATES:
        query = query.where(SurveyRequest.state == state)
    page = PaginatedQuery(query, paginate_by=PER_PAGE, page=int_arg("page") or 1)
    return _render(
        "surveys/campaign.html",
        "surveys.campaigns",
        campaign=found,
        questionnaire=Questionnaire.get_by_id(found.questionnaire_id),
        counts=found.counts(),
        state=state,
        page=page,
        members=list(page.get_object_list()),
        history=history(found, current_user),
        now=now(),
        kinds=CAMPAIGN_KINDS,
    )


@bp.post("/campaigns/<int:campaign_id>/close")
@requires("survey.campaign")
def close_campaign(campaign_id):
    """Close a campaign: its links stop working; its answers stay."""
    found = Campaign.get_or_none(Campaign.id == campaign_id) or abort(404)
    form = VersionForm()
    if not form.validate_on_submit():
        raise RuleError(N_("This form is damaged. Reload the page."))
    found.close(current_user, form.version.data)
    return see_other("surveys.campaign", campaign_id=found.id)


@bp.cli.command("periodic")
def periodic_command():
    """Create the periodic survey campaign of the last complete period (safe to run from cron)."""
    with db.connection_context():
        found = Campaign.ensure_periodic()
    if found is None:
        click.echo("No periodic campaign: periodic surveys off, no questionnaire in use, or nobody served.")
    else:
        click.echo(f"Periodic campaign {found.period}: {found.asked} customers to ask.")


# ---- results ---------------------------------------------------------------------------------


def _period(say=True):
    """The period asked for; by default the twelve months up to the end asked for (today)."""
    start, end = period_arg(None, today(), say=say)
    if start is None:
        start = (end.replace(day=1) - datetime.timedelta(days=330)).replace(day=1)
    return start, end, int_arg("questionnaire")


@bp.get("/results", endpoint="results")
@requires("survey.results")
def results_page():
    """Response rate, scores per question, technician, service type and month, the spread of
    each rating and the free text, for a chosen period; charts drawn as SVG."""
    start, end, questionnaire = _period()
    return _render(
        "surveys/results.html",
        "surveys.results",
        r=results(start, end, questionnaire),
        questionnaire=questionnaire,
        questionnaires=list(Questionnaire.select().order_by(Questionnaire.name)),
        service_types=SERVICE_TYPES,
        channels=CHANNELS,
        states=REQUEST_STATES,
        opinions=OPINIONS,
    )


@bp.get("/results.xlsx")
@requires("survey.results")
def export():
    """Every answer of the period as an Excel sheet, headings in the user's language."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    start, end, questionnaire = _period(say=False)
    columns, rows = export_rows(start, end, questionnaire)
    book = Workbook(write_only=True)
    sheet = book.create_sheet(gettext("Answers"))
    bold = Font(bold=True)
    heads = [
        gettext("Number"),
        gettext("Date"),
        gettext("Voucher"),
        gettext("Customer"),
        gettext("Technician"),
        gettext("Service type"),
        gettext("Answered"),
        gettext("Score"),
    ]
    for question in columns:
        heads.append(question.text)
        if question.kind == "text":
            heads.append(f"{question.text} · {gettext('This is')}")
    cells = []
    for text in heads:
        cell = WriteOnlyCell(sheet, value=text)
        cell.font = bold
        cells.append(cell)
    sheet.append(cells)
    for answer, values in rows:
        job = answer.answered_job
        line = [
            answer.number,
            answer.day,
            job.number,
            job.customer_name,
            answer.tech.full_name if answer.tech else "",
            gettext(SERVICE_TYPES.get(answer.service_type, answer.service_type)),
            gettext(CHANNELS.get(answer.channel, answer.channel)),
            round(answer.average, 2) if answer.average is not None else None,
        ]
        for question in columns:
            line.append(values.get(question.key))
            if question.kind == "text":
                tag = values.get(f"{question.key}:tag")
                line.append(gettext(TAGS[tag]) if tag in TAGS else None)
        sheet.append(line)
    data = io.BytesIO()
    book.save(data)
    data.seek(0)
    return send_file(
        data,
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        as_attachment=True,
        download_name=f"survey-answers-{start}-{end}.xlsx",
    )


# ---- questionnaires --------------------------------------------------------------------------


def _questionnaire(questionnaire_id):
    return Questionnaire.get_or_none(Questionnaire.id == questionnaire_id) or abort(404)


@bp.get("/questionnaires")
@requires("survey.design")
def questionnaires():
    """The questionnaires, which one follow-ups ask, and how often each was answered."""
    return _render(
        "surveys/questionnaires.html",
        "surveys.questionnaires",
        items=questionnaire_listing(),
        form=QuestionnaireForm(formdata=None),
    )


@bp.post("/questionnaires")
@requires("survey.design")
def create_questionnaire():
    """Start a new questionnaire (a draft until its first version is published)."""
    form = QuestionnaireForm()
    if form.validate_on_submit():
        try:
            found = Questionnaire.start(current_user, form.name.data, form.intro.data)
        except RuleError as error:
            form_error(form, error)
        else:
            return see_other("surveys.questionnaire", questionnaire_id=found.id)
    return _render(
        "surveys/questionnaires.html",
        "surveys.questionnaires",
        items=questionnaire_listing(),
        form=form,
        status=422,
    )


def _questionnaire_page(found, status=200, new_question=None, edits=None, intro=None):
    current = found.current_version()
    draft = found.draft_version()
    shown = draft or current
    questions = shown.questions_list() if shown else []
    edits = edits or {}
    forms = (
        {
            q.id: edits.get(q.id)
            or QuestionForm(
                formdata=None,
                prefix=f"e{q.id}",
                text=q.text,
                kind=q.kind,
                opinion=q.opinion,
                options="\n".join(q.options),
                required=q.required,
            )
            for q in questions
        }
        if draft
        else {}
    )
    return _render(
        "surveys/questionnaire.html",
        "surveys.questionnaires",
        status=status,
        questionnaire=found,
        current=current,
        draft=draft,
        questions=questions,
        forms=forms,
        new_question=new_question or QuestionForm(formdata=None, prefix="new"),
        intro=intro or QuestionnaireForm(formdata=None, name=found.name, intro=shown.intro if shown else ""),
        versions=found.versions(),
        history=history(found, current_user),
        actions=found.allowed_actions(current_user),
        kinds=QUESTION_KINDS,
        opinions=OPINIONS,
    )


@bp.get("/questionnaires/<int:questionnaire_id>")
@requires("survey.design")
def questionnaire(questionnaire_id):
    """A questionnaire: the version in use, the draft being written, every version."""
    return _questionnaire_page(_questionnaire(questionnaire_id))


@bp.post("/questionnaires/<int:questionnaire_id>/intro")
@requires("survey.design")
def set_intro(questionnaire_id):
    """Rename the questionnaire and change the greeting of its draft."""
    found = _questionnaire(questionnaire_id)
    form = QuestionnaireForm()
    if form.validate_on_submit():
        try:
            found.set_intro(current_user, form.name.data, form.intro.data)
        except RuleError as error:
            field_or_raise(form, error)
        else:
            return see_other("surveys.questionnaire", questionnaire_id=found.id)
    return _questionnaire_page(found, 422, intro=form)


@bp.post("/questionnaires/<int:questionnaire_id>/questions")
@requires("survey.design")
def add_question(questionnaire_id):
    """Add a question to the draft (a draft is begun from the version in use)."""
    found = _questionnaire(questionnaire_id)
    form = QuestionForm(prefix="new")
    if form.validate_on_submit():
        try:
            found.add_question(
                current_user,
                form.kind.data,
                form.text.data,
                form.opinion.data,
                form.option_list(),
                form.required.data,
            )
        except RuleError as error:
            field_or_raise(form, error)
        else:
            return see_other("surveys.questionnaire", questionnaire_id=found.id, _anchor="new-question")
    return _questionnaire_page(found, 422, new_question=form)


def _question(question_id):
    question = Question.get_or_none(Question.id == question_id) or abort(404)
    version = QuestionnaireVersion.get_by_id(question.version_id)
    return _questionnaire(version.questionnaire_id), question


@bp.post("/questions/<int:question_id>")
@requires("survey.design")
def update_question(question_id):
    """Change a question of the draft."""
    found, question = _question(question_id)
    form = QuestionForm(prefix=f"e{question.id}")
    if form.validate_on_submit():
        try:
            found.update_question(
                current_user,
                question,
                form.kind.data,
                form.text.data,
                form.opinion.data,
                form.option_list(),
                form.required.data,
            )
        except RuleError as error:
            field_or_raise(form, error)
        else:
            return see_other(
                "surveys.questionnaire", questionnaire_id=found.id, _anchor=f"question-{question.id}"
            )
    return _questionnaire_page(found, 422, edits={question.id: form})


@bp.post("/questions/<int:question_id>/remove")
@requires("survey.design")
def remove_question(question_id):
    """Take a question out of the draft."""
    found, question = _question(question_id)
    if not EmptyForm().validate_on_submit():
        raise RuleError(N_("This form is damaged. Reload the page."))
    found.remove_question(current_user, question)
    return see_other("surveys.questionnaire", questionnaire_id=found.id)


@bp.post("/questions/<int:question_id>/move")
@requires("survey.design")
def move_question(question_id):
    """Move a question of the draft up or down."""
    found, question = _question(question_id)
    form = MoveForm()
    if not form.validate_on_submit():
        raise RuleError(N_("This form is damaged. Reload the page."))
    found.move_question(current_user, question, form.step.data)
    return see_other("surveys.questionnaire", questionnaire_id=found.id, _anchor=f"question-{question.id}")


def _questionnaire_step(action):
    def view(questionnaire_id):
        found = _questionnaire(questionnaire_id)
        form = EmptyForm() if action == "draft" else VersionForm()
        if not form.validate_on_submit():
            raise RuleError(N_("This form is damaged. Reload the page."))
        if action == "draft":
            found.begin_draft(current_user)
        else:
            getattr(found, action)(current_user, form.version.data)
        return see_other("surveys.questionnaire", questionnaire_id=found.id)

    view.__name__ = f"questionnaire_{action}"
    view.__doc__ = f"Take the step {action!r} of a questionnaire."
    bp.add_url_rule(
        f"/questionnaires/<int:questionnaire_id>/{action.replace('_', '-')}",
        endpoint=view.__name__,
        view_func=requires("survey.design")(view),
        methods=["POST"],
    )


for _action in ("draft", "publish", "retire", "reactivate", "make_default"):
    _questionnaire_step(_action)


@bp.get("/versions/<int:version_id>")
@requires("survey.design")
def version(version_id):
    """One version of a questionnaire as customers were asked it."""
    found = QuestionnaireVersion.get_or_none(QuestionnaireVersion.id == version_id) or abort(404)
    return _render(
        "surveys/version.html",
        "surveys.questionnaires",
        version=found,
        questionnaire=_questionnaire(found.questionnaire_id),
        questions=found.questions_list(),
        form=answer_form(found, found.questions_list(), formdata=None),
    )


# ---- on other screens ------------------------------------------------------------------------


def _home(user):
    queue = followup_queue().count() if may(user, "survey.call") else 0
    proposed = Answer.select().where(Answer.state == "proposed").count() if may(user, "survey.call") else 0
    ideas = Suggestion.select().where(Suggestion.state == "open").count() if may(user, "survey.review") else 0
    if not (queue or proposed or ideas):
        return None
    return {"queue": queue, "proposed": proposed, "ideas": ideas}


def _job_panel(job):
    """The voucher page: the job's survey answers, its follow-up, a link for a text message."""
    answers = [a for a in Answer.for_job(job) if may(current_user, "survey.view", a)]
    req = SurveyRequest.followup_of(job)
    if not answers and req is None and job.state not in ("done", "countersigned", "filed"):
        return None
    for a in answers:
        a.items = a.items_list()
    link = remembered(f"j{job.id}")
    can_link = (
        job.customer_id is not None
        and job.service_type != "internal"
        and job.state != "void"
        and may(current_user, "survey.link", job)
        and (req is None or req.state != "answered")
        and Questionnaire.default() is not None
    )
    return {
        "job": job,
        "answers": answers,
        "req": req,
        "link": link_context(*link) if link else None,
        "can_call": may(current_user, "survey.call") and job.customer_id is not None,
        "can_link": can_link,
        "states": REQUEST_STATES,
        "answer_states": ANSWER_STATES,
        "tags": TAGS,
    }


def _qr_panel(job, place, states, scale):
    if not Setting.get_value("survey_qr_on_voucher") or job.state not in states:
        return None
    if job.customer_id is None or job.service_type == "internal" or not may(current_user, "survey.link", job):
        return None
    req = SurveyRequest.followup_of(job)
    if req is not None and req.state == "answered":
        return {"answered": True, "place": place}
    if Questionnaire.default() is None:
        return None
    link = remembered(f"j{job.id}")
    if link is None:
        try:
            link = SurveyRequest.for_job(job, current_user, lambda r: r.issue_link(current_user, place))
        except RuleError:
            return None
        remember(f"j{job.id}", *link)
    return {"answered": False, "place": place, **link_context(*link, scale=scale)}


def _staff_panel(person):
    since = (today().replace(day=1) - datetime.timedelta(days=335)).replace(day=1)
    months = technician_scores(person, since)
    return {"person": person, "months": months, "chart": {m: s for m, s, _ in months}, "since": since}


home_panel("surveys/_home.html", "survey.call", _home, order=12)
record_panel("job", "surveys/_job_panel.html", "survey.view", _job_panel, ["voucher"], order=20)
record_panel(
    "job",
    "surveys/_qr_panel.html",
    "survey.link",
    lambda job: _qr_panel(
        job, "print", ("dispatched", "on_site", "in_repair", "done", "countersigned", "filed"), 3
    ),
    ["print"],
)
record_panel(
    "job",
    "surveys/_qr_panel.html",
    "survey.link",
    lambda job: _qr_panel(job, "tech", ("done", "countersigned", "filed"), 6),
    ["tech"],
)
record_panel("staff", "surveys/_staff_panel.html", "survey.results", _staff_panel, ["staff"])
