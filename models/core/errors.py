"""The errors a rule raises, and the marker for messages translated later by the views."""


def N_(msgid):
    """Mark a message for translation without translating it (models know no locale)."""
    return msgid


class Label(str):
    """A parameter of a message that is itself a translatable label (a state, a type)."""


class RuleError(Exception):
    """A rule of the regulation refused an action; the message says why.

    ``msgid`` is an English message marked with N_ and ``params`` its placeholders, so the
    view layer translates it into the user's language. ``field`` names the form field the
    refusal belongs next to.
    """

    status = 409

    def __init__(self, msgid, field=None, **params):
        super().__init__(msgid % params if params else msgid)
        self.msgid = msgid
        self.params = params
        self.field = field


class Forbidden(RuleError):
    """The acting user's role or relation to the record does not allow the action."""

    status = 403


class Conflict(RuleError):
    """Somebody else changed the record first; the message says who and what."""

    status = 409
