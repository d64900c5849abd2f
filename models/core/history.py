"""Events in words: each record's history and the audit log, as a reader should see them.

Who did what to which record ("陈建国 派工给 王师傅", "改派 王师傅 → 李师傅"), with the record's
number instead of its id and the old -> new values of an amendment, all from the subjects the
domains registered. Names and numbers are looked up once per page, not once per line.
"""

import dataclasses
import re

from models.core.access import can
from models.core.errors import Label
from models.core.events import Event, subject_of
from models.core.users import User

_PLACEHOLDER = re.compile(r"%\((\w+)\)s")


@dataclasses.dataclass
class Entry:
    """One event as a reader sees it; ``note`` and ``changes`` are empty when hidden."""

    event: Event
    who: str | None
    record_label: str
    record: str
    words: tuple
    from_state: str
    to_state: str
    changes: list
    note: str
    hidden: bool

    @property
    def at(self):
        return self.event.at

    @property
    def action(self):
        return self.event.action

    @property
    def subject(self):
        return self.event.subject

    @property
    def subject_id(self):
        return self.event.subject_id


def _people_ids(events):
    ids = set()
    for event in events:
        if event.actor_id:
            ids.add(event.actor_id)
        subject = subject_of(event.subject)
        if isinstance(event.data, dict):
            for key in subject.people:
                value = event.data.get(key)
                if isinstance(value, int):
                    ids.add(value)
    return ids


def _titles(events):
    wanted = {}
    for event in events:
        wanted.setdefault(event.subject, set()).add(event.subject_id)
    titles = {}
    for key, ids in wanted.items():
        subject = subject_of(key)
        titles[key] = subject.titles(ids) if subject.titles and ids else {}
    return titles


def _words(event, subject, names):
    """(msgid, params) of what happened; the bare action when the data lacks a placeholder."""
    extra = {}
    msgid = subject.actions.get(event.action)
    if subject.phrase is not None:
        chosen = subject.phrase(event)
        if isinstance(chosen, tuple):
            msgid, extra = chosen
        elif chosen:
            msgid = chosen
    if not msgid:
        return Label(event.action), {}
    data = event.data if isinstance(event.data, dict) else {}
    params = {}
    for key in _PLACEHOLDER.findall(msgid):
        if key in extra:
            params[key] = extra[key]
        elif key in subject.people and key in data:
            params[key] = names.get(data[key], "?")
        elif key in data and data[key] is not None:
            params[key] = str(data[key])
        else:
            return Label(subject.actions.get(event.action) or event.action), {}
    return msgid, params


def _changes(event, subject):
    data = event.data
    if not isinstance(data, dict):
        return []
    if set(data) == {"from", "to"}:
        return [("", None, data["from"], data["to"])]
    changes = []
    for field, value in data.items():
        if field in subject.fields and isinstance(value, list) and len(value) == 2:
            changes.append((Label(subject.fields[field]), field, value[0], value[1]))
    return changes


def describe(events, viewer=None):
    """Entries for these events; a viewer who may not read a record's subject sees no notes."""
    events = list(events)
    names = {}
    ids = _people_ids(events)
    if ids:
        names = {
            u.id: u.full_name for u in User.select(User.id, User.full_name).where(User.id.in_(list(ids)))
        }
    titles = _titles(events)
    entries = []
    readable = {}
    for event in events:
        subject = subject_of(event.subject)
        if subject.key not in readable:
            readable[subject.key] = viewer is None or subject.reader is None or can(viewer, subject.reader)
        hidden = not readable[subject.key]
        entries.append(
            Entry(
                event=event,
                who=names.get(event.actor_id) if event.actor_id else None,
                record_label=Label(subject.label),
                record=titles.get(event.subject, {}).get(event.subject_id) or f"#{event.subject_id}",
                words=_words(event, subject, names),
                from_state=Label(subject.states.get(event.from_state, event.from_state))
                if event.from_state
                else "",
                to_state=Label(subject.states.get(event.to_state, event.to_state)) if event.to_state else "",
                changes=[] if hidden else _changes(event, subject),
                note="" if hidden else event.note,
                hidden=hidden and bool(event.note or event.data),
            )
        )
    return entries


def history(record, viewer=None):
    """One record's events in words, oldest first."""
    return describe(Event.all_of(record), viewer)
