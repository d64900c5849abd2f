"""Blueprints, one per screen area."""

from views.admin import bp as admin_bp
from views.auth import bp as auth_bp
from views.main import bp as main_bp

BLUEPRINTS = [main_bp, auth_bp, admin_bp]
