"""Placeholder: routes arrive with the service spine."""

from flask import Blueprint

bp = Blueprint("customers", __name__, url_prefix="/customers")
