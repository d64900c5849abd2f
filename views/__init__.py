"""Blueprints, one per screen area."""

from views.admin import bp as admin_bp
from views.assets import bp as assets_bp
from views.auth import bp as auth_bp
from views.board import bp as board_bp
from views.complaints import bp as complaints_bp
from views.customers import bp as customers_bp
from views.dashboard import bp as dashboard_bp
from views.intake import bp as intake_bp
from views.main import bp as main_bp
from views.materials import bp as materials_bp
from views.money import bp as money_bp
from views.register import bp as register_bp
from views.surveys import bp as surveys_bp
from views.surveys.guidelines import bp as guidelines_bp
from views.surveys.public import bp as answer_bp
from views.tech import bp as tech_bp
from views.trips import bp as trips_bp
from views.vouchers import bp as vouchers_bp

BLUEPRINTS = [
    main_bp,
    auth_bp,
    admin_bp,
    customers_bp,
    intake_bp,
    register_bp,
    vouchers_bp,
    board_bp,
    complaints_bp,
    money_bp,
    trips_bp,
    materials_bp,
    surveys_bp,
    answer_bp,
    guidelines_bp,
    tech_bp,
    dashboard_bp,
    assets_bp,
]
