"""Customer opinion surveys: questionnaires in versions, follow-up calls, links the customer
answers alone (random, hashed, single-use, expiring), campaigns made once a period, answers that
propose complaints and suggestions, results that add up, and the screens."""

import base64
import datetime
import hashlib
import io
import re
import threading
import urllib.parse

import pytest

from models import Event, Setting, db
from models.core import Forbidden, RuleError, clock, now, today
from models.surveys import (
    AlreadyAnswered,
    Answer,
    AnswerItem,
    Campaign,
    Questionnaire,
    Suggestion,
    SurveyRequest,
    SurveyToken,
    followup_queue,
    period_of,
)
from models.surveys.results import results
from tests.querycount import count_queries
from views.common import route_action


@pytest.fixture
def clock_back():
    """Tests move the clock; put it back afterwards."""
    start = clock().offset
    yield clock()
    clock().offset = start


@pytest.fixture
def survey(users, dbc):
    """A published questionnaire, the default one: two ratings, a choice, options, free text."""
    admin = users["admin"]
    q = Questionnaire.start(admin, "回访问卷", "感谢您的支持")
    q.add_question(admin, "rating", "总体满意程度", "service")
    q.add_question(admin, "rating", "服务人员的态度", "staff")
    q.add_question(admin, "single", "是否准时到达", "staff", ["准时", "迟到"])
    q.add_question(admin, "multiple", "看重哪些方面", "service", ["速度", "质量", "价格"], required=False)
    q.add_question(admin, "text", "建议或抱怨", "service", required=False)
    q.publish(admin)
    return Questionnaire.get_by_id(q.id)


def _questions(survey):
    return {q.text: q for q in survey.current_version().questions_list()}


def _values(survey, overall=5, staff=4, on_time="准时", liked=(), text="", tag="remark"):
    q = _questions(survey)
    values = {q["总体满意程度"].id: overall, q["服务人员的态度"].id: staff, q["是否准时到达"].id: on_time}
    values[q["看重哪些方面"].id] = list(liked)
    values[q["建议或抱怨"].id] = (text, tag)
    return values


def _form(survey, overall="5", staff="4", on_time="准时", text="", tag="remark", **extra):
    """The answer form as a browser posts it."""
    q = _questions(survey)
    data = {
        "version_id": survey.current_version().id,
        f"q{q['总体满意程度'].id}": overall,
        f"q{q['服务人员的态度'].id}": staff,
        f"q{q['是否准时到达'].id}": on_time,
        f"q{q['建议或抱怨'].id}": text,
        f"t{q['建议或抱怨'].id}": tag,
    }
    data.update(extra)
    return data


def _link(job, users, who="clerk", place="message"):
    return SurveyRequest.for_job(job, users[who], lambda r: r.issue_link(users[who], place))


def _by_phone(job, survey, users, **kwargs):
    values = _values(survey, **kwargs)
    version = survey.current_version()
    return SurveyRequest.for_job(
        job, users["clerk"], lambda r: Answer.record(r, version, values, "phone", by=users["clerk"])
    )


# ---- questionnaires in versions ---------------------------------------------------------------


def test_a_version_in_use_is_never_edited_and_every_answer_keeps_its_version(make, users, survey):
    admin = users["admin"]
    first = survey.current_version()
    old_answer = _by_phone(make.job(state="filed"), survey, users)
    question = first.questions_list()[0]
    with pytest.raises(RuleError):
        survey.update_question(admin, question, "rating", "改掉已发布的问题", "service")
    draft = survey.begin_draft(admin)
    assert draft.number == 2 and draft.published_at is None
    copied = draft.questions_list()
    assert [q.key for q in copied] == [q.key for q in first.questions_list()]
    survey.update_question(admin, copied[0], "rating", "您对本次服务满意吗", "service")
    survey.add_question(admin, "rating", "收费是否合理", "service")
    # the draft is not asked yet
    assert survey.current_version().id == first.id
    survey.publish(admin)
    second = survey.current_version()
    assert second.number == 2 and len(second.questions_list()) == 6
    values = {
        q.id: 4 if q.kind == "rating" else "准时" for q in second.questions_list() if q.kind != "multiple"
    }
    values = {k: v for k, v in values.items() if v != "准时" or k == _questions(survey)["是否准时到达"].id}
    new_answer = SurveyRequest.for_job(
        make.job(state="filed"),
        users["clerk"],
        lambda r: Answer.record(r, second, values, "phone", by=users["clerk"]),
    )
    assert Answer.get_by_id(old_answer.id).questionnaire_version_id == first.id
    assert new_answer.questionnaire_version_id == second.id
    assert [q.text for q in first.questions_list()][0] == "总体满意程度"  # v1 as it was
    events = [e.action for e in Event.select().where(Event.subject == "questionnaire").order_by(Event.id)]
    assert events.count("publish") == 2 and "begin_draft" in events and "change_question" in events


def test_publishing_needs_a_question_and_design_needs_the_permission(users, dbc):
    q = Questionnaire.start(users["manager"], "空问卷")
    with pytest.raises(RuleError, match="at least one question"):
        q.publish(users["manager"])
    with pytest.raises(Forbidden):
        Questionnaire.start(users["clerk"], "客服不能建问卷")
    with pytest.raises(RuleError) as refused:
        q.add_question(users["manager"], "single", "只有一个选项", "service", ["唯一"])
    assert refused.value.field == "options"


def test_the_default_questionnaire_is_not_retired(users, survey):
    assert survey.is_default
    with pytest.raises(RuleError, match="another questionnaire"):
        survey.retire(users["admin"])


# ---- links: random, hashed at rest, single-use, expiring ------------------------------------


def test_tokens_are_random_long_and_kept_only_as_their_hash(make, users, survey):
    job = make.job(state="filed")
    raws = [_link(job, users)[0] for _ in range(40)]
    assert len(set(raws)) == 40
    for raw in raws:
        assert len(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4))) * 8 >= 128
    stored = list(SurveyToken.select())
    assert {t.digest for t in stored} == {hashlib.sha256(r.encode()).hexdigest() for r in raws}
    # the raw token is nowhere in the database: not in the tokens, not in the event log
    columns = [str(value) for t in stored for value in t.__data__.values()] + [
        f"{e.note} {e.data}" for e in Event.select()
    ]
    assert not any(raw in text for raw in raws for text in columns)
    assert SurveyToken.find(raws[0]).request_id == SurveyRequest.followup_of(job).id
    assert SurveyToken.find(raws[0][:-1] + ("A" if raws[0][-1] != "A" else "B")) is None
    assert SurveyToken.find("../../etc/passwd") is None


def test_a_link_answers_once_and_a_second_submission_stores_nothing(make, users, survey):
    job = make.job(state="filed")
    raw, _ = _link(job, users)
    token = SurveyToken.find(raw)
    version = survey.current_version()
    Answer.record(token.req, version, _values(survey), "link", token=token)
    with pytest.raises(AlreadyAnswered):
        Answer.record(token.req, version, _values(survey), "link", token=SurveyToken.find(raw))
    # and no new link is given for a job already answered
    with pytest.raises(RuleError):
        _link(job, users, place="print")
    assert Answer.select().count() == 1
    assert SurveyToken.find(raw).status() == "used"
    assert SurveyRequest.followup_of(job).state == "answered"


def test_a_link_expires_after_the_days_of_the_setting(make, users, survey, clock_back):
    Setting.set_value("survey_link_days", 3, users["admin"])
    raw, token = _link(make.job(state="filed"), users)
    assert token.expires_at - now() <= datetime.timedelta(days=3, seconds=5)
    clock_back.travel(datetime.timedelta(days=3, minutes=1))
    found = SurveyToken.find(raw)
    assert found.status() == "expired"
    with pytest.raises(RuleError, match="expired"):
        Answer.record(found.req, survey.current_version(), _values(survey), "link", token=found)
    assert Answer.select().count() == 0


def test_two_submissions_at_the_same_moment_store_one_answer(app, make, users, survey):
    raw, _ = _link(make.job(state="filed"), users)
    version_id = survey.current_version().id
    values = _values(survey)
    db.close()
    outcomes, errors = [], []
    barrier = threading.Barrier(2)

    def submit():
        try:
            with db.connection_context():
                token = SurveyToken.find(raw)
                version = type(survey.current_version()).get_by_id(version_id)
                barrier.wait()
                Answer.record(token.req, version, values, "link", token=token)
                outcomes.append("stored")
        except AlreadyAnswered:
            outcomes.append("already")
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    assert sorted(outcomes) == ["already", "stored"]
    with db.connection_context():
        assert Answer.select().count() == 1


# ---- the public page ----------------------------------------------------------------------------


def test_the_public_page_is_reached_signed_out_and_shows_only_what_the_customer_needs(
    client, make, users, survey
):
    job = make.job(state="filed")
    raw, _ = _link(job, users)
    response = client.get(f"/s/{raw}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert job.number in html and "Tech1" in html and "更换电容，试机正常" in html
    assert "总体满意程度" in html and 'name="csrf_token"' in html
    for secret in (job.customer_name, "021-6234 5678", job.address, job.contact_person, job.serial):
        assert secret not in html
    assert "<script" not in html  # the customer's page needs no script at all
    assert "Content-Security-Policy" in response.headers


def test_the_public_page_names_the_company_of_the_printed_forms_unless_it_has_its_own(
    client, make, users, survey
):
    job = make.job(state="filed")
    raw, _ = _link(job, users)
    Setting.set_value("company_name", "华东机电设备服务有限公司", users["admin"])
    assert "华东机电设备服务有限公司" in client.get(f"/s/{raw}").get_data(as_text=True)
    Setting.set_value("survey_company_name", "华东机电客服中心", users["admin"])
    html = client.get(f"/s/{raw}").get_data(as_text=True)
    assert "华东机电客服中心" in html and "华东机电设备服务有限公司" not in html


def test_answering_online_thanks_the_customer_and_the_link_then_says_it_was_used(client, make, users, survey):
    job = make.job(state="filed")
    raw, _ = _link(job, users)
    response = client.post(f"/s/{raw}", data=_form(survey, overall="2", text="上门太晚了", tag="complaint"))
    assert response.status_code == 303 and response.headers["Location"] == f"/s/{raw}/thanks"
    assert "感谢您" in client.get(f"/s/{raw}/thanks").get_data(as_text=True)
    # a double tap or a resend: thanked again, one answer stored
    again = client.post(f"/s/{raw}", data=_form(survey))
    assert again.status_code == 303 and again.headers["Location"] == f"/s/{raw}/thanks"
    assert Answer.select().count() == 1
    answer = Answer.get()
    assert answer.channel == "link" and answer.entered_by_id is None and answer.state == "proposed"
    used = client.get(f"/s/{raw}").get_data(as_text=True)
    assert "已经填写过" in used and "总体满意程度" not in used


def test_an_expired_or_unknown_link_is_refused_politely(client, make, users, survey, clock_back):
    raw, _ = _link(make.job(state="filed"), users)
    clock_back.travel(datetime.timedelta(days=15))
    page = client.get(f"/s/{raw}")
    assert page.status_code == 200 and "已过期" in page.get_data(as_text=True)
    posted = client.post(f"/s/{raw}", data=_form(survey))
    assert "已过期" in posted.get_data(as_text=True) and Answer.select().count() == 0
    assert client.get("/s/not-a-token-but-long-enough-x").status_code == 404
    assert client.get("/s/x").status_code == 404
    assert client.get(f"/s/{raw}/thanks").status_code == 303


def test_the_public_post_refuses_a_missing_csrf_token(client, make, users, survey):
    raw, _ = _link(make.job(state="filed"), users)
    client.get(f"/s/{raw}")
    response = client.post(f"/s/{raw}", data=_form(survey), csrf=False)
    assert response.status_code == 400
    assert Answer.select().count() == 0 and SurveyToken.find(raw).used_at is None


@pytest.mark.parametrize(
    "change",
    [
        {"overall": ""},
        {"overall": "9"},
        {"on_time": "从不"},
        {"version_id": "99999999999999999999"},
        {"version_id": "-1"},
        {"text": "x" * 2500},
    ],
)
def test_bad_answers_are_shown_next_to_the_question_and_nothing_is_stored(
    client, make, users, survey, change
):
    raw, _ = _link(make.job(state="filed"), users)
    data = _form(survey)
    for key, value in change.items():
        field = {"overall": "总体满意程度", "on_time": "是否准时到达", "text": "建议或抱怨"}.get(key)
        data[f"q{_questions(survey)[field].id}" if field else key] = value
    response = client.post(f"/s/{raw}", data=data)
    if change.get("version_id") == "-1":  # an unknown version: the answers are to the one in use
        assert response.status_code == 303
        assert Answer.get().questionnaire_version_id == survey.current_version().id
        return
    assert response.status_code == 422
    assert 'class="error' in response.get_data(as_text=True)
    assert Answer.select().count() == 0


def test_markup_in_an_answer_is_shown_as_text(client, auth, make, users, survey):
    job = make.job(state="filed")
    raw, _ = _link(job, users)
    hostile = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    client.post(f"/s/{raw}", data=_form(survey, text=hostile, tag="suggestion"))
    item = AnswerItem.get(AnswerItem.text != "")
    assert item.text == hostile  # stored exactly
    auth.login("manager")
    for url in (
        f"/surveys/answers/{item.answer_id}",
        "/surveys/results",
        "/surveys/suggestions",
        f"/jobs/{job.id}",
    ):
        html = client.get(url).get_data(as_text=True)
        assert "&lt;script&gt;alert(" in html, url
        assert "<script>alert" not in html and "<img src=x" not in html, url


def test_only_the_answer_page_and_sign_in_are_open_to_a_signed_out_visitor(app):
    with app.app_context():
        public = sorted(
            rule.endpoint
            for rule in app.url_map.iter_rules()
            if rule.endpoint != "static" and route_action(rule.endpoint, app) is None
        )
    assert public == [
        "answer.form",
        "answer.submit",
        "answer.thanks",
        "assets.serve",
        "auth.login",
        "auth.set_language",
        "main.healthz",
    ]


def test_the_language_switch_works_for_the_customer(client, make, users, survey):
    raw, _ = _link(make.job(state="filed"), users)
    page = client.get(f"/s/{raw}").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    switched = client.post("/lang/en", data={"csrf_token": token, "next": f"/s/{raw}"}, csrf=False)
    assert switched.headers["Location"] == f"/s/{raw}"
    english = client.get(f"/s/{raw}").get_data(as_text=True)
    assert "Customer opinion survey" in english and "Very satisfied" in english


# ---- follow-up calls (回访) --------------------------------------------------------------------


def test_the_queue_is_filed_jobs_oldest_first_until_answered(make, users, survey, clock_back):
    first = make.job(state="filed")
    clock_back.travel(datetime.timedelta(hours=1))
    second = make.job(state="filed")
    make.job(state="done")  # not filed yet
    assert [j.id for j in followup_queue()] == [first.id, second.id]
    _by_phone(first, survey, users)
    assert [j.id for j in followup_queue()] == [second.id]
    clock_back.travel(datetime.timedelta(days=31))  # past the follow-up window
    assert list(followup_queue()) == []


def test_no_answer_books_a_retry_and_the_last_try_gives_up(make, users, survey, clock_back):
    Setting.set_value("survey_max_attempts", 2, users["admin"])
    job = make.job(state="filed")
    request = SurveyRequest.for_job(job, users["clerk"], lambda r: r.no_answer(users["clerk"]))
    assert request.state == "pending" and request.attempts == 1 and request.call_back_at > now()
    assert list(followup_queue()) == []  # booked for later
    clock_back.travel(datetime.timedelta(hours=5))
    assert [j.id for j in followup_queue()] == [job.id]
    request.no_answer(users["clerk"])
    assert request.state == "unreachable" and list(followup_queue()) == []


def test_call_back_needs_a_future_time_and_refused_leaves_the_queue(make, users, survey):
    job, other = make.job(state="filed"), make.job(state="filed")
    clerk = users["clerk"]
    with pytest.raises(RuleError) as refused:
        SurveyRequest.for_job(job, clerk, lambda r: r.call_back(clerk, now() - datetime.timedelta(hours=1)))
    assert refused.value.field == "call_back_at"
    assert SurveyRequest.select().count() == 0  # nothing left behind by a refused step
    SurveyRequest.for_job(
        job, clerk, lambda r: r.call_back(clerk, now() + datetime.timedelta(days=1), "开会")
    )
    SurveyRequest.for_job(other, clerk, lambda r: r.refuse(clerk, "不需要"))
    assert list(followup_queue()) == []
    assert SurveyRequest.followup_of(other).state == "refused"
    with pytest.raises(Forbidden):
        SurveyRequest.followup_of(job).no_answer(users["tech1"])


def test_a_share_of_filed_jobs_is_that_share_of_each_hundred_computed_in_sql(make, users, survey):
    jobs = [make.job(state="filed") for _ in range(6)]
    Setting.set_value("survey_followup_scope", "share", users["admin"])
    for share in (10, 30, 50, 90):
        Setting.set_value("survey_followup_share", share, users["admin"])
        assert [j.id for j in followup_queue()] == [j.id for j in jobs if (j.id * 61) % 100 < share]
        assert sum((i * 61) % 100 < share for i in range(1, 101)) == share


def test_the_follow_up_scope_by_service_type(make, users, survey):
    paid = make.job(state="filed")
    Setting.set_value("survey_followup_scope", "types", users["admin"])
    Setting.set_value("survey_followup_types", ["contract"], users["admin"])
    assert paid.service_type != "contract" and list(followup_queue()) == []
    Setting.set_value("survey_followup_types", [paid.service_type], users["admin"])
    assert [j.id for j in followup_queue()] == [paid.id]
    Setting.set_value("survey_followup_scope", "none", users["admin"])
    assert list(followup_queue()) == []


def test_the_call_screen_shows_the_job_beside_the_questions_and_saves_the_answers(client, auth, make, survey):
    job = make.job(state="filed")
    auth.login("clerk")
    page = client.get(f"/surveys/followup/{job.id}").get_data(as_text=True)
    assert job.number in page and job.customer_name in page and "021-6234 5678" in page
    assert "总体满意程度" in page and 'value="answered"' in page
    missing = client.post(
        f"/surveys/followup/{job.id}", data={**_form(survey, overall=""), "outcome": "answered"}
    )
    assert missing.status_code == 422 and Answer.select().count() == 0
    assert 'class="error"' in missing.get_data(as_text=True)
    saved = client.post(
        f"/surveys/followup/{job.id}", data={**_form(survey), "outcome": "answered", "channel": "paper"}
    )
    answer = Answer.get()
    assert saved.status_code == 303 and saved.headers["Location"] == f"/surveys/answers/{answer.id}?new=1"
    assert answer.channel == "paper" and answer.entered_by_id is not None and answer.rating_count == 2
    assert "Tech1" in client.get(f"/surveys/answers/{answer.id}").get_data(as_text=True)


def test_the_call_outcomes_through_the_screen(client, auth, make, survey):
    job = make.job(state="filed")
    auth.login("clerk")
    response = client.post(f"/surveys/followup/{job.id}", data={"outcome": "no_answer"})
    assert response.status_code == 303 and response.headers["Location"] == "/surveys/"
    request = SurveyRequest.followup_of(job)
    assert request.attempts == 1
    bad = client.post(f"/surveys/requests/{request.id}", data={"outcome": "call_back"})
    assert bad.status_code == 422 and SurveyRequest.get_by_id(request.id).attempts == 1
    later = (datetime.datetime.now() + datetime.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    client.post(f"/surveys/requests/{request.id}", data={"outcome": "call_back", "call_back_at": later})
    assert SurveyRequest.get_by_id(request.id).attempts == 2
    client.post(f"/surveys/requests/{request.id}", data={"outcome": "refused", "note": "不想回答"})
    assert SurveyRequest.get_by_id(request.id).state == "refused"
    assert client.post(f"/surveys/requests/{request.id}", data={"outcome": "bogus"}).status_code == 422


def test_the_queue_page_and_its_query_count(client, auth, make, survey):
    make.job(state="filed")
    auth.login("clerk")
    client.get("/surveys/")
    with count_queries() as few:
        assert client.get("/surveys/").status_code == 200
    for _ in range(4):
        make.job(state="filed")
    with count_queries() as many:
        html = client.get("/surveys/").get_data(as_text=True)
    assert len(many) == len(few)
    assert html.count("/surveys/followup/") == 5


# ---- what an answer proposes ------------------------------------------------------------------


def test_a_low_score_proposes_a_complaint_taken_into_the_intake_prefilled(client, auth, make, users, survey):
    job = make.job(state="filed")
    answer = _by_phone(job, survey, users, staff=1, text="态度不好")
    assert answer.state == "proposed" and answer.low_score and not answer.complaint_tagged
    auth.login("clerk")
    page = client.get(f"/surveys/answers/{answer.id}").get_data(as_text=True)
    assert "这份问卷提出了一项投诉" in page and "登记投诉" in page
    assert answer.number in client.get("/surveys/proposals").get_data(as_text=True)
    response = client.post(f"/surveys/answers/{answer.id}/complaint", data={"version": answer.version})
    assert response.status_code == 303
    target = urllib.parse.urlsplit(response.headers["Location"])
    query = urllib.parse.parse_qs(target.query)
    assert (
        target.path == "/complaints/new" and query["job"] == [str(job.id)] and query["channel"] == ["survey"]
    )
    assert answer.number in query["said"][0] and "态度不好" in query["said"][0]
    intake = client.get(response.headers["Location"]).get_data(as_text=True)
    assert answer.number in intake and job.number in intake
    assert re.search(r'value="survey"[^>]*checked|checked[^>]*value="survey"', intake)
    assert Answer.get_by_id(answer.id).state == "taken"
    assert answer.number not in client.get("/surveys/proposals").get_data(as_text=True)


def test_a_remark_called_a_complaint_proposes_one_and_can_be_dismissed_with_a_reason(make, users, survey):
    answer = _by_phone(make.job(state="filed"), survey, users, text="收费太贵", tag="complaint")
    assert answer.state == "proposed" and answer.complaint_tagged and not answer.low_score
    with pytest.raises(RuleError) as refused:
        answer.dismiss(users["clerk"], "  ")
    assert refused.value.field == "reason"
    answer.dismiss(users["clerk"], "已电话解释收费标准")
    assert Answer.get_by_id(answer.id).state == "dismissed"
    plain = _by_phone(make.job(state="filed"), survey, users)
    assert plain.state == "plain"
    with pytest.raises(RuleError):
        plain.take_up(users["clerk"])


def test_a_suggestion_goes_to_the_managers_list_and_is_marked_considered(client, auth, make, users, survey):
    _by_phone(make.job(state="filed"), survey, users, text="希望提前短信通知", tag="suggestion")
    suggestion = Suggestion.get()
    auth.login("clerk")
    assert client.get("/surveys/suggestions").status_code == 403
    auth.logout()
    auth.login("manager")
    assert "希望提前短信通知" in client.get("/surveys/suggestions").get_data(as_text=True)
    client.post(
        f"/surveys/suggestions/{suggestion.id}/consider",
        data={"version": suggestion.version, "note": "下月起试行"},
    )
    done = Suggestion.get_by_id(suggestion.id)
    assert done.state == "considered" and done.outcome == "下月起试行"
    assert "希望提前短信通知" in client.get("/surveys/suggestions?state=considered").get_data(as_text=True)
    with pytest.raises(RuleError, match="Considered"):
        Suggestion.get_by_id(suggestion.id).consider(users["manager"], version=suggestion.version)


# ---- campaigns ---------------------------------------------------------------------------------


def test_periods_are_the_last_complete_month_or_quarter():
    assert period_of(datetime.date(2026, 12, 1), "monthly") == (
        "2026-11",
        datetime.date(2026, 11, 1),
        datetime.date(2026, 11, 30),
    )
    assert period_of(datetime.date(2026, 1, 15), "monthly")[0] == "2025-12"
    assert period_of(datetime.date(2026, 2, 10), "quarterly") == (
        "2025-Q4",
        datetime.date(2025, 10, 1),
        datetime.date(2025, 12, 31),
    )
    assert period_of(datetime.date(2026, 8, 31), "quarterly") == (
        "2026-Q2",
        datetime.date(2026, 4, 1),
        datetime.date(2026, 6, 30),
    )


def _served_last_month(make, clock_back, n=3):
    """Jobs finished in the last month (the clock moved back for them), one customer each."""
    start = clock().offset
    last_month = today().replace(day=1) - datetime.timedelta(days=10)
    clock_back.travel(datetime.datetime.combine(last_month, datetime.time(3)) - now())
    jobs = []
    for i in range(n):
        equipment = make.equipment(make.customer(name=f"客户{i}", phone=f"021-5000 000{i}"), serial=f"SN-{i}")
        jobs.append(make.job(equipment, state="filed"))
    clock().offset = start
    return jobs


def test_a_periodic_campaign_is_made_once_when_two_processes_ask_at_once(app, make, survey, clock_back):
    jobs = _served_last_month(make, clock_back)
    db.close()
    made, errors = [], []
    barrier = threading.Barrier(2)

    def ask():
        try:
            with db.connection_context():
                barrier.wait()
                made.append(Campaign.ensure_periodic().id)
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=ask) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    with db.connection_context():
        assert Campaign.select().count() == 1
        campaign = Campaign.get()
        assert made == [campaign.id, campaign.id]
        assert campaign.period == period_of(today(), "monthly")[0] and campaign.asked == len(jobs)
        assert SurveyRequest.select().where(SurveyRequest.campaign == campaign.id).count() == len(jobs)
        assert Event.select().where(Event.subject == "campaign").count() == 1


def test_the_periodic_campaign_from_the_command_and_on_first_need(
    app, runner, make, users, survey, clock_back
):
    _served_last_month(make, clock_back, n=2)
    result = runner.invoke(args=["surveys", "periodic"])
    assert "2 customers to ask" in result.output
    again = runner.invoke(args=["surveys", "periodic"])
    assert "2 customers to ask" in again.output
    with db.connection_context():
        assert Campaign.select().count() == 1
        Setting.set_value("survey_periodic", "off", users["admin"])
    assert "No periodic campaign" in runner.invoke(args=["surveys", "periodic"]).output


def test_an_ad_hoc_campaign_asks_the_chosen_customers_and_shows_who_answered(
    client, auth, make, users, survey
):
    first = make.job(state="filed")
    other = make.job(
        make.equipment(make.customer(name="杭州西湖食品有限公司", phone="0571-8888 0000")), state="done"
    )
    auth.login("clerk")
    empty = client.post(
        "/surveys/campaigns/new",
        data={
            "name": "没人",
            "questionnaire": survey.id,
            "served_from": "2020-01-01",
            "served_to": "2020-01-31",
        },
    )
    assert empty.status_code == 422 and Campaign.select().count() == 0
    response = client.post(
        "/surveys/campaigns/new",
        data={
            "name": "年底满意度调查",
            "questionnaire": survey.id,
            "served_from": today().isoformat(),
            "served_to": today().isoformat(),
            "types": [first.service_type],
        },
    )
    campaign = Campaign.get()
    assert response.status_code == 303 and campaign.asked == 2 and campaign.kind == "adhoc"
    members = {r.job_id: r for r in SurveyRequest.select().where(SurveyRequest.campaign == campaign.id)}
    assert set(members) == {first.id, other.id}
    version = survey.current_version()
    Answer.record(members[first.id], version, _values(survey), "phone", by=users["clerk"])
    page = client.get(f"/surveys/campaigns/{campaign.id}").get_data(as_text=True)
    assert "年底满意度调查" in page and "杭州西湖食品有限公司" in page
    assert f"/surveys/requests/{members[other.id].id}" in page
    raw, _ = members[other.id].issue_link(users["clerk"], "message")
    client.post(f"/surveys/campaigns/{campaign.id}/close", data={"version": campaign.version})
    assert Campaign.get_by_id(campaign.id).state == "closed"
    assert SurveyToken.find(raw).status() == "closed"
    assert "已结束" in client.get(f"/s/{raw}").get_data(as_text=True)


# ---- results -----------------------------------------------------------------------------------


def _expected(start, end):
    """The results recomputed here from the stored answers, row by row."""
    answers = [a for a in Answer.select() if start <= a.day <= end]
    ids = {a.id for a in answers}
    items = [i for i in AnswerItem.select() if i.answer_id in ids]
    ratings = [i.rating for i in items if i.rating is not None]
    by_key, by_tech, staff = {}, {}, {}
    for i in items:
        if i.rating is not None:
            by_key.setdefault(i.key, []).append(i.rating)
    tech_of = {a.id: a.technician_id for a in answers}
    for i in items:
        if i.rating is not None:
            by_tech.setdefault(tech_of[i.answer_id], []).append(i.rating)
            if i.opinion == "staff":
                staff.setdefault(tech_of[i.answer_id], []).append(i.rating)
    return answers, ratings, by_key, by_tech, staff


def test_results_match_a_computation_from_the_answers(make, users, survey, clock_back):
    tech2 = make.equipment(make.customer(name="南通江海酒店", phone="0513-8000 1111"), serial="SN-9")
    plan = [(5, 4, "准时"), (3, 2, "迟到"), (4, 5, "准时"), (1, 1, "迟到"), (5, 5, "准时")]
    for n, (overall, staff, on_time) in enumerate(plan):
        job = make.job(tech2 if n % 2 else None, state="filed", tech="tech2" if n % 2 else "tech1")
        _by_phone(job, survey, users, overall=overall, staff=staff, on_time=on_time, liked=["速度"] * (n % 2))
    SurveyRequest.for_job(make.job(state="filed"), users["clerk"], lambda r: r.refuse(users["clerk"]))
    start, end = today() - datetime.timedelta(days=30), today()
    got = results(start, end)
    answers, ratings, by_key, by_tech, staff = _expected(start, end)
    assert got["total"].answers == len(answers) == 5
    assert got["total"].mean == pytest.approx(sum(ratings) / len(ratings))
    assert got["response_rate"] == pytest.approx(5 / 6)
    for q in got["questions"]:
        if q.kind == "rating":
            assert q.mean == pytest.approx(sum(by_key[q.key]) / len(by_key[q.key]))
            assert q.spread == {r: by_key[q.key].count(r) for r in (1, 2, 3, 4, 5)}
        if q.kind == "single":
            assert q.spread == {"准时": 3, "迟到": 2}
        if q.kind == "multiple":
            assert q.spread == {"速度": 2, "质量": 0, "价格": 0}
    for _name, tech_id, score, conduct in got["technicians"]:
        assert score.mean == pytest.approx(sum(by_tech[tech_id]) / len(by_tech[tech_id]))
        assert conduct == pytest.approx(sum(staff[tech_id]) / len(staff[tech_id]))
    month = f"{today():%Y-%m}"
    assert got["months"][month].answers == 5
    assert got["service_types"][answers[0].service_type].answers == 5
    # a period without these answers
    assert (
        results(start - datetime.timedelta(days=400), start - datetime.timedelta(days=300))["total"].answers
        == 0
    )


def test_the_results_page_draws_svg_and_its_queries_do_not_grow(client, auth, make, users, survey):
    _by_phone(make.job(state="filed"), survey, users, overall=2)
    auth.login("manager")
    client.get("/surveys/results")
    with count_queries() as few:
        html = client.get("/surveys/results").get_data(as_text=True)
    assert "<svg" in html and "总体满意程度" in html and "style=" not in html
    for n in range(6):
        _by_phone(make.job(state="filed"), survey, users, overall=1 + n % 5, text=f"意见{n}")
    with count_queries() as many:
        assert client.get("/surveys/results?start=2000-01-01&end=2999-12-31").status_code == 200
    assert len(many) == len(few)
    for bad in (
        "start=tomorrow",
        "start=2026-02-30",
        "end=99999-01-01",
        "questionnaire=-4",
        "questionnaire=9" * 20,
    ):
        assert client.get(f"/surveys/results?{bad}").status_code == 200


@pytest.mark.parametrize("locale,heading", [("zh_CN", "服务凭证"), ("en", "Voucher")])
def test_the_excel_export_has_headings_in_the_users_language(
    client, auth, make, users, survey, locale, heading
):
    from openpyxl import load_workbook

    _by_phone(make.job(state="filed"), survey, users, text="很好")
    _by_phone(make.job(state="filed"), survey, users, overall=3)
    auth.login("manager")
    if locale == "en":
        client.post("/lang/en", data={"next": "/"})
    response = client.get("/surveys/results.xlsx")
    assert response.status_code == 200 and response.mimetype.endswith("spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.values)
    assert heading in rows[0] and "总体满意程度" in rows[0]
    assert len(rows) == 3 and "很好" in rows[1] + rows[2]


# ---- who sees what -----------------------------------------------------------------------------


def test_technicians_read_answers_about_their_own_jobs_only(client, auth, make, users, survey):
    answer = _by_phone(make.job(state="filed", tech="tech1"), survey, users)
    auth.login("tech2")
    assert client.get(f"/surveys/answers/{answer.id}").status_code == 404
    auth.logout()
    auth.login("tech1")
    assert client.get(f"/surveys/answers/{answer.id}").status_code == 200
    assert client.get("/surveys/results").status_code == 403
    assert client.get("/surveys/").status_code == 403
    auth.logout()
    auth.login("finance")
    assert client.get(f"/surveys/answers/{answer.id}").status_code == 403


def test_a_technician_gets_a_link_only_for_their_own_jobs(client, auth, make, users, survey):
    job = make.job(state="done", tech="tech1")
    auth.login("tech2")
    assert client.post(f"/surveys/jobs/{job.id}/link", data={"place": "tech"}).status_code == 404
    assert SurveyToken.select().count() == 0
    with pytest.raises(Forbidden):
        _link(job, users, who="tech2", place="tech")


# ---- on the other screens ----------------------------------------------------------------------


def test_the_qr_code_is_on_the_print_and_the_phone_after_signing_and_the_answer_on_the_voucher(
    client, auth, make, users, survey
):
    job = make.job(state="done", tech="tech1")
    auth.login("tech1")
    phone = client.get(f"/tech/jobs/{job.id}").get_data(as_text=True)
    assert 'id="survey-qr"' in phone and '<svg width="' in phone and "/s/" in phone
    link = re.search(r"http://localhost/s/([A-Za-z0-9_-]+)", phone).group(1)
    again = client.get(f"/tech/jobs/{job.id}").get_data(as_text=True)
    assert link in again and SurveyToken.select().count() == 1  # one link a screen, not one a view
    auth.logout()
    auth.login("clerk")
    printed = client.get(f"/jobs/{job.id}/print").get_data(as_text=True)
    assert 'id="survey-qr"' in printed
    client.post(f"/s/{link}", data=_form(survey, staff="1"))
    voucher = client.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert 'id="survey-panel"' in voucher and Answer.get().number in voucher
    assert 'id="survey-qr"' not in client.get(f"/jobs/{job.id}/print").get_data(as_text=True)


def test_no_qr_code_before_the_job_is_done_or_when_switched_off(client, auth, make, users, survey):
    job = make.job(state="on_site", tech="tech1")
    auth.login("tech1")
    assert 'id="survey-qr"' not in client.get(f"/tech/jobs/{job.id}").get_data(as_text=True)
    Setting.set_value("survey_qr_on_voucher", False, users["admin"])
    done = make.job(state="done", tech="tech1")
    assert 'id="survey-qr"' not in client.get(f"/tech/jobs/{done.id}").get_data(as_text=True)
    assert SurveyToken.select().count() == 0


def test_the_staff_record_shows_the_technicians_scores_beside_the_complaints(
    client, auth, make, users, survey
):
    _by_phone(make.job(state="filed", tech="tech1"), survey, users, overall=4, staff=2)
    auth.login("manager")
    page = client.get(f"/complaints/staff/{users['tech1'].id}").get_data(as_text=True)
    assert 'id="survey-scores"' in page and f"{today():%Y-%m}" in page and "3.00" in page and "2.00" in page


def test_the_paper_survey_form_has_the_jobs_details_and_every_question(client, auth, make, survey):
    job = make.job(state="filed")
    auth.login("clerk")
    page = client.get(f"/surveys/jobs/{job.id}/form").get_data(as_text=True)
    assert "客户意见调查表" in page and job.number in page and job.customer_name in page
    assert all(text in page for text in _questions(survey))


def test_the_home_page_tells_the_clerk_what_is_due(client, auth, make, users, survey):
    make.job(state="filed")
    _by_phone(make.job(state="filed"), survey, users, overall=1)
    auth.login("clerk")
    home = client.get("/").get_data(as_text=True)
    assert "/surveys/proposals" in home and "/surveys/" in home


# ---- questionnaire screens ---------------------------------------------------------------------


def test_a_questionnaire_written_and_published_through_the_screens(client, auth, users, dbc):
    auth.login("manager")
    response = client.post("/surveys/questionnaires", data={"name": "年度问卷", "intro": "您好"})
    q = Questionnaire.get()
    assert response.status_code == 303 and q.state == "draft"
    bad = client.post(
        f"/surveys/questionnaires/{q.id}/questions",
        data={
            "new-text": "单选题",
            "new-kind": "single",
            "new-opinion": "service",
            "new-options": "只有一个",
        },
    )
    assert bad.status_code == 422 and "2" in bad.get_data(as_text=True)
    for text, kind in (("满意吗", "rating"), ("准时吗", "single")):
        client.post(
            f"/surveys/questionnaires/{q.id}/questions",
            data={
                "new-text": text,
                "new-kind": kind,
                "new-opinion": "staff",
                "new-options": "是\n否",
                "new-required": "y",
            },
        )
    first, second = q.draft_version().questions_list()
    client.post(f"/surveys/questions/{second.id}/move", data={"step": "-1"})
    assert [x.text for x in q.draft_version().questions_list()] == ["准时吗", "满意吗"]
    client.post(f"/surveys/questionnaires/{q.id}/publish", data={"version": Questionnaire.get().version})
    q = Questionnaire.get()
    assert q.state == "active" and q.is_default and q.current_version().number == 1
    page = client.get(f"/surveys/questionnaires/{q.id}").get_data(as_text=True)
    assert "准时吗" in page and f"/surveys/questionnaires/{q.id}/draft" in page
    client.post(f"/surveys/questionnaires/{q.id}/draft")
    assert q.draft_version().number == 2
    assert client.get(f"/surveys/versions/{q.current_version().id}").status_code == 200
    auth.logout()
    auth.login("clerk")
    assert client.get("/surveys/questionnaires").status_code == 403


def test_the_quick_radio_buttons_are_written_as_wtforms_writes_them():
    """views.forms.html_attrs (the survey's radio buttons and checkboxes) gives WTForms'
    html_params output exactly: sorted, keys cleaned, booleans, escaped values."""
    from markupsafe import Markup
    from wtforms.widgets.core import html_params

    from views.forms import html_attrs

    cases = [
        {"id": "q6-4", "name": "q6", "type": "radio", "value": "5", "required": True, "checked": False},
        {"class_": "chip big", "data_question_id": 7, "aria_describedby": "q6-hint", "value": '"5" & <b>'},
        {"value": Markup('a "safe" <i>x</i>'), "disabled": True, "for_": "x", "title": "客户 ' 说"},
        {},
    ]
    for attrs in cases:
        assert html_attrs(**attrs) == html_params(**attrs)
