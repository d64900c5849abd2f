"""Sign-in, sign-out, throttling, sessions, own password, language."""

import pytest

from models import Event, LoginAttempt, User


def test_login_page_is_chinese_by_default(client):
    response = client.get("/login")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'lang="zh-CN"' in html
    assert "登录" in html
    assert 'name="username"' in html and 'name="password"' in html


def test_login_redirects_home_and_shows_name(client, auth, users):
    response = auth.login("clerk")
    assert response.status_code == 303
    assert response.headers["Location"] == "/"
    assert "Clerk" in client.get("/").get_data(as_text=True)


@pytest.mark.parametrize(
    "username,password,message",
    [
        ("clerk", "wrong-pass", "用户名或密码错误"),
        ("nobody", "secret-pass", "用户名或密码错误"),
        ("", "secret-pass", "必填"),
        ("clerk", "", "必填"),
    ],
)
def test_bad_login_is_refused_next_to_the_field(client, users, username, password, message):
    response = client.post("/login", data={"username": username, "password": password})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert client.get("/").status_code == 303  # still signed out


def test_bad_login_as_htmx_returns_the_form_with_422(client, users):
    response = client.post("/login", data={"username": "clerk", "password": "nope-nope"}, htmx=True)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "用户名或密码错误" in html
    assert "<html" not in html  # the fragment only
    assert "HX-Request" in response.headers["Vary"]


def test_repeated_failures_are_throttled(client, users, dbc):
    for _ in range(5):
        client.post("/login", data={"username": "clerk", "password": "wrong-pass"})
    response = client.post("/login", data={"username": "clerk", "password": "secret-pass"})
    assert response.status_code == 422
    assert "登录失败次数过多" in response.get_data(as_text=True)
    assert [a.outcome for a in LoginAttempt.select().order_by(LoginAttempt.id)] == ["wrong"] * 5 + [
        "throttled"
    ]
    assert client.get("/").status_code == 303  # still signed out


def test_deactivated_user_cannot_sign_in(client, users, dbc):
    users["clerk"].update_profile(users["admin"], "Clerk", "clerk", "", False)
    response = client.post("/login", data={"username": "clerk", "password": "secret-pass"})
    assert response.status_code == 422
    assert "账号已停用" in response.get_data(as_text=True)


def test_deactivation_ends_an_open_session(client, auth, users, dbc):
    auth.login("clerk")
    assert client.get("/").status_code == 200
    User.get_by_id(users["clerk"].id).update_profile(users["admin"], "Clerk", "clerk", "", False)
    assert client.get("/").status_code == 303


def test_passwords_are_not_stored_in_clear(users, dbc):
    stored = User.get(User.username == "clerk").password_hash
    assert "secret-pass" not in stored
    assert stored.startswith("scrypt:")


def test_logout_ends_the_session(client, auth):
    auth.login("clerk")
    assert auth.logout().status_code == 303
    assert client.get("/").status_code == 303


def test_logout_needs_csrf(client, auth):
    auth.login("clerk")
    assert client.post("/logout", csrf=False).status_code == 400
    assert client.get("/").status_code == 200


@pytest.mark.parametrize("htmx", [False, True])
def test_post_without_csrf_is_refused(client, users, htmx, dbc):
    response = client.post(
        "/login", data={"username": "clerk", "password": "secret-pass"}, csrf=False, htmx=htmx
    )
    assert response.status_code == 400
    assert not LoginAttempt.select().exists()


def test_post_with_a_wrong_csrf_token_is_refused(client, users):
    response = client.post(
        "/login",
        data={"username": "clerk", "password": "secret-pass", "csrf_token": "forged"},
        headers={"X-CSRFToken": "forged"},
        csrf=False,
    )
    assert response.status_code == 400


def test_session_changes_at_login(client, users):
    client.get("/login")
    with client.session_transaction() as before:
        before["marker"] = "pre-login"
    client.post("/login", data={"username": "clerk", "password": "secret-pass"})
    with client.session_transaction() as after:
        assert "marker" not in after
        assert "_user_id" in after


def test_next_only_goes_to_this_site(client, users):
    response = client.post(
        "/login?next=//evil.example/x",
        data={"username": "clerk", "password": "secret-pass", "next": "//evil.example/x"},
    )
    assert response.headers["Location"] == "/"


def test_change_password(client, auth, users, dbc):
    auth.login("clerk")
    response = client.post(
        "/password",
        data={"current": "secret-pass", "password": "new-pass-123", "confirm": "new-pass-123"},
    )
    assert response.status_code == 200
    assert User.get(User.username == "clerk").check_password("new-pass-123")
    assert client.get("/").status_code == 200  # this session survives
    assert Event.select().where(Event.action == "password").count() == 1


@pytest.mark.parametrize(
    "data,message",
    [
        (
            {"current": "wrong", "password": "new-pass-123", "confirm": "new-pass-123"},
            "当前密码不正确",
        ),
        ({"current": "secret-pass", "password": "short", "confirm": "short"}, "8"),
        (
            {"current": "secret-pass", "password": "new-pass-123", "confirm": "other-123"},
            "两次输入的密码不一致",
        ),
    ],
)
def test_change_password_errors(client, auth, users, data, message, dbc):
    auth.login("clerk")
    response = client.post("/password", data=data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert User.get(User.username == "clerk").check_password("secret-pass")


def test_language_switch_sticks_for_the_user(client, auth, users, dbc):
    auth.login("clerk")
    client.post("/lang/en", data={"next": "/"})
    assert 'lang="en"' in client.get("/").get_data(as_text=True)
    assert User.get(User.username == "clerk").locale == "en"
    auth.logout()
    auth.login("clerk")
    html = client.get("/").get_data(as_text=True)
    assert 'lang="en"' in html and "Sign out" in html


def test_language_switch_before_sign_in(client):
    client.post("/lang/en", data={"next": "/login"})
    html = client.get("/login").get_data(as_text=True)
    assert "Sign in" in html and 'lang="en"' in html


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok"}


def test_security_headers(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    # scripts, styles, fonts and connections: only from the desk itself (default-src)
    assert csp.startswith("default-src 'self';") and "script-src" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"]
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_failures_from_another_machine_do_not_lock_a_user_out_at_their_desk(users, dbc):
    from models import RuleError

    assert LoginAttempt.authenticate("clerk", "secret-pass", "10.0.0.7").username == "clerk"  # their desk
    for _ in range(5):
        with pytest.raises(RuleError):
            LoginAttempt.authenticate("clerk", "wrong-pass", "10.0.0.66")
    with pytest.raises(RuleError, match="Too many"):
        LoginAttempt.authenticate("clerk", "secret-pass", "10.0.0.66")
    assert LoginAttempt.authenticate("clerk", "secret-pass", "10.0.0.7").username == "clerk"


def test_an_address_spraying_unknown_names_is_throttled(users, dbc, start_of_a_quarter_hour):
    from models import RuleError

    LoginAttempt.authenticate("clerk", "secret-pass", "10.0.0.66")  # clerk works at that address
    for i in range(20):
        with pytest.raises(RuleError):
            LoginAttempt.authenticate(f"nobody{i}", "x", "10.0.0.66")
    for name in ("nobody99", "manager"):  # nothing else is tried from there now
        with pytest.raises(RuleError) as error:
            LoginAttempt.authenticate(name, "secret-pass", "10.0.0.66")
        assert "from this address" in str(error.value)
    assert LoginAttempt.authenticate("clerk", "secret-pass", "10.0.0.66").username == "clerk"
    assert LoginAttempt.authenticate("manager", "secret-pass", "10.0.0.7").username == "manager"


@pytest.mark.parametrize("target", ["/\\evil.example", "https://evil.example/", "//evil.example", "/\t/evil"])
def test_htmx_sign_in_never_redirects_off_site(client, users, target):
    response = client.post(
        "/login", data={"username": "clerk", "password": "secret-pass", "next": target}, htmx=True
    )
    assert response.headers["HX-Redirect"] == "/"
