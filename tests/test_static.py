"""Vendored front-end files are exactly the pinned releases."""

import hashlib
import os

STATIC = os.path.join(os.path.dirname(os.path.dirname(__file__)), "static", "vendor")


def test_vendored_files_match_sha256sums():
    with open(os.path.join(STATIC, "SHA256SUMS")) as fh:
        lines = [line.split() for line in fh if line.strip()]
    assert {name for _, name in lines} == {"htmx-2.0.11.min.js", "signature_pad-5.1.4.umd.min.js"}
    for digest, name in lines:
        with open(os.path.join(STATIC, name), "rb") as fh:
            assert hashlib.sha256(fh.read()).hexdigest() == digest, name


def test_pages_load_one_fingerprinted_bundle_cached_and_compressed(client):
    import gzip
    import re

    html = client.get("/login").get_data(as_text=True)
    scripts = re.findall(r'<script src="([^"]+)"', html)
    assert len(scripts) == 1 and re.match(r"^/bundle/app\.js\?v=[0-9a-f]{12}$", scripts[0])
    response = client.get(scripts[0], headers={"Accept-Encoding": "gzip, br"})
    assert response.status_code == 200 and response.mimetype == "text/javascript"
    assert response.headers["Content-Encoding"] == "gzip"
    cache = response.headers["Cache-Control"]
    assert "immutable" in cache and "max-age=31536000" in cache
    body = gzip.decompress(response.data).decode()
    with open(os.path.join(STATIC, "htmx-2.0.11.min.js")) as fh:
        assert fh.read().strip() in body  # the vendored file, untouched
    assert "One failure handler for the whole app" not in body and "data-replace" in body  # app.js follows
    assert client.get("/bundle/nothing.js").status_code == 404


def test_a_bundle_carries_only_the_headers_that_mean_something_on_it(client):
    """The phone's first load is small: no document policy on a stylesheet or a script (the
    page has it), nosniff kept; the stylesheet without the spaces CSS does not need."""
    import re

    page = client.get("/login")
    assert "default-src 'self'" in page.headers["Content-Security-Policy"]
    for url in re.findall(r'(?:src|href)="(/bundle/[^"]+)"', page.get_data(as_text=True)):
        response = client.get(url)
        assert response.status_code == 200
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert "immutable" in response.headers["Cache-Control"]
        for name in ("Content-Security-Policy", "X-Frame-Options", "Referrer-Policy", "Expires"):
            assert name not in response.headers, (url, name)
        if url.startswith("/bundle/app.css"):
            css = response.get_data(as_text=True)
            assert ".muted,.hint{color:var(--muted)" in css and "{ " not in css and ": " not in css


def test_the_first_page_after_signing_in_sends_no_new_cookie(client, auth):
    """The CSRF token of the new session is in the sign-in's own cookie."""
    auth.login("tech1")
    response = client.get("/tech/")
    assert response.status_code == 200 and "Set-Cookie" not in response.headers


def test_the_technician_bundle_carries_the_signature_pad(client, auth):
    import re

    auth.login("tech1")
    html = client.get("/tech/").get_data(as_text=True)
    scripts = re.findall(r'<script src="([^"]+)"', html)
    assert len(scripts) == 1 and scripts[0].startswith("/bundle/tech.js?v=")
    assert b"SignaturePad" in client.get(scripts[0]).data


def test_html_is_compressed_when_asked(client):
    response = client.get("/login", headers={"Accept-Encoding": "gzip"})
    assert response.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response.headers["Vary"]
    plain = client.get("/login")
    assert "Content-Encoding" not in plain.headers
