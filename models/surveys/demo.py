"""The surveys of the demo department: a questionnaire in use in its second version, half a
year of filed jobs and their answers (by phone and online), a follow-up queue with a call booked
for later, last month's periodic campaign and an ad-hoc one, a used and an unused link, a low
score that proposes a complaint, suggestions to review, and the guidelines in two versions."""

import datetime
import random
import struct
import zlib

from models.core import RuleError, Setting, clock, now, today
from models.customers import Equipment
from models.service import Job
from models.surveys.answers import Answer, Suggestion
from models.surveys.asking import Campaign, SurveyRequest, SurveyToken
from models.surveys.guidelines import GuidelineVersion
from models.surveys.questionnaire import Questionnaire

QUESTIONS = [
    ("rating", "您对本次服务的总体满意程度", "service", (), True),
    ("rating", "服务人员的态度和礼貌", "staff", (), True),
    ("rating", "服务人员的技术水平", "staff", (), True),
    ("single", "服务人员是否按约定时间到达", "staff", ("准时", "迟到 30 分钟以内", "迟到 30 分钟以上"), True),
    ("text", "您对我们的服务有什么建议或抱怨？", "service", (), False),
]
ADDED = (
    "multiple",
    "您最看重服务的哪些方面",
    "service",
    ("响应速度", "维修质量", "收费合理", "服务态度"),
    False,
)
SUGGESTIONS = [
    "希望上门前能发短信提醒大概到达时间。",
    "配件价格能否在维修前先告知？",
    "建议提供周末上门服务。",
]
REMARKS = ["师傅很专业，讲解也很清楚。", "服务很好，谢谢！", "维修及时，设备恢复正常。"]
GUIDELINES_V1 = """# 客户服务准则

## 服务态度
- 接听电话须在三声内，先报部门和姓名。
- 对客户使用礼貌用语，不与客户争执。

## 上门服务
- 按约定时间到达；不能准时须提前电话告知客户。
- 服务完成后清理现场，请客户在服务凭证上签字。
"""
GUIDELINES_V2 = """# 客户服务准则

## 服务态度
- 接听电话须在三声内，先报部门和姓名。
- 对客户使用礼貌用语，不与客户争执。
- 客户的投诉，谁先接到谁负责到底（首问负责制）。

## 上门服务
- 按约定时间到达；不能准时须提前 30 分钟电话告知客户。
- 收费前先向客户说明配件和工时费用。
- 服务完成后清理现场，请客户在服务凭证上签字，并请客户扫码评价。

## 回访
- 归档后的服务单由客服专员回访，记录客户意见。
"""


def _png():
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 2, 2, 8, 6, 0, 0, 0)
    pixels = zlib.compress(b"\x00" + b"\x1d\x24\x30\xff" * 2 + b"\x00" + b"\x00\x00\x00\x00" * 2)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


class _Past:
    """Moves the department's clock to a moment in the past, and back at the end."""

    def __init__(self):
        self.start = clock().offset

    def go(self, days, hour=10):
        """``days`` ago at ``hour`` o'clock, the department's time."""
        clock().offset = self.start
        base = now()
        day = today() - datetime.timedelta(days=days)
        moment = clock().to_utc(datetime.datetime.combine(day, datetime.time(hour)))
        clock().offset = self.start + (moment - base)

    def later(self, **delta):
        clock().travel(datetime.timedelta(**delta))

    def back(self):
        clock().offset = self.start


def _served(job, users, tech, rng, past):
    manager, clerk = users["manager"], users["clerk"]
    job.dispatch(tech, manager)
    past.later(hours=1)
    job.arrive(tech)
    past.later(minutes=50)
    name = job.contact_person or job.customer_name
    job.finish(tech, {"signer_name": name, "image": _png()}, rng.choice(REMARK_WORK))
    past.later(hours=3)
    job.countersign(manager)
    past.later(hours=1)
    job.file(clerk)


REMARK_WORK = [
    "更换启动电容，试机运行正常",
    "清洗冷凝器，补充冷媒，制冷恢复正常",
    "紧固底座螺栓，更换减震垫，噪音消除",
    "更换滤芯两支，清洗水箱，水质检测合格",
]


def _values(version, rng, low=False, text=None, tag="remark", tech_bias=0):
    values = {}
    for q in version.questions_list():
        if q.kind == "rating":
            score = rng.choice((5, 5, 5, 4, 4, 4, 3)) - tech_bias
            values[q.id] = 1 if low and q.opinion == "staff" else max(1, score)
        elif q.kind == "single":
            values[q.id] = q.options[2] if low else rng.choice((q.options[0],) * 4 + (q.options[1],))
        elif q.kind == "multiple":
            values[q.id] = rng.sample(q.options, 2)
        elif text:
            values[q.id] = (text, tag)
    return values


def load_demo(users):
    """Fill in the surveys of the demo department (after its jobs and complaints)."""
    rng = random.Random(14)
    admin, clerk, manager = users["admin"], users["clerk"], users["manager"]
    techs = [users["tech1"], users["tech2"]]
    equipment = list(Equipment.select().where(Equipment.customer.is_null(False)).order_by(Equipment.id))
    past = _Past()
    try:
        past.go(200)
        questionnaire = Questionnaire.start(
            admin, "售后服务回访问卷", "感谢您选择我们的服务！请花一分钟评价本次服务。"
        )
        for kind, text, opinion, options, required in QUESTIONS:
            questionnaire.add_question(admin, kind, text, opinion, options, required)
        questionnaire.publish(admin)
        past.go(150)
        GuidelineVersion.publish(admin, GUIDELINES_V1, "初稿")
        suggestions = list(SUGGESTIONS)
        for days in range(180, 3, -5):
            if days == 60:
                past.go(61)
                questionnaire.begin_draft(manager)
                questionnaire.add_question(manager, *ADDED)
                questionnaire.publish(manager)
            if days == 20:
                past.go(21)
                GuidelineVersion.publish(admin, GUIDELINES_V2, "增加首问负责制、收费告知和回访")
            past.go(days, hour=9)
            item = rng.choice(equipment)
            tech = techs[days % 2]
            job = Job.register(
                clerk, customer=item.customer, equipment=item, fault="设备运行异常，需上门检查"
            )
            _served(job, users, tech, rng, past)
            if rng.random() < 0.25 and days > 40:
                continue  # never reached for a follow-up
            past.later(days=1)
            version = questionnaire.current_version()
            bias = 1 if tech == techs[1] and rng.random() < 0.5 else 0
            text = suggestions.pop() if suggestions and days % 3 == 0 else rng.choice(REMARKS + [None] * 3)
            tag = "suggestion" if text in SUGGESTIONS else "remark"
            values = _values(version, rng, text=text, tag=tag, tech_bias=bias)
            if days % 4 == 1:
                request = SurveyRequest.for_job(job, tech, lambda r: r)
                raw, token = request.issue_link(tech, "tech")
                Answer.record(request, version, values, "link", token=SurveyToken.find(raw))
            else:
                SurveyRequest.for_job(
                    job, clerk, lambda r, v=values, q=version: Answer.record(r, q, v, "phone", by=clerk)
                )
        # a low score online three days ago, with a remark the customer calls a complaint
        past.go(3, hour=15)
        low_job = Job.select().where(Job.state == "filed").order_by(Job.filed_at.desc()).first()
        request = SurveyRequest.for_job(low_job, clerk, lambda r: r)
        raw, token = request.issue_link(clerk, "message")
        past.later(hours=2)
        Answer.record(
            request,
            questionnaire.current_version(),
            _values(
                questionnaire.current_version(),
                rng,
                low=True,
                text="师傅迟到一个多小时也没提前打电话。",
                tag="complaint",
            ),
            "link",
            token=SurveyToken.find(raw),
        )
    finally:
        past.back()
    # an earlier low score the clerk dismissed; a suggestion the manager considered
    for answer in Answer.select().where(Answer.state == "proposed").order_by(Answer.id)[:-1]:
        answer.dismiss(clerk, "已电话致歉，客户表示理解，无需立案")
    first = Suggestion.select().where(Suggestion.state == "open").order_by(Suggestion.id).first()
    if first is not None:
        first.consider(manager, "下季度起上门前发短信提醒")
    _campaigns(users, questionnaire, rng)
    _queue(users)
    Setting.set_value("survey_company_name", "华东机电设备服务有限公司", admin)


def _campaigns(users, questionnaire, rng):
    clerk = users["clerk"]
    periodic = Campaign.ensure_periodic()
    if periodic is not None:
        version = questionnaire.current_version()
        members = list(
            SurveyRequest.select().where(SurveyRequest.campaign == periodic.id).order_by(SurveyRequest.id)
        )
        for n, member in enumerate(members):
            if n % 3 == 0:
                Answer.record(member, version, _values(version, rng), "phone", by=clerk)
            elif n % 3 == 1 and n < 4:
                member.refuse(clerk, "客户说最近太忙")
    start = today() - datetime.timedelta(days=90)
    try:
        Campaign.start_adhoc(
            clerk, "合同客户季度满意度调查", questionnaire, start, today(), contract_only=True
        )
    except RuleError:
        pass  # no contract customer served lately: no ad-hoc campaign in the demo


def _queue(users):
    """Today's filed jobs wait for their follow-up call; one is booked for tomorrow, one had no
    answer; one has a link nobody has used yet."""
    clerk = users["clerk"]
    filed = list(
        Job.select()
        .where(Job.state == "filed", Job.filed_at >= now() - datetime.timedelta(days=1))
        .order_by(Job.id)
    )
    if len(filed) >= 3:
        tomorrow = (now() + datetime.timedelta(days=1)).replace(hour=2, minute=0, second=0, microsecond=0)
        SurveyRequest.for_job(
            filed[0], clerk, lambda r: r.call_back(clerk, tomorrow, "客户在开会，约明天上午十点")
        )
        SurveyRequest.for_job(filed[1], clerk, lambda r: r.no_answer(clerk))
        SurveyRequest.for_job(filed[2], clerk, lambda r: r.issue_link(clerk, "message"))
