"""The peer helpdesk (django-helpdesk, ../shared/bench/peer) served beside ours, for rounds
interleaved with our figures.

``../shared/bench/peer/setup.sh`` installs it under ``PEERBENCH_DIR`` (default
``$TMPDIR/peerbench``) with one SQLite database of 200 and one of 2,000 open tickets; this
module serves both with the harness's own command (gunicorn, 2 sync workers, access log with
``%(D)s``) and measures what the harness calls the ticket list page: its HTML shell plus the
DataTables request that brings the rows, with the harness's own login and URL discovery.
"""

import json
import os
import statistics
import subprocess
import tempfile
import time
import urllib.request

# ../shared/bench/peer beside the checkout, or PEERBENCH_HARNESS (a checkout elsewhere)
HARNESS = os.environ.get("PEERBENCH_HARNESS") or os.path.join(
    os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "shared", "bench", "peer"
)
MISSING = (
    "not installed: run `bash ../shared/bench/peer/setup.sh` once (about a minute) to measure "
    "django-helpdesk beside the desk"
)


def _home():
    return os.environ.get("PEERBENCH_DIR") or os.path.join(
        os.environ.get("TMPDIR") or tempfile.gettempdir(), "peerbench"
    )


def _free_port():
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PeerServer:
    """One peer gunicorn on one data set."""

    def __init__(self, home, size, workdir):
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = os.path.join(workdir, f"peer-access-{size}.log")
        open(self.log, "w").close()
        self.proc = subprocess.Popen(
            [
                os.path.join(home, "venv", "bin", "gunicorn"),
                "peersite.wsgi",
                "--workers",
                "2",
                "--worker-class",
                "sync",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--no-control-socket",
                "--access-logfile",
                self.log,
                "--access-logformat",
                '"%(r)s" %(s)s %(b)s %(D)s',
                "--error-logfile",
                os.path.join(workdir, f"peer-error-{size}.log"),
            ],
            cwd=os.path.join(home, "site"),
            env={**os.environ, "PEER_DB": os.path.join(home, "data", f"db_{size}.sqlite3")},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.time() + 60
        while True:
            try:
                with urllib.request.urlopen(self.base + "/helpdesk/login/", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                if time.time() > deadline or self.proc.poll() is not None:
                    self.stop()
                    raise RuntimeError("the peer's gunicorn did not start") from None
                time.sleep(0.2)
        helper = [os.path.join(home, "venv", "bin", "python"), os.path.join(HARNESS, "bench_helper.py")]
        self.cookie = subprocess.run(
            [*helper, "login", self.base, "bench", "bench-pass"], capture_output=True, text=True, check=True
        ).stdout.strip()
        self.urls = json.loads(
            subprocess.run(
                [*helper, "urls", self.base, self.cookie], capture_output=True, text=True, check=True
            ).stdout
        )

    def mark(self):
        return os.path.getsize(self.log)

    def times(self, since):
        out = []
        with open(self.log) as fh:
            fh.seek(since)
            for line in fh:
                parts = line.split()
                if len(parts) >= 4 and parts[-3] == "200":
                    out.append(int(parts[-1]) / 1000)
        return out

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()


class Peer:
    def __init__(self, home, workdir):
        self.servers = {}
        try:
            for size in (200, 2000):
                self.servers[size] = PeerServer(home, size, workdir)
        except Exception:
            self.stop()
            raise
        freeze = os.path.join(home, "results", "pip-freeze.txt")
        found = ""
        if os.path.exists(freeze):
            found = next((line.strip() for line in open(freeze) if line.startswith("django-helpdesk==")), "")
        self.version = found.replace("==", " ") or "django-helpdesk"

    def _phase(self, server, url, seconds, connections=1, threads=1):
        """Server-side times (like ours: at least ``seconds``, then until 300 requests or 10 s)
        and the client's request rate."""
        from bench.run import MAX_PHASE_SECONDS, MIN_REQUESTS, wrk

        start, elapsed, duration, rates = server.mark(), 0, seconds, []
        while True:
            rate, _ = wrk(url, [f"Cookie: {server.cookie}"], duration, connections, threads)
            rates.append(rate)
            elapsed += duration
            time.sleep(0.3)
            times = server.times(start)
            if connections > 1 or len(times) >= MIN_REQUESTS or elapsed >= MAX_PHASE_SECONDS:
                return times, rates[-1]
            per_second = max(len(times) / elapsed, 1)
            duration = min(
                MAX_PHASE_SECONDS - elapsed, int((MIN_REQUESTS - len(times)) / per_second * 1.2) + 1
            )

    def warm(self, seconds):
        from bench.run import wrk

        for server in self.servers.values():
            for key in ("list", "datatables"):
                wrk(server.urls[key], [f"Cookie: {server.cookie}"], seconds, 2, 1)

    def list_latency(self, seconds, size=200):
        """p50 of the list page: the HTML shell's p50 plus the data request's."""
        server = self.servers[size]
        html, _ = self._phase(server, server.urls["list"], seconds)
        data, _ = self._phase(server, server.urls["datatables"], seconds)
        if not html or not data:
            return None
        return statistics.median(html) + statistics.median(data)

    def list_throughput(self, seconds, size=200):
        """List page views/s at concurrency 8: one HTML request and one data request each."""
        server = self.servers[size]
        _, html = self._phase(server, server.urls["list"], seconds, 8, 2)
        _, data = self._phase(server, server.urls["datatables"], seconds, 8, 2)
        if not html or not data:
            return None
        return 1 / (1 / html + 1 / data)

    def stop(self):
        for server in self.servers.values():
            server.stop()


def start(workdir):
    """The peer on both its data sets, or None when its harness has not been set up."""
    home = _home()
    if not os.path.exists(os.path.join(home, "venv", "bin", "gunicorn")) or not os.path.exists(
        os.path.join(home, "data", "db_2000.sqlite3")
    ):
        return None
    return Peer(home, workdir)
