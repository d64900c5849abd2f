"""What a signature proves, who may countersign, and times that can have happened."""

import datetime
import re

import pytest

from models import Event, Job, RuleError, Signature, User
from models.core import Setting, clock
from views.records import to_local


def _local(moment):
    return moment.strftime("%Y-%m-%dT%H:%M")


def _amend(client, job, **changes):
    job = Job.get_by_id(job.id)
    data = {
        "version": job.version,
        "fault": job.fault,
        "contact_person": job.contact_person,
        "phone": job.phone,
        "address": job.address,
        "work_done": job.work_done,
        "arrived_at": _local(to_local(job.arrived_at)),
        "finished_at": _local(to_local(job.finished_at)),
        "reason": "客户来电更正",
        **changes,
    }
    return client.post(f"/jobs/{job.id}/amend", data=data)


# ---- signatures prove what was signed ---------------------------------------------------------


def test_the_voucher_and_its_print_say_whether_the_signature_still_matches(client, auth, make, dbc):
    job = make.job(state="done")
    auth.login("manager")
    for url in (f"/jobs/{job.id}", f"/jobs/{job.id}/print"):
        html = client.get(url).get_data(as_text=True)
        assert 'data-signature-check="ok"' in html and "凭证内容与签字时完全一致" in html
    assert _amend(client, job, contact_person="李工").status_code == 303
    for url in (f"/jobs/{job.id}", f"/jobs/{job.id}/print"):
        html = client.get(url).get_data(as_text=True)
        check = html[
            html.index("data-signature-check=") : html.index("</li>", html.index("data-signature-check="))
        ]
        assert 'data-signature-check="changed"' in check and "凭证内容已与签字时不一致" in check
        assert "Manager" in check and "客户来电更正" in check  # who and why
        assert re.search(r"联系人.*张经理.*→.*李工", check, re.S)  # exactly what: old -> new


def test_the_contact_person_is_covered_by_new_signatures_only(client, auth, make, users, dbc):
    job = make.job(state="done")
    signature = Signature.get(Signature.subject_id == job.id)
    assert signature.content_version == Job.CONTENT_VERSION and job.signature_matches(signature)
    new_one = Signature.get_by_id(signature.id)
    # A signature given before version 2 (every existing one: the migration sets 1) covers less.
    old = make.job(state="done", equipment=make.equipment(job.customer, serial="SN-0002"))
    Signature.update(content_version=1, content_hash=old.content_hash(1)).where(
        Signature.subject_id == old.id
    ).execute()
    for record in (job, old):
        record.amend(users["manager"], "联系人换人", contact_person="李工")
    assert not Job.get_by_id(job.id).signature_matches(new_one)
    old_signature = Signature.get(Signature.subject_id == old.id)
    assert Job.get_by_id(old.id).signature_matches(old_signature)  # v1 did not cover the contact
    assert [e.action for e in Job.get_by_id(old.id).amended_after(old_signature)] == ["amend"]
    auth.login("manager")
    html = client.get(f"/jobs/{old.id}").get_data(as_text=True)
    assert 'data-signature-check="ok"' in html and "不在签字所涵盖的内容内" in html
    Job.get_by_id(old.id).amend(users["manager"], "漏写", work_done="更换电容，清洁风扇")
    assert not Job.get_by_id(old.id).signature_matches(old_signature)  # work done: every version


def test_an_amended_signature_lists_only_what_followed_it(client, auth, make, users, dbc):
    job = make.job(state="in_repair")
    job.amend(users["manager"], "地址写错", address="上海市普陀区曹杨路 200 号")
    job = Job.get_by_id(job.id).repair(users["tech1"], "更换主板")
    job.finish(users["tech1"], make.signature(), "更换主板，试机正常")
    auth.login("manager")
    html = client.get(f"/jobs/{job.id}").get_data(as_text=True)
    checks = re.findall(r'data-signature-check="(\w+)"', html)
    assert checks == ["changed", "ok"]  # the item-taken signature was amended after, the completion not


# ---- separation of duties ----------------------------------------------------------------------


def _paper(job, by):
    dispatched = Job.get_by_id(job.id).dispatched_at
    clock().travel(datetime.timedelta(hours=3))
    return Job.get_by_id(job.id).enter_paper(
        by,
        "finish",
        "张经理",
        "更换电容",
        arrived_at=dispatched + datetime.timedelta(minutes=30),
        finished_at=dispatched + datetime.timedelta(minutes=90),
    )


def test_whoever_entered_the_paper_voucher_does_not_countersign_it(client, auth, make, users, dbc):
    job = _paper(make.job(state="on_site"), users["manager"])
    auth.login("manager")
    response = client.post(f"/jobs/{job.id}/countersign", data={"version": job.version}, htmx=True)
    assert response.status_code == 409 and "职责分离" in response.get_data(as_text=True)
    assert Job.get_by_id(job.id).state == "done"
    other = User.create_user("manager2", "Manager Two", "manager", "x" * 8, by=users["admin"])
    Job.get_by_id(job.id).countersign(other)
    assert Job.get_by_id(job.id).state == "countersigned"


def test_whoever_recorded_the_finish_does_not_countersign_it(make, users):
    job = make.job(state="on_site")
    job.finish(users["manager"], make.signature(), "经理代为录入")  # the manager may record work too
    with pytest.raises(RuleError, match="separation of duties"):
        Job.get_by_id(job.id).countersign(users["manager"])
    technician_done = make.job(state="done", equipment=make.equipment(job.customer, serial="SN-0002"))
    technician_done.countersign(users["manager"])  # a technician's work: the manager countersigns
    assert Event.last_of(technician_done).data is None


def test_a_one_person_department_may_countersign_its_own_work_and_the_history_says_so(
    client, auth, make, users, dbc
):
    Setting.set_value("countersign_own_work", True, users["admin"])
    job = _paper(make.job(state="on_site"), users["manager"])
    auth.login("manager")
    assert client.post(f"/jobs/{job.id}/countersign", data={"version": job.version}).status_code == 303
    assert Event.last_of(job).data == {"own_work": True}
    html = client.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert "核签了本人录入的服务（系统设置允许）" in html


# ---- plausible times -----------------------------------------------------------------------------


def _record(client, job, arrived, finished=None):
    return client.post(
        f"/jobs/{job.id}/record",
        data={
            "version": Job.get_by_id(job.id).version,
            "result": "finish",
            "arrived_at": arrived,
            "finished_at": finished or "",
            "work_done": "更换电容",
            "signer_name": "张经理",
            "on_paper": "y",
        },
    )


@pytest.mark.parametrize(
    "arrived,finished,message",
    [
        ("1900-01-01T00:00", None, "“到场时间”不能早于“派工时间”"),
        ("+30d", None, "“到场时间”不能晚于当前时间"),
        ("+10", "+30d", "服务结束时间不能晚于现在"),
        ("+60", "+30", "服务结束时间不能早于开始时间"),
        ("-10", "+30", "“到场时间”不能早于“派工时间”"),
    ],
    ids=["year-1900", "arrival-in-the-future", "end-in-the-future", "end-before-start", "before-dispatch"],
)
def test_paper_times_must_be_plausible(client, auth, make, dbc, arrived, finished, message):
    job = make.job(state="on_site")
    clock().travel(datetime.timedelta(hours=3))
    dispatched = to_local(job.dispatched_at)

    def moment(value):
        if value is None or value[0] not in "+-":
            return value
        delta = (
            datetime.timedelta(days=int(value[1:-1]))
            if value.endswith("d")
            else datetime.timedelta(minutes=int(value[1:]))
        )
        return _local(dispatched + delta if value[0] == "+" else dispatched - delta)

    auth.login("clerk")
    response = _record(client, job, moment(arrived), moment(finished))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in html
    assert re.search(r'class="field[^"]*has-error', html)  # next to the field
    assert Job.get_by_id(job.id).state == "on_site"


def test_amended_times_must_stay_plausible(client, auth, make, dbc):
    job = make.job(state="done")
    auth.login("manager")
    before = to_local(Job.get_by_id(job.id).dispatched_at) - datetime.timedelta(hours=1)
    response = _amend(client, job, arrived_at=_local(before))
    assert response.status_code == 422 and "不能早于“派工时间”" in response.get_data(as_text=True)
    future = to_local(clock().now()) + datetime.timedelta(days=1)
    response = _amend(client, job, finished_at=_local(future))
    assert response.status_code == 422 and "服务结束时间不能晚于现在" in response.get_data(as_text=True)
    assert Event.select().where(Event.action == "amend").count() == 0


def test_an_arrival_cannot_precede_the_dispatch_on_the_technicians_side(make, users):
    job = make.job(state="dispatched")
    with pytest.raises(RuleError, match="cannot be earlier than"):
        job.arrive(users["tech1"], at=job.dispatched_at - datetime.timedelta(minutes=5))
    assert Job.get_by_id(job.id).arrive(users["tech1"]).state == "on_site"
