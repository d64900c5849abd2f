"""The dispatch board (派工看板): the manager's always-current view of the department's work."""

from flask import Blueprint, make_response, request

from models import Event, Job, User
from views.common import render, requires

bp = Blueprint("board", __name__, url_prefix="/board")


def _position():
    try:
        return max(0, int(request.args.get("since", "0")))
    except ValueError:
        return 0


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
    )


@bp.get("/poll")
@requires("board.view")
def poll():
    """What changed since the position the board shows: 204 when nothing did."""
    since = _position()
    latest, changed_ids = Event.changes_since(since)
    if latest <= since:
        return make_response("", 204)
    changed = list(Job.with_people().where(Job.id.in_(list(changed_ids)))) if changed_ids else []
    response = render(
        "board/board.html",
        block="changes",
        position=latest,
        changed=changed,
        technicians=list(User.active_technicians()) if changed else [],
        counts=Job.board_counts() if changed else {},
    )
    response.headers["Cache-Control"] = "no-store"
    return response
