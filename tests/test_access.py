"""Every route against every role: the permission map decides, nothing is open by accident."""

import pytest
from werkzeug.routing import IntegerConverter

from models import Event
from models.core import ROLES
from models.core.access import ACTIONS, permission_map
from tests import report
from views.common import route_action


def _routes(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        # Arguments name records that do not exist: an allowed role then gets 404, not 403.
        values = {
            arg: 999999 if isinstance(rule._converters[arg], IntegerConverter) else "x"
            for arg in rule.arguments
        }
        with app.test_request_context():
            from flask import url_for

            url = url_for(rule.endpoint, **values)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule.endpoint, method, url


def test_every_route_is_marked(app):
    with app.app_context():
        unmarked = [e for e, _, _ in _routes(app) if route_action(e, app) == "?"]
        unknown = [e for e, _, _ in _routes(app) if route_action(e, app) not in (None, "?", *ACTIONS)]
    assert unmarked == []
    assert unknown == []


def test_signed_out_users_are_sent_to_login(app, client):
    checked = 0
    for endpoint, method, url in _routes(app):
        with app.app_context():
            action = route_action(endpoint, app)
        if action is None:
            continue
        response = client.open(url, method=method, headers={"X-CSRFToken": client.csrf_token()})
        assert response.status_code == 303, (endpoint, method, response.status_code)
        assert "/login" in response.headers["Location"]
        checked += 1
    assert checked > 5


@pytest.mark.parametrize("role", ROLES)
def test_role_route_matrix(app, client, users, role, dbc):
    username = {"technician": "tech1"}.get(role, role)
    client.post("/login", data={"username": username, "password": "secret-pass"})
    events_before = Event.select().count()
    allowed = permission_map()
    violations = []
    cases = 0
    for endpoint, method, url in _routes(app):
        action = route_action(endpoint, app)
        if action is None or endpoint in ("auth.logout", "auth.login", "auth.set_language"):
            continue
        cases += 1
        token = client.csrf_token()
        response = client.open(url, method=method, data={"csrf_token": token}, headers={"X-CSRFToken": token})
        may = role in allowed[action]
        if may and response.status_code in (401, 403):
            violations.append((endpoint, method, response.status_code, "refused"))
        if not may and response.status_code != 403:
            violations.append((endpoint, method, response.status_code, "allowed"))
    report.add("role_route_cases", cases)
    report.add("role_route_violations", len(violations))
    if role == "admin":
        report.worst("routes_checked", len(list(_routes(app))))
    assert violations == []
    # refused requests wrote nothing (allowed ones hit missing objects: 404, also no write)
    assert Event.select().count() == events_before


def test_htmx_request_when_signed_out_gets_a_redirect_header(client):
    response = client.get("/", htmx=True)
    assert response.status_code == 401
    assert response.headers["HX-Redirect"].startswith("/login")


def test_role_pages_refused_to_other_roles(client, auth):
    auth.login("tech1")
    response = client.get("/admin/users")
    assert response.status_code == 403
    assert "无权" in response.get_data(as_text=True)


def test_navigation_shows_only_what_the_role_may_use(client, auth):
    auth.login("admin")
    html = client.get("/").get_data(as_text=True)
    assert "/admin/users" in html and "/admin/permissions" in html
    auth.logout()
    auth.login("tech1")
    html = client.get("/").get_data(as_text=True)
    assert "/admin/users" not in html and "/admin/permissions" not in html
