"""The dispatch board (派工看板): the manager's always-current view of the department's work."""

import dataclasses
import datetime
import itertools
import re
import secrets
import threading

from flask import Blueprint, get_template_attribute, redirect, render_template, request, url_for
from flask_babel import get_locale, gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from htmx_flask import make_response
from markupsafe import Markup

from models import Event, Job, Setting, User
from models.core import can, now, permission_map, today
from models.core.prepared import plain
from models.service import (
    AGEING,
    IN_HAND_STATES,
    SERVICE_TYPES,
    SLOT_SHORT,
    STATES,
    Appointment,
    Chaser,
    waiting_since,
)
from views.common import MAX_INT, KeptHTML, is_htmx, render, render_block, requires
from views.records import epoch, since_arg
from views.shell import actions_for, nav

bp = Blueprint("board", __name__, url_prefix="/board")
nav("board.board", _l("Dispatch board"), "board.view", order=20)


PLACEHOLDER = 987654321


@dataclasses.dataclass(frozen=True)
class BoardStrip:
    """A strip another area shows on the board (overdue complaints, …), kept live with it.

    ``template``'s block ``strip`` renders it from ``load()``'s context; it is sent again
    when an event about one of ``subjects`` arrives or when ``context["next_due"]`` (a UTC
    time at which it changes by the clock alone) has passed.
    """

    key: str
    template: str
    permission: str
    subjects: frozenset
    load: object


STRIPS: list[BoardStrip] = []


def board_strip(key, template, permission, subjects, load):
    STRIPS.append(BoardStrip(key, template, permission, frozenset(subjects), load))


def _strips(oob, wanted=None):
    """(rendered strips, their earliest next due time) for this user."""
    rendered, due = [], None
    for strip in STRIPS:
        if not can(current_user, strip.permission) or (wanted is not None and strip.key not in wanted):
            continue
        context = strip.load()
        rendered.append(Markup(render_block(strip.template, "strip", oob=oob, **context)))
        if context.get("next_due") and (due is None or context["next_due"] < due):
            due = context["next_due"]
    return rendered, due


def _due_arg():
    value = request.args.get("due", type=int)
    return value if value is not None and 0 < value <= MAX_INT else None


def _card_urls():
    """URL patterns built once with url_for, as (before id, after id): hundreds of cards each
    put their own id in between."""
    return {
        name: tuple(url_for(endpoint, job_id=PLACEHOLDER).split(str(PLACEHOLDER), 1))
        for name, endpoint in (("show", "vouchers.show"), ("dispatch", "vouchers.dispatch"))
    }


_TEXTS: dict = {}


def _card_texts():
    """Every fixed text a card or a lane head shows, translated once per language (the
    catalogs do not change while the process runs) instead of once per card."""
    locale = str(get_locale())
    texts = _TEXTS.get(locale)
    if texts is None:
        texts = {state: gettext(label) for state, label in STATES.items()}
        texts.update(
            internal=gettext("Internal work"),
            preferred=gettext("Preferred time"),
            types={key: gettext(label) for key, label in SERVICE_TYPES.items()},
            slots={key: gettext(label) if label else "" for key, label in SLOT_SHORT.items()},
            appointment=gettext("Appointment"),
            preference=gettext("The customer's preference, not agreed yet"),
            chasers=gettext("The customer called again (催修)"),
            load=gettext("Load"),
            # its placeholders are filled per lane (a in-hand count each)
            load_detail=gettext(
                "dispatched %(a)s · on site %(b)s · in repair %(c)s", a="%(a)s", b="%(b)s", c="%(c)s"
            ),
        )
        _TEXTS[locale] = texts
    return texts


def _warn_seconds():
    """state -> seconds a job may wait in it before its card shows as overdue (Settings)."""
    values = Setting.all_values()
    return {state: values[f"age_warn_hours_{state}"] * 3600 for state in AGEING}


DISTRICT = re.compile(r"^(.{0,8}?[市州盟])?(.{0,6}?[区县旗市])?")


def district(address):
    """The part of an address a manager reads across the room: 上海市普陀区, 苏州市吴中区."""
    address = (address or "").strip()
    if not address:
        return ""
    match = DISTRICT.match(address)
    found = "".join(part for part in match.groups() if part) if match else ""
    return found or address[:8]


def _unix(moment):
    return int(moment.replace(tzinfo=datetime.UTC).timestamp()) if moment else ""


def _card_context():
    return {
        "urls": _card_urls(),
        "t": _card_texts(),
        "warn": _warn_seconds(),
        "since": waiting_since,
        "unix": _unix,
        "district": district,
        "today": today(),
    }


class CardCache(KeptHTML):
    """Rendered board cards, by what decides their look: the job's version, appointment and
    chasers (``Job.board_keys``), the day, the language and the overdue thresholds.

    The board is the busiest page and most of its cost was rendering the same cards again
    for every poll-triggered reload and every manager. A card's HTML holds nothing about
    who looks at it (the CSRF token is in the page header), so one copy serves every user.
    A miss re-renders the card (``KeptHTML``).
    """

    def __init__(self, limit=3000):
        super().__init__(limit)
        self.hits = self.misses = 0

    def cards(self, keys, context):
        """{job id: HTML} for ``keys`` (``Job.board_keys`` tuples), rendering the missing
        cards from one query."""
        page = (str(get_locale()), context["today"], tuple(sorted(context["warn"].items())))
        found, missing = {}, []
        for key in keys:
            html = self.entries.get((page, key))
            if html is None:
                missing.append(key[0])
            else:
                found[key[0]] = html
        self.hits += len(found)
        self.misses += len(missing)
        if missing:
            self.put(Job.for_board().where(Job.id.in_(missing)), context, found, page)
        return found

    def put(self, jobs, context, into=None, page=None):
        """Render ``jobs`` (``Job.for_board`` rows), keep them, return {job id: HTML}."""
        page = page or (str(get_locale()), context["today"], tuple(sorted(context["warn"].items())))
        render_card = get_template_attribute("board/_board.html", "card")
        into = {} if into is None else into
        fresh = {}
        for job in jobs:
            html = render_card(job, context)
            into[job.id] = fresh[(page, card_key(job))] = html
        self.keep(fresh)
        return into


class Cards(list):
    """A lane's rendered cards: a list (its length is counted), shown as one piece of HTML
    (not card by card through the template: a board has hundreds)."""

    def __html__(self):
        return "".join(self)


def card_key(job):
    """A ``Job.for_board`` row's ``Job.board_keys`` tuple, as the lanes read it (``plain``)."""
    appt = getattr(job, "appt", None)
    day, slot, agreed = (appt.day, appt.slot, appt.agreed) if appt is not None else (None, None, None)
    return plain((job.id, job.version, job.updated_at, job.technician_id, day, slot, agreed, job.chasers))


CARDS = CardCache()

# (language, role, application root, technicians, counts, oob) -> (the permission map they
# were made from, {lane key: HTML}): the heads change with the counts, not with every view
_HEADS: dict = {}
_heads_lock = threading.Lock()


def _frozen(counts):
    return tuple(
        sorted((str(k), tuple(sorted(v.items())) if isinstance(v, dict) else v) for k, v in counts.items())
    )


def lane_heads(technicians, counts, oob=False):
    """{lane key: its head's HTML} (title, links other areas offer on the technician, load)."""
    permissions = permission_map()
    key = (
        str(get_locale()),
        current_user.role,
        request.script_root,
        tuple((tech.id, tech.full_name) for tech in technicians),
        _frozen(counts),
        oob,
    )
    kept = _HEADS.get(key)
    if kept is not None and kept[0] is permissions:
        return kept[1]
    lanehead = get_template_attribute("board/_board.html", "lanehead")
    t = _card_texts()
    heads = {"waiting": lanehead("waiting", gettext("Awaiting dispatch"), counts, t, oob)}
    for tech in technicians:
        key_ = f"tech-{tech.id}"
        heads[key_] = lanehead(key_, tech.full_name, counts, t, oob, actions_for("user", tech))
    heads["done"] = lanehead("done", gettext("Done, awaiting countersign"), counts, t, oob)
    with _heads_lock:
        if len(_HEADS) > 200:
            _HEADS.clear()
        _HEADS[key] = (permissions, heads)
    return heads


def lane_of(job):
    """Which board column a job belongs in now (None: it has left the board)."""
    if job.state == "registered":
        return "waiting"
    if job.state in IN_HAND_STATES:
        return f"tech-{job.technician_id}"
    if job.state == "done":
        return "done"
    return None


class BoardBodies:
    """The board's content (heading, dispatch control, strips, lanes), rendered once per state
    of the department and shared by everyone of a role who looks.

    ``entries``: (language, role, application root, wall mode, day) -> (permission map, UTF-8,
    the UTC time at which a strip changes by the clock or None), all made at one ``mark``, the
    newest event's (id, time). Every change the board shows writes an event, as the live poll
    relies on, so another mark makes them all old: they are dropped (a worker keeps a board or
    two, 250 KB each, not a history of them). A permission change is a new map. Each page puts
    its own CSRF token where ``TOKEN_MARK`` stands.
    """

    def __init__(self):
        self.mark, self.entries, self.lock = None, {}, threading.Lock()

    def get(self, mark, key, permissions, moment):
        with self.lock:
            kept = self.entries.get(key) if mark == self.mark else None
        if kept is None or (kept[0] is not permissions and kept[0] != permissions):
            return None
        return kept[1] if kept[2] is None or moment <= kept[2] else None

    def keep(self, mark, key, kept):
        with self.lock:
            if mark != self.mark:
                self.mark, self.entries = mark, {}
            self.entries[key] = kept


BODIES = BoardBodies()
TOKEN_MARK = f"csrf-{secrets.token_hex(12)}"
_TOKEN_MARK = TOKEN_MARK.encode()
# where the page around the content puts it: the content is kept as UTF-8 (half the memory of
# a str of Chinese text) and joined to the page's bytes without being copied into a str again
BODY_SLOT = f"<!--board-{secrets.token_hex(12)}-->"


@bp.get("/")
@requires("board.view")
def board():
    """Waiting work, a lane per technician, and work awaiting countersignature."""
    wall = request.args.get("wall") == "1"
    # Read the position first: a change made while the page is built is sent again by the
    # next poll (applying it twice is harmless), never lost.
    mark = Event.latest_mark()
    key = (str(get_locale()), current_user.role, request.script_root, wall, today())
    permissions = permission_map()
    content = BODIES.get(mark, key, permissions, now())
    if content is None:
        html, due = _board_body(mark[0], wall)
        content = html.encode()
        BODIES.keep(mark, key, (permissions, content, due))
    head, tail = render_template("board/board.html", body=Markup(BODY_SLOT), wall=wall).split(BODY_SLOT)
    token = generate_csrf().encode()
    response = make_response(b"".join((head.encode(), content.replace(_TOKEN_MARK, token), tail.encode())))
    response.vary.add("HX-Request")
    return response


def _board_body(position, wall):
    """(the board's content as HTML with TOKEN_MARK for the CSRF token, the UTC time at which
    a strip changes by the clock alone or None)."""
    technicians = User.active_technicians()
    counts = Job.board_counts()
    waiting, lanes, done = Job.board_lanes(technicians, keys=True, counts=counts)
    context = _card_context()
    html = CARDS.cards(itertools.chain(waiting, done, *lanes.values()), context)
    strips, due = _strips(oob=False)
    body = render_block(
        "board/board.html",
        "board",
        position=position,
        due=epoch(due),
        strips=strips,
        technicians=technicians,
        waiting=Cards(html[key[0]] for key in waiting),
        lanes={tech: Cards(html[key[0]] for key in keys) for tech, keys in lanes.items()},
        done=Cards(html[key[0]] for key in done),
        counts=counts,
        heads=lane_heads(technicians, counts),
        wall=wall,
        **context,
    )
    # wherever this request's token went (the dispatch control's form, a strip's), the
    # page of whoever is served this copy puts its own
    return body.replace(generate_csrf(), TOKEN_MARK), due


def _jobs_touched(changed_ids):
    """Ids of the jobs whose cards the changes touch: the jobs themselves, and the jobs of a
    chaser call or an appointment (their events are about the chaser or the appointment)."""
    ids = set(changed_ids.get("job", ()))
    for model, subject in ((Chaser, "chaser"), (Appointment, "appointment")):
        if changed_ids.get(subject):
            rows = model.select(model.job).where(model.id.in_(list(changed_ids[subject]))).tuples()
            ids.update(job_id for (job_id,) in rows)
    return ids


@bp.get("/poll")
@requires("board.view")
def poll():
    """What changed since the position the board shows: 204 when nothing did."""
    if not is_htmx():
        return redirect(url_for("board.board"))  # e.g. signed in again with this as "next"
    since, due = since_arg(), _due_arg()
    latest, changed_ids = Event.changes_since(since)
    if latest < since:
        return make_response("", 204, refresh=True)  # the database went back (a restore)
    clock_passed = due is not None and epoch(now()) > due
    if latest == since and not clock_passed:
        return make_response("", 204)
    ids = list(_jobs_touched(changed_ids))
    changed = list(Job.for_board().where(Job.id.in_(ids))) if ids else []
    touched = set(changed_ids)
    wanted = {s.key for s in STRIPS if clock_passed or s.subjects & touched}
    context = _card_context()
    cards = CARDS.put([job for job in changed if lane_of(job)], context)
    strips, next_due = _strips(oob=True, wanted=wanted) if wanted else ([], None)
    if not wanted:
        next_due = datetime.datetime.fromtimestamp(due, datetime.UTC).replace(tzinfo=None) if due else None
    response = render(
        "board/board.html",
        block="changes",
        position=latest,
        due=epoch(next_due) if next_due else None,
        strips=strips,
        changed=changed,
        cards=cards,
        heads=lane_heads(User.active_technicians(), Job.board_counts(), oob=True) if changed else {},
        lane_of=lane_of,
        **context,
    )
    response.headers["Cache-Control"] = "no-store"
    return response
