"""Findings of the attacker's and the new user's walk through the desk (issue 10), each pinned:
bounded caches, trusted hosts, private database files, the last administrator, odd input."""

import os
import secrets
import stat
import threading

import pytest

from models import Job, RuleError, User, db
from views import assets

# ---- memory: nothing a client sends adds to a cache -------------------------------------------


def test_made_up_versions_do_not_grow_the_asset_caches(client):
    import re

    html = client.get("/login").get_data(as_text=True)
    script = re.search(r'<script src="([^"?]+)\?v=([0-9a-f]+)"', html)
    path, current = script.groups()
    for url in (path, "/static/app.css"):
        client.get(f"{url}?v=warm", headers={"Accept-Encoding": "gzip"})
    before = assets.cache_sizes()
    for _ in range(250):
        for url in (path, "/static/app.css"):
            response = client.get(f"{url}?v={secrets.token_hex(8)}", headers={"Accept-Encoding": "gzip"})
            assert response.status_code == 200 and response.headers["Content-Encoding"] == "gzip"
    assert assets.cache_sizes() == before
    made_up = client.get(f"{path}?v=0123456789ab")
    assert "immutable" not in (made_up.headers.get("Cache-Control") or "")  # only the real version is
    real = client.get(f"{path}?v={current}")
    assert "immutable" in real.headers["Cache-Control"]


# ---- trusted hosts ------------------------------------------------------------------------------


def test_trusted_hosts_come_from_the_environment_and_refuse_a_foreign_host(database_url, monkeypatch):
    from tests.conftest import Client, _make_app

    monkeypatch.setenv("SERVICEDESK_TRUSTED_HOSTS", '["desk.example.com"]')
    app = _make_app(database_url)
    assert app.config["TRUSTED_HOSTS"] == ["desk.example.com"]
    app.test_client_class = Client
    client = app.test_client()
    assert client.get("/jobs/1", headers={"Host": "evil.example"}).status_code == 400
    answer = client.get("/jobs/1", headers={"Host": "desk.example.com"})
    assert answer.status_code == 303 and "evil" not in answer.headers["Location"]
    assert client.get("/login", headers={"Host": "desk.example.com"}).status_code == 200


# ---- files only their owner reads -----------------------------------------------------------------


@pytest.mark.backends("sqlite")
def test_a_new_database_and_its_backups_are_private(tmp_path, runner, app):
    from models.core.db import make_database

    path = tmp_path / "new.sqlite3"
    database = make_database(str(path))
    database.connect()
    database.execute_sql("CREATE TABLE t (x)")
    database.close()
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    copy = tmp_path / "copy.sqlite3"
    copy.write_bytes(b"")
    os.chmod(copy, 0o644)  # even over an existing, readable file
    result = runner.invoke(args=["backup", str(copy)])
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(os.stat(copy).st_mode) == 0o600


# ---- never zero administrators ------------------------------------------------------------------


def test_a_demoted_administrator_cannot_demote_the_last_one(users, dbc):
    second = User.create_user("admin2", "Admin Two", "admin", "x" * 8, by=users["admin"])
    stale = User.get_by_id(second.id)  # admin2's page, opened before the change below
    User.get_by_id(second.id).update_profile(users["admin"], "Admin Two", "clerk", "", True)
    with pytest.raises(RuleError):
        User.get_by_id(users["admin"].id).update_profile(stale, "Admin", "clerk", "", True)
    assert User.select().where(User.role == "admin", User.active).count() == 1


def test_two_administrators_demoting_each_other_at_once_leave_one(app, users, dbc):
    second = User.create_user("admin2", "Admin Two", "admin", "x" * 8, by=users["admin"])
    first = User.get_by_id(users["admin"].id)
    barrier, outcomes = threading.Barrier(2), []

    def demote(target, actor):
        with db.connection_context():
            barrier.wait(10)
            try:
                User.get_by_id(target.id).update_profile(actor, target.full_name, "clerk", "", True)
                outcomes.append("done")
            except RuleError:
                outcomes.append("refused")

    threads = [
        threading.Thread(target=demote, args=(second, first)),
        threading.Thread(target=demote, args=(first, User.get_by_id(second.id))),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(outcomes) == ["done", "refused"]
    assert User.select().where(User.role == "admin", User.active).count() == 1


def test_the_last_administrator_cannot_be_deactivated_by_anyone(users, dbc):
    with pytest.raises(RuleError):
        User.get_by_id(users["admin"].id).update_profile(None, "Admin", "admin", "", False)
    assert User.get_by_id(users["admin"].id).active


# ---- no 500s ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url,role",
    [
        ("/register/?q=a%00b&state=%00&type=%00&tech=%00", "manager"),
        ("/customers/?q=%00", "clerk"),
        ("/intake/?q=%00&customer=1%00", "clerk"),
        ("/intake/search?q=%00", "clerk"),
        ("/admin/events?subject=%00&q=%00", "admin"),
        ("/tech/poll?since=-1e20", "technician"),
        ("/tech/poll?since=%00", "technician"),
        ("/board/poll?since=1e309&due=%00", "manager"),
        ("/register/?" + "&".join(f"p{i}=x" for i in range(500)), "manager"),
        ("/register/?q=" + "x" * 50_000, "manager"),
    ],
)
def test_odd_query_strings_are_no_server_error(client, auth, url, role):
    auth.login({"technician": "tech1"}.get(role, role))
    assert client.get(url, htmx="poll" in url or "search" in url).status_code < 500


@pytest.mark.parametrize(
    "header", ["User-Agent", "Referer", "HX-Current-URL", "HX-Target", "Accept-Language"]
)
def test_a_nul_in_a_header_is_no_server_error(client, users, header):
    response = client.post(
        "/login",
        data={"username": "clerk", "password": "secret-pass"},
        headers={header: "a\x00b" + "x" * 10_000},
    )
    assert response.status_code == 303
    assert client.get("/", headers={header: "\x00"}).status_code == 200


def test_a_nul_in_the_finish_forms_key_is_refused_not_a_crash(client, auth, make, dbc):
    from tests.test_tech import _form

    job = make.job(state="on_site")
    auth.login("tech1")
    response = client.post(f"/tech/jobs/{job.id}/finish", data=_form(job, key="k\x00ey"), htmx=True)
    assert response.status_code == 409 and "已损坏" in response.get_data(as_text=True)
    assert Job.get_by_id(job.id).state == "on_site"


@pytest.mark.parametrize(
    "png,message",
    [
        (b"\x89PNG\r\n\x1a\n<html><script>alert(1)</script></html>", "签名图片无效"),
        ("huge", "签名图片尺寸不合理"),
    ],
    ids=["png-header-then-html", "20000x20000"],
)
def test_a_signature_that_is_not_a_sensible_png_is_refused_through_the_finish_form(
    client, auth, make, dbc, png, message
):
    import base64
    import struct
    import zlib

    from models import Signature
    from tests.test_tech import _form

    if png == "huge":

        def chunk(kind, data):
            return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

        header = struct.pack(">IIBBBBB", 20000, 20000, 8, 0, 0, 0, 0)
        png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 1000))
        png += chunk(b"IEND", b"")
    job = make.job(state="on_site")
    auth.login("tech1")
    signature = "data:image/png;base64," + base64.b64encode(png).decode()
    response = client.post(f"/tech/jobs/{job.id}/finish", data=_form(job, signature=signature), htmx=True)
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert Job.get_by_id(job.id).state == "on_site"
    assert Signature.select().where(Signature.subject_id == job.id).count() == 0
