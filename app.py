"""The After-Sales Service Desk application factory."""

import os

from flask import Flask, session
from flask_babel import Babel
from flask_login import LoginManager, current_user
from flask_wtf.csrf import CSRFProtect
from htmx_flask import Htmx
from werkzeug.middleware.proxy_fix import ProxyFix

from models import db, init_database
from models.core.sessions import UserSession
from views import BLUEPRINTS, filters
from views.access import check_access, handle_errors
from views.assets import init_assets
from views.cli import register_commands
from views.common import BoundedIntConverter, CleanInput

# Security headers on every response. No inline script or style anywhere in the app,
# so the policy needs no 'unsafe-inline'. Scripts, styles, fonts and connections fall back to
# default-src 'self'; the other directives do not fall back, or differ from it.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data: blob:; object-src 'none'; base-uri 'self'; "
        "form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


def create_app(test_config=None):
    """Build the app: defaults, then environment overrides, then the test config."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(
        SECRET_KEY=None,
        DATABASE_URL=os.path.join(app.instance_path, "servicedesk.sqlite3"),
        TIMEZONE="Asia/Shanghai",
        BABEL_DEFAULT_LOCALE="zh_CN",
        BABEL_DEFAULT_TIMEZONE="Asia/Shanghai",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=False,
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        WTF_CSRF_TIME_LIMIT=None,
        MAX_CONTENT_LENGTH=2 * 1024 * 1024,
        # Behind a reverse proxy: how many proxies set X-Forwarded-For/-Proto (0: none). The
        # sign-in throttle needs each user's own address, not the proxy's.
        PROXY_COUNT=0,
        # The host names this desk answers to, e.g. SERVICEDESK_TRUSTED_HOSTS='["desk.example.com"]':
        # any other Host header is refused with 400 instead of being reflected in redirects.
        TRUSTED_HOSTS=None,
    )
    # Deployments name these two without a prefix; SERVICEDESK_* overrides anything.
    for name in ("DATABASE_URL", "SECRET_KEY"):
        if os.environ.get(name):
            app.config[name] = os.environ[name]
    app.config.from_prefixed_env("SERVICEDESK")
    if test_config is not None:
        app.config.update(test_config)
    if not app.config["SECRET_KEY"]:
        raise RuntimeError("Set SECRET_KEY (or SERVICEDESK_SECRET_KEY) in the environment.")
    app.config["REMEMBER_COOKIE_SECURE"] = app.config["SESSION_COOKIE_SECURE"]
    os.makedirs(app.instance_path, exist_ok=True)
    if app.config["PROXY_COUNT"]:
        count = int(app.config["PROXY_COUNT"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)
    # Outermost: every query argument and header is bounded and cleaned before anything reads it.
    app.wsgi_app = CleanInput(app.wsgi_app)

    init_database(app.config["DATABASE_URL"], app.config["TIMEZONE"])
    _init_extensions(app)
    _init_request_hooks(app)

    app.url_map.converters["int"] = BoundedIntConverter
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)

    register_commands(app)
    return app


def _init_extensions(app):
    CSRFProtect(app)
    Htmx(app)

    login = LoginManager(app)
    login.login_view = "auth.login"
    login.login_message = None
    # The cookie names a server-side session (its random token), not a user.
    login.user_loader(UserSession.user_for)

    def select_locale():
        if current_user.is_authenticated and current_user.locale:
            return current_user.locale
        if session.get("lang") in ("zh_CN", "en"):
            return session["lang"]
        return None  # the default, zh_CN: these are Chinese teams

    Babel(app, locale_selector=select_locale)
    filters.register(app)
    init_assets(app)


def _init_request_hooks(app):
    @app.before_request
    def _connect():
        db.connect(reuse_if_open=True)

    @app.teardown_request
    def _close(exc):
        if not db.is_closed():
            db.close()

    app.before_request(check_access)
    handle_errors(app)

    @app.after_request
    def _headers(response):
        if response.status_code == 204:
            # No content to protect or type: keep the live poll's idle answer tiny.
            response.headers.pop("Content-Type", None)
            return response
        if response.mimetype in ("text/css", "text/javascript"):
            # A stylesheet or script is no document: the policy, framing and referrer headers
            # mean nothing on it (kept small for the phone's first load); nosniff matters.
            response.headers.setdefault("X-Content-Type-Options", "nosniff")
            return response
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response
