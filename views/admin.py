"""Users, the permission map, settings and the audit log."""

from flask import Blueprint, abort, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from playhouse.flask_utils import PaginatedQuery
from wtforms import (
    BooleanField,
    IntegerField,
    PasswordField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, Regexp

from models import Event, Permission, RuleError, Setting, User
from models.permission import ACTIONS, permission_map
from models.setting import DEFAULTS
from models.user import MIN_PASSWORD, ROLE_LABELS, ROLES
from views.common import (
    BaseForm,
    EmptyForm,
    choices,
    form_error,
    int_arg,
    is_htmx,
    render,
    requires,
    see_other,
)

bp = Blueprint("admin", __name__, url_prefix="/admin")

USERNAME = Regexp(r"^[A-Za-z0-9_.-]+$", message=_l("Letters, digits, dot, dash and underscore only."))


def _role_choices():
    from flask_babel import gettext

    return choices((role, gettext(ROLE_LABELS[role])) for role in ROLES)


class UserForm(BaseForm):
    full_name = StringField(_l("Name"), validators=[DataRequired(), Length(max=60)])
    role = SelectField(_l("Role"), validators=[DataRequired()])
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=30)])
    active = BooleanField(_l("Active"), default=True)


class NewUserForm(UserForm):
    username = StringField(_l("User name"), validators=[DataRequired(), Length(max=40), USERNAME])
    password = PasswordField(
        _l("Initial password"), validators=[DataRequired(), Length(min=MIN_PASSWORD, max=200)]
    )


class ResetPasswordForm(BaseForm):
    password = PasswordField(
        _l("New password"), validators=[DataRequired(), Length(min=MIN_PASSWORD, max=200)]
    )


class SettingsForm(BaseForm):
    small_fee_limit_yuan = IntegerField(
        _l("Largest fee a technician collects on site (yuan)"),
        validators=[InputRequired(), NumberRange(min=0, max=1_000_000)],
    )
    quick_work_picks = TextAreaField(
        _l("Quick picks for work done (one per line)"), validators=[Length(max=2000)]
    )


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
    form.role.choices = _role_choices()
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


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@requires("admin.users")
def edit_user(user_id):
    """Edit or deactivate a user (users are never deleted: their records name them)."""
    user = User.get_or_none(User.id == user_id) or abort(404)
    form = UserForm(obj=user)
    form.role.choices = _role_choices()
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
    history = Event.history(user).order_by(Event.id.desc()).limit(50)
    return render("admin/user_form.html", form=form, reset=reset, user=user, history=history, status=status)


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
    form.role.choices = _role_choices()
    return render("admin/user_form.html", form=form, reset=reset, user=user, status=422)


@bp.get("/permissions")
@requires("admin.permissions")
def permissions():
    """The map of action -> roles (权责划分)."""
    return render(
        "admin/permissions.html",
        actions=ACTIONS,
        roles=ROLES,
        role_labels=ROLE_LABELS,
        mapping=permission_map(),
        form=EmptyForm(),
    )


@bp.post("/permissions/<action>/<role>")
@requires("admin.permissions")
def toggle_permission(action, role):
    """Grant or revoke one action for one role."""
    if action not in ACTIONS or role not in ROLES:
        abort(404)
    form = EmptyForm()
    if form.validate_on_submit():
        # The stored row, not the few-seconds cache: a click always flips what is stored.
        stored = Permission.get_or_none(Permission.action == action, Permission.role == role)
        Permission.set_allowed(action, role, not (stored and stored.allowed), by=current_user)
    if not is_htmx():
        return see_other("admin.permissions")
    return render(
        "admin/permissions.html",
        block="cell",
        action=action,
        spec=ACTIONS[action],
        role=role,
        mapping=permission_map(),
        form=EmptyForm(),
    )


@bp.route("/settings", methods=["GET", "POST"])
@requires("admin.settings")
def settings():
    """Thresholds and texts the regulation leaves to the company."""
    values = Setting.all_values()
    form = SettingsForm(
        small_fee_limit_yuan=values["small_fee_limit_fen"] // 100,
        quick_work_picks=values["quick_work_picks"],
    )
    saved = False
    if form.validate_on_submit():
        Setting.set_value("small_fee_limit_fen", form.small_fee_limit_yuan.data * 100, current_user)
        Setting.set_value("quick_work_picks", form.quick_work_picks.data.strip(), current_user)
        saved = True
    status = 422 if form.errors else 200
    return render("admin/settings.html", form=form, saved=saved, defaults=DEFAULTS, status=status)


@bp.get("/events")
@requires("audit.view")
def events():
    """The audit log, newest first."""
    query = Event.select().order_by(Event.id.desc())
    subject = request.args.get("subject", "")
    if subject:
        query = query.where(Event.subject == subject)
    page = PaginatedQuery(query, paginate_by=50, page=int_arg("page") or 1)
    users = {u.id: u for u in User.select()}
    return render("admin/events.html", page=page, users=users, subject=subject)
