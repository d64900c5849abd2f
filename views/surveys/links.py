"""Survey links for the customer: issued when a screen first shows one and kept for this user in
the session (the database keeps only the hash), drawn as a QR code (segno, SVG)."""

import datetime

from flask import session, url_for
from markupsafe import Markup

from models.core import now
from models.surveys import SurveyToken

SESSION_KEY = "survey_links"
KEEP = 6  # links a session remembers


def public_url(raw):
    return url_for("answer.form", token=raw, _external=True)


def qr_svg(url, scale=5):
    """The QR code of a URL as inline SVG (a path with presentation attributes: no style).
    segno is loaded on first use, by the few screens that draw one (a worker's memory)."""
    import segno

    return Markup(segno.make(url, error="m").svg_inline(scale=scale, border=2, svgclass="qr", lineclass=None))


def remembered(key):
    """A link this session was shown for ``key`` that still works, or None."""
    entry = (session.get(SESSION_KEY) or {}).get(key)
    if not entry:
        return None
    raw, expires = entry
    try:
        if datetime.datetime.fromisoformat(expires) <= now():
            return None
    except (TypeError, ValueError):
        return None
    token = SurveyToken.find(raw)
    if token is None or token.status() != "open":
        return None
    return raw, token


def remember(key, raw, token):
    links = dict(session.get(SESSION_KEY) or {})
    links.pop(key, None)
    links[key] = [raw, token.expires_at.isoformat()]
    while len(links) > KEEP:
        links.pop(next(iter(links)))
    session[SESSION_KEY] = links


def link_context(raw, token, scale=5):
    url = public_url(raw)
    return {"url": url, "qr": qr_svg(url, scale), "expires_at": token.expires_at}
