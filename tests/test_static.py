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
