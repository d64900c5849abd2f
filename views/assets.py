"""Static files with fingerprinted URLs and long cache lifetimes; gzip for text responses.

Hand-written rather than flask-compress: that library compresses every response again (or needs
Flask-Caching for a cache keyed by a function); here a bundle is compressed once per version
when it is built, and pages (small, different each time) are compressed on the way out.
"""

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
# Both caches are keyed by the file alone and keep only its current version: nothing a client
# sends (a made-up ?v=, say) adds an entry.
_digests = {}  # path -> (mtime, digest)
LARGE_PAGE = 32_768
_gzipped = {}  # static path -> (ETag, gzipped body)


def _digest(static_folder, filename):
    path = os.path.join(static_folder, filename)
    try:
        stamp = os.stat(path).st_mtime_ns
    except OSError:
        return None
    with _lock:
        cached = _digests.get(path)
    if cached and cached[0] == stamp:
        return cached[1]
    with open(path, "rb") as fh:
        digest = hashlib.sha256(fh.read()).hexdigest()[:12]
    with _lock:
        _digests[path] = (stamp, digest)
    return digest


def cache_sizes():
    """How many entries the asset caches hold (bounded by the number of files)."""
    with _lock:
        return len(_digests) + len(_gzipped) + len(_bundles)


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
            if request.args.get("v") and request.args.get("v") == _current_digest():
                # The URL changes whenever the file does: cache it for a year.
                response.cache_control.public = True
                response.cache_control.max_age = ONE_YEAR
                response.cache_control.immutable = True
                response.headers.pop("Expires", None)  # (setting .expires to None sets it to now)
        return _gzip(response)


def _current_digest():
    """The digest the URL of this request's file carries today (None if it has none)."""
    if request.endpoint == "assets.serve":
        name = request.view_args.get("name")
        return bundle(current_app.static_folder, name)[1] if name in BUNDLES else None
    return _digest(current_app.static_folder, request.view_args.get("filename", ""))


def _accepts_gzip():
    return "gzip" in request.headers.get("Accept-Encoding", "").lower()


def _gzip(response):
    if (
        response.status_code != 200
        or response.mimetype not in COMPRESSIBLE
        or "Content-Encoding" in response.headers
        or not _accepts_gzip()
    ):
        return response
    if request.endpoint == "assets.serve":
        return response  # bundles are compressed once when built (see serve)
    if request.endpoint == "static":
        path, etag = request.path, response.headers.get("ETag")
        with _lock:
            cached = _gzipped.get(path)
        if cached and cached[0] == etag:
            body = cached[1]
        else:
            response.direct_passthrough = False
            body = gzip.compress(response.get_data(), 6)
            with _lock:
                _gzipped[path] = (etag, body)
    else:
        data = response.get_data()
        if len(data) < MIN_SIZE:
            return response
        # A page is compressed on every request: level 5 where it is cheap; a long one (the
        # board's 130 KB) at level 3, a third of the time for a tenth more bytes on the LAN.
        body = gzip.compress(data, 5 if len(data) < LARGE_PAGE else 3)
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
# Spaces CSS does not need: around braces, semicolons, commas and child combinators, and
# after a colon (our stylesheet has no strings with these characters in them)
CSS_SPACE = re.compile(r"\s*([{};,>])\s*|(:)\s+")

bp = Blueprint("assets", __name__)


def _minify(filename, text):
    """Comments and indentation out of our own files (vendored files are minified already)."""
    if filename.startswith("vendor/"):
        return text
    if filename.endswith(".css"):
        text = CSS_COMMENT.sub("", text)
        text = "\n".join(line.strip() for line in text.splitlines() if line.strip())
        return CSS_SPACE.sub(lambda m: m.group(1) or m.group(2), text).replace(";}", "}")
    return "\n".join(
        line.strip() for line in text.splitlines() if line.strip() and not line.strip().startswith("//")
    )


def bundle(static_folder, name):
    """(content, digest) of a bundle, rebuilt when one of its files changes."""
    return _built(static_folder, name)[:2]


def _built(static_folder, name):
    """(content, digest, gzipped content) of a bundle: minified and compressed once per version."""
    paths = [os.path.join(static_folder, f) for f in BUNDLES[name]]
    stamp = tuple(os.stat(p).st_mtime_ns for p in paths)
    with _lock:
        cached = _bundles.get(name)
        if cached and cached[0] == stamp:
            return cached[1:]
    parts = []
    for filename, path in zip(BUNDLES[name], paths, strict=True):
        with open(path, encoding="utf-8") as fh:
            parts.append(_minify(filename, fh.read()))
    content = ("\n;\n" if name.endswith(".js") else "\n").join(parts).encode("utf-8")
    digest = hashlib.sha256(content).hexdigest()[:12]
    built = (content, digest, gzip.compress(content, 9))
    with _lock:
        _bundles[name] = (stamp, *built)
    return built


def bundle_url(name):
    return url_for("assets.serve", name=name, v=bundle(current_app.static_folder, name)[1])


@bp.get("/bundle/<name>")
@public
def serve(name):
    """A bundle of static files (public: the login page needs them too)."""
    if name not in BUNDLES:
        abort(404)
    content, digest, gzipped = _built(current_app.static_folder, name)
    compressed = _accepts_gzip()
    response = make_response(gzipped if compressed else content)
    response.mimetype = MIMETYPES[os.path.splitext(name)[1]]
    response.vary.add("Accept-Encoding")
    if compressed:
        response.headers["Content-Encoding"] = "gzip"
    response.set_etag(digest + ("-gz" if compressed else ""))
    return response.make_conditional(request)
