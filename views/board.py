"""The dispatch board (派工看板): the manager's always-current view of the department's work."""

from flask import Blueprint, redirect, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from models import Event, Job, User
from models.core import today
from models.service import IN_HAND_STATES, STATES
from views.common import is_htmx, render, requires
from views.records import live_changes
from views.shell import nav

bp = Blueprint("board", __name__, url_prefix="/board")
nav("board.board", _l("Dispatch board"), "board.view", order=20)


PLACEHOLDER = 987654321


def _card_urls():
    """URL patterns built once with url_for, as (before id, after id): hundreds of cards each
    put their own id in between."""
    return {
        name: tuple(url_for(endpoint, job_id=PLACEHOLDER).split(str(PLACEHOLDER), 1))
        for name, endpoint in (("show", "vouchers.show"), ("dispatch", "vouchers.dispatch"))
    }


def _card_texts():
    """Every fixed text a card shows, translated once per page instead of once per card."""
    texts = {state: gettext(label) for state, label in STATES.items()}
    texts.update(
        internal=gettext("Internal work"),
        preferred=gettext("Preferred time"),
        technician=gettext("Technician"),
        to=gettext("Dispatch to…"),
        reto=gettext("Re-dispatch to…"),
        dispatch=gettext("Dispatch"),
    )
    return texts


def lane_of(job):
    """Which board column a job belongs in now (None: it has left the board)."""
    if job.state == "registered":
        return "waiting"
    if job.state in IN_HAND_STATES:
        return f"tech-{job.technician_id}"
    if job.state == "done":
        return "done"
    return None


@bp.get("/")
@requires("board.view")
def board():
    """Waiting work, a lane per technician, and work awaiting countersignature."""
    # Read the position first: a change made while the page is built is sent again by the
    # next poll (applying it twice is harmless), never lost.
    position = Event.latest_id()
    technicians = list(User.active_technicians())
    waiting, lanes, done = Job.board_lanes(technicians)
    return render(
        "board/board.html",
        position=position,
        technicians=technicians,
        waiting=waiting,
        lanes=lanes,
        done=done,
        counts=Job.board_counts(),
        today=today(),
        urls=_card_urls(),
        t=_card_texts(),
    )


@bp.get("/poll")
@requires("board.view")
def poll():
    """What changed since the position the board shows: 204 when nothing did."""
    if not is_htmx():
        return redirect(url_for("board.board"))  # e.g. signed in again with this as "next"
    changes, done = live_changes({"job"})
    if done is not None:
        return done
    latest, changed_ids = changes
    ids = list(changed_ids.get("job", ()))
    changed = list(Job.for_board().where(Job.id.in_(ids))) if ids else []
    response = render(
        "board/board.html",
        block="changes",
        position=latest,
        changed=changed,
        technicians=list(User.active_technicians()) if changed else [],
        counts=Job.board_counts() if changed else {},
        today=today(),
        urls=_card_urls(),
        t=_card_texts(),
        lane_of=lane_of,
    )
    response.headers["Cache-Control"] = "no-store"
    return response
