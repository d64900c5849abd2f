"""Every state-changing route, found from the URL map, refuses a missing or wrong CSRF token."""

import pytest
from werkzeug.routing import IntegerConverter

from models import ALL_MODELS
from models.core import ROLES
from models.core.access import permission_map
from tests import report
from views.common import route_action

USERNAMES = {"technician": "tech1"}


def _world(make, users):
    """Real records for every kind of URL argument, so a refused request could have written."""
    job = make.job(state="done", tech="tech1")
    survey = _survey_world(make, users, job)
    return {
        **survey,
        "job_id": job.id,
        "customer_id": job.customer_id,
        "user_id": users["clerk"].id,
        "signature_id": job.signatures_list()[0].id,
        "action": "intake.register",
        "role": "finance",
        "locale": "en",
    }


def _survey_world(make, users, job):
    """A questionnaire in use, a link for the job, an answer with a suggestion, a campaign."""
    from models.surveys import Answer, Campaign, Questionnaire, Suggestion, SurveyRequest

    admin, clerk = users["admin"], users["clerk"]
    questionnaire = Questionnaire.start(admin, "回访问卷")
    question = questionnaire.add_question(admin, "text", "建议", "service")
    version = questionnaire.publish(admin)
    raw, _ = SurveyRequest.for_job(job, clerk, lambda r: r.issue_link(clerk, "message"))
    values = {question.id: ("希望更快", "suggestion")}
    answer = SurveyRequest.for_job(
        make.job(state="filed"), clerk, lambda r: Answer.record(r, version, values, "phone", by=clerk)
    )
    campaign = Campaign.start_adhoc(clerk, "调查", questionnaire, job.register_day, job.register_day)
    return {
        "token": raw,
        "questionnaire_id": questionnaire.id,
        "question_id": question.id,
        "version_id": version.id,
        "request_id": SurveyRequest.followup_of(job).id,
        "answer_id": answer.id,
        "suggestion_id": Suggestion.get().id,
        "campaign_id": campaign.id,
    }


def _rows():
    return sum(model.select().count() for model in ALL_MODELS)


def _state_changing(app, world):
    from flask import url_for

    for rule in app.url_map.iter_rules():
        if "POST" not in rule.methods:
            continue
        values = {}
        for arg in rule.arguments:
            values[arg] = world.get(arg, 1 if isinstance(rule._converters[arg], IntegerConverter) else "x")
        with app.test_request_context():
            yield rule.endpoint, url_for(rule.endpoint, **values)


@pytest.mark.parametrize("htmx", [False, True], ids=["form", "htmx"])
def test_state_changes_need_a_valid_csrf_token(app, client, make, users, htmx):
    world = _world(make, users)
    allowed = permission_map()
    violations, cases = [], 0
    for endpoint, url in _state_changing(app, world):
        action = route_action(endpoint, app)
        role = next((r for r in ROLES if action is None or r in allowed[action]), "admin")
        client.post("/logout")
        if endpoint != "auth.login":
            client.post("/login", data={"username": USERNAMES.get(role, role), "password": "secret-pass"})
        for token in (None, "forged-token"):
            before = _rows()
            data = {
                "username": "clerk",
                "password": "secret-pass",
                "reason": "x",
                "technician": users["tech2"].id,
            }
            headers = {}
            if token:
                data["csrf_token"] = token
                headers["X-CSRFToken"] = token
            response = client.post(url, data=data, headers=headers, csrf=False, htmx=htmx)
            cases += 1
            if response.status_code != 400 or _rows() != before:
                violations.append((endpoint, token, response.status_code))
    report.add("csrf_cases", cases)
    report.add("csrf_violations", len(violations))
    assert cases >= 20
    assert violations == []
