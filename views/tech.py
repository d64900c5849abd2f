"""Placeholder: the technician's phone screens."""

from flask import Blueprint

bp = Blueprint("tech", __name__, url_prefix="/tech")
