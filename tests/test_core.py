"""The domain-neutral core, exercised by a small stateful record that exists only here."""

import threading

import pytest
from peewee import CharField, IntegerField

from models.core import (
    ACTIONS,
    SUBJECTS,
    Action,
    Conflict,
    Event,
    Forbidden,
    IdempotencyKey,
    Permission,
    RuleError,
    StatefulModel,
    Subject,
    Transition,
    User,
    db,
    next_number,
    once,
    permission_map,
    register_actions,
    register_subject,
)
from models.core.access import clear_cache
from models.core.history import describe, history


class Widget(StatefulModel):
    """A record with a life: new -> open -> closed, owned by one user."""

    subject = "widget"
    STATES = {"new": "New", "open": "Open", "closed": "Closed"}
    TRANSITIONS = {
        "open": Transition(("new",), "open", "widget.open", "Open"),
        "close": Transition(("open",), "closed", "widget.close", "Close"),
    }
    AMENDABLE = {"title": "Title"}
    AMEND_STATES = ("open",)
    AMEND_PERMISSION = "widget.edit"

    state = CharField(max_length=20, default="new")
    title = CharField(default="")
    owner = IntegerField(null=True)

    def owned_by(self, user, permission=None):
        return self.owner == user.id

    @classmethod
    def owned_where(cls, user, permission=None):
        return cls.owner == user.id

    def open(self, by, version=None, note=""):
        return self.apply("open", by, version, note=note, data={"by": by.id})

    def close(self, by, version=None):
        return self.apply("close", by, version)


@pytest.fixture
def widgets(app, users, dbc):
    """The widget's table, actions and subject, registered for this test only."""
    register_actions(
        {
            "widget.open": Action("Open widgets", ("manager",), own=("clerk",), own_label="own widgets"),
            "widget.close": Action("Close widgets", ("manager",)),
            "widget.edit": Action("Edit widgets", ("manager",)),
        }
    )
    register_subject(
        Subject(
            "widget",
            "Widget",
            states=Widget.STATES,
            actions={"open": "opened by %(by)s", "close": "closed", "amend": "amended"},
            fields=Widget.AMENDABLE,
            people=("by",),
            reader="widget.edit",
            titles=lambda ids: {w.id: w.title for w in Widget.select().where(Widget.id.in_(list(ids)))},
        )
    )
    db.create_tables([Widget])
    Permission.ensure_defaults()
    yield Widget
    db.drop_tables([Widget])
    for name in ("widget.open", "widget.close", "widget.edit"):
        ACTIONS.pop(name)
    SUBJECTS.pop("widget")
    clear_cache()


def _widget(users, owner="clerk", title="W-1"):
    with db.atomic():
        widget = Widget.create(title=title, owner=users[owner].id)
        Event.record(users[owner], widget, "create", to_state="new")
    return widget


def test_a_transition_checks_state_saves_bumps_the_version_and_records_an_event(widgets, users):
    widget = _widget(users)
    widget.open(users["manager"], version=1, note="go")
    assert widget.state == "open" and widget.version == 2  # the instance itself is fresh
    stored = Widget.get_by_id(widget.id)
    assert stored.state == "open" and stored.version == 2
    event = Event.last_of(widget)
    assert (event.action, event.from_state, event.to_state, event.note) == ("open", "new", "open", "go")
    assert event.actor_id == users["manager"].id and event.subject == "widget"
    with pytest.raises(RuleError) as refused:
        widget.open(users["manager"])
    assert refused.value.params["state"] == "Open"  # a step from the wrong state says where it is


def test_a_stale_version_is_a_conflict_naming_who_was_first(widgets, users):
    widget = _widget(users)
    Widget.get_by_id(widget.id).open(users["manager"])  # somebody else, a moment earlier
    with pytest.raises(RuleError):
        widget.open(users["manager"], version=1)  # still "new" on this page: a refused step
    widget.reload()
    with pytest.raises(Conflict) as conflict:
        widget.close(users["manager"], version=1)
    assert conflict.value.params["who"] == "Manager" and conflict.value.params["state"] == "Open"
    assert Widget.get_by_id(widget.id).state == "open"


def test_any_and_own_permissions_come_from_the_map(widgets, users):
    mine = _widget(users, owner="clerk")
    theirs = _widget(users, owner="finance", title="W-2")
    clerk = users["clerk"]
    assert "clerk" in permission_map()["widget.open"]  # the route lets either form through
    assert mine.allowed_actions(clerk) == ["open"] and theirs.allowed_actions(clerk) == []
    with pytest.raises(Forbidden):
        theirs.open(clerk)
    mine.open(clerk)
    assert [w.id for w in Widget.visible_to(clerk, "widget.open")] == [mine.id]
    assert {w.id for w in Widget.visible_to(users["manager"], "widget.open")} == {mine.id, theirs.id}
    assert list(Widget.visible_to(users["tech1"], "widget.open")) == []
    Permission.set_allowed("widget.open.own", "clerk", False, by=users["admin"])
    assert "clerk" not in permission_map()["widget.open"]
    with pytest.raises(Forbidden):
        _widget(users, title="W-3").open(clerk)


def test_amendments_go_through_the_same_path_and_keep_old_and_new(widgets, users):
    widget = _widget(users)
    with pytest.raises(RuleError):
        widget.change(users["manager"], "typo", title="x")  # not in an amendable state
    widget.open(users["manager"])
    with pytest.raises(Forbidden):
        widget.change(users["clerk"], "typo", title="x")
    with pytest.raises(RuleError) as no_reason:
        widget.change(users["manager"], "", title="x")
    assert no_reason.value.field == "reason"
    with pytest.raises(RuleError):
        widget.change(users["manager"], "why", owner=1)  # not an amendable field
    with pytest.raises(RuleError):
        widget.change(users["manager"], "why", title="W-1")  # nothing changed
    widget.change(users["manager"], "customer's spelling", version=widget.version, title="W-1a")
    assert widget.title == "W-1a" and widget.version == 3
    event = Event.last_of(widget)
    assert event.action == "amend" and event.data == {"title": ["W-1", "W-1a"]}
    assert event.note == "customer's spelling"


def test_history_reads_in_words_with_names_numbers_and_changes(widgets, users):
    widget = _widget(users)
    widget.open(users["manager"])
    widget.change(users["manager"], "rename", title="W-9")
    entries = history(widget, users["manager"])
    assert [e.words for e in entries][1] == ("opened by %(by)s", {"by": "Manager"})
    assert entries[1].who == "Manager" and entries[1].to_state == "Open"
    assert entries[2].changes == [("Title", "title", "W-1", "W-9")]
    assert entries[2].record == "W-9" and entries[2].record_label == "Widget"
    # a viewer who may not read widgets sees that something happened, not the notes or values
    hidden = describe(Event.of(widget), users["tech1"])
    assert hidden[2].note == "" and hidden[2].changes == [] and hidden[2].hidden


def test_idempotency_acts_once_per_key_and_refuses_a_foreign_key(widgets, users):
    widget = _widget(users)
    done = []
    assert once("k" * 32, users["manager"], widget, "poke", lambda: done.append(1)) is True
    assert once("k" * 32, users["manager"], widget, "poke", lambda: done.append(1)) is False
    assert done == [1] and IdempotencyKey.select().count() == 1
    with pytest.raises(RuleError):
        once("k" * 32, users["clerk"], widget, "poke", lambda: done.append(1))
    with pytest.raises(RuleError):
        once("x" * 65, users["manager"], widget, "poke", lambda: done.append(1))
    assert done == [1]


def test_a_failed_step_keeps_nothing_and_gives_its_key_back(widgets, users):
    widget = _widget(users)

    def fail():
        widget.open(users["manager"])
        raise RuleError("no")

    with pytest.raises(RuleError):
        once("f" * 32, users["manager"], widget, "open", fail)
    assert Widget.get_by_id(widget.id).state == "new" and IdempotencyKey.select().count() == 0
    assert not Event.select().where(Event.action == "open").exists()


def test_numbers_are_gap_free_per_prefix_and_year_under_concurrency(app, users, dbc):
    results, errors = [], []

    def take():
        try:
            with db.connection_context(), db.atomic():
                results.append(next_number("TS", 2026).text)
        except Exception as error:  # noqa: BLE001 (reported below)
            errors.append(error)

    threads = [threading.Thread(target=take) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    assert sorted(results) == [f"TS2026-{n:06d}" for n in range(1, 13)]
    with db.atomic():
        assert next_number("FW", 2026).text == "FW2026-000001"  # each prefix its own sequence


def test_deactivation_asks_every_registered_guard(app, users, dbc):
    from models.core.guards import GUARDS, register_guard

    @register_guard
    def holds_widgets(user):
        return ("%(name)s still holds %(n)s widgets.", {"n": 2}) if user.username == "clerk" else None

    try:
        with pytest.raises(RuleError) as refused:
            users["clerk"].update_profile(users["admin"], "Clerk", "clerk", "", False)
        assert str(refused.value) == "Clerk still holds 2 widgets."
        assert User.get_by_id(users["clerk"].id).active
    finally:
        GUARDS.remove(holds_widgets)


def test_another_domain_can_guard_a_step(widgets, users):
    from models.core.workflow import STEP_GUARDS, guard_step

    def not_on_fridays(record, by):
        if record.title == "blocked":
            raise RuleError("Not yet: waiting for approval.", field=None)

    guard_step("widget", "open", not_on_fridays)
    try:
        blocked = _widget(users, title="blocked")
        with pytest.raises(RuleError):
            blocked.open(users["manager"])
        assert Widget.get_by_id(blocked.id).state == "new" and Event.last_of(blocked).action == "create"
        free = _widget(users, title="free")
        free.open(users["manager"])
        assert free.state == "open"
    finally:
        STEP_GUARDS[("widget", "open")].remove(not_on_fridays)
