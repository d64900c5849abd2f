"""Placeholder: routes arrive with the service spine."""

from flask import Blueprint

bp = Blueprint("vouchers", __name__, url_prefix="/jobs")
