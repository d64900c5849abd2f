"""Users, the permission map, settings and the audit log."""

import datetime
import json

from flask import Blueprint, abort, request
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from playhouse.flask_utils import PaginatedQuery

from models import Event, Permission, RuleError, Setting, User
from models.core import ACTIONS, ROLE_LABELS, ROLES, SETTINGS, SUBJECTS, permission_map
from models.core.access import permission_keys
from models.core.history import describe, history
from models.core.settings import may_change
from views.admin.forms import NewUserForm, ResetPasswordForm, UserForm, role_choices, settings_form
from views.common import date_arg, form_error, int_arg, is_htmx, render, requires, see_other, text_arg
from views.forms import EmptyForm
from views.records import link_records, to_utc
from views.shell import nav

bp = Blueprint("admin", __name__, url_prefix="/admin")
link_records("user", "admin.edit_user", "user_id")
nav("admin.users", _l("Users"), "admin.users", order=80)
nav("admin.permissions", _l("Permissions"), "admin.permissions", order=81)
nav("admin.settings", _l("Settings"), "admin.settings", order=82)
nav("admin.events", _l("Audit log"), "audit.view", order=83)


@bp.get("/users")
@requires("admin.users")
def users():
    """All users, active first."""
    query = User.select().order_by(User.active.desc(), User.role, User.username)
    return render("admin/users.html", users=query, role_labels=ROLE_LABELS)


@bp.route("/users/new", methods=["GET", "POST"])
@requires("admin.users")
def new_user():
    """Create a user."""
    form = NewUserForm()
    form.role.choices = role_choices()
    if form.validate_on_submit():
        try:
            User.create_user(
                form.username.data.strip(),
                form.full_name.data.strip(),
                form.role.data,
                form.password.data,
                by=current_user,
                phone=(form.phone.data or "").strip(),
            )
        except RuleError as error:
            form_error(form, error)
        else:
            return see_other("admin.users")
    return render("admin/user_form.html", form=form, user=None, status=422 if form.errors else 200)


def _user_history(user):
    """What was done to this user's account, and what they did, newest first."""
    done_to = history(user, current_user)
    done_by = describe(
        Event.select()
        .where(Event.actor_id == user.id, Event.action != "login")
        .order_by(Event.id.desc())
        .limit(50),
        current_user,
    )
    return list(reversed(done_to))[:50], done_by


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@requires("admin.users")
def edit_user(user_id):
    """Edit or deactivate a user (users are never deleted: their records name them)."""
    user = User.get_or_none(User.id == user_id) or abort(404)
    form = UserForm(obj=user)
    form.role.choices = role_choices()
    reset = ResetPasswordForm(prefix="reset")
    if form.validate_on_submit():
        try:
            user.update_profile(
                current_user,
                form.full_name.data.strip(),
                form.role.data,
                (form.phone.data or "").strip(),
                form.active.data,
            )
        except RuleError as error:
            form_error(form, error)
        else:
            return see_other("admin.users")
    status = 422 if form.errors or form.form_errors else 200
    done_to, done_by = _user_history(user)
    return render(
        "admin/user_form.html",
        form=form,
        reset=reset,
        user=user,
        history=done_to,
        actions=done_by,
        status=status,
    )


@bp.post("/users/<int:user_id>/password")
@requires("admin.users")
def reset_password(user_id):
    """Set a new password for a user who forgot theirs."""
    user = User.get_or_none(User.id == user_id) or abort(404)
    reset = ResetPasswordForm(prefix="reset")
    if reset.validate_on_submit():
        user.change_password(reset.password.data, by=current_user)
        return see_other("admin.edit_user", user_id=user.id)
    form = UserForm(obj=user, formdata=None)
    form.role.choices = role_choices()
    return render("admin/user_form.html", form=form, reset=reset, user=user, status=422)


def _permission_rows():
    """(group, key, action, scope) for every stored permission, grouped as registered."""
    return [(ACTIONS[name].group, key, ACTIONS[name], scope) for key, name, scope, _ in permission_keys()]


@bp.get("/permissions")
@requires("admin.permissions")
def permissions():
    """The map of action -> roles (权责划分)."""
    return render(
        "admin/permissions.html",
        rows=_permission_rows(),
        roles=ROLES,
        role_labels=ROLE_LABELS,
        mapping=permission_map(),
        form=EmptyForm(),
    )


@bp.post("/permissions/<key>/<role>")
@requires("admin.permissions")
def toggle_permission(key, role):
    """Grant or revoke one permission for one role."""
    rows = {row[1]: row for row in _permission_rows()}
    if key not in rows or role not in ROLES:
        abort(404)
    form = EmptyForm()
    if form.validate_on_submit():
        # The stored row, not the few-seconds cache: a click always flips what is stored.
        stored = Permission.get_or_none(Permission.action == key, Permission.role == role)
        Permission.set_allowed(key, role, not (stored and stored.allowed), by=current_user)
    if not is_htmx():
        return see_other("admin.permissions")
    _, _, action, scope = rows[key]
    mapping = permission_map()
    response = render(
        "admin/permissions.html",
        block="cell",
        key=key,
        action=action,
        scope=scope,
        role=role,
        role_labels=ROLE_LABELS,
        mapping=mapping,
        form=EmptyForm(),
    )
    # Say what changed, in words: the grid's tick alone is easy to misread.
    what = gettext(action.label)
    if scope == "any":
        what += " — " + gettext("all records")
    elif scope == "own":
        what += " — " + gettext(action.own_label)
    role_name = gettext(ROLE_LABELS[role])
    if role in mapping[key]:
        message = gettext("Granted “%(action)s” to %(role)s.", action=what, role=role_name)
    else:
        message = gettext("Revoked “%(action)s” from %(role)s.", action=what, role=role_name)
    response.headers["HX-Trigger"] = json.dumps({"toast": message})
    return response


@bp.route("/settings", methods=["GET", "POST"])
@requires("admin.settings")
def settings():
    """Thresholds, deadlines and texts the regulation leaves to the company."""
    form = settings_form(Setting.all_values(), editable=[k for k in SETTINGS if may_change(current_user, k)])
    saved = False
    if form.validate_on_submit():
        try:
            Setting.set_values(form.stored_values(), current_user)
        except RuleError as error:
            form_error(form, error)
        else:
            saved = True
    sections = {}
    for key, spec in SETTINGS.items():
        sections.setdefault(spec.section, []).append((key, spec))
    status = 422 if form.errors or form.form_errors else 200
    return render("admin/settings.html", form=form, saved=saved, sections=sections, status=status)


@bp.get("/events")
@requires("audit.view")
def events():
    """The audit log, newest first, in words; notes only where the viewer may read the record."""
    query = Event.select().order_by(Event.id.desc())
    filters = {
        "subject": text_arg("subject", 30),
        "record": int_arg("record"),
        "user": int_arg("user"),
        "start": date_arg("start"),
        "end": date_arg("end"),
        "logins": request.args.get("logins") == "1",
    }
    notes = []
    if filters["subject"]:
        query = query.where(Event.subject == filters["subject"])
        if filters["record"]:
            query = query.where(Event.subject_id == filters["record"])
    if filters["user"]:
        query = query.where(Event.actor_id == filters["user"])
    if filters["start"] and filters["end"] and filters["start"] > filters["end"]:
        notes.append(_l("The period starts after it ends: showing it the other way round."))
        filters["start"], filters["end"] = filters["end"], filters["start"]
    if filters["start"]:
        query = query.where(Event.at >= to_utc(datetime.datetime.combine(filters["start"], datetime.time())))
    if filters["end"]:
        after = filters["end"] + datetime.timedelta(days=1)
        query = query.where(Event.at < to_utc(datetime.datetime.combine(after, datetime.time())))
    if not filters["logins"]:
        # Sign-ins and sign-outs are most of the log and rarely what one looks for.
        query = query.where(Event.action.not_in(("login", "logout")))
    page = PaginatedQuery(query, paginate_by=50, page=int_arg("page") or 1)
    entries = describe(page.get_object_list(), current_user)
    args = {k: (v.isoformat() if isinstance(v, datetime.date) else v) for k, v in filters.items() if v}
    args["logins"] = "1" if filters["logins"] else None
    return render(
        "admin/events.html",
        page=page,
        entries=entries,
        filters=filters,
        args=args,
        notes=notes,
        subjects=SUBJECTS,
        people=list(User.select(User.id, User.full_name).order_by(User.full_name)),
    )
