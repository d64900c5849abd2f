"""The desk under its users' load: seeds two data sets, serves them with gunicorn, measures.

Usage: python bench/run.py [--quick]  (make bench).  DATABASE_URL=postgresql://... to bench
PostgreSQL (a scratch database is created on that server and dropped afterwards).

Server-side times come from gunicorn's access log (%(D)s, microseconds, per request), load
from wrk in a separate process; page weight from a cold headless Chromium.
"""

import argparse
import datetime
import json
import os
import platform
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from tests.liveserver import AGENT, Client, Gunicorn  # noqa: E402

RESULTS = os.path.join(ROOT, "bench", "results")
SECRET = "bench-secret"
NAMES = [
    "board_200_p50_ms",
    "board_200_p95_ms",
    "board_2000_p50_ms",
    "poll_nochange_p50_ms",
    "poll_nochange_bytes",
    "dispatch_p50_ms",
    "tech_job_p50_ms",
    "register_search_p50_ms",
    "dashboard_year_p50_ms",
    "board_200_rps_c8",
    "tech_job_page_bytes",
    "tech_job_page_requests",
    "board_page_bytes",
    "worker_rss_mb",
]
TARGETS = {
    "board_200_p50_ms": ("<=", 12),
    "board_2000_p50_ms": ("<=", 50),
    "poll_nochange_p50_ms": ("<=", 2),
    "poll_nochange_bytes": ("<=", 200),
    "dispatch_p50_ms": ("<=", 10),
    "tech_job_p50_ms": ("<=", 10),
    "register_search_p50_ms": ("<=", 20),
    "dashboard_year_p50_ms": ("<=", 150),
    "board_200_rps_c8": (">=", 170),
    "tech_job_page_bytes": ("<=", 40_000),
    "tech_job_page_requests": ("<=", 5),
    "board_page_bytes": ("<=", 60_000),
    "worker_rss_mb": ("<=", 60),
}


class Server(Gunicorn):
    """The production server as deployed: gunicorn, 2 workers, with an access log to read
    each request's server-side time from."""

    def __init__(self, url, workdir, workers=2):
        self.log = os.path.join(workdir, f"access-{time.monotonic_ns()}.log")
        super().__init__(url, SECRET, workers=workers, access_log=self.log)

    def times(self, marker, statuses=None):
        """Server-side milliseconds of every logged request whose URL contains ``marker``."""
        out = []
        with open(self.log) as fh:
            for line in fh:
                parts = line.split()
                if len(parts) >= 4 and marker in parts[1] and (statuses is None or parts[2] in statuses):
                    out.append(int(parts[3]) / 1000)
        return out

    def worker_rss_mb(self):
        values = []
        for pid in self.worker_pids():
            with open(f"/proc/{pid}/status") as fh:
                for line in fh:
                    if line.startswith("VmRSS:"):
                        values.append(int(line.split()[1]) / 1024)
        return max(values) if values else None


def cookie_header(client):
    return "; ".join(f"{k}={v}" for k, v in client.cookies.items())


def wrk(url, cookie, seconds, connections=1, threads=1):
    """Run wrk against one URL; returns requests per second."""
    out = subprocess.run(
        [
            "wrk",
            "-t",
            str(threads),
            "-c",
            str(connections),
            "-d",
            f"{seconds}s",
            "-H",
            f"Cookie: {cookie}",
            "-H",
            "Accept-Encoding: gzip",
            "-H",
            f"User-Agent: {AGENT}",
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    found = re.search(r"Requests/sec:\s+([\d.]+)", out)
    return float(found.group(1)) if found else None


def percentile(values, p):
    if not values:
        return None
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return round(ordered[k], 2)


def measure(server, path, cookie, marker, seconds):
    sep = "&" if "?" in path else "?"
    wrk(f"{server.base}{path}{sep}bench={marker}", cookie, seconds)
    return server.times(f"bench={marker}")


def wire_bytes(server, path, cookie):
    """Bytes of a whole HTTP response on the wire (status line, headers, body)."""
    with socket.create_connection(("127.0.0.1", server.port), 5) as s:
        s.sendall(
            f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: {cookie}\r\nHX-Request: true\r\n"
            f"User-Agent: {AGENT}\r\n"
            f"Connection: close\r\n\r\n".encode()
        )
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    return len(data), data.split(b"\r\n", 1)[0].decode()


def page_weight(server, client, path):
    """Cold-cache transferred bytes and request count of a page in headless Chromium."""
    from playwright.sync_api import sync_playwright

    from tests.conftest import CHROMIUM_ARGS

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=shutil.which("chromium") or "/usr/bin/chromium", args=CHROMIUM_ARGS
        )
        context = browser.new_context(viewport={"width": 390, "height": 844}, user_agent=AGENT)
        context.add_cookies(
            [{"name": k, "value": v, "domain": "127.0.0.1", "path": "/"} for k, v in client.cookies.items()]
        )
        page = context.new_page()
        finished = []
        page.on("requestfinished", lambda r: finished.append(r))
        page.goto(server.base + path, wait_until="networkidle")
        total = 0
        for request in finished:
            sizes = request.sizes()
            total += sizes["responseBodySize"] + sizes["responseHeadersSize"]
        browser.close()
    return total, len(finished)


def make_database(workdir, name):
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgresql://", "postgres://")):
        from tests import pg

        pg.admin_execute(url, f"DROP DATABASE IF EXISTS {name}", f"CREATE DATABASE {name}")
        return pg.database_url(url, name), lambda: pg.admin_execute(
            url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"
        )
    return os.path.join(workdir, f"{name}.sqlite3"), lambda: None


def prepare(url, active, filed):
    from app import create_app
    from bench.seed import seed_active, seed_history
    from models import Job, db
    from models.schema import upgrade

    create_app({"SECRET_KEY": SECRET, "DATABASE_URL": url})
    started = time.time()
    with db.connection_context():
        upgrade()
        users, techs = seed_active(active)
        if filed:
            seed_history(filed, techs, users["manager"], users["clerk"])
        db.execute_sql("ANALYZE")
        tech_job = (
            Job.select(Job.id)
            .where(Job.technician == techs[0].id, Job.state.in_(("dispatched", "on_site", "in_repair")))
            .scalar()
        )
    if hasattr(db.obj, "close_all"):
        db.close_all()
    return time.time() - started, tech_job


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="small history (10,000), short runs")
    args = parser.parse_args()
    seconds = 2 if args.quick else 4
    filed = 10_000 if args.quick else 100_000
    workdir = tempfile.mkdtemp(prefix="sd-bench-")
    results = dict.fromkeys(NAMES)
    notes = {}
    try:
        # ---- data set 1: 200 active jobs over 10 technicians ----
        url, drop = make_database(workdir, "bench_small")
        seeded, tech_job = prepare(url, 200, 0)
        notes["seed_small_s"] = round(seeded, 1)
        server = Server(url, workdir)
        try:
            manager = Client(server.base).login("manager", "bench-pass-1")
            times = measure(server, "/board/", cookie_header(manager), "board200", seconds)
            results["board_200_p50_ms"] = percentile(times, 50)
            results["board_200_p95_ms"] = percentile(times, 95)
            notes["board_200_requests"] = len(times)
            results["board_200_rps_c8"] = wrk(
                f"{server.base}/board/?bench=c8", cookie_header(manager), seconds * 2, 8, 2
            )
            status, _, html = manager.get("/board/")
            position = re.search(r'data-position="(\d+)"', html).group(1)
            times = measure(server, f"/board/poll?since={position}", cookie_header(manager), "poll", seconds)
            results["poll_nochange_p50_ms"] = percentile(times, 50)
            size, line = wire_bytes(server, f"/board/poll?since={position}", cookie_header(manager))
            results["poll_nochange_bytes"] = size
            notes["poll_status"] = line
            results["dispatch_p50_ms"] = _dispatch(server, manager)
            tech_path = f"/tech/jobs/{tech_job}"
            if manager.get(tech_path)[0] != 404:
                tech = Client(server.base).login("tech1", "bench-pass-1")
                times = measure(server, tech_path, cookie_header(tech), "techjob", seconds)
                results["tech_job_p50_ms"] = percentile(times, 50)
                results["tech_job_page_bytes"], results["tech_job_page_requests"] = page_weight(
                    server, tech, tech_path
                )
            results["board_page_bytes"], notes["board_page_requests"] = page_weight(
                server, manager, "/board/"
            )
            results["worker_rss_mb"] = round(server.worker_rss_mb(), 1)
        finally:
            server.stop()
            drop()

        # ---- data set 2: 2,000 active and 100,000 filed jobs with their history ----
        url, drop = make_database(workdir, "bench_large")
        notes["seed_large_s"] = round(prepare(url, 2000, filed)[0], 1)
        server = Server(url, workdir)
        try:
            manager = Client(server.base).login("manager", "bench-pass-1")
            times = measure(server, "/board/", cookie_header(manager), "board2000", seconds)
            results["board_2000_p50_ms"] = percentile(times, 50)
            start = (datetime.date.today() - datetime.timedelta(days=400)).isoformat()
            end = datetime.date.today().isoformat()
            times = measure(
                server, f"/register/?from={start}&to={end}&q=6234", cookie_header(manager), "search", seconds
            )
            results["register_search_p50_ms"] = percentile(times, 50)
            status, _, _ = manager.get("/dashboard/")
            if status == 200:
                times = measure(server, "/dashboard/", cookie_header(manager), "dashboard", seconds)
                results["dashboard_year_p50_ms"] = percentile(times, 50)
            rss = server.worker_rss_mb()
            results["worker_rss_mb"] = round(max(results["worker_rss_mb"] or 0, rss or 0), 1)
        finally:
            server.stop()
            drop()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    os.makedirs(RESULTS, exist_ok=True)
    with open(os.path.join(RESULTS, "latest.json"), "w") as fh:
        json.dump(results, fh, indent=2)
        fh.write("\n")
    backend = "PostgreSQL" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "SQLite"
    print(
        f"\nAfter-Sales Service Desk benchmark ({backend}, {platform.machine()}, {os.cpu_count()} cores, "
        f"history {filed:,} filed jobs)"
    )
    print(f"{'figure':<26}{'value':>12}  target")
    for name in NAMES:
        value = results[name]
        op, target = TARGETS.get(name, ("", ""))
        if value is None or not op:
            ok = ""
        else:
            ok = "ok" if (value <= target if op == "<=" else value >= target) else "MISSED"
        shown = "null" if value is None else f"{value:,}"
        print(f"{name:<26}{shown:>12}  {op} {target} {ok}")
    print("notes:", json.dumps(notes, ensure_ascii=False))


def _dispatch(server, manager, count=200):
    """Re-dispatch jobs between two technicians through the real endpoint; server-side p50."""
    status, _, html = manager.get("/jobs/dispatch")
    rows = {
        chunk.split('"', 1)[0]: re.search(r'name="version" value="(\d+)"', chunk).group(1)
        for chunk in html.split(' id="job-')[1:]
        if 'name="version"' in chunk
    }
    ids = list(rows)
    techs = re.findall(r'<option value="(\d+)"', html)
    techs = sorted(set(techs), key=int)[:2]
    if not ids or len(techs) < 2:
        return None
    for i in range(count):
        job_id = ids[i % len(ids)]
        status, _, text = manager.post(
            f"/jobs/{job_id}/dispatch?bench=dispatch",
            {"technician": techs[(i // len(ids)) % 2], "version": rows[job_id]},
            htmx=True,
        )
        if status == 200:  # the row comes back with the voucher's new version
            found = re.search(r'name="version" value="(\d+)"', text)
            rows[job_id] = found.group(1) if found else rows[job_id]
    # A job already with that technician is refused (409): only successful dispatches count.
    return percentile(server.times("bench=dispatch", statuses=("200", "204")), 50)


if __name__ == "__main__":
    main()
