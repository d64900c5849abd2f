"""gunicorn settings for production and `make run`; command-line flags override them."""

import os
import sys

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


def post_fork(server, worker):
    """Each worker's threads share two malloc arenas instead of one each: glibc keeps the
    memory a busy thread freed in its own arena, and a worker of four threads grew by about
    10 MB for nothing (measured with the benchmark's load)."""
    import ctypes

    try:
        ctypes.CDLL("libc.so.6").mallopt(-8, 2)  # M_ARENA_MAX
    except (OSError, AttributeError):
        pass  # not glibc: nothing to tune
