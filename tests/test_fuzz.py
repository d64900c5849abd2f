"""Random and boundary values into every form the app shows: never a server error, every refusal
names a field, and a refused request changes nothing."""

import re
from html.parser import HTMLParser

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from models import ALL_MODELS
from tests import report

ROLE_USERS = {"manager": "manager", "clerk": "clerk", "technician": "tech1", "admin": "admin"}


class Forms(HTMLParser):
    """Every POST form of a page: its action and its fields (with a select's options)."""

    def __init__(self):
        super().__init__()
        self.forms, self._form, self._select = [], None, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and (a.get("method") or "").lower() == "post":
            self._form = {"action": a.get("action") or "", "fields": {}}
            self.forms.append(self._form)
        elif self._form is not None and tag in ("input", "textarea", "select") and a.get("name"):
            name = a["name"]
            if name == "csrf_token":
                return
            kind = a.get("type", tag)
            field = self._form["fields"].setdefault(
                name, {"kind": kind, "options": [], "value": a.get("value")}
            )
            if tag == "select":
                self._select = field
        elif tag == "option" and self._select is not None:
            self._select["options"].append(a.get("value", ""))

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None


def _pages(world):
    job, done, customer = world["job"], world["done"], world["customer"]
    return {
        "clerk": [
            "/intake/",
            f"/customers/{customer}",
            "/customers/new",
            f"/customers/{customer}/edit",
            f"/customers/{customer}/equipment/new",
            f"/customers/{customer}/contracts/new",
            "/password",
        ],
        "manager": [f"/jobs/{job}", f"/jobs/{done}", "/jobs/dispatch", "/jobs/queue", "/admin/settings"],
        "technician": [f"/tech/jobs/{world['tech_job']}"],
        "admin": ["/admin/users/new", f"/admin/users/{world['user']}"],
    }


def _collect(client, auth, world):
    found = []
    for role, urls in _pages(world).items():
        auth.logout()
        auth.login(ROLE_USERS[role])
        for url in urls:
            response = client.get(url)
            if response.status_code != 200:
                continue
            parser = Forms()
            parser.feed(response.get_data(as_text=True))
            for form in parser.forms:
                if form["action"] and "/logout" not in form["action"] and "/lang/" not in form["action"]:
                    found.append((role, form))
    return found


TEXT = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=0, max_size=300),
    st.sampled_from(
        [
            "",
            " ",
            "0",
            "-1",
            "99999999999999999999",
            "2026-13-45",
            "2026-02-30T25:61",
            "1e309",
            "NaN",
            "<script>alert(1)</script>",
            "' OR 1=1 --",
            "\u202e",
            "x" * 5000,
            "１２３",
        ]
    ),
)


def _values(fields):
    strategies = {}
    for name, field in fields.items():
        choices = [o for o in field["options"]]
        if field["kind"] in ("hidden",) and name == "version":
            strategies[name] = st.one_of(st.just(field["value"] or ""), TEXT)
        elif choices:
            strategies[name] = st.one_of(st.sampled_from(choices), TEXT)
        elif field["kind"] == "checkbox":
            strategies[name] = st.sampled_from(["y", "", field["value"] or "y"])
        else:
            strategies[name] = TEXT
    return st.fixed_dictionaries(strategies)


def _rows():
    return sum(model.select().count() for model in ALL_MODELS)


def test_every_form_survives_random_input(app, client, auth, make, users, dbc):
    done = make.job(state="done", tech="tech1")
    world = {
        "job": make.job().id,
        "done": done.id,
        "customer": done.customer_id,
        "user": users["clerk"].id,
        "tech_job": make.job(state="on_site", tech="tech1").id,
    }
    forms = _collect(client, auth, world)
    assert len(forms) >= 8, [f["action"] for _, f in forms]
    errors, examples = [], [0]
    for role, form in forms:
        auth.logout()
        auth.login(ROLE_USERS[role])
        _fuzz(client, form, errors, examples)()
    report.add("fuzz_examples", examples[0])
    report.add("fuzz_server_errors", sum(1 for e in errors if isinstance(e[-1], int)))
    assert errors == []


def _fuzz(client, form, errors, examples):
    """A hypothesis test posting generated values to one form."""

    @settings(
        max_examples=12,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(values=_values(form["fields"]))
    def post(values):
        examples[0] += 1
        before = _rows()
        response = client.post(form["action"], data=dict(values))
        if response.status_code >= 500:
            errors.append((form["action"], values, response.status_code))
        elif response.status_code == 422:
            html = response.get_data(as_text=True)
            if not re.search(r'class="error|class="toast toast-error|class="note', html):
                errors.append((form["action"], "422 without a message", dict(values)))
            if _rows() != before:
                errors.append((form["action"], "refused but wrote"))

    return post


# ---- every GET route: random query strings and headers ------------------------------------------

QUERY_NAMES = [
    "q", "since", "page", "day", "from", "to", "state", "type", "tech", "customer", "equipment",
    "registered", "next", "subject", "due", "v", "end", "year", "month", "kind", "sort", "lang",
]  # fmt: skip
HEADERS = [
    "HX-Request", "HX-Boosted", "HX-History-Restore-Request", "HX-Current-URL", "HX-Target",
    "HX-Trigger", "HX-Trigger-Name", "Referer", "User-Agent", "Accept-Encoding", "Accept-Language",
    "X-Forwarded-For", "X-Requested-With", "If-None-Match", "If-Modified-Since", "Range", "Host",
]  # fmt: skip
HOSTILE = st.sampled_from(
    ["\x00", "a\x00b", "true", "false", "-1e20", "1e309", "9" * 30, "http://[", "//evil.example/x",
     "/\\evil", "bytes=-1", "bytes=999999999-", "gzip;q=0", "localhost:99999", "[::1", "%00", "..%2f..",
     "x" * 20_000, "\u202e\u0000", "ñ", "中文", "'; DROP TABLE job; --"]
)  # fmt: skip
HEADER_TEXT = st.one_of(
    HOSTILE, st.text(alphabet=st.characters(max_codepoint=0x2FF, exclude_characters="\r\n"))
)
QUERY_TEXT = st.one_of(HOSTILE, TEXT)


def _get_routes(app, world):
    from flask import url_for
    from werkzeug.routing import IntegerConverter

    from views.common import route_action

    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        values = {
            arg: world.get(arg, 1 if isinstance(rule._converters[arg], IntegerConverter) else "x")
            for arg in rule.arguments
        }
        with app.test_request_context():
            yield route_action(rule.endpoint, app), url_for(rule.endpoint, **values)


def test_every_get_route_survives_random_query_strings_and_headers(app, client, auth, make, users, dbc):
    from models.core import ROLES
    from models.core.access import permission_map

    job = make.job(state="done", tech="tech1")
    world = {
        "job_id": job.id,
        "customer_id": job.customer_id,
        "user_id": users["clerk"].id,
        "signature_id": job.signatures_list()[0].id,
        "name": "app.js",
    }
    allowed = permission_map()
    by_role = {}
    for action, url in _get_routes(app, world):
        role = None if action is None else next((r for r in ROLES if r in allowed.get(action, ())), "admin")
        by_role.setdefault(role, []).append(url)
    errors, sent = [], {"query": 0, "headers": 0}
    for role, urls in by_role.items():
        auth.logout()
        if role is not None:
            auth.login({"technician": "tech1"}.get(role, role))
        for url in urls:
            _fuzz_get(client, url, errors, sent)()
    report.add("query_params_fuzzed", sent["query"])
    report.add("headers_fuzzed", sent["headers"])
    report.add("get_fuzz_server_errors", len(errors))
    assert len(by_role) >= 4 and sent["query"] > 200 and sent["headers"] > 200
    assert errors == []


def _fuzz_get(client, url, errors, sent):
    @settings(
        max_examples=5,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(
        query=st.dictionaries(
            st.one_of(st.sampled_from(QUERY_NAMES), st.text(max_size=8)), QUERY_TEXT, max_size=6
        ),
        headers=st.dictionaries(st.sampled_from(HEADERS), HEADER_TEXT, max_size=5),
    )
    def get(query, headers):
        sent["query"] += len(query)
        sent["headers"] += len(headers)
        response = client.get(url, query_string=query, headers=headers)
        if response.status_code >= 500:
            errors.append((url, query, headers, response.status_code))

    return get
