"""gunicorn settings for production and `make run`; command-line flags override them."""

import os
import sys
import threading
import time

bind = f"127.0.0.1:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "1"))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
timeout = 30
graceful_timeout = 5
accesslog = "-"
control_socket_disable = True

# A desk on SQLite does not load the PostgreSQL driver: peewee imports psycopg2 whenever it is
# installed, and psycopg2-binary brings its own libpq, OpenSSL and Kerberos, 5 MB in every
# worker (the workers are forked from this process and inherit the entry). The URL is read
# as the app reads it (SERVICEDESK_DATABASE_URL first).
_database_url = os.environ.get("SERVICEDESK_DATABASE_URL") or os.environ.get("DATABASE_URL") or ""
if not _database_url.startswith(("postgresql://", "postgres://")):
    sys.modules.setdefault("psycopg2", None)  # "import psycopg2" raises ImportError


_libc = None
_lock = threading.Lock()
_load = {"in_flight": 0, "served": 0}
TRIM_EVERY = 200  # requests, under a load that never pauses
TRIM_IDLE_SECONDS = 1.0


def post_fork(server, worker):
    """Each worker's threads share two malloc arenas instead of one each: glibc keeps the
    memory a busy thread freed in its own arena, and a worker of four threads grew by about
    10 MB for nothing (measured with the benchmark's load)."""
    import ctypes

    global _libc
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(-8, 2)  # M_ARENA_MAX
        libc.malloc_trim  # noqa: B018 (glibc has it)
    except (OSError, AttributeError):
        return  # not glibc: nothing to tune
    _libc = libc
    threading.Thread(target=_trim_when_idle, args=(libc,), name="malloc-trim", daemon=True).start()


def _trim_when_idle(libc):
    served = 0
    while True:
        time.sleep(TRIM_IDLE_SECONDS)
        with _lock:
            now_served, idle = _load["served"], _load["in_flight"] == 0
        if idle and now_served != served:
            served = now_served
            libc.malloc_trim(0)  # ctypes lets the GIL go meanwhile


def pre_request(worker, req):
    with _lock:
        _load["in_flight"] += 1


def post_request(worker, req, environ, resp):
    """The worker gives the memory its requests freed back to the system within a second of
    falling idle (``_trim_when_idle``) and every TRIM_EVERY requests of a load that never
    pauses: glibc keeps freed pages in the middle of its heap otherwise, 2-5 MB after the
    benchmark's load. A trim takes 0.1-0.3 ms, after the response has gone."""
    with _lock:
        _load["in_flight"] -= 1
        _load["served"] += 1
        due = _load["served"] % TRIM_EVERY == 0
    if due and _libc is not None:
        _libc.malloc_trim(0)
