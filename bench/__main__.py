"""The benchmark (issue #7): ``bash bench/run [--quick] [--label NAME]``.

Builds S1, S2, S3 in turn (bench/generate.py), and for each: query counts per page, the bare
SQL of the overview's aggregation, then every page under gunicorn with wrk at concurrency 1
and 8. Then import timings and the overview in headless Chromium. Writes bench/results.json
(every labelled run is kept, so "before" and "after" stay side by side) and bench/results.md.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
RESULTS_JSON = BENCH_DIR / "results.json"
RESULTS_MD = BENCH_DIR / "results.md"
MAX_SECONDS = int(os.environ.get("BENCH_MAX_SECONDS", "30"))


def log(message: str) -> None:
    print(message, flush=True)


def _database() -> None:
    """Point DATABASE_URL at the benchmark's own database before Django starts."""
    if os.environ.get("DATABASE_URL"):
        return
    pgdata = Path(os.environ.get("PGDATA_DIR", ROOT / "var" / "pgbench")).resolve()
    if pgdata.name == "pgdata" or pgdata.name.startswith("pgtest"):
        sys.exit(f"refusing to benchmark on {pgdata}: use var/pgbench or DATABASE_URL")
    sys.path.insert(0, str(ROOT))
    from reform_plan.embedded_postgres import database_url

    os.environ["DATABASE_URL"] = database_url(pgdata)


def _args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench/run", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="S1 only, short runs (smoke test)")
    parser.add_argument("--sets", default=None, help="comma-separated, e.g. S1,S3")
    parser.add_argument("--duration", type=float, default=None, help="seconds of wrk per page")
    parser.add_argument("--label", default="latest", help="name of this run in results.json")
    parser.add_argument("--pages", default=None, help="comma-separated page names only")
    parser.add_argument("--no-import", action="store_true")
    parser.add_argument("--no-browser", action="store_true")
    parser.add_argument(
        "--imports-only", action="store_true", help="only the imports, on the data set in place"
    )
    return parser.parse_args()


def measure_set(name: str, duration: float, static_root: Path, only: set | None) -> dict:
    from bench import generate, measure

    log(f"» {name}: building")
    info = generate.build(name, log=log)
    year = max(generate.DATA_SETS[name].years)
    page_list = [p for p in measure.pages(year) if not only or p[0] in only | {"baseline"}]
    log(f"» {name}: query counts")
    counts = measure.query_counts(page_list)
    sql = measure.overview_sql()
    log(f"  overview SQL: {sql['queries']} queries, median {sql['median_ms']} ms")
    # The query counts above filled the shared results cache; empty it, so that each page's
    # first fetch under gunicorn is computed, as after a change of the data.
    from django.core.cache import caches

    caches["results_shared"].clear()
    results = {}
    with measure.gunicorn(static_root, BENCH_DIR / "gunicorn.log"):
        cookie = measure.login()
        for page, path in page_list:
            status, size, first = measure.fetch(path, cookie)
            entry = {"path": path, "status": status, "bytes": size, "first_s": round(first, 2)}
            entry.update(counts[page])
            if status == 404 or counts[page]["status"] == 404:
                entry["missing"] = True
                results[page] = entry
                log(f"  {page:<13} missing ({path})")
                continue
            for _ in range(2):
                measure.fetch(path, cookie)  # warm every worker a little
            for conns in (1, 8):
                # Slow pages run longer, so that each measurement holds several requests
                # (at c8 each worker serves two connections); never over a minute.
                seconds = min(MAX_SECONDS, max(duration, first * (4 if conns == 1 else 6)))
                entry[f"c{conns}"] = measure.wrk(path, cookie, conns, round(seconds))
            results[page] = entry
            c1, c8 = entry["c1"], entry["c8"]
            log(
                f"  {page:<13} {status} q={entry['queries']:<3}/{entry['queries_cached']:<3} "
                f"first {entry['first_s']:>5} s c1 {c1['median_ms']:>8} ms "
                f"p95 {c1['p95_ms']:>8} | c8 {c8['median_ms']:>8} ms {c8['rps']:>7} rps "
                f"err {c1['errors'] + c8['errors']}"
            )
    base = results.get("baseline", {}).get("c1", {}).get("median_ms")
    for entry in results.values():
        if "c1" in entry and entry["c1"]["requests"] and base:
            entry["x_baseline"] = round(entry["c1"]["median_ms"] / base, 2)
            entry["x_sql"] = round(entry["c1"]["median_ms"] / sql["median_ms"], 2)
    return {"data": info, "overview_sql": sql, "pages": results}


def main() -> None:
    args = _args()
    _database()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reform_plan.settings")
    sys.path.insert(0, str(ROOT))
    os.chdir(ROOT)
    import django

    django.setup()
    from django.core.management import call_command

    from bench import browser, import_timing, measure

    started = time.time()
    run = {
        "label": args.label,
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "quick": args.quick,
        "machine": measure.machine_info(),
        "workers": measure.WORKERS,
    }
    log(f"» machine: {run['machine']}")
    sets = args.sets.split(",") if args.sets else (["S1"] if args.quick else ["S1", "S2", "S3"])
    if args.imports_only:
        sets = []
    duration = args.duration or (3 if args.quick else 8)
    only = set(args.pages.split(",")) if args.pages else None
    run["duration_s"] = duration

    call_command("migrate", verbosity=0)
    with open(os.devnull, "w") as quiet:
        call_command("create_demo_users", verbosity=0, stdout=quiet)
    with tempfile.TemporaryDirectory(prefix="cchc-bench-") as tmp:
        static_root = Path(tmp) / "static"
        measure.collectstatic(static_root)
        run["sets"] = {}
        for name in sets:
            run["sets"][name] = measure_set(name, duration, static_root, only)
            _save(run, started)  # a later failure keeps what was measured
            if not args.no_browser and name in (sets[0], sets[-1]):
                with measure.gunicorn(static_root, BENCH_DIR / "gunicorn.log"):
                    cookie = measure.login()
                    run["sets"][name]["browser"] = browser.overview_load(
                        cookie, runs=3 if args.quick else 5
                    )
                log(f"  browser: {run['sets'][name]['browser']}")
        if not args.no_import:
            log("» imports")
            sizes = [2000] if args.quick else [10_000, 100_000]
            run["imports"] = import_timing.run(sizes, Path(tmp), ROOT, dict(os.environ), log=log)
    _save(run, started)
    log(f"» done in {run['total_minutes']} min: {RESULTS_MD.relative_to(ROOT)}")


def _save(run: dict, started: float) -> None:
    """Store ``run`` under its label in results.json and rewrite results.md."""
    from bench.results import write_markdown

    run["total_minutes"] = round((time.time() - started) / 60, 1)
    stored = json.loads(RESULTS_JSON.read_text()) if RESULTS_JSON.exists() else {"runs": {}}
    stored["runs"][run["label"]] = run
    RESULTS_JSON.write_text(json.dumps(stored, indent=1, ensure_ascii=False) + "\n")
    write_markdown(stored, RESULTS_MD)


if __name__ == "__main__":
    main()
