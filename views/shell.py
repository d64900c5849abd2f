"""The shell every page shares: the menu and the home page, filled by each area.

An area adds its menu entries and home-page panels from its own blueprint module, so a new
area edits no other area's files.
"""

import dataclasses
import threading

from flask import request, url_for
from flask_babel import get_locale
from flask_login import current_user
from markupsafe import Markup

from models.core import can, permission_map


@dataclasses.dataclass(frozen=True)
class NavEntry:
    endpoint: str
    label: str
    permission: str
    order: int = 50


@dataclasses.dataclass(frozen=True)
class HomePanel:
    """A panel of the home page: ``template`` rendered with what ``load(user)`` returns
    (nothing shown when it returns None)."""

    template: str
    permission: str
    load: object
    order: int = 50


@dataclasses.dataclass(frozen=True)
class RecordAction:
    """A link another area offers on a record's page ("record a complaint about this voucher"):
    ``url(record)`` gives its address, shown when the user may take ``permission``."""

    subject: str
    label: str
    permission: str
    url: object
    order: int = 50


@dataclasses.dataclass(frozen=True)
class RecordPanel:
    """A panel another area adds to a record's screens: ``template`` rendered with
    ``load(record)`` as ``panel`` (nothing when it returns None), on the screens named in
    ``screens`` (for a job: "voucher", "print", "tech"; for a technician: "staff")."""

    subject: str
    template: str
    permission: str
    load: object
    screens: tuple
    order: int = 50


NAV: list[NavEntry] = []
RECORD_PANELS: list[RecordPanel] = []
PANELS: list[HomePanel] = []
RECORD_ACTIONS: list[RecordAction] = []


def nav(endpoint, label, permission, order=50):
    NAV.append(NavEntry(endpoint, label, permission, order))
    NAV.sort(key=lambda e: e.order)


def home_panel(template, permission, load, order=50):
    PANELS.append(HomePanel(template, permission, load, order))
    PANELS.sort(key=lambda p: p.order)


# (role, language, application root) -> (the permission map it was made from, its entries):
# every page shows the menu, and it changes only with the permission map
_MENUS: dict = {}
_menus_lock = threading.Lock()


class Menu(list):
    """The menu's (address, label) entries, shown as one piece of HTML made once with them
    (every page shows the menu)."""

    def __init__(self, entries):
        super().__init__(entries)
        link = Markup('<a href="{}">{}</a>\n')
        self.html = Markup("").join(link.format(href, label) for href, label in self)

    def __html__(self):
        return self.html


def menu():
    """(address, label) of each screen the signed-in user may use, in order."""
    if not can(current_user, "home.view"):
        return Menu([])
    permissions = permission_map()
    key = (current_user.role, str(get_locale()), request.script_root)
    kept = _MENUS.get(key)
    if kept is not None and kept[0] is permissions:
        return kept[1]
    entries = Menu((url_for(e.endpoint), str(e.label)) for e in NAV if can(current_user, e.permission))
    with _menus_lock:
        if len(_MENUS) > 100:  # roles x languages: never reached but by a changing root
            _MENUS.clear()
        _MENUS[key] = (permissions, entries)
    return entries


def panels(user):
    """(template, context) of each home panel that has something to show this user."""
    shown = []
    for panel in PANELS:
        if can(user, panel.permission):
            context = panel.load(user)
            if context is not None:
                shown.append((panel.template, context))
    return shown


def record_action(subject, label, permission, url, order=50):
    RECORD_ACTIONS.append(RecordAction(subject, label, permission, url, order))
    RECORD_ACTIONS.sort(key=lambda a: a.order)


def actions_for(subject, record):
    """(label, url) of the links other areas offer on this record's page, for this user."""
    found = []
    for action in RECORD_ACTIONS:
        if action.subject == subject and can(current_user, action.permission):
            url = action.url(record)
            if url:  # None: not for this record (a staff record only for technicians)
                found.append((action.label, url))
    return found


def record_panel(subject, template, permission, load, screens, order=50):
    RECORD_PANELS.append(RecordPanel(subject, template, permission, load, tuple(screens), order))
    RECORD_PANELS.sort(key=lambda p: p.order)


def panels_for(subject, record, screen):
    """(template, context) of the panels other areas show on this screen of this record."""
    shown = []
    for panel in RECORD_PANELS:
        if panel.subject == subject and screen in panel.screens and can(current_user, panel.permission):
            context = panel.load(record)
            if context is not None:
                shown.append((panel.template, context))
    return shown
