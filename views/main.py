"""Home page and health check."""

from flask import Blueprint, jsonify, redirect, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from models import can, db
from views.common import public, render, requires
from views.shell import nav, panels

bp = Blueprint("main", __name__)
nav("main.home", _l("Home"), "home.view", order=0)


@bp.get("/")
@requires("home.view")
def home():
    """The signed-in user's start page: what their role may use.

    A technician's phone goes straight to their job list: it is the only screen they need.
    """
    if can(current_user, "tech.jobs") and not can(current_user, "board.view"):
        return redirect(url_for("tech.jobs"))
    return render("main/home.html", user=current_user, panels=panels(current_user))


@bp.get("/healthz")
@public
def healthz():
    """Liveness and database reachability, for load balancers and monitors."""
    db.execute_sql("SELECT 1")
    return jsonify(status="ok")
