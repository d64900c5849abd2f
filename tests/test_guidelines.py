"""The service guidelines (客户服务准则): Markdown in versions, a diff between two, markup that
never executes, and the rules the software enforces read from the settings."""

import pytest

from models import Event, RuleError, Setting
from models.core import Forbidden
from models.surveys import GuidelineVersion

TEXT_V1 = "# 客户服务准则\n\n- 三声内接听电话\n- 礼貌用语\n"
TEXT_V2 = "# 客户服务准则\n\n- 三声内接听电话\n- 不能准时须提前告知\n- 礼貌用语\n"


def test_every_version_is_kept_with_who_when_and_what_changed(users, dbc):
    first = GuidelineVersion.publish(users["admin"], TEXT_V1, "初稿")
    second = GuidelineVersion.publish(users["admin"], TEXT_V2, "增加准时要求")
    assert (first.number, second.number) == (1, 2)
    assert GuidelineVersion.current().id == second.id
    assert GuidelineVersion.get_by_id(first.id).text == TEXT_V1.strip()
    history = GuidelineVersion.history()
    assert [v.number for v in history] == [2, 1] and history[0].writer.username == "admin"
    assert Event.select().where(Event.subject == "guideline", Event.action == "publish").count() == 2
    assert first.diff(second) == [
        ("@", "@@ -2,3 +2,4 @@"),
        (" ", ""),
        (" ", "- 三声内接听电话"),
        ("+", "- 不能准时须提前告知"),
        (" ", "- 礼貌用语"),
    ]


def test_an_unchanged_or_empty_text_is_refused_and_only_the_administrator_writes(users, dbc):
    GuidelineVersion.publish(users["admin"], TEXT_V1)
    for text in (TEXT_V1, "   "):
        with pytest.raises(RuleError) as refused:
            GuidelineVersion.publish(users["admin"], text)
        assert refused.value.field == "text"
    with pytest.raises(Forbidden):
        GuidelineVersion.publish(users["manager"], TEXT_V2)
    assert GuidelineVersion.select().count() == 1


@pytest.mark.parametrize("role", ["admin", "clerk", "manager", "tech1", "finance"])
def test_staff_read_the_guidelines_with_the_motto(client, auth, users, role):
    GuidelineVersion.publish(users["admin"], TEXT_V1)
    auth.login(role)
    page = client.get("/guidelines/").get_data(as_text=True)
    assert "做服务实际上就是做培训" in page and "三声内接听电话" in page and "<h1>客户服务准则</h1>" in page
    assert ("/guidelines/edit" in page) == (role == "admin")
    assert client.get("/guidelines/edit").status_code == (200 if role == "admin" else 403)


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get("/guidelines/")
    assert response.status_code == 303 and "/login" in response.headers["Location"]


def test_the_page_lists_the_deadlines_and_rules_from_the_settings(client, auth, users, dbc):
    auth.login("clerk")
    page = client.get("/guidelines/").get_data(as_text=True)
    assert "首问负责制" in page and "24 小时内联系客户，48 小时内处理完毕" in page
    Setting.set_value("complaint_ack_hours_normal", 12, users["admin"])
    Setting.set_value("complaint_hours_mode", "working", users["admin"])
    page = client.get("/guidelines/").get_data(as_text=True)
    assert "12 小时内联系客户，48 小时内处理完毕" in page and "09:00–18:00" in page


@pytest.mark.parametrize(
    "hostile, never",
    [
        ("<script>alert(1)</script>", "<script>alert(1)</script>"),
        ('<img src=x onerror="alert(1)">', "<img src=x"),
        ("[点我](javascript:alert(1))", 'href="javascript:'),
        ('<a href="javascript:alert(1)">x</a>', 'href="javascript:'),
        ("[x](vbscript:msgbox(1))", 'href="vbscript:'),
        ("<iframe src=//evil.example></iframe>", "<iframe"),
    ],
)
def test_markup_in_the_guidelines_never_executes(client, auth, users, hostile, never):
    GuidelineVersion.publish(users["admin"], f"# 准则\n\n{hostile}\n\n**加粗**")
    auth.login("clerk")
    page = client.get("/guidelines/").get_data(as_text=True)
    assert never not in page
    assert "<strong>加粗</strong>" in page  # Markdown itself is rendered
    diff = client.get("/guidelines/diff").get_data(as_text=True)
    assert never not in diff


def test_editing_through_the_screen_makes_a_new_version(client, auth, users, dbc):
    auth.login("admin")
    assert client.post("/guidelines/edit", data={"text": "", "note": ""}).status_code == 422
    response = client.post("/guidelines/edit", data={"text": TEXT_V1, "note": "初稿"})
    assert response.status_code == 303 and response.headers["Location"] == "/guidelines/"
    unchanged = client.post("/guidelines/edit", data={"text": TEXT_V1, "note": ""})
    assert unchanged.status_code == 422 and "没有任何修改" in unchanged.get_data(as_text=True)
    client.post("/guidelines/edit", data={"text": TEXT_V2, "note": "增加准时要求"})
    versions = client.get("/guidelines/versions").get_data(as_text=True)
    assert "增加准时要求" in versions and "初稿" in versions
    first, second = GuidelineVersion.select().order_by(GuidelineVersion.number)
    diff = client.get(f"/guidelines/diff?from={first.id}&to={second.id}").get_data(as_text=True)
    assert "<ins>+ - 不能准时须提前告知</ins>" in diff
    old = client.get(f"/guidelines/versions/{first.id}").get_data(as_text=True)
    assert "较早的版本" in old and "不能准时" not in old
    for bad in ("from=abc&to=-1", "from=99999999999&to=1", "to=" + "9" * 30):
        assert client.get(f"/guidelines/diff?{bad}").status_code == 200
    assert client.get("/guidelines/versions/999999").status_code == 404


def test_no_guidelines_yet(client, auth, users):
    auth.login("clerk")
    page = client.get("/guidelines/")
    assert page.status_code == 200 and "尚未编写" in page.get_data(as_text=True)
    assert client.get("/guidelines/diff").status_code == 404
