"""gunicorn settings for production and `make run`; command-line flags override them."""

import os

bind = f"127.0.0.1:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "1"))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
timeout = 30
graceful_timeout = 5
accesslog = "-"
control_socket_disable = True


def post_fork(server, worker):
    """Each worker's threads share two malloc arenas instead of one each: glibc keeps the
    memory a busy thread freed in its own arena, and a worker of four threads grew by about
    10 MB for nothing (measured with the benchmark's load)."""
    import ctypes

    try:
        ctypes.CDLL("libc.so.6").mallopt(-8, 2)  # M_ARENA_MAX
    except (OSError, AttributeError):
        pass  # not glibc: nothing to tune
