"""Placeholder: routes arrive with the service spine."""

from flask import Blueprint

bp = Blueprint("register", __name__)
