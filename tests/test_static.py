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


def test_static_urls_are_fingerprinted_cached_and_compressed(client):
    import re

    html = client.get("/login").get_data(as_text=True)
    url = re.search(r'src="(/static/vendor/htmx-2.0.11.min.js\?v=[0-9a-f]{12})"', html).group(1)
    response = client.get(url, headers={"Accept-Encoding": "gzip, br"})
    assert response.status_code == 200
    assert response.headers["Content-Encoding"] == "gzip"
    assert (
        "immutable" in response.headers["Cache-Control"]
        and "max-age=31536000" in response.headers["Cache-Control"]
    )
    import gzip

    assert (
        gzip.decompress(response.data).startswith(b"var htmx") or len(gzip.decompress(response.data)) == 52182
    )


def test_html_is_compressed_when_asked(client):
    response = client.get("/login", headers={"Accept-Encoding": "gzip"})
    assert response.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response.headers["Vary"]
    plain = client.get("/login")
    assert "Content-Encoding" not in plain.headers
