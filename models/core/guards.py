"""Deactivation guards: each domain says what a user still holds (jobs in hand, complaints
owned, cash not handed over), so a user is not deactivated or moved to another role while
others depend on them. The user model asks; it knows no domain."""

GUARDS = []


def register_guard(check):
    """``check(user)`` returns None, or (msgid, params) saying what the user still holds."""
    GUARDS.append(check)
    return check


def holdings(user):
    """What this user still holds, as (msgid, params) pairs, one per guard that objects."""
    return [found for found in (check(user) for check in GUARDS) if found]
