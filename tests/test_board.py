"""The dispatch board and its live poll."""

import re

from models import Event, Job


def _position(html):
    return int(re.search(r'data-position="(\d+)"', html).group(1))


def test_board_shows_waiting_lanes_and_done(client, auth, make, users):
    waiting = make.job()
    with_tech = make.job(state="on_site", tech="tech2")
    done = make.job(state="done")
    filed = make.job(state="filed")
    auth.login("manager")
    html = client.get("/board/").get_data(as_text=True)
    assert f'id="card-{waiting.id}"' in html and f'id="card-{with_tech.id}"' in html
    assert f'id="card-{done.id}"' in html and f'id="card-{filed.id}"' not in html
    lane = html.split(f'id="cards-tech-{users["tech2"].id}"')[1].split("</section>")[0]
    assert f'id="card-{with_tech.id}"' in lane


def test_board_is_the_managers(client, auth):
    auth.login("clerk")
    assert client.get("/board/").status_code == 403
    assert client.get("/board/poll?since=0").status_code == 403


def test_idle_poll_is_an_empty_204(client, auth, make):
    make.job()
    auth.login("manager")
    position = _position(client.get("/board/").get_data(as_text=True))
    response = client.get(f"/board/poll?since={position}", htmx=True)
    assert response.status_code == 204 and response.data == b""


def test_poll_moves_a_dispatched_card_to_the_technicians_lane(client, auth, make, users, dbc):
    job = make.job()
    auth.login("manager")
    position = _position(client.get("/board/").get_data(as_text=True))
    Job.get_by_id(job.id).dispatch(users["tech1"], users["manager"])  # by anyone, anywhere
    response = client.get(f"/board/poll?since={position}", htmx=True)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    # the card moves: it replaces its old self, placed in the technician's lane
    assert f'<template data-place="#cards-tech-{users["tech1"].id}" data-replace="card-{job.id}">' in html
    assert _position(html) == Event.latest_id()
    assert "<html" not in html


def test_garbage_position_is_treated_as_zero(client, auth, make):
    make.job()
    auth.login("manager")
    assert client.get("/board/poll?since=abc", htmx=True).status_code == 200


def test_dispatch_from_the_board_asks_for_an_immediate_poll(client, auth, make, users, dbc):
    job = make.job()
    auth.login("manager")
    response = client.post(
        f"/jobs/{job.id}/dispatch",
        htmx=True,
        data={"technician": users["tech2"].id, "version": job.version},
    )
    assert response.status_code == 204
    assert "record-changed" in response.headers["HX-Trigger"]
    assert Job.get_by_id(job.id).technician_id == users["tech2"].id


def test_board_query_count_does_not_grow(client, auth, make):
    from tests.querycount import count_queries
    from views.board import BODIES, CARDS

    make.job()
    auth.login("manager")
    CARDS.entries.clear()  # every card rendered: the cards missing from the cache are one query
    with count_queries() as few:
        client.get("/board/")
    for state in ("registered", "dispatched", "on_site", "done", "registered"):
        make.job(state=state)
    CARDS.entries.clear()
    with count_queries() as many:
        client.get("/board/")
    assert len(many) == len(few)
    BODIES.entries.clear()
    with count_queries() as again:  # every card known: not even that one
        client.get("/board/")
    assert len(again) == len(few) - 1
    with count_queries() as unchanged:  # nothing happened since: the session and the newest event
        client.get("/board/")
    assert len(unchanged) == 2


def test_the_board_content_is_shared_and_each_page_carries_its_own_token(app, client, auth, make, users):
    """The content is rendered once per state of the department (views.board.BODIES); the
    CSRF token in its dispatch control is each page's own, and dispatching with it works."""
    from tests.conftest import csrf_from

    job = make.job()
    auth.login("manager")
    other = app.test_client()
    login = other.get("/login").get_data(as_text=True)
    data = {"username": "manager", "password": "secret-pass", "csrf_token": csrf_from(login)}
    assert other.post("/login", csrf=False, data=data).status_code == 303
    mine = client.get("/board/").get_data(as_text=True)
    theirs = other.get("/board/").get_data(as_text=True)

    def bar_token(html):
        return re.search(r'id="dispatch-bar".*?name="csrf_token" value="([^"]+)"', html, re.S).group(1)

    assert bar_token(theirs) == csrf_from(theirs) != csrf_from(mine) == bar_token(mine)
    assert mine.replace(csrf_from(mine), "T") == theirs.replace(csrf_from(theirs), "T")
    form = {"technician": users["tech1"].id, "version": job.version, "csrf_token": bar_token(theirs)}
    assert other.post(f"/jobs/{job.id}/dispatch", csrf=False, data=form).status_code in (204, 303)
    assert Job.get_by_id(job.id).technician_id == users["tech1"].id
    html = client.get("/board/").get_data(as_text=True)  # the change is there at once
    lane = html.split(f'id="cards-tech-{users["tech1"].id}"')[1].split("</section>")[0]
    assert f'id="card-{job.id}"' in lane


def test_the_board_follows_permissions_settings_and_the_day(client, auth, make, users):
    """What the content shows besides the jobs changes with what it depends on: a revoked
    permission, an overdue threshold, the department's day."""
    import datetime

    from models import Permission, Setting
    from models.core import clock

    tech = users["tech1"]
    job = make.job()
    auth.login("manager")
    html = client.get("/board/").get_data(as_text=True)
    assert f"/complaints/staff/{tech.id}" in html  # the lane head's link to the staff record
    Permission.set_allowed("staff.record", "manager", False, users["admin"])
    assert f"/complaints/staff/{tech.id}" not in client.get("/board/").get_data(as_text=True)
    Setting.set_value("age_warn_hours_registered", 7, users["admin"])
    Setting.set_value("session_idle_minutes", 7 * 24 * 60, users["admin"])  # still signed in tomorrow
    card = client.get("/board/").get_data(as_text=True).split(f'id="card-{job.id}"')[1][:300]
    assert f'data-warn="{7 * 3600}"' in card
    assert "转来" not in card
    clock().travel(datetime.timedelta(days=1))
    card = client.get("/board/").get_data(as_text=True).split(f'id="card-{job.id}"')[1][:900]
    assert "转来" in card  # carried over from yesterday, by the clock alone


def test_a_card_is_rendered_again_when_anything_it_shows_changes(client, auth, make, users):
    """Cards are kept rendered (views.board.CardCache) under what decides their look: every
    change of the job, its appointment or its chasers shows at once, and the language too."""
    import datetime

    from models.core import today
    from models.service import Appointment, Chaser

    job = make.job()
    auth.login("manager")

    def card():
        html = client.get("/board/").get_data(as_text=True)
        return html.split(f'id="card-{job.id}"')[1].split("</article>")[0]

    first = card()
    assert card() == first  # the same card, from the cache
    Chaser.add(users["clerk"], Job.get_by_id(job.id), "客户又来电催修")
    assert "催修 ×1" in card() or "×1" in card()
    Appointment.set(users["clerk"], Job.get_by_id(job.id), today() + datetime.timedelta(days=1), "morning")
    assert 'class="badge appt' in card()
    Job.get_by_id(job.id).dispatch(users["tech1"], users["manager"])
    html = client.get("/board/").get_data(as_text=True)
    lane = html.split(f'id="cards-tech-{users["tech1"].id}"')[1].split("</section>")[0]
    assert f'id="card-{job.id}"' in lane and "已派工" in lane
    client.post("/lang/en")
    assert "Dispatched" in card()


def test_the_poll_brings_a_card_with_a_new_chaser_or_appointment(client, auth, make, users):
    import datetime

    from models.core import today
    from models.service import Appointment, Chaser

    job = make.job()
    auth.login("manager")
    position = _position(client.get("/board/").get_data(as_text=True))
    Chaser.add(users["clerk"], Job.get_by_id(job.id), "客户又来电催修")
    html = client.get(f"/board/poll?since={position}", htmx=True).get_data(as_text=True)
    assert f'data-replace="card-{job.id}"' in html and "×1" in html
    position = _position(html)
    Appointment.set(users["clerk"], Job.get_by_id(job.id), today() + datetime.timedelta(days=2), "afternoon")
    html = client.get(f"/board/poll?since={position}", htmx=True).get_data(as_text=True)
    assert f'data-replace="card-{job.id}"' in html and 'class="badge appt' in html


def test_the_cards_kept_are_bounded():
    """Past its limit the cache drops its oldest half: a busy day cannot grow a worker."""
    from views.board import CardCache

    cache = CardCache(limit=10)
    cache.keep({("page", (i,)): f"<article>{i}</article>" for i in range(8)})
    cache.keep({("page", (i,)): f"<article>{i}</article>" for i in range(8, 11)})
    assert len(cache.entries) <= cache.limit
    assert ("page", (0,)) not in cache.entries and ("page", (10,)) in cache.entries


def test_the_board_contents_kept_are_those_of_the_newest_event():
    """A worker keeps the board of the newest state only (one per language, role and mode),
    and a strip that changes by the clock makes its copy old when its time comes."""
    import datetime

    from views.board import BoardBodies

    bodies, noon, perms = BoardBodies(), datetime.datetime(2026, 12, 1, 12), {"board.view": frozenset()}
    bodies.keep((7, noon), ("zh_CN", "manager"), (perms, "<div>7</div>", None))
    bodies.keep((7, noon), ("en", "manager"), (perms, "<div>7 en</div>", noon))
    assert bodies.get((7, noon), ("zh_CN", "manager"), dict(perms), noon) == "<div>7</div>"  # an equal map
    assert bodies.get((7, noon), ("en", "manager"), perms, noon) == "<div>7 en</div>"
    assert bodies.get((7, noon), ("en", "manager"), perms, noon + datetime.timedelta(seconds=1)) is None
    assert bodies.get((7, noon), ("zh_CN", "manager"), {"board.view": frozenset({"manager"})}, noon) is None
    bodies.keep((8, noon), ("zh_CN", "manager"), (perms, "<div>8</div>", None))
    assert list(bodies.entries) == [("zh_CN", "manager")]
    assert bodies.get((7, noon), ("zh_CN", "manager"), perms, noon) is None


def test_a_crowded_lane_shows_its_oldest_25_and_says_how_many_more(client, auth, make, users):
    """The in-hand lane is read without ranking when no technician has more than a lane
    shows, ranked when one has: both give each lane its jobs in the same order."""
    customer = make.customer()
    few = [
        make.job(make.equipment(customer, serial=f"SN-A{i}"), state="dispatched", tech="tech2")
        for i in range(2)
    ]
    auth.login("manager")
    html = client.get("/board/").get_data(as_text=True)
    lane = html.split(f'id="cards-tech-{users["tech2"].id}"')[1].split("</section>")[0]
    assert re.findall(r'id="card-(\d+)"', lane) == [str(job.id) for job in few]
    assert "按先后显示前面的" not in html

    many = [make.job(make.equipment(customer, serial=f"SN-B{i}"), state="dispatched") for i in range(27)]
    html = client.get("/board/").get_data(as_text=True)
    crowded = html.split(f'id="cards-tech-{users["tech1"].id}"')[1].split("</section>")[0]
    assert re.findall(r'id="card-(\d+)"', crowded) == [str(job.id) for job in many[:25]]
    assert "另有 2 张（按先后显示前面的）" in crowded
    lane = html.split(f'id="cards-tech-{users["tech2"].id}"')[1].split("</section>")[0]
    assert re.findall(r'id="card-(\d+)"', lane) == [str(job.id) for job in few]
