"""Sign in, sign out, own password and language."""

from urllib.parse import urlsplit

from flask import Blueprint, redirect, request, session, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user, logout_user

from models import RuleError
from models.core.users import LOCALES, LoginAttempt
from views.auth.forms import LanguageForm, LoginForm, PasswordForm
from views.common import form_error, public, render, requires
from views.forms import EmptyForm
from views.shell import nav

bp = Blueprint("auth", __name__)
nav("auth.password", _l("My password"), "profile.edit", order=90)


def _safe_next(target):
    """Only a path on this site, never another host."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    # Browsers read a backslash as "/", so "/\\evil.example" would leave the site.  No control characters.
    if "\\" in target or any(ord(c) < 32 or ord(c) == 127 for c in target):
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    """Sign in with user name and password."""
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        try:
            user = LoginAttempt.authenticate(
                form.username.data, form.password.data, request.remote_addr or "-"
            )
        except RuleError as error:
            form_error(form, error)
        else:
            lang = session.get("lang")
            session.clear()  # a fresh session at sign-in
            if lang and not user.locale:
                user.set_locale(lang)
            login_user(user)
            target = _safe_next(form.next.data) or url_for("main.home")
            if request.htmx:
                # A whole new page: the session (and its CSRF token) changed at sign-in.
                return "", 204, {"HX-Redirect": target}
            return redirect(target, 303)
    status = 422 if form.errors or form.form_errors else 200
    return render("auth/login.html", block="login_form", form=form, status=status)


@bp.post("/logout")
@requires("home.view")
def logout():
    """Sign out and end the session."""
    if EmptyForm().validate_on_submit():
        logout_user()
        session.clear()
    return redirect(url_for("auth.login"), 303)


@bp.route("/password", methods=["GET", "POST"])
@requires("profile.edit")
def password():
    """Change one's own password."""
    form = PasswordForm()
    if form.validate_on_submit():
        if not current_user.check_password(form.current.data):
            form.current.errors.append(_l("The current password is wrong."))
        else:
            user = current_user._get_current_object()
            try:
                user.change_password(form.password.data, by=user)
            except RuleError as error:
                form_error(form, error)
            else:
                login_user(user)  # the session token changed: keep this session
                return render("auth/password.html", form=PasswordForm(formdata=None), saved=True)
    status = 422 if form.errors or form.form_errors else 200
    return render("auth/password.html", form=form, status=status)


@bp.post("/lang/<locale>")
@public
def set_language(locale):
    """Switch the interface language; it sticks for the user and the browser."""
    form = LanguageForm()
    if locale in LOCALES and form.validate_on_submit():
        session["lang"] = locale
        if current_user.is_authenticated:
            current_user.set_locale(locale)
    return redirect(_safe_next(form.next.data) or url_for("main.home"), 303)
