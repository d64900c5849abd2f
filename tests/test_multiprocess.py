"""Two app processes on one PostgreSQL: a change made through one shows on a board served by the other."""

import http.cookiejar
import os
import re
import subprocess
import sys
import time
import urllib.parse
import urllib.request

import pytest

from tests import pg
from tests.conftest import SECRET, _make_app

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _free_port():
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(url, port):
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": SECRET}
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--no-control-socket",
            "--graceful-timeout",
            "1",
            "-w",
            "1",
            "--threads",
            "2",
            "-b",
            f"127.0.0.1:{port}",
            "app:create_app()",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _wait(base):
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            urllib.request.urlopen(base + "/healthz", timeout=1)
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{base} did not start")


class Browser:
    """Just enough of a browser: cookies, CSRF token from the page, no redirects followed."""

    def __init__(self):
        self.jar = http.cookiejar.CookieJar()

        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args, **kwargs):
                return None

        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), NoRedirect)
        self.token = None

    def open(self, url, data=None, headers=None):
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(url, data=body, headers=headers or {})
        try:
            response = self.opener.open(request, timeout=10)
        except urllib.error.HTTPError as error:
            response = error
        text = response.read().decode()
        found = re.search(r'name="csrf-token" content="([^"]+)"', text)
        if found:
            self.token = found.group(1)
        return response.status, text


@pytest.mark.backends("postgres")
def test_change_through_one_process_appears_on_the_others_board(backend, pg_server, pg_template):
    name = f"sd_two_{os.getpid()}"
    pg.admin_execute(
        pg_server, f"DROP DATABASE IF EXISTS {name}", f"CREATE DATABASE {name} TEMPLATE {pg_template}"
    )
    url = pg.database_url(pg_server, name)
    from models import Job, User, db
    from models.demo import load_demo

    _make_app(url)
    with db.connection_context():
        load_demo()
        job = Job.select().where(Job.state == "registered").order_by(Job.id).first()
        tech = User.get(User.username == "tech2")
    db.close_all()

    ports = [_free_port(), _free_port()]
    servers = [_serve(url, port) for port in ports]
    try:
        a, b = (f"http://127.0.0.1:{port}" for port in ports)
        _wait(a)
        _wait(b)
        browser = Browser()
        browser.open(a + "/login")
        status, _ = browser.open(
            a + "/login", {"username": "manager", "password": "demo1234", "csrf_token": browser.token}
        )
        assert status == 303
        status, board = browser.open(b + "/board/")
        assert status == 200 and f'id="card-{job.id}"' in board
        position = int(re.search(r'data-position="(\d+)"', board).group(1))
        status, body = browser.open(f"{b}/board/poll?since={position}", headers={"HX-Request": "true"})
        assert status == 204 and body == ""

        status, _ = browser.open(
            f"{a}/jobs/{job.id}/dispatch",
            {"technician": tech.id, "version": job.version, "csrf_token": browser.token},
        )
        assert status == 303

        status, body = browser.open(f"{b}/board/poll?since={position}", headers={"HX-Request": "true"})
        assert status == 200
        # the card, placed by app.js into the technician's lane
        assert f'data-place="#cards-tech-{tech.id}" data-replace="card-{job.id}"' in body
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            server.wait(10)
        pg.admin_execute(pg_server, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
