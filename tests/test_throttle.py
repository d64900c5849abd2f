"""Sign-in throttling as the README promises it: a growing delay per account across addresses,
a per-address limit that does not lock out a user at their own desk, atomic counting, and no
way to tell user names apart by message, throttling or the work done."""

import datetime
import threading

import pytest

from models import LoginAttempt, RuleError, User, db
from models.core import clock
from tests import report

GENERIC = "Wrong user name or password, or the account is deactivated."


class Cases:
    """Counts each throttling expectation checked (tests/results/reliability.json)."""

    def __init__(self):
        self.failed = []
        self.count = 0

    def check(self, ok, what):
        self.count += 1
        if not ok:
            self.failed.append(what)

    def done(self):
        report.add("throttle_cases", self.count)
        report.add("throttle_violations", len(self.failed))
        assert self.failed == []


def _try(name, password, address):
    """'ok', or the refusal's message."""
    try:
        LoginAttempt.authenticate(name, password, address)
    except RuleError as error:
        return str(error)
    return "ok"


def _evaluated():
    return LoginAttempt.select().where(LoginAttempt.outcome != "throttled").count()


def test_unknown_names_from_an_address_do_not_lock_out_a_user_at_that_address(
    users, dbc, start_of_a_quarter_hour
):
    cases = Cases()
    cases.check(_try("clerk", "secret-pass", "10.1.1.1") == "ok", "clerk signs in at the proxy")
    for i in range(25):
        _try(f"ghost{i}", "guess", "10.1.1.1")
    cases.check("from this address" in _try("ghost99", "guess", "10.1.1.1"), "the address is limited")
    cases.check(_try("clerk", "secret-pass", "10.1.1.1") == "ok", "a familiar user still signs in")
    cases.check("from this address" in _try("clerk", "wrong", "10.1.1.1"), "a wrong one is told as to all")
    cases.check(_try("manager", "secret-pass", "10.9.9.9") == "ok", "other addresses are not affected")
    clock().travel(datetime.timedelta(minutes=15))
    cases.check(_try("manager", "secret-pass", "10.1.1.1") == "ok", "the next quarter hour is open again")
    cases.done()


def test_an_account_is_throttled_across_addresses_with_a_growing_delay(users, dbc):
    cases = Cases()
    for address in range(20):
        for _ in range(4):
            _try("clerk", "guess", f"10.2.0.{address}")
    cases.check(_evaluated() == 5, f"20 addresses x 4 guesses evaluated {_evaluated()}, not 5")
    cases.check(
        "Try again in 1 minutes" in _try("clerk", "secret-pass", "10.3.0.1"), "even the right one waits"
    )
    waits = []
    for _ in range(5):
        message = _try("clerk", "guess", "10.3.0.2")
        waits.append(int(message.split("Try again in ")[1].split()[0]) if "Try again" in message else 0)
        clock().travel(datetime.timedelta(minutes=waits[-1] or 1))
        cases.check(_try("clerk", "guess", "10.3.0.3") == GENERIC, "tried once the wait is over")
    cases.check(waits == [1, 2, 4, 8, 15], f"the delay grows: {waits}")
    cases.check(_try("clerk", "guess", "10.3.0.4").startswith("Too many"), "and holds at 15 minutes")
    clock().travel(datetime.timedelta(minutes=15))
    cases.check(_try("clerk", "secret-pass", "10.3.0.5") == "ok", "the right password after the wait")
    cases.check(_try("clerk", "guess", "10.3.0.6") == GENERIC, "a success starts afresh")
    clock().travel(datetime.timedelta(hours=25))
    for _ in range(4):
        _try("manager", "guess", "10.4.0.1")
    clock().travel(datetime.timedelta(hours=25))
    cases.check(
        all(_try("manager", "guess", "10.4.0.1") == GENERIC for _ in range(4)), "quiet days are forgotten"
    )
    cases.done()


def test_the_users_own_desk_has_its_own_count(users, dbc):
    cases = Cases()
    cases.check(_try("clerk", "secret-pass", "10.5.0.7") == "ok", "signed in at the desk")
    for _ in range(10):
        _try("clerk", "guess", "10.5.0.66")
    cases.check(_try("clerk", "secret-pass", "10.5.0.66").startswith("Too many"), "elsewhere: locked")
    cases.check(_try("clerk", "secret-pass", "10.5.0.7") == "ok", "at the desk: not locked out")
    for _ in range(5):
        _try("clerk", "guess", "10.5.0.7")
    cases.check(_try("clerk", "secret-pass", "10.5.0.7").startswith("Too many"), "the desk has a limit too")
    cases.done()


def test_concurrent_wrong_attempts_are_counted_atomically(app, users, dbc):
    barrier = threading.Barrier(16)
    results = []

    def guess(i):
        with db.connection_context():
            barrier.wait(30)
            results.append(_try("clerk", f"guess-{i}", "10.6.0.1"))

    threads = [threading.Thread(target=guess, args=(i,)) for i in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    cases = Cases()
    cases.check(len(results) == 16, "every attempt answered")
    cases.check(_evaluated() <= 5, f"{_evaluated()} of 16 concurrent guesses evaluated, limit 5")
    cases.check(results.count(GENERIC) == _evaluated(), "each evaluated one was told so")
    cases.check(sum(r.startswith("Too many") for r in results) == 16 - _evaluated(), "the rest waited")
    cases.done()


def test_one_user_signing_in_on_many_devices_at_once_is_not_locked_out(app, users, dbc):
    barrier = threading.Barrier(12)
    results = []

    def sign_in(i):
        with db.connection_context():
            barrier.wait(30)
            results.append(_try("manager", "secret-pass", f"10.8.0.{i}"))

    threads = [threading.Thread(target=sign_in, args=(i,)) for i in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    cases = Cases()
    cases.check(results == ["ok"] * 12, f"concurrent right passwords refused: {results}")
    cases.done()


def test_user_names_cannot_be_told_apart(users, dbc, monkeypatch):
    """The same message, the same throttling and one password hash for an unknown name, a wrong
    password and a deactivated account (the deactivated one even with the right password)."""
    from models.core import users as users_module

    User.get_by_id(users["finance"].id).update_profile(users["admin"], "Finance", "finance", "", False)
    hashes = []
    real = users_module.check_password_hash
    monkeypatch.setattr(users_module, "check_password_hash", lambda h, p: hashes.append(h) or real(h, p))
    cases = Cases()
    answers = {}
    for name, password in (("nobody", "secret-pass"), ("clerk", "wrong"), ("finance", "secret-pass")):
        hashes.clear()
        answers[name] = [_try(name, password, f"10.7.0.{len(answers)}") for _ in range(7)]
        cases.check(len(hashes) == 5, f"{name}: {len(hashes)} hashes for 5 evaluated attempts")
    cases.check(answers["nobody"] == answers["clerk"] == answers["finance"], f"answers differ: {answers}")
    cases.check(answers["clerk"][:5] == [GENERIC] * 5, "one generic message")
    cases.done()


@pytest.mark.parametrize("htmx", [False, True])
def test_the_current_password_check_is_throttled(client, auth, users, dbc, htmx):
    auth.login("clerk")
    cases = Cases()
    for _ in range(5):
        response = client.post(
            "/password",
            data={"current": "guess", "password": "new-pass-123", "confirm": "new-pass-123"},
            htmx=htmx,
        )
        cases.check(
            response.status_code == 422 and "当前密码不正确" in response.get_data(as_text=True), "wrong"
        )
    response = client.post(
        "/password",
        data={"current": "secret-pass", "password": "new-pass-123", "confirm": "new-pass-123"},
        htmx=htmx,
    )
    cases.check(response.status_code == 422 and "次数过多" in response.get_data(as_text=True), "throttled")
    cases.check(User.get(User.username == "clerk").check_password("secret-pass"), "unchanged")
    clock().travel(datetime.timedelta(minutes=1))
    response = client.post(
        "/password",
        data={"current": "secret-pass", "password": "new-pass-123", "confirm": "new-pass-123"},
        htmx=htmx,
    )
    cases.check(response.status_code == 200, "after the wait")
    cases.check(User.get(User.username == "clerk").check_password("new-pass-123"), "changed")
    cases.done()
