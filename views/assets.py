"""Static files with fingerprinted URLs and long cache lifetimes; gzip for text responses."""

import gzip
import hashlib
import os
import re
import threading

from flask import Blueprint, abort, current_app, make_response, request, url_for

from views.common import public

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
FINGERPRINTED = ("static", "assets.serve")

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

    app.add_template_global(bundle_url)

    @app.after_request
    def _cache_and_compress(response):
        if request.endpoint in FINGERPRINTED and response.status_code == 200:
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
    static = request.endpoint in FINGERPRINTED
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


# ---- bundles: one script and one stylesheet a page, lightly minified --------------------

BUNDLES = {
    "app.css": ["app.css"],
    "app.js": ["vendor/htmx-2.0.11.min.js", "app.js"],
    # printed forms need no htmx (and have no htmx-config to keep it from adding styles)
    "print.js": ["app.js"],
    # the dispatch board: one dispatch control, drag and drop, ages, the clock
    "board.js": ["vendor/htmx-2.0.11.min.js", "app.js", "board.js"],
    # the technician's phone pages: everything in one request over a weak signal
    "tech.js": ["vendor/htmx-2.0.11.min.js", "app.js", "vendor/signature_pad-5.1.4.umd.min.js", "tech.js"],
}
MIMETYPES = {".css": "text/css", ".js": "text/javascript"}
_bundles = {}
CSS_COMMENT = re.compile(r"/\*.*?\*/", re.S)

bp = Blueprint("assets", __name__)


def _minify(filename, text):
    """Comments and indentation out of our own files (vendored files are minified already)."""
    if filename.startswith("vendor/"):
        return text
    if filename.endswith(".css"):
        text = CSS_COMMENT.sub("", text)
        return "\n".join(line.strip() for line in text.splitlines() if line.strip())
    return "\n".join(
        line.strip() for line in text.splitlines() if line.strip() and not line.strip().startswith("//")
    )


def bundle(static_folder, name):
    """(content, digest) of a bundle, rebuilt when one of its files changes."""
    paths = [os.path.join(static_folder, f) for f in BUNDLES[name]]
    stamp = tuple(os.stat(p).st_mtime_ns for p in paths)
    with _lock:
        cached = _bundles.get(name)
        if cached and cached[0] == stamp:
            return cached[1], cached[2]
    parts = []
    for filename, path in zip(BUNDLES[name], paths, strict=True):
        with open(path, encoding="utf-8") as fh:
            parts.append(_minify(filename, fh.read()))
    content = ("\n;\n" if name.endswith(".js") else "\n").join(parts).encode("utf-8")
    digest = hashlib.sha256(content).hexdigest()[:12]
    with _lock:
        _bundles[name] = (stamp, content, digest)
    return content, digest


def bundle_url(name):
    return url_for("assets.serve", name=name, v=bundle(current_app.static_folder, name)[1])


@bp.get("/bundle/<name>")
@public
def serve(name):
    """A bundle of static files (public: the login page needs them too)."""
    if name not in BUNDLES:
        abort(404)
    content, digest = bundle(current_app.static_folder, name)
    response = make_response(content)
    response.mimetype = MIMETYPES[os.path.splitext(name)[1]]
    response.set_etag(digest)
    return response.make_conditional(request)
