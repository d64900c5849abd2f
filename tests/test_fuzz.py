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
