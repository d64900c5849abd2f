"""Static files with fingerprinted URLs and long cache lifetimes; gzip for text responses."""

import gzip
import hashlib
import os
import threading

from flask import request

COMPRESSIBLE = (
    "text/html",
    "text/css",
    "text/javascript",
    "application/javascript",
    "application/json",
    "image/svg+xml",
    "text/plain",
)
MIN_SIZE = 500
ONE_YEAR = 31_536_000

_lock = threading.Lock()
_digests = {}
_gzipped = {}


def _digest(static_folder, filename):
    path = os.path.join(static_folder, filename)
    try:
        stamp = os.stat(path).st_mtime_ns
    except OSError:
        return None
    key = (path, stamp)
    with _lock:
        if key not in _digests:
            with open(path, "rb") as fh:
                _digests[key] = hashlib.sha256(fh.read()).hexdigest()[:12]
        return _digests[key]


def init_assets(app):
    @app.url_defaults
    def _fingerprint(endpoint, values):
        if endpoint == "static" and "filename" in values and "v" not in values:
            digest = _digest(app.static_folder, values["filename"])
            if digest:
                values["v"] = digest

    @app.after_request
    def _cache_and_compress(response):
        if request.endpoint == "static" and response.status_code == 200:
            if request.args.get("v"):
                # The URL changes whenever the file does: cache it for a year.
                response.cache_control.public = True
                response.cache_control.max_age = ONE_YEAR
                response.cache_control.immutable = True
                response.expires = None
        return _gzip(response)


def _gzip(response):
    if (
        response.status_code != 200
        or response.mimetype not in COMPRESSIBLE
        or "Content-Encoding" in response.headers
        or "gzip" not in request.headers.get("Accept-Encoding", "").lower()
    ):
        return response
    static = request.endpoint == "static"
    if static:
        key = (request.path, request.args.get("v"), response.headers.get("ETag"))
        with _lock:
            body = _gzipped.get(key)
        if body is None:
            response.direct_passthrough = False
            body = gzip.compress(response.get_data(), 6)
            with _lock:
                _gzipped[key] = body
    else:
        data = response.get_data()
        if len(data) < MIN_SIZE:
            return response
        body = gzip.compress(data, 5)
    response.direct_passthrough = False
    response.set_data(body)
    response.headers["Content-Encoding"] = "gzip"
    response.vary.add("Accept-Encoding")
    return response
