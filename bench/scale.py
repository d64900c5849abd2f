"""Growth: the same figures as the history grows to a million filed jobs (``run.py --scale``).

One database with the 200 active jobs of the small data set gets its filed history in steps
(10,000, 100,000, 1,000,000 by default: ``--sizes``), bulk-inserted as ``bench.seed`` does, so
every trigger (search index, dashboard summary) sees every row. After each step gunicorn serves
it and the board, the live poll, the register search (phone and name fragments over the whole
history), a filed voucher's page and the dashboard are measured: one latency phase each of at
least 300 requests or 10 s, p50 and p95 of the server-side times.
"""

import json
import os
import shutil
import tempfile
import time
from urllib.parse import quote

FIGURES = {
    "board": "board, 200 active jobs",
    "poll": "live poll, nothing changed",
    "search_phone": "register search, phone fragment",
    "search_name": "register search, name fragment",
    "voucher": "voucher page of a filed job",
    "dashboard": "dashboard over a year",
}


def run_scale(args):
    from bench.run import RESULTS, Backend

    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    # the growth table is SQLite's unless PostgreSQL is asked for
    names = ["sqlite", "postgres"] if args.backend == "both" else [args.backend or "sqlite"]
    workdir = tempfile.mkdtemp(prefix="sd-scale-")
    report = {"sizes": sizes, "backends": {}}
    started = time.time()
    try:
        for name in names:
            backend = Backend(name, workdir)
            try:
                report["backends"][name] = _grow(backend, sizes, args)
            finally:
                backend.close()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    report["seconds"] = round(time.time() - started)
    os.makedirs(RESULTS, exist_ok=True)
    with open(os.path.join(RESULTS, "scale.json"), "w") as fh:
        json.dump(report, fh, indent=2, default=str)
        fh.write("\n")
    _print(report)


def _grow(backend, sizes, args):
    from app import create_app
    from bench.run import PASSWORD, Client, Server, Target, percentile, prepare
    from bench.seed import facts, seed_history
    from models import User, db

    url = backend.database("bench_scale")
    _, found = prepare(url, active=200)
    result = {"figures": {}, "seed_s": {}, "database_mb": {}}
    done = 0
    for size in sizes:
        began = time.time()
        create_app({"SECRET_KEY": "x", "DATABASE_URL": url})
        with db.connection_context():
            techs = list(User.select().where(User.role == "technician").order_by(User.id))
            manager = User.get(User.username == "manager")
            clerk = User.get(User.username == "clerk")
            seed_history(size - done, techs, manager, clerk, first=done)
            if backend.name == "postgres":
                db.execute_sql("ANALYZE")
            found = facts(techs)
            result["database_mb"][size] = _size_mb(db)
        if hasattr(db.obj, "close_all"):
            db.close_all()
        done = size
        result["seed_s"][size] = round(time.time() - began, 1)
        print(f"  {backend.label}: {size:,} filed jobs seeded in {result['seed_s'][size]} s", flush=True)
        server = Server(url, backend.workdir, f"scale-{size}")
        try:
            client = Client(server.base).login("manager", PASSWORD)

            def poll_path(client=client):
                import re

                position = re.search(r'data-position="(\d+)"', client.get("/board/")[2]).group(1)
                return f"/board/poll?since={position}"

            period = "/register/?from=2000-01-01&to=2999-12-31"
            targets = {
                "board": Target(server, "/board/", client),
                "poll": Target(server, poll_path(), client, htmx=True, refresh=poll_path),
                "search_phone": Target(server, f"{period}&q={quote(found['phone_q'])}", client),
                "search_name": Target(server, f"{period}&q={quote(found['name_q'])}", client),
                "voucher": Target(server, f"/jobs/{found['filed_job']}", client),
                "dashboard": Target(server, "/dashboard/", client),
            }
            for key, target in targets.items():
                target.warm(1 if args.quick else 2)
                times = _phase(target, args)
                result["figures"].setdefault(key, {})[size] = {
                    "p50": percentile(times, 50),
                    "p95": percentile(times, 95),
                    "n": len(times),
                }
                print(f"    {key:<14} p50 {percentile(times, 50)} ms [{len(times)}]", flush=True)
            result.setdefault("worker_rss_mb", {})[size] = round(server.worker_rss_mb() or 0, 1)
        finally:
            server.stop()
    backend.drop("bench_scale")
    return result


def _phase(target, args):
    """One latency phase: at least 300 requests or 10 s (a shorter one with --quick)."""
    from bench import run

    saved = run.MIN_REQUESTS, run.MAX_PHASE_SECONDS
    run.MIN_REQUESTS, run.MAX_PHASE_SECONDS = (100, 4) if args.quick else (300, 10)
    try:
        return target.latency(2 if args.quick else 3)
    finally:
        run.MIN_REQUESTS, run.MAX_PHASE_SECONDS = saved


def _size_mb(db):
    from models.core import is_postgres

    if is_postgres():
        return round(db.execute_sql("SELECT pg_database_size(current_database())").fetchone()[0] / 2**20)
    pages = db.execute_sql("PRAGMA page_count").fetchone()[0]
    size = db.execute_sql("PRAGMA page_size").fetchone()[0]
    return round(pages * size / 2**20)


def _print(report):
    sizes = report["sizes"]
    for name, result in report["backends"].items():
        label = "SQLite" if name == "sqlite" else "PostgreSQL"
        print(f"\nGrowth ({label}): server-side p50 in ms by filed jobs in the history")
        print(f"{'figure':<36}" + "".join(f"{s:>12,}" for s in sizes) + f"{'last/first':>12}")
        for key, label_text in FIGURES.items():
            values = [result["figures"].get(key, {}).get(s, {}).get("p50") for s in sizes]
            cells = "".join(f"{v:>12.2f}" if v is not None else f"{'null':>12}" for v in values)
            ratio = f"{values[-1] / values[0]:>11.1f}x" if values[0] and values[-1] else ""
            print(f"{label_text:<36}{cells}{ratio}")
        print(f"{'seeding the step [s]':<36}" + "".join(f"{result['seed_s'][s]:>12}" for s in sizes))
        print(f"{'database size [MB]':<36}" + "".join(f"{result['database_mb'][s]:>12}" for s in sizes))
        rss = result.get("worker_rss_mb", {})
        print(f"{'worker RSS after the step [MB]':<36}" + "".join(f"{rss.get(s, 0):>12}" for s in sizes))
    print(f"took {report['seconds']} s")
