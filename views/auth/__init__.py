"""Sign in, sign out, own sessions, own password and language."""

from urllib.parse import urlsplit

from flask import Blueprint, g, redirect, request, session, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user, logout_user
from flask_wtf.csrf import generate_csrf

from models import RuleError
from models.core.sessions import UserSession
from models.core.users import LOCALES, LoginAttempt
from views.auth.forms import LanguageForm, LoginForm, PasswordForm
from views.common import form_error, public, render, requires, see_other
from views.forms import EmptyForm
from views.shell import nav

bp = Blueprint("auth", __name__)
nav("auth.password", _l("My password"), "profile.edit", order=90)
nav("auth.sessions", _l("My sessions"), "profile.edit", order=91)


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


def _address():
    return request.remote_addr or "-"


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    """Sign in with user name and password."""
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        try:
            user = LoginAttempt.authenticate(form.username.data, form.password.data, _address())
        except RuleError as error:
            form_error(form, error)
        else:
            lang = session.get("lang")
            session.clear()  # a fresh cookie (and CSRF token) at sign-in
            if lang and not user.locale:
                user.set_locale(lang)
            login_user(UserSession.begin(user, _address(), request.user_agent.string))
            # The new session's CSRF token in the sign-in's own cookie (the first page then sends
            # no other); the form's token of the old session is forgotten first.
            g.pop("csrf_token", None)
            generate_csrf()
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
    """Sign out and end the session, on the server too: a copy of the cookie stops working."""
    if EmptyForm().validate_on_submit():
        current_user.current_session.end(by=current_user)
        logout_user()
        session.clear()
    return redirect(url_for("auth.login"), 303)


@bp.route("/password", methods=["GET", "POST"])
@requires("profile.edit")
def password():
    """Change one's own password (every other session ends)."""
    form = PasswordForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        try:
            user.confirm_password(form.current.data)
            user.change_password(form.password.data, by=user, keep_session=user.current_session)
        except RuleError as error:
            form_error(form, error)
        else:
            return render("auth/password.html", form=PasswordForm(formdata=None), saved=True)
    status = 422 if form.errors or form.form_errors else 200
    return render("auth/password.html", form=form, status=status)


@bp.get("/account/sessions")
@requires("profile.edit")
def sessions():
    """The places the user is signed in: this browser and any other, each to be ended."""
    return render(
        "auth/sessions.html",
        sessions=list(UserSession.active_for(current_user)),
        current=current_user.current_session.id,
        form=EmptyForm(),
    )


@bp.post("/account/sessions/<int:session_id>/end")
@requires("profile.edit")
def end_session(session_id):
    """End one of the user's other sessions."""
    if EmptyForm().validate_on_submit():
        UserSession.end_one(current_user, session_id, by=current_user, current=current_user.current_session)
    return see_other("auth.sessions")


@bp.post("/account/sessions/end-others")
@requires("profile.edit")
def end_other_sessions():
    """End every session of the user but this one."""
    if EmptyForm().validate_on_submit():
        UserSession.end_others(current_user, keep=current_user.current_session, by=current_user)
    return see_other("auth.sessions")


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
