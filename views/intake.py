"""Placeholder: routes arrive with the service spine."""

from flask import Blueprint

bp = Blueprint("intake", __name__, url_prefix="/intake")
