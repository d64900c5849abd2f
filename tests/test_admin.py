"""Users, permissions, settings: an administrator's screens."""

import json
import re

import pytest

from models import Event, Permission, Setting, User
from models.core.access import can, permission_map


def test_admin_creates_a_user(client, auth, dbc):
    auth.login("admin")
    response = client.post(
        "/admin/users/new",
        data={
            "username": "tech3",
            "full_name": "张师傅",
            "role": "technician",
            "phone": "13912345678",
            "password": "long-enough",
            "active": "y",
        },
    )
    assert response.status_code == 303
    user = User.get(User.username == "tech3")
    assert user.full_name == "张师傅" and user.role == "technician"
    assert Event.select().where(Event.subject == "user", Event.subject_id == user.id).exists()


@pytest.mark.parametrize(
    "field,value,message",
    [
        ("username", "", "必填"),
        ("username", "has space", "只能"),
        ("username", "clerk", "用户名已被占用"),
        ("full_name", "", "必填"),
        ("role", "king", "不是有效的选择"),
        ("password", "short", "8"),
    ],
)
def test_new_user_errors_name_the_field(client, auth, field, value, message, dbc):
    auth.login("admin")
    data = {
        "username": "tech3",
        "full_name": "张师傅",
        "role": "technician",
        "password": "long-enough",
    }
    data[field] = value
    before = User.select().count()
    response = client.post("/admin/users/new", data=data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert User.select().count() == before


def test_admin_deactivates_but_never_deletes(client, auth, users, dbc):
    auth.login("admin")
    uid = users["tech2"].id
    response = client.post(
        f"/admin/users/{uid}", data={"full_name": "Tech2", "role": "technician", "phone": ""}
    )
    assert response.status_code == 303
    user = User.get_by_id(uid)
    assert user.active is False
    assert Event.select().where(Event.action == "deactivate", Event.subject_id == uid).exists()


def test_admin_cannot_deactivate_self(client, auth, users, dbc):
    auth.login("admin")
    response = client.post(f"/admin/users/{users['admin'].id}", data={"full_name": "A", "role": "admin"})
    assert response.status_code == 422
    assert User.get_by_id(users["admin"].id).active


def test_admin_resets_a_password(client, auth, users, dbc):
    auth.login("admin")
    response = client.post(
        f"/admin/users/{users['clerk'].id}/password", data={"reset-password": "brand-new-1"}
    )
    assert response.status_code == 303
    assert User.get_by_id(users["clerk"].id).check_password("brand-new-1")


def test_permission_toggle_is_data_and_audited(client, auth, users, dbc):
    auth.login("admin")
    assert not can(users["finance"], "intake.register")
    response = client.post("/admin/permissions/intake.register/finance", htmx=True)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<html" not in html and 'aria-pressed="true"' in html
    assert Permission.get(action="intake.register", role="finance").allowed
    assert can(users["finance"], "intake.register")
    assert Event.select().where(Event.action == "grant").count() == 1


def test_the_menu_follows_a_permission_change_at_once(client, auth, users, dbc):
    """The menu is kept per role and language, and made again when the permissions change."""
    auth.login("finance")
    assert 'href="/intake/"' not in client.get("/").get_data(as_text=True)
    client.post("/lang/en")
    assert 'href="/intake/"' not in client.get("/").get_data(as_text=True)
    auth.logout()
    auth.login("admin")
    client.post("/admin/permissions/intake.register/finance", htmx=True)
    auth.logout()
    auth.login("finance")
    html = client.get("/").get_data(as_text=True)
    assert 'href="/intake/">Register a call<' in html or 'href="/intake/">登记服务来电<' in html


def test_locked_permissions_cannot_change(client, auth, users, dbc):
    auth.login("admin")
    response = client.post("/admin/permissions/admin.permissions/admin")
    assert response.status_code == 303  # refused with a message, nothing changed
    assert "admin" in permission_map()["admin.permissions"]


def test_permissions_page_lists_every_action(client, auth):
    auth.login("admin")
    html = client.get("/admin/permissions").get_data(as_text=True)
    assert "job.dispatch" in html and "部门经理" in html


def _settings_form(**changes):
    """Every setting as the Settings screen posts it (money in yuan, dates one a line)."""
    from models.core import SETTINGS

    form = {}
    for key, value in Setting.all_values().items():
        kind = SETTINGS[key].kind
        if kind == "money":
            value = str(value / 100)
        elif kind == "dates":
            value = "\n".join(value)
        elif kind == "bool":
            value = "y" if value else ""
        form[key] = value
    form.update(changes)
    return form


def test_settings_save_and_validate(client, auth, dbc):
    auth.login("admin")
    page = client.get("/admin/settings").get_data(as_text=True)
    assert "服务人员现场收费上限（元）" in page and "投诉处理时限" in page
    response = client.post(
        "/admin/settings", data=_settings_form(small_fee_limit_fen="300", quick_work_picks="A\nB")
    )
    assert response.status_code == 200
    assert Setting.get_value("small_fee_limit_fen") == 30000
    assert Setting.get_value("quick_work_picks") == "A\nB"
    response = client.post("/admin/settings", data=_settings_form(small_fee_limit_fen="-5"))
    assert response.status_code == 422
    assert Setting.get_value("small_fee_limit_fen") == 30000
    # one bad value refuses the whole form: nothing else is saved either
    response = client.post(
        "/admin/settings", data=_settings_form(quick_work_picks="C", complaint_ack_hours_normal="0")
    )
    assert response.status_code == 422 and Setting.get_value("quick_work_picks") == "A\nB"
    event = Event.select().where(Event.subject == "setting").order_by(Event.id.desc()).first()
    assert event.note == "quick_work_picks" and event.data["to"] == "A\nB"


def test_the_manager_cannot_loosen_the_control_of_their_own_work(client, auth, users, dbc):
    from models.core import Forbidden

    auth.login("manager")
    page = client.get("/admin/settings").get_data(as_text=True)
    assert re.search(
        r'<input[^>]*disabled[^>]*name="countersign_own_work"|<input[^>]*name="countersign_own_work"[^>]*disabled',
        page,
    )
    response = client.post(
        "/admin/settings", data=_settings_form(countersign_own_work="y", quick_work_picks="X")
    )
    assert response.status_code == 200
    assert Setting.get_value("countersign_own_work") is False and Setting.get_value("quick_work_picks") == "X"
    with pytest.raises(Forbidden):
        Setting.set_value("countersign_own_work", True, users["manager"])
    assert Setting.set_value("countersign_own_work", True, users["admin"])


def test_audit_log_lists_events(client, auth):
    auth.login("admin")
    html = client.get("/admin/events?logins=1").get_data(as_text=True)
    assert "登录" in html and ">用户 Admin</a>" in html  # the record by its name, linked


def test_audit_log_hides_sign_ins_and_filters_by_record_user_and_date(client, auth, users, make):
    from models.core import today

    first = make.job(fault="第一单")
    second = make.job(fault="第二单")
    first.dispatch(users["tech1"], users["manager"])
    auth.login("admin")
    html = client.get("/admin/events").get_data(as_text=True)
    assert "</strong> 登录" not in html and first.number in html and second.number in html
    assert f'href="/admin/events?subject=job&amp;record={first.id}"' in html  # "only this record"

    only = client.get(f"/admin/events?subject=job&record={first.id}").get_data(as_text=True)
    assert first.number in only and second.number not in only
    by = client.get(f"/admin/events?user={users['manager'].id}").get_data(as_text=True)
    assert "派工给" in by and "登记了来电" not in by
    day = today().isoformat()  # the department's day (UTC's is another one from 16:00 UTC)
    assert first.number in client.get(f"/admin/events?start={day}&end={day}").get_data(as_text=True)
    empty = client.get("/admin/events?start=2020-01-01&end=2020-01-02").get_data(as_text=True)
    assert "没有符合条件的记录。" in empty
    swapped = client.get(f"/admin/events?start={day}&end=2020-01-01").get_data(as_text=True)
    assert "起始日期晚于结束日期" in swapped and first.number in swapped
    assert client.get("/admin/events?start=bogus&user=abc&record=-1").status_code == 200


def test_a_permission_change_says_what_changed(client, auth, users, dbc):
    auth.login("admin")
    page = client.get("/admin/permissions").get_data(as_text=True)
    assert 'hx-confirm="将“登记服务来电”授予财务？"' in page
    response = client.post("/admin/permissions/intake.register/finance", htmx=True)
    assert json.loads(response.headers["HX-Trigger"])["toast"] == "已将“登记服务来电”授予财务。"
    response = client.post("/admin/permissions/intake.register/finance", htmx=True)
    assert json.loads(response.headers["HX-Trigger"])["toast"] == "已收回财务的“登记服务来电”权限。"


def test_a_technician_with_jobs_in_hand_is_not_deactivated(client, auth, users, make, dbc):
    make.job(state="dispatched", tech="tech2")
    auth.login("admin")
    uid = users["tech2"].id
    response = client.post(
        f"/admin/users/{uid}", data={"full_name": "Tech2", "role": "technician", "phone": ""}
    )
    assert response.status_code == 422
    assert "请先改派" in response.get_data(as_text=True)
    assert User.get_by_id(uid).active
