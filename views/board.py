"""The dispatch board (派工看板): the manager's always-current view of the department's work."""

from flask import Blueprint, make_response, redirect, request, url_for
from flask_babel import gettext

from models import Event, Job, User
from models.base import today
from models.job import STATES
from views.common import is_htmx, render, requires

bp = Blueprint("board", __name__, url_prefix="/board")


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
    since = _position()
    latest, changed_ids = Event.changes_since(since)
    if latest < since:
        # The database went back (a restore): start over from a fresh page.
        return make_response("", 204, {"HX-Refresh": "true"})
    if latest == since:
        return make_response("", 204)
    changed = list(Job.for_board().where(Job.id.in_(list(changed_ids)))) if changed_ids else []
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
    )
    response.headers["Cache-Control"] = "no-store"
    return response
