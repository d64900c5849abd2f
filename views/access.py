"""One gate for every request: who is signed in, what the route needs, what an error shows."""

from flask import current_app, make_response, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user
from flask_wtf.csrf import CSRFError

from models import RuleError, can
from views.common import error_response, is_htmx, route_action, same_site_path, toast_response


def check_access():
    """Deny by default: every endpoint must be marked public or with the action it needs."""
    if request.endpoint is None or request.endpoint == "static":
        return None
    action = route_action(request.endpoint)
    if action is None:
        return None
    if action == "?":
        current_app.logger.error("route %s has no access mark", request.endpoint)
        return refuse(403)
    if not current_user.is_authenticated:
        if getattr(request, "htmx", None):
            # Come back to the page the user was on, not to the fragment it asked for.
            back = same_site_path(request.headers.get("HX-Current-URL")) or "/"
            response = make_response("", 401)
            response.headers["HX-Redirect"] = url_for("auth.login", next=back)
            return response
        return redirect(url_for("auth.login", next=request.full_path), 303)
    if not can(current_user, action):
        return refuse(403)
    return None


def refuse(status, message=None):
    message = message or gettext("You are not allowed to see this page.")
    if is_htmx():
        return toast_response(message, status)
    return make_response(render_template("error.html", status=status, message=message), status)


def handle_errors(app):
    @app.errorhandler(RuleError)
    def _rule(error):
        return error_response(error)

    @app.errorhandler(CSRFError)
    def _csrf(error):
        return refuse(
            400,
            gettext("The form has expired or was not sent from this site. Reload the page and try again."),
        )

    @app.errorhandler(403)
    def _forbidden(error):
        return refuse(403)

    @app.errorhandler(404)
    def _not_found(error):
        return refuse(404, gettext("This page or record does not exist."))

    @app.errorhandler(405)
    def _method(error):
        return refuse(405, gettext("This action is not available here."))

    @app.errorhandler(413)
    def _too_large(error):
        return refuse(413, gettext("What was sent is too large."))

    @app.errorhandler(500)
    def _server(error):
        return refuse(
            500, gettext("Something went wrong on the server. Nothing was saved; please try again.")
        )
