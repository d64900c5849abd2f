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
    from views.board import CARDS

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
    with count_queries() as again:  # every card known: not even that one
        client.get("/board/")
    assert len(again) == len(few) - 1
