"""Figures the reliability tests collect; conftest writes them to tests/results/reliability.json."""

NAMES = [
    "routes_checked",
    "role_route_cases",
    "role_route_violations",
    "csrf_cases",
    "csrf_violations",
    "hostile_strings_tried",
    "scripts_executed",
    "fuzz_examples",
    "fuzz_server_errors",
    "query_params_fuzzed",
    "headers_fuzzed",
    "get_fuzz_server_errors",
    "sessions_revoked_checked",
    "sessions_revoked_violations",
    "throttle_cases",
    "throttle_violations",
    "load_requests",
    "load_errors",
    "load_p95_ms",
    "load_client_p95_ms",
    "crash_writes_acknowledged",
    "crash_writes_lost",
]
FIGURES = {}


def add(name, value):
    """Counts add up across tests and databases."""
    FIGURES[name] = FIGURES.get(name, 0) + value


def worst(name, value):
    """Measures keep the worse of the two databases (the higher)."""
    FIGURES[name] = max(FIGURES.get(name, value), value)
