"""The desk under its users' load, measured on the server as deployed, beside the peer helpdesk.

Usage (``make bench BENCH_ARGS=...``):

    python bench/run.py                    SQLite and PostgreSQL, 3 rounds, the peer if installed
    python bench/run.py --quick            small history (10,000), 2 short rounds
    python bench/run.py --backend sqlite   one backend (sqlite | postgres | both)
    python bench/run.py --scale            the growth table: 10,000 / 100,000 / 1,000,000 filed jobs
    python bench/run.py --no-peer          without the peer helpdesk

PostgreSQL: ``DATABASE_URL=postgresql://...`` names a server to create scratch databases on;
otherwise a throwaway cluster is started on loopback (durable writes, ``synchronous_commit``
off: the same promise as SQLite's WAL with ``synchronous=normal``).

How each figure is measured: three data sets are seeded with the project's models (200 active
jobs; 2,000 active and 100,000 filed jobs with their events and signatures; the demo department
for the other areas' screens) and each is served by gunicorn as in production (2 workers x 4
threads) on 127.0.0.1. Every URL is warmed up first. Then, round after round, every figure is
measured once per round: a latency phase is wrk with one connection for at least ``--seconds``
and until it has 300 requests (or 10 s); the figure of a round is the p50 of the server-side
times gunicorn logged (``%(D)s``); a figure is the median of its rounds with their spread
(min-max) beside it. Throughput is wrk with 8 connections from a separate process. Page weight
comes from a cold headless Chromium. The peer (``../shared/bench/peer``, django-helpdesk) is
measured in the same rounds, interleaved with ours, so that a ratio compares one minute of the
machine with the same minute.
"""

import argparse
import datetime
import json
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from urllib.parse import quote

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from bench import peer as peer_harness  # noqa: E402
from tests.liveserver import AGENT, Client, Gunicorn  # noqa: E402

RESULTS = os.path.join(ROOT, "bench", "results")
SECRET = "bench-secret"
PASSWORD = "bench-pass-1"
DEMO_PASSWORD = "demo1234"
# A latency phase of one round runs at least --seconds and until it has MIN_REQUESTS requests
# (or MAX_PHASE_SECONDS): with three rounds, each figure rests on at least 300 requests or
# 10 s of requests, and its spread is between the rounds.
MIN_REQUESTS = 100
MAX_PHASE_SECONDS = 10

# name -> (label, unit, comparison, target). Targets are issue 16's; "ratio" figures compare
# with the peer measured in the same rounds.
FIGURES = {
    "board_200_p50_ms": ("board, 200 active jobs, p50", "ms", "<=", 8),
    "board_200_p95_ms": ("board, 200 active jobs, p95", "ms", "", None),
    "board_200_rps_c8": ("board pages/s at concurrency 8", "/s", ">=", 250),
    "board_2000_p50_ms": ("board, 2,000 active + 100,000 filed, p50", "ms", "<=", 25),
    "poll_nochange_p50_ms": ("live poll, nothing changed, p50", "ms", "<=", 1),
    "poll_nochange_bytes": ("live poll, nothing changed, bytes on the wire", "B", "<=", 200),
    "dispatch_p50_ms": ("dispatch (POST), p50", "ms", "<=", 10),
    "tech_job_p50_ms": ("technician's job page, p50", "ms", "<=", 10),
    "voucher_p50_ms": ("voucher page of a filed job, over 100,000, p50", "ms", "<=", 15),
    "search_phone_p50_ms": ("register search, phone fragment, 100,000 lines, p50", "ms", "<=", 20),
    "search_name_p50_ms": ("register search, name fragment, 100,000 lines, p50", "ms", "<=", 20),
    "search_serial_p50_ms": ("register search, serial fragment, 100,000 lines, p50", "ms", "<=", 20),
    "search_short_p50_ms": ("register search, two-character fragment (no trigram), p50", "ms", "", None),
    "dashboard_year_p50_ms": ("dashboard over a year, 100,000 lines, p50", "ms", "<=", 50),
    "register_day_p50_ms": ("register of one day, p50", "ms", "<=", 15),
    "intake_search_p50_ms": ("intake type-ahead (phone fragment), p50", "ms", "<=", 15),
    "complaint_search_p50_ms": ("complaint intake search, p50", "ms", "<=", 15),
    "complaint_save_p50_ms": ("complaint intake save (POST), p50", "ms", "<=", 25),
    "finance_home_p50_ms": ("finance home (queues), p50", "ms", "<=", 20),
    "finance_receivables_p50_ms": ("receivables by age, p50", "ms", "<=", 20),
    "finance_handovers_p50_ms": ("handovers to finance, p50", "ms", "<=", 20),
    "survey_public_p50_ms": ("public survey page (no sign-in), p50", "ms", "<=", 10),
    "survey_results_p50_ms": ("survey results with charts, p50", "ms", "<=", 50),
    "tech_job_page_bytes": ("technician's job page cold, bytes", "B", "<=", 40_000),
    "tech_job_page_requests": ("technician's job page cold, requests", "", "<=", 5),
    "board_page_bytes": ("board page cold, bytes", "B", "<=", 60_000),
    "worker_rss_mb": ("worker RSS after load (largest worker)", "MB", "<=", 60),
}
PEER_FIGURES = {
    "board_vs_list_p50": ("board 200 p50 / peer list page p50 (HTML + data request)", "<=", 0.1),
    "board_vs_list_rps": ("board pages/s / peer list page views/s, concurrency 8", ">=", 10),
    "board2000_vs_list2000_p50": ("board 2,000 p50 / peer list page p50 at 2,000 tickets", "", None),
}


# ---- servers and load -------------------------------------------------------------------


class Server(Gunicorn):
    """The production server as deployed: gunicorn, 2 workers x 4 threads, with an access log
    to read each request's server-side time from."""

    def __init__(self, url, workdir, name, workers=2):
        self.name = name
        self.log = os.path.join(workdir, f"access-{name}-{time.monotonic_ns()}.log")
        super().__init__(url, SECRET, workers=workers, access_log=self.log)

    def mark(self):
        return os.path.getsize(self.log)

    def entries(self, since):
        """(method, path, status, ms, bytes) of each request logged after ``since``."""
        out = []
        with open(self.log) as fh:
            fh.seek(since)
            for line in fh:
                parts = line.split()
                if len(parts) >= 5:
                    out.append(
                        (parts[0], parts[1].split("?", 1)[0], parts[2], int(parts[3]) / 1000, parts[4])
                    )
        return out

    def worker_rss_mb(self):
        values = []
        for pid in self.worker_pids():
            try:
                with open(f"/proc/{pid}/status") as fh:
                    for line in fh:
                        if line.startswith("VmRSS:"):
                            values.append(int(line.split()[1]) / 1024)
            except OSError:
                pass
        return max(values) if values else None


def wrk(url, headers, seconds, connections=1, threads=1):
    """Run wrk against one URL; returns (requests per second, requests)."""
    command = ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{seconds}s", "--timeout", "30s"]
    for header in headers:
        command += ["-H", header]
    out = subprocess.run(command + [url], capture_output=True, text=True, check=True).stdout
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    count = re.search(r"(\d+) requests in", out)
    return (float(rps.group(1)) if rps else None), (int(count.group(1)) if count else 0)


def percentile(values, p):
    if not values:
        return None
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


class Target:
    """One URL of one server, as a user of a role requests it."""

    def __init__(self, server, path, client, htmx=False, refresh=None):
        self.server, self.path, self.client, self.refresh = server, path, client, refresh
        self.headers = [f"Cookie: {cookie_header(client)}", "Accept-Encoding: gzip", f"User-Agent: {AGENT}"]
        if htmx:
            self.headers.append("HX-Request: true")

    @property
    def url(self):
        return self.server.base + self.path

    def warm(self, seconds):
        wrk(self.url, self.headers, seconds, 2, 1)

    def latency(self, seconds):
        """Server-side times of a latency phase: one connection, back to back, at least
        ``seconds`` and then until MIN_REQUESTS requests (or MAX_PHASE_SECONDS)."""
        if self.refresh:
            self.path = self.refresh()
        start, elapsed, duration, times = self.server.mark(), 0, seconds, []
        path = self.path.split("?", 1)[0]
        while True:
            wrk(self.url, self.headers, duration)
            elapsed += duration
            time.sleep(0.2)  # the last request is logged
            times = [ms for m, p, status, ms, _ in self.server.entries(start) if p == path and m == "GET"]
            if len(times) >= MIN_REQUESTS or elapsed >= MAX_PHASE_SECONDS:
                return times
            rate = max(len(times) / elapsed, 1)
            duration = min(MAX_PHASE_SECONDS - elapsed, int((MIN_REQUESTS - len(times)) / rate * 1.2) + 1)

    def throughput(self, seconds):
        return wrk(self.url, self.headers, seconds, 8, 2)[0]


def cookie_header(client):
    return "; ".join(f"{k}={v}" for k, v in client.cookies.items())


def wire_bytes(target):
    """Bytes of a whole HTTP response on the wire (status line, headers, body)."""
    with socket.create_connection(("127.0.0.1", target.server.port), 5) as s:
        head = "".join(f"{h}\r\n" for h in target.headers if not h.startswith("Accept-Encoding"))
        s.sendall(
            f"GET {target.path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{head}Connection: close\r\n\r\n".encode()
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


# ---- databases ----------------------------------------------------------------------------


class Backend:
    """Scratch databases on one backend: SQLite files, or PostgreSQL databases on a server
    (DATABASE_URL's, or a throwaway cluster started here)."""

    def __init__(self, name, workdir):
        self.name, self.workdir, self.cluster, self.server_url = name, workdir, None, None
        if name == "postgres":
            url = os.environ.get("DATABASE_URL", "")
            if url.startswith(("postgresql://", "postgres://")):
                self.server_url = url
            else:
                self.cluster = BenchCluster().start()
                self.server_url = self.cluster.url

    def database(self, name):
        if self.name == "sqlite":
            path = os.path.join(self.workdir, f"{name}.sqlite3")
            for suffix in ("", "-wal", "-shm"):
                if os.path.exists(path + suffix):
                    os.remove(path + suffix)
            return path
        from tests import pg

        pg.admin_execute(
            self.server_url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)", f"CREATE DATABASE {name}"
        )
        return pg.database_url(self.server_url, name)

    def drop(self, name):
        if self.name == "postgres":
            from tests import pg

            pg.admin_execute(self.server_url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    def close(self):
        if self.cluster is not None:
            self.cluster.stop()

    @property
    def label(self):
        return "SQLite" if self.name == "sqlite" else "PostgreSQL"


def _cluster_class():
    from tests import pg

    class Cluster(pg.Cluster):
        """The test cluster, but with durable writes (fsync on) as a production server has;
        commits are not waited for (synchronous_commit off), like SQLite's synchronous=normal."""

        SETTINGS = "-c synchronous_commit=off -c max_connections=200 -c shared_buffers=256MB"

    return Cluster


def BenchCluster():
    return _cluster_class()()


def prepare(url, active=0, filed=0, demo=False):
    """Migrate and seed one database; returns (seconds, facts for the figures)."""
    from app import create_app
    from bench.seed import facts, prepare_screens, seed_active, seed_history
    from models import db
    from models.core import is_postgres
    from models.schema import upgrade

    create_app({"SECRET_KEY": SECRET, "DATABASE_URL": url})
    started = time.time()
    with db.connection_context():
        upgrade()
        if demo:
            found = prepare_screens()
        else:
            users, techs = seed_active(active)
            if filed:
                seed_history(filed, techs, users["manager"], users["clerk"])
            found = facts(techs)
        if is_postgres():
            # PostgreSQL's autovacuum would gather its statistics soon; SQLite is left without
            # them as the desk leaves it (see the README: with nearly every row filed, SQLite's
            # statistics would steer the board's queries away from the state index)
            db.execute_sql("ANALYZE")
    if hasattr(db.obj, "close_all"):
        db.close_all()
    return time.time() - started, found


# ---- the run ----------------------------------------------------------------------------


def summarize(rounds):
    """median and (min, max) of one value per round."""
    values = [v for v in rounds if v is not None]
    if not values:
        return None, None
    return round(statistics.median(values), 2), (round(min(values), 2), round(max(values), 2))


def dispatch_times(server, manager, count):
    """Re-dispatch jobs between two technicians through the real endpoint; server-side ms."""
    manager.close()  # a connection left idle during the other phases may have been closed
    manager.conn = None
    status, _, html = manager.get("/jobs/dispatch")
    rows = {
        chunk.split('"', 1)[0]: re.search(r'name="version" value="(\d+)"', chunk).group(1)
        for chunk in html.split(' id="job-')[1:]
        if 'name="version"' in chunk
    }
    ids = list(rows)
    techs = sorted(set(re.findall(r'<option value="(\d+)"', html)), key=int)[:2]
    if not ids or len(techs) < 2:
        return []
    start = server.mark()
    for i in range(count):
        job_id = ids[i % len(ids)]
        status, _, text = manager.post(
            f"/jobs/{job_id}/dispatch",
            {"technician": techs[(i // len(ids)) % 2], "version": rows[job_id]},
            htmx=True,
        )
        if status == 200:  # the row comes back with the voucher's new version
            found = re.search(r'name="version" value="(\d+)"', text)
            rows[job_id] = found.group(1) if found else rows[job_id]
        else:
            job = manager.get(f"/jobs/{job_id}")[2]
            found = re.search(r'name="version" value="(\d+)"', job)
            rows[job_id] = found.group(1) if found else rows[job_id]
    time.sleep(0.2)
    # A job already with that technician is refused (409): only successful dispatches count.
    return [ms for m, p, s, ms, _ in server.entries(start) if m == "POST" and s in ("200", "204")]


def complaint_save_times(server, clerk, customer_id, count):
    """Record complaints through the intake form; server-side ms of the saves."""
    clerk.close()
    clerk.conn = None
    clerk.get("/complaints/new")
    start = server.mark()
    for i in range(count):
        clerk.post(
            "/complaints/new",
            {
                "customer": customer_id,
                "caller_name": "王先生",
                "caller_phone": "13800001111",
                "channel": "phone",
                "severity": "normal",
                "said": f"技师迟到，客户不满 {i}",
            },
        )
    time.sleep(0.2)
    return [ms for m, p, s, ms, _ in server.entries(start) if m == "POST" and s in ("303", "204")]


def run_backend(backend, args, peer):
    """Every figure on one backend, in rounds; returns (figures, spreads, peer figures, notes)."""
    notes, rounds, peer_rounds = {}, {}, {}
    small, large, screens = "bench_small", "bench_large", "bench_screens"
    servers = []
    try:
        seconds, facts = prepare(backend.database(small), active=200)
        notes["seed_small_s"] = round(seconds, 1)
        seconds, large_facts = prepare(backend.database(large), active=2000, filed=args.filed)
        notes["seed_large_s"] = round(seconds, 1)
        try:
            seconds, screen_facts = prepare(backend.database(screens), demo=True)
            notes["seed_screens_s"] = round(seconds, 1)
        except Exception as error:  # another area's screens: report, never stop the run
            screen_facts = None
            notes["screens_error"] = repr(error)[:200]

        s_small = Server(_url(backend, small), backend.workdir, "small")
        s_large = Server(_url(backend, large), backend.workdir, "large")
        servers += [s_small, s_large]
        s_screens = Server(_url(backend, screens), backend.workdir, "screens") if screen_facts else None
        if s_screens:
            servers.append(s_screens)

        manager = Client(s_small.base).login("manager", PASSWORD)
        tech = Client(s_small.base).login("tech1", PASSWORD)

        def poll_path():
            """The poll from the position the board shows now (the dispatch phase moves it)."""
            position = re.search(r'data-position="(\d+)"', manager.get("/board/")[2]).group(1)
            return f"/board/poll?since={position}"

        big = Client(s_large.base).login("manager", PASSWORD)
        start = (datetime.date.today() - datetime.timedelta(days=400)).isoformat()
        end = datetime.date.today().isoformat()
        period = f"/register/?from={start}&to={end}"
        latency = {
            "board_200_p50_ms": Target(s_small, "/board/", manager),
            "poll_nochange_p50_ms": Target(s_small, poll_path(), manager, htmx=True, refresh=poll_path),
            "tech_job_p50_ms": Target(s_small, f"/tech/jobs/{facts['tech_job']}", tech),
            "board_2000_p50_ms": Target(s_large, "/board/", big),
            "voucher_p50_ms": Target(s_large, f"/jobs/{large_facts['filed_job']}", big),
            "search_phone_p50_ms": Target(s_large, f"{period}&q={quote(large_facts['phone_q'])}", big),
            "search_name_p50_ms": Target(s_large, f"{period}&q={quote(large_facts['name_q'])}", big),
            "search_serial_p50_ms": Target(s_large, f"{period}&q={quote(large_facts['serial_q'])}", big),
            "search_short_p50_ms": Target(s_large, f"{period}&q={quote(large_facts['short_q'])}", big),
            "dashboard_year_p50_ms": Target(s_large, "/dashboard/", big),
            "register_day_p50_ms": Target(s_large, "/register/", big),
        }
        if s_screens:
            clerk = Client(s_screens.base).login("clerk", DEMO_PASSWORD)
            finance = Client(s_screens.base).login("finance", DEMO_PASSWORD)
            demo_manager = Client(s_screens.base).login("manager", DEMO_PASSWORD)
            public = Client(s_screens.base)
            f = screen_facts
            latency.update(
                {
                    "intake_search_p50_ms": Target(
                        s_screens, f"/intake/search?q={quote(f['phone_q'])}", clerk, htmx=True
                    ),
                    "complaint_search_p50_ms": Target(
                        s_screens, f"/complaints/search?q={quote(f['phone_q'])}", clerk, htmx=True
                    ),
                    "finance_home_p50_ms": Target(s_screens, "/money/", finance),
                    "finance_receivables_p50_ms": Target(s_screens, "/money/receivables", finance),
                    "finance_handovers_p50_ms": Target(s_screens, "/money/handovers", finance),
                    "survey_results_p50_ms": Target(s_screens, "/surveys/results", demo_manager),
                }
            )
            if f.get("survey_token"):
                latency["survey_public_p50_ms"] = Target(s_screens, f"/s/{f['survey_token']}", public)
        for name, target in list(latency.items()):
            htmx = {"HX-Request": "true"} if "HX-Request: true" in target.headers else None
            status = target.client.get(target.path, headers=htmx)[0]
            if status not in (200, 204):
                notes[f"{name}_status"] = status
                del latency[name]
        board = latency["board_200_p50_ms"]

        warm = 1 if args.quick else 3
        for target in latency.values():
            target.warm(warm)
        if peer:
            peer.warm(warm)

        for r in range(args.rounds):
            print(f"  {backend.label} round {r + 1}/{args.rounds}", flush=True)
            for name, target in latency.items():
                began = time.time()
                times = target.latency(args.seconds)
                if args.verbose:
                    print(
                        f"    {name:<28} p50 {percentile(times, 50)} ms over {len(times)} requests"
                        f" in {time.time() - began:.0f} s",
                        flush=True,
                    )
                rounds.setdefault(name, []).append(percentile(times, 50))
                rounds.setdefault(f"{name}_n", []).append(len(times))
                if name == "board_200_p50_ms":
                    rounds.setdefault("board_200_p95_ms", []).append(percentile(times, 95))
                    if peer:
                        peer_rounds.setdefault("list_p50", []).append(peer.list_latency(args.seconds))
            rounds.setdefault("board_200_rps_c8", []).append(board.throughput(args.seconds * 2))
            if peer:
                peer_rounds.setdefault("list_views_c8", []).append(peer.list_throughput(args.seconds * 2))
                peer_rounds.setdefault("list2000_p50", []).append(peer.list_latency(args.seconds, size=2000))
            times = dispatch_times(s_small, manager, 50 if args.quick else 100)
            rounds.setdefault("dispatch_p50_ms", []).append(percentile(times, 50))
            if s_screens and screen_facts.get("customer"):
                times = complaint_save_times(
                    s_screens, clerk, screen_facts["customer"], 20 if args.quick else 50
                )
                rounds.setdefault("complaint_save_p50_ms", []).append(percentile(times, 50))

        poll = latency["poll_nochange_p50_ms"]
        poll.path = poll.refresh()
        size, line = wire_bytes(poll)
        notes["poll_status"] = line
        rounds["poll_nochange_bytes"] = [size]
        if not args.no_browser:
            rounds["tech_job_page_bytes"], rounds["tech_job_page_requests"] = (
                [v] for v in page_weight(s_small, tech, f"/tech/jobs/{facts['tech_job']}")
            )
            rounds["board_page_bytes"], _ = ([v] for v in page_weight(s_small, manager, "/board/"))
        rss = {s.name: round(s.worker_rss_mb() or 0, 1) for s in servers}
        notes["worker_rss_mb"] = rss
        rounds["worker_rss_mb"] = [max(rss.values())]
    finally:
        for server in servers:
            server.stop()
        for name in (small, large, screens):
            backend.drop(name)

    figures, spreads = {}, {}
    for name in FIGURES:
        figures[name], spreads[name] = summarize(rounds.get(name, []))
    requests = {name[:-2]: sum(v) for name, v in rounds.items() if name.endswith("_n")}
    notes["requests_per_figure"] = requests
    peer_figures = {}
    if peer_rounds:
        ratios = [
            o / p for o, p in zip(rounds["board_200_p50_ms"], peer_rounds["list_p50"], strict=True) if o and p
        ]
        peer_figures["board_vs_list_p50"] = summarize(ratios)
        ratios = [
            o / p
            for o, p in zip(rounds["board_200_rps_c8"], peer_rounds["list_views_c8"], strict=True)
            if o and p
        ]
        peer_figures["board_vs_list_rps"] = summarize(ratios)
        ratios = [
            o / p
            for o, p in zip(rounds["board_2000_p50_ms"], peer_rounds["list2000_p50"], strict=True)
            if o and p
        ]
        peer_figures["board2000_vs_list2000_p50"] = summarize(ratios)
        peer_figures["peer_list_p50_ms"] = summarize(peer_rounds["list_p50"])
        peer_figures["peer_list_views_c8"] = summarize(peer_rounds["list_views_c8"])
        peer_figures["peer_list2000_p50_ms"] = summarize(peer_rounds["list2000_p50"])
    return figures, spreads, peer_figures, notes, rounds, peer_rounds


def _url(backend, name):
    if backend.name == "sqlite":
        return os.path.join(backend.workdir, f"{name}.sqlite3")
    from tests import pg

    return pg.database_url(backend.server_url, name)


def verdict(name, value):
    _, _, op, target = FIGURES[name]
    if value is None or not op:
        return ""
    return "ok" if (value <= target if op == "<=" else value >= target) else "MISSED"


def show(value, spread):
    if value is None:
        return "null"
    if spread is None or spread[0] == spread[1]:
        return f"{value:,}"
    return f"{value:,} ({spread[0]:,}-{spread[1]:,})"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="small history (10,000), short rounds")
    parser.add_argument(
        "--backend", choices=("sqlite", "postgres", "both"), help="default: both (--scale: sqlite)"
    )
    parser.add_argument("--rounds", type=int, default=None)
    parser.add_argument("--seconds", type=int, default=None, help="least length of a latency phase")
    parser.add_argument("--no-peer", action="store_true", help="without the peer helpdesk")
    parser.add_argument("--no-browser", action="store_true", help="without the page weights")
    parser.add_argument("-v", "--verbose", action="store_true", help="print every phase")
    parser.add_argument("--scale", action="store_true", help="the growth table up to 1,000,000 filed jobs")
    parser.add_argument("--sizes", default="10000,100000,1000000", help="filed jobs of the --scale steps")
    args = parser.parse_args()
    if args.scale:
        from bench.scale import run_scale

        return run_scale(args)
    args.rounds = args.rounds or (2 if args.quick else 3)
    args.seconds = args.seconds or (2 if args.quick else 4)
    args.filed = 10_000 if args.quick else 100_000
    names = ["sqlite", "postgres"] if args.backend in (None, "both") else [args.backend]
    workdir = tempfile.mkdtemp(prefix="sd-bench-")
    report = {
        "date": datetime.date.today().isoformat(),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.2f} at start",
        "history": args.filed,
        "rounds": args.rounds,
        "backends": {},
    }
    started = time.time()
    try:
        for name in names:
            backend = Backend(name, workdir)
            peer = None
            try:
                if name == "sqlite" and not args.no_peer:
                    peer = peer_harness.start(workdir)
                    if peer is None:
                        report["peer"] = peer_harness.MISSING
                print(f"{backend.label}: seeding and measuring", flush=True)
                figures, spreads, peer_figures, notes, rounds, peer_rounds = run_backend(backend, args, peer)
            finally:
                if peer is not None:
                    peer.stop()
                backend.close()
            report["backends"][name] = {
                "figures": figures,
                "spreads": spreads,
                "notes": notes,
                "rounds": rounds,
            }
            if peer_figures:
                report["peer"] = {"figures": peer_figures, "rounds": peer_rounds, "version": peer.version}
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    report["seconds"] = round(time.time() - started)
    report["load_at_end"] = round(os.getloadavg()[0], 2)

    os.makedirs(RESULTS, exist_ok=True)
    with open(os.path.join(RESULTS, "latest.json"), "w") as fh:
        json.dump(report, fh, indent=2, default=str)
        fh.write("\n")
    print_report(report)


def print_report(report):
    backends = report["backends"]
    print(
        f"\nAfter-Sales Service Desk benchmark, {report['date']}, {report['machine']}; history "
        f"{report['history']:,} filed jobs; {report['rounds']} rounds: median (min-max of the rounds)"
    )
    header = f"{'figure':<58}" + "".join(
        f"{('SQLite' if b == 'sqlite' else 'PostgreSQL'):>26}" for b in backends
    )
    print(header + "  target")
    for name, (label, unit, op, target) in FIGURES.items():
        cells, ok = [], ""
        for key, result in backends.items():
            value = result["figures"].get(name)
            cells.append(f"{show(value, result['spreads'].get(name)):>26}")
            if key == "sqlite" or len(backends) == 1:
                ok = verdict(name, value)
        goal = f"{op} {target:,} {unit}" if op else ""
        print(f"{label + (f' [{unit}]' if unit else ''):<58}{''.join(cells)}  {goal} {ok}")
    peer = report.get("peer")
    if isinstance(peer, dict):
        figures = peer["figures"]
        print(
            f"\nSide by side with {peer.get('version', 'the peer')} (SQLite), interleaved in the same rounds"
        )
        for key, label in (
            ("peer_list_p50_ms", "peer list page p50 (HTML + data request), 200 tickets [ms]"),
            ("peer_list_views_c8", "peer list page views/s at concurrency 8, 200 tickets"),
            ("peer_list2000_p50_ms", "peer list page p50, 2,000 tickets [ms]"),
        ):
            value, spread = figures.get(key, (None, None))
            print(f"{label:<70}{show(value, spread):>26}")
        for key, (label, op, target) in PEER_FIGURES.items():
            value, spread = figures.get(key, (None, None))
            ok = ""
            if value is not None and op:
                ok = "ok" if (value <= target if op == "<=" else value >= target) else "MISSED"
            print(f"{label:<70}{show(value, spread):>26}  {op} {target if target else ''} {ok}")
    elif peer:
        print(f"\npeer: {peer}")
    for key, result in backends.items():
        print(f"notes ({key}):", json.dumps(result["notes"], ensure_ascii=False))
    print(f"took {report['seconds']} s; load average at the end {report['load_at_end']}")


if __name__ == "__main__":
    main()
