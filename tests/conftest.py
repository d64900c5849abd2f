"""Fixtures: each test gets its own fresh database, on SQLite and on PostgreSQL."""

import datetime
import itertools
import os
import re
import shutil
import threading

import pytest
from flask.testing import FlaskClient
from itsdangerous import URLSafeTimedSerializer

from tests import pg

SECRET = "test-secret-key"
BACKENDS = ["sqlite", "postgres"]
_counter = itertools.count()


def pytest_addoption(parser):
    parser.addoption(
        "--backend",
        action="append",
        choices=BACKENDS,
        help="run database tests only on this backend (default: both)",
    )


def pytest_generate_tests(metafunc):
    if "backend" in metafunc.fixturenames:
        chosen = metafunc.config.getoption("backend") or BACKENDS
        only = metafunc.definition.get_closest_marker("backends")
        if only:
            chosen = [b for b in chosen if b in only.args]
        metafunc.parametrize("backend", chosen, scope="function")


def pytest_configure(config):
    config.addinivalue_line("markers", "backends(*names): run only on these database backends")


RESULTS = os.path.join(os.path.dirname(__file__), "results")


def pytest_sessionfinish(session, exitstatus):
    """Write the reliability figures of this run (generated, not committed)."""
    import json

    from tests import report

    if report.FIGURES:
        os.makedirs(RESULTS, exist_ok=True)
        with open(os.path.join(RESULTS, "reliability.json"), "w") as fh:
            json.dump({name: report.FIGURES.get(name) for name in report.NAMES}, fh, indent=2)


def pytest_terminal_summary(terminalreporter):
    from tests import report

    if report.FIGURES:
        terminalreporter.section("reliability report (tests/results/reliability.json)")
        for name in report.NAMES:
            value = report.FIGURES.get(name)
            terminalreporter.write_line(f"{name:<30}{'not run' if value is None else value:>12}")


@pytest.fixture(scope="session")
def pg_server():
    """The URL of a PostgreSQL server: TEST_POSTGRES_URL, or a cluster started here."""
    url = os.environ.get("TEST_POSTGRES_URL")
    if url:
        yield url
        return
    cluster = pg.Cluster().start()
    try:
        yield cluster.url
    finally:
        cluster.stop()


def _make_app(url, **extra):
    from app import create_app

    config = {"TESTING": True, "SECRET_KEY": SECRET, "DATABASE_URL": url}
    config.update(extra)
    return create_app(config)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    """A migrated SQLite file that each test copies."""
    from models import db
    from models.schema import upgrade

    path = str(tmp_path_factory.mktemp("tmpl") / "template.sqlite3")
    _make_app(path)
    with db.connection_context():
        upgrade()
        db.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    return path


@pytest.fixture(scope="session")
def pg_template(pg_server):
    """A migrated PostgreSQL database that each test clones."""
    from models import db
    from models.schema import upgrade

    name = f"sd_template_{os.getpid()}"
    pg.admin_execute(pg_server, f"DROP DATABASE IF EXISTS {name}", f"CREATE DATABASE {name}")
    _make_app(pg.database_url(pg_server, name))
    with db.connection_context():
        upgrade()
    db.close_all()
    return name


@pytest.fixture
def database_url(request, backend, tmp_path):
    """A fresh database for this test on the chosen backend."""
    from models import db

    if backend == "sqlite":
        template = request.getfixturevalue("sqlite_template")
        path = str(tmp_path / "test.sqlite3")
        shutil.copyfile(template, path)
        yield path
        if not db.is_closed():
            db.close()
        return
    server = request.getfixturevalue("pg_server")
    template = request.getfixturevalue("pg_template")
    name = f"sd_test_{os.getpid()}_{next(_counter)}"
    pg.admin_execute(server, f"CREATE DATABASE {name} TEMPLATE {template}")
    yield pg.database_url(server, name)
    if hasattr(db.obj, "close_all"):
        db.close_all()
    pg.admin_execute(server, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


class Client(FlaskClient):
    """A test client that sends a valid CSRF token with every POST unless told not to."""

    def csrf_token(self):
        with self.session_transaction() as session:
            raw = session.setdefault("csrf_token", "0123456789abcdef" * 2 + "01234567")
        return URLSafeTimedSerializer(SECRET, salt="wtf-csrf-token").dumps(raw)

    def post(self, *args, csrf=True, htmx=False, **kwargs):
        headers = dict(kwargs.pop("headers", None) or {})
        if htmx:
            headers["HX-Request"] = "true"
        if csrf:
            token = self.csrf_token()
            data = kwargs.get("data", {})
            if isinstance(data, dict):
                # a copy: a dict reused for another post (or test) must not keep this token
                kwargs["data"] = data = dict(data)
                data.setdefault("csrf_token", token)
            headers.setdefault("X-CSRFToken", token)
        return super().post(*args, headers=headers, **kwargs)

    def get(self, *args, htmx=False, **kwargs):
        headers = dict(kwargs.pop("headers", None) or {})
        if htmx:
            headers["HX-Request"] = "true"
        return super().get(*args, headers=headers, **kwargs)


@pytest.fixture
def app(database_url):
    app = _make_app(database_url)
    app.test_client_class = Client
    yield app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def dbc(app):
    """A database connection for set-up and assertions outside requests."""
    from models import db

    # Not connection_context(): a request made by the test closes the thread's connection
    # at teardown; queries after it simply reconnect.
    db.connect(reuse_if_open=True)
    yield db
    if not db.is_closed():
        db.close()


@pytest.fixture(scope="session")
def password_hash():
    from models import User

    return User.hash_password("secret-pass")


@pytest.fixture
def users(app, password_hash):
    """One user per role, password 'secret-pass'."""
    from models import User, db

    with db.connection_context():
        made = {}
        for username, role in (
            ("admin", "admin"),
            ("clerk", "clerk"),
            ("manager", "manager"),
            ("tech1", "technician"),
            ("tech2", "technician"),
            ("finance", "finance"),
        ):
            made[username] = User.create_user(
                username, username.title(), role, None, password_hash=password_hash
            )
    return made


class Auth:
    def __init__(self, client):
        self.client = client

    def login(self, username="admin", password="secret-pass"):
        return self.client.post("/login", data={"username": username, "password": password})

    def logout(self):
        return self.client.post("/logout")


@pytest.fixture
def auth(client, users):
    return Auth(client)


def csrf_from(html):
    match = re.search(r'name="csrf-token" content="([^"]+)"', html)
    return match.group(1) if match else None


# ---- browser tests: a live server on its own SQLite database, the system Chromium ----

CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = os.path.join(os.path.dirname(__file__), "results", "screenshots")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": shutil.which("chromium") or "/usr/bin/chromium",
        "args": CHROMIUM_ARGS,
    }


class LiveServer:
    def __init__(self, app):
        from werkzeug.serving import make_server

        self.app = app
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.thread.join(5)


@pytest.fixture
def live_server(tmp_path, sqlite_template):
    path = str(tmp_path / "live.sqlite3")
    shutil.copyfile(sqlite_template, path)
    app = _make_app(path)
    from models import User, db

    with db.connection_context():
        from models.demo import load_demo

        if not User.select().exists():
            load_demo()
    with LiveServer(app) as server:
        yield server


@pytest.fixture
def screenshot(request):
    """Save a screenshot under tests/results/screenshots/<test>-<name>.png."""
    os.makedirs(SCREENSHOTS, exist_ok=True)

    def take(page, name):
        path = os.path.join(SCREENSHOTS, f"{request.node.name}-{name}.png".replace("/", "_"))
        # caret="initial": hiding the caret would inject a style the CSP (rightly) refuses
        page.screenshot(path=path, full_page=True, caret="initial")
        return path

    return take


# ---- domain factories -------------------------------------------------------------------


def _png_1x1():
    import struct
    import zlib

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 6, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\x00\x00\x00\xff"))
        + chunk(b"IEND", b"")
    )


PNG_1x1 = _png_1x1()


class Factory:
    """Small builders for customers, equipment and jobs, acting as the fixture users."""

    def __init__(self, users):
        self.users = users

    def customer(self, name="上海华东机械有限公司", phone="021-6234 5678", **kwargs):
        from models import Customer

        kwargs.setdefault("address", "上海市普陀区曹杨路 100 号")
        kwargs.setdefault("contact_person", "张经理")
        # Tests build several customers with the default number: a clerk who confirmed it.
        kwargs.setdefault("confirm_duplicate", True)
        return Customer.register(self.users["clerk"], name, phones=[phone], **kwargs)

    def equipment(self, customer=None, warranty_days=None, **kwargs):
        import datetime

        from models import Equipment
        from models.core import today

        customer = customer or self.customer()
        if warranty_days is not None:
            kwargs["warranty_end"] = today() + datetime.timedelta(days=warranty_days)
        kwargs.setdefault("product_model", "KX-2000")
        kwargs.setdefault("spec", "380V 5.5kW")
        kwargs.setdefault("serial", "SN-0001")
        return Equipment.register(self.users["clerk"], customer, **kwargs)

    def job(self, equipment=None, state="registered", tech="tech1", **kwargs):
        from models import Job

        equipment = equipment or self.equipment()
        kwargs.setdefault("fault", "设备无法启动")
        if "service_type" in kwargs and "type_reason" not in kwargs:
            kwargs["type_reason"] = "test"
        job = Job.register(self.users["clerk"], customer=equipment.customer, equipment=equipment, **kwargs)
        self.advance(job, state, tech)
        return job

    def signature(self, kind="completion", name="张经理"):
        return {"signer_name": name, "image": PNG_1x1}

    def advance(self, job, state, tech="tech1"):
        order = ["registered", "dispatched", "on_site", "done", "countersigned", "filed"]
        manager, technician = self.users["manager"], self.users[tech]
        if state == "void":
            job.void(manager, "客户取消")
            return job
        if state == "in_repair":
            job.dispatch(technician, manager)
            job.arrive(technician)
            job.carry_back(technician, self.signature("item_taken"), "主板故障，带回维修")
            return job
        target = order.index(state)
        steps = [
            lambda: job.dispatch(technician, manager),
            lambda: job.arrive(technician),
            lambda: job.finish(technician, self.signature(), "更换电容，试机正常", parts=[("电容 100uF", 2)]),
            lambda: job.countersign(manager),
            lambda: job.file(self.users["clerk"]),
        ]
        for step in steps[:target]:
            step()
        return job


@pytest.fixture
def make(users, dbc):
    return Factory(users)


@pytest.fixture
def start_of_a_quarter_hour():
    """The clock one minute into a quarter hour: an address's count is per quarter hour, and a
    test that crossed into the next one (a slow machine, an unlucky minute) would start afresh."""
    from models.core import clock, now
    from models.core.users import ADDRESS_WINDOW, _address_window

    saved = clock().offset
    _, ends = _address_window("any", now())
    clock().travel(ends - now() - ADDRESS_WINDOW + datetime.timedelta(minutes=1))
    yield
    clock().offset = saved
