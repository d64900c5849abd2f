"""Sessions kept on the server: a copy of the cookie stops working once the session ends (sign-out,
idle time, absolute lifetime, "end this session", a new password, deactivation), in every
process that serves the database."""

import datetime

import pytest

from models import Event, Job, User
from models.core import Setting, UserSession, clock
from tests import report
from tests.conftest import SECRET


def _cookie(client):
    return client.get_cookie("session").value


def _as(app, cookie):
    """Another browser holding a copy of ``cookie``."""
    other = app.test_client()
    other.set_cookie("session", cookie)
    return other


def _refused(client, job, users):
    """Every way a stolen cookie could be used is refused, and nothing changes."""
    version = Job.get_by_id(job.id).version
    data = {"technician": users["tech1"].id, "version": version}
    page = client.get("/")
    plain = client.post(f"/jobs/{job.id}/dispatch", data=dict(data))
    htmx = client.post(f"/jobs/{job.id}/dispatch", data=dict(data), htmx=True)
    results = [
        page.status_code == 303 and "/login" in page.headers["Location"],
        plain.status_code == 303 and "/login" in plain.headers["Location"],
        htmx.status_code == 401 and htmx.headers["HX-Redirect"].startswith("/login"),
        Job.get_by_id(job.id).state == "registered",
    ]
    report.add("sessions_revoked_checked", len(results))
    report.add("sessions_revoked_violations", results.count(False))
    return all(results)


def test_a_copy_of_the_cookie_stops_working_after_logout(app, client, auth, make, users, dbc):
    job = make.job()
    auth.login("manager")
    stolen = _cookie(client)
    assert _as(app, stolen).get("/").status_code == 200  # the copy works while the session lives
    assert auth.logout().status_code == 303
    assert _refused(_as(app, stolen), job, users)
    assert UserSession.select().count() == 0
    assert Event.select().where(Event.action == "logout").count() == 1


def test_each_sign_in_gets_a_new_token(app, client, auth, users, dbc):
    auth.login("clerk")
    first = _cookie(client)
    auth.logout()
    auth.login("clerk")
    assert _cookie(client) != first
    with client.session_transaction() as session:
        token = session["_user_id"]
    assert ":" not in token and str(users["clerk"].id) != token  # a random token, not the user id
    row = UserSession.get()
    assert row.token_hash != token and len(row.token_hash) == 64  # kept only hashed
    assert row.user_id == users["clerk"].id and row.address == "127.0.0.1"


def test_an_idle_session_expires(app, client, auth, make, users, dbc):
    job = make.job()
    auth.login("manager")
    stolen = _cookie(client)
    clock().travel(datetime.timedelta(hours=7, minutes=59))
    assert client.get("/").status_code == 200  # still inside the idle time: activity counts
    clock().travel(datetime.timedelta(hours=7, minutes=59))
    assert client.get("/").status_code == 200
    clock().travel(datetime.timedelta(hours=8, minutes=1))
    assert _refused(_as(app, stolen), job, users)
    assert Event.select().where(Event.action == "session_expired").count() == 1
    assert UserSession.select().count() == 0


def test_a_session_ends_after_its_lifetime_however_busy(app, client, auth, make, users, dbc):
    job = make.job()
    auth.login("manager")
    for _ in range(23):  # a week of activity every 7 hours
        clock().travel(datetime.timedelta(hours=7))
        assert client.get("/").status_code == 200
    clock().travel(datetime.timedelta(hours=7))
    assert _refused(client, job, users)


def test_the_administrator_sets_the_limits(app, client, auth, make, users, dbc):
    job = make.job()
    Setting.set_value("session_idle_minutes", 30, users["admin"])
    Setting.set_value("session_lifetime_hours", 2, users["admin"])
    auth.login("manager")
    clock().travel(datetime.timedelta(minutes=29))
    assert client.get("/").status_code == 200
    clock().travel(datetime.timedelta(minutes=31))
    assert _refused(client, job, users)
    auth.login("manager")
    for _ in range(4):
        clock().travel(datetime.timedelta(minutes=29))
        assert client.get("/").status_code == 200
    clock().travel(datetime.timedelta(minutes=5))
    assert _refused(client, job, users)  # two hours after signing in


def test_last_seen_is_written_at_most_once_a_minute(app, client, auth, users, dbc):
    from tests.querycount import count_queries

    auth.login("clerk")
    with count_queries() as queries:
        for _ in range(5):
            client.get("/")
    assert not [q for q in queries if "UPDATE" in q and "user_session" in q]
    clock().travel(datetime.timedelta(seconds=61))
    with count_queries() as queries:
        for _ in range(5):
            client.get("/")
    assert len([q for q in queries if "UPDATE" in q and "user_session" in q]) == 1
    assert UserSession.get().last_seen > UserSession.get().created_at


def test_a_user_sees_their_sessions_and_ends_the_others(app, client, auth, make, users, dbc):
    job = make.job()
    phone = app.test_client()
    phone.post(
        "/login", data={"username": "manager", "password": "secret-pass"}, headers={"User-Agent": "Phone"}
    )
    tablet = app.test_client()
    tablet.post(
        "/login", data={"username": "manager", "password": "secret-pass"}, headers={"User-Agent": "Tab"}
    )
    auth.login("manager")
    html = client.get("/account/sessions").get_data(as_text=True)
    assert html.count('id="session-') == 3 and "当前会话" in html and "Phone" in html
    assert "/account/sessions" in client.get("/").get_data(as_text=True)  # in the menu
    mine = UserSession.select().order_by(UserSession.id.desc()).first()
    phone_row = UserSession.get(UserSession.user_agent == "Phone")

    assert client.post(f"/account/sessions/{mine.id}/end").status_code == 303  # refused: sign out instead
    assert client.get("/").status_code == 200
    response = client.post(f"/account/sessions/{phone_row.id}/end")
    assert response.status_code == 303 and response.headers["Location"] == "/account/sessions"
    assert _refused(phone, job, users)
    assert tablet.get("/").status_code == 200
    assert client.post("/account/sessions/end-others").status_code == 303
    assert _refused(tablet, job, users)
    assert client.get("/").status_code == 200
    assert [e.action for e in Event.select().where(Event.action.startswith("session"))] == [
        "session_end",
        "sessions_end",
    ]


def test_nobody_ends_another_users_session(app, client, auth, users, dbc):
    other = app.test_client()
    other.post("/login", data={"username": "clerk", "password": "secret-pass"})
    row = UserSession.get()
    auth.login("manager")
    response = client.post(f"/account/sessions/{row.id}/end", htmx=True)
    assert response.status_code == 409 and "已结束" in response.get_data(as_text=True)
    assert other.get("/").status_code == 200


def test_a_new_password_ends_every_other_session(app, client, auth, make, users, dbc):
    job = make.job()
    auth.login("manager")
    elsewhere = _as(app, _cookie(client))
    auth.logout()
    other = app.test_client()
    other.post("/login", data={"username": "manager", "password": "secret-pass"})
    auth.login("manager")
    response = client.post(
        "/password", data={"current": "secret-pass", "password": "new-pass-123", "confirm": "new-pass-123"}
    )
    assert response.status_code == 200
    assert client.get("/").status_code == 200  # this session goes on
    assert _refused(other, job, users)
    assert _refused(elsewhere, job, users)


def test_deactivation_ends_every_session_of_the_user(app, client, auth, make, users, dbc):
    job = make.job()
    auth.login("manager")
    stolen = _cookie(client)
    User.get_by_id(users["manager"].id).update_profile(users["admin"], "Manager", "manager", "", False)
    assert _refused(_as(app, stolen), job, users)
    assert UserSession.select().count() == 0


def test_old_cookies_of_the_user_id_kind_no_longer_work(app, client, users, dbc):
    with client.session_transaction() as session:
        session["_user_id"] = f"{users['admin'].id}:0123456789abcdef"
        session["_fresh"] = True
    assert client.get("/").status_code == 303


def test_sessions_hold_across_processes(backend, database_url, password_hash):
    """Signed in through one server process, used through another, ended there: the first
    process refuses the cookie at once (nothing about sessions is kept in one process)."""
    from models import db
    from tests.conftest import _make_app
    from tests.liveserver import Client, Gunicorn

    _make_app(database_url)
    with db.connection_context():
        User.create_user("clerk", "Clerk", "clerk", None, password_hash=password_hash)
    if hasattr(db.obj, "close_all"):
        db.close_all()
    first, second = Gunicorn(database_url, SECRET, workers=1), Gunicorn(database_url, SECRET, workers=1)
    try:
        browser = Client(first.base).login("clerk", "secret-pass")
        copy = Client(second.base)
        copy.cookies = dict(browser.cookies)
        assert copy.get("/")[0] == 200
        status, _, _ = copy.post("/logout", {})
        assert status == 303
        thief = Client(first.base)
        thief.cookies = dict(browser.cookies)
        checks = [thief.get("/")[0] == 303, thief.post("/logout", {})[0] in (303, 400)]
        report.add("sessions_revoked_checked", len(checks))
        report.add("sessions_revoked_violations", checks.count(False))
        assert all(checks)
    finally:
        first.stop()
        second.stop()


@pytest.mark.parametrize("header", ["http://[", "http://x:99999/", "\x00", "//evil.example/x", "ftp://h/\\"])
def test_a_malformed_current_url_header_signed_out_is_no_error(client, header):
    response = client.get("/board/", htmx=True, headers={"HX-Current-URL": header})
    assert response.status_code == 401
    assert response.headers["HX-Redirect"].startswith("/login")
    assert "evil" not in response.headers["HX-Redirect"]
