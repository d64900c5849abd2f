"""What every record's screens share: load one the user may see, take a transition by a
button, keep a list live from the event feed, link a record from a history line."""

import datetime

from flask import abort, redirect, request, url_for
from flask_login import current_user
from htmx_flask import make_response

from models.core import Event, RuleError, clock, may
from models.core.errors import N_
from views.common import MAX_INT, field_or_raise, requires
from views.forms import NoteForm, VersionForm

# subject -> (endpoint, name of its id argument): where a history line links to
RECORD_LINKS = {}


def link_records(subject, endpoint, arg):
    RECORD_LINKS[subject] = (endpoint, arg)


def record_url(subject, record_id):
    endpoint = RECORD_LINKS.get(subject)
    return url_for(endpoint[0], **{endpoint[1]: record_id}) if endpoint else None


def record_or_404(query, record_id, permission):
    """The record of ``query`` with this id, or 404 when it is missing or the user may not
    read it (a record one may not see is indistinguishable from one that does not exist)."""
    model = query.model
    record = query.where(model.id == record_id).first()
    if record is None or not may(current_user, permission, record):
        abort(404)
    return record


def changed_answer(record, message=None):
    """The answer to a successful change, the same whoever asked: htmx gets 204 and an event
    (``record-changed``) that the page's live parts listen to, and ``message`` as a toast; a
    plain form goes back to the page it was sent from (or the record's page)."""
    if getattr(request, "htmx", None):
        trigger = {"record-changed": {"subject": record.subject, "id": record.id}}
        if message:
            trigger["toast"] = str(message)
        return make_response("", 204, trigger=trigger)
    back = request.referrer if request.referrer and request.referrer.startswith(request.host_url) else None
    return redirect(back or record_url(record.subject, record.id) or url_for("main.home"), 303)


def mount_transitions(bp, model, load, actions, id_arg, with_note=()):
    """Register ``POST /<id>/<action>`` for each button-only transition of a stateful record.

    ``load(record_id)`` returns the record the user may see (or 404); the route requires the
    transition's permission and calls the record's method of the same name with the version
    the user saw (and the note, for the actions in ``with_note``).
    """
    for action in actions:
        _mount(bp, model.TRANSITIONS[action].permission, load, action, id_arg, action in with_note)


def _mount(bp, permission, load, action, id_arg, with_note):
    def transition(**kwargs):
        record = load(kwargs[id_arg])
        form = NoteForm() if with_note else VersionForm()
        if not form.validate_on_submit():
            first = next((e for f in form for e in f.errors), None)
            raise RuleError(str(first) if first else N_("This form is damaged. Reload the page."))
        options = {"version": form.version.data}
        if with_note:
            options["note"] = form.note.data or ""
        getattr(record, action)(by=current_user, **options)
        return changed_answer(record)

    transition.__name__ = action
    transition.__doc__ = f"Take the transition {action!r} of one record (a button)."
    view = requires(permission)(transition)
    bp.add_url_rule(f"/<int:{id_arg}>/{action}", endpoint=action, view_func=view, methods=["POST"])
    return view


def since_arg():
    """The event position a live page says it shows (bad or absurd values read as 0)."""
    try:
        value = int(request.args.get("since", "0"))
    except ValueError:
        return 0
    return value if 0 <= value <= MAX_INT else 0


def live_changes(subjects):
    """(position, {subject: changed ids}) for a live page's poll, or the response that ends it:
    204 when nothing changed, a full refresh when the database went back (a restore)."""
    since = since_arg()
    position, changed = Event.changes_since(since)
    if position < since:
        return None, make_response("", 204, refresh=True)
    if position == since:
        return None, make_response("", 204)
    return (position, {s: ids for s, ids in changed.items() if s in subjects}), None


def epoch(moment):
    """A stored (UTC naive) time as whole seconds since 1970, rounded up; None stays None."""
    if moment is None:
        return None
    return int(moment.replace(tzinfo=datetime.UTC).timestamp()) + 1


def due_passed():
    """Has the ``due`` moment a live page was drawn with (``?due=``, epoch seconds) passed?"""
    due = request.args.get("due", type=int)
    return due is not None and 0 < due <= MAX_INT and epoch(clock().now()) > due


def to_utc(local_naive):
    """A datetime-local value typed in the department's zone, as stored (UTC naive)."""
    return None if local_naive is None else clock().to_utc(local_naive)


def to_local(utc_naive):
    """A stored time in the department's zone, to the minute (what a datetime-local shows)."""
    if utc_naive is None:
        return None
    local = clock().to_local(utc_naive).replace(tzinfo=None)
    return local.replace(second=0, microsecond=0)


def mount_form(bp, load, action, form_class, apply, page, id_arg, permission, prefix=None):
    """Register ``POST /<id>/<action>``: a transition that takes a form (a note, a reason, …).

    ``apply(record, form, user)`` calls the model; a refused field is shown next to it on
    ``page(record, status=422, forms={action: form})``, a refused step in a message. The
    form's fields are prefixed with the action, so several forms can share a page.
    """

    def view(**kwargs):
        record = load(kwargs[id_arg])
        record.check(current_user, action)
        form = form_class(prefix=action if prefix is None else prefix)
        if form.validate_on_submit():
            try:
                apply(record, form, current_user)
            except RuleError as error:
                field_or_raise(form, error)
            else:
                return changed_answer(record)
        return page(record, status=422, forms={action: form})

    view.__name__ = action
    view.__doc__ = f"Take the step {action!r} of one record, with its form."
    path = f"/<int:{id_arg}>/{action.replace('_', '-')}"
    bp.add_url_rule(path, endpoint=action, view_func=requires(permission)(view), methods=["POST"])
