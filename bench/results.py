"""bench/results.md from bench/results.json: the latest run's table, the goals, and each
earlier labelled run (e.g. "before") side by side with it."""

from __future__ import annotations

from pathlib import Path

PAGE_ORDER = [
    "baseline",
    "overview",
    "target",
    "heatmap",
    "agency",
    "district",
    "entry_form",
    "grid",
    "completeness",
    "report",
    "report_pdf",
]


def _machine(run: dict) -> str:
    m = run["machine"]
    load = ", ".join(f"{x:.2f}" for x in m["loadavg_at_start"])
    return (
        f"{m['nproc']} CPUs ({m['cpu']}), {m['memory_gb']} GB RAM, load average at start "
        f"{load}; gunicorn {run['workers']} sync workers; wrk {run['duration_s']} s per page "
        f"and concurrency; started {run['started']}"
    )


def _c1(e: dict) -> str:
    """The c1 median, or the single fetch's time when no request finished under wrk."""
    if e["c1"]["requests"]:
        return str(e["c1"]["median_ms"])
    return f"none finished (one fetch {e['first_s'] * 1000:.0f})"


def _pages(data: dict) -> list[tuple[str, dict]]:
    pages = data["pages"]
    return [(p, pages[p]) for p in PAGE_ORDER if p in pages]


def page_table(name: str, data: dict) -> list[str]:
    d = data["data"]
    sql = data["overview_sql"]
    lines = [
        f"### {name}: {d['agencies']:,} agencies, {d['years']} year(s), "
        f"{d['measurements']:,} measurements (generated in {d['seconds']} s)",
        "",
        f"Bare SQL of the overview's aggregation: {sql['queries']} queries, median "
        f"{sql['median_ms']} ms (period {sql['period']}).",
        "",
        "| page | queries (computed / cached) | first fetch ms | c1 median ms | c1 p95 ms | c1 req/s "
        "| c8 median ms | c8 p95 ms | c8 req/s | errors | × baseline | × bare SQL |",
        "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for page, e in _pages(data):
        if e.get("missing"):
            lines.append(f"| {page} | – | missing ({e['path']}) | | | | | | | | | |")
            continue
        status = "" if e["status"] == 200 else f" (HTTP {e['status']})"
        cells = []
        for conns in ("c1", "c8"):
            c = e[conns]
            if c["requests"]:
                cells += [str(c["median_ms"]), str(c["p95_ms"]), str(c["rps"])]
            else:  # no request finished within the wrk run
                cells += [f"none finished (one fetch {e['first_s'] * 1000:.0f})", "", ""]
        ratios = [str(e.get("x_baseline", "")), str(e.get("x_sql", ""))]
        if not e["c1"]["requests"]:
            ratios = ["", ""]
        errors = e["c1"]["errors"] + e["c8"]["errors"]
        first = f"{e['first_s'] * 1000:.0f}"
        lines.append(
            f"| {page}{status} | {_queries(e)} | {first} | "
            + " | ".join([*cells, str(errors), *ratios])
            + " |"
        )
    browser = data.get("browser")
    if browser and "bytes" in browser:
        lines += [
            "",
            f"Overview in headless Chromium (median of {browser['runs']} cold loads): "
            f"{browser['bytes'] / 1e6:.2f} MB transferred, last of {browser['charts']} charts "
            f"drawn at {browser['last_chart_ms']} ms.",
        ]
    return lines + [""]


def query_table(run: dict) -> list[str]:
    sets = list(run["sets"])
    if not sets:
        return []
    lines = [
        "| page | " + " | ".join(sets) + " | equal |",
        "|---|" + "--:|" * len(sets) + "---|",
    ]
    for page in PAGE_ORDER:
        counts = [run["sets"][s]["pages"].get(page, {}).get("queries") for s in sets]
        if all(c is None for c in counts):
            continue
        same = "yes" if len({c for c in counts if c is not None}) == 1 else "**no**"
        lines.append(f"| {page} | " + " | ".join(str(c) for c in counts) + f" | {same} |")
    return lines + [""]


def import_table(run: dict) -> list[str]:
    if not run.get("imports"):
        return []
    lines = [
        "| rows | format | file MB | seconds | peak memory MB | ok |",
        "|--:|---|--:|--:|--:|---|",
    ]
    for r in run["imports"]:
        lines.append(
            f"| {r['rows']:,} | {r['format']} | {r['file_mb']} | {r['seconds']} | "
            f"{r['peak_mb']} | {'yes' if r['ok'] else 'no: ' + r['output'][-80:]} |"
        )
    return lines + [""]


def compare_table(before: dict, after: dict, label: str) -> list[str]:
    lines = [
        f"| data set | page | {label}: c1 median ms | latest: c1 median ms | "
        f"{label}: queries | latest: queries |",
        "|---|---|--:|--:|--:|--:|",
    ]
    for name, data in after["sets"].items():
        old = before.get("sets", {}).get(name)
        if not old:
            continue
        for page, e in _pages(data):
            o = old["pages"].get(page, {})
            if "c1" not in e or "c1" not in o:
                continue
            lines.append(
                f"| {name} | {page} | {_c1(o)} | {_c1(e)} | {o['queries']} | {e['queries']} |"
            )
        o, n = old.get("browser", {}), data.get("browser", {})
        if "bytes" in o and "bytes" in n:
            lines.append(
                f"| {name} | overview in Chromium | {o['bytes'] / 1e6:.2f} MB, "
                f"{o['last_chart_ms']} ms | {n['bytes'] / 1e6:.2f} MB, {n['last_chart_ms']} ms "
                "| | |"
            )
    o, n = before.get("imports") or [], after.get("imports") or []
    for a, b in zip(o, n, strict=False):
        if (a["rows"], a["format"]) == (b["rows"], b["format"]):
            lines.append(
                f"| import | {a['rows']:,} {a['format']} | {a['seconds']} s, {a['peak_mb']} MB "
                f"| {b['seconds']} s, {b['peak_mb']} MB | | |"
            )
    return lines + [""]


def latest_summary(run: dict) -> list[str]:
    """The compact table the README quotes: c1 median ms per page and data set."""
    sets = list(run["sets"])
    lines = [
        "| page | " + " | ".join(f"{s} median ms (× baseline)" for s in sets) + " |",
        "|---|" + "--:|" * len(sets),
    ]
    for page in PAGE_ORDER:
        cells = []
        for s in sets:
            e = run["sets"][s]["pages"].get(page)
            if e is None:
                cells.append("")
            elif e.get("missing"):
                cells.append("missing")
            else:
                ratio = e.get("x_baseline", "–") if e["c1"]["requests"] else "–"
                cells.append(f"{_c1(e)} ({ratio}×)")
        if any(cells):
            lines.append(f"| {page} | " + " | ".join(cells) + " |")
    return lines


def write_markdown(stored: dict, path: Path) -> None:
    runs = stored["runs"]
    latest = runs.get("latest") or list(runs.values())[-1]
    out = [
        "# Benchmark results",
        "",
        "Written by `bash bench/run` (see bench/README.md); do not edit by hand.",
        "",
        f"**Latest run** ({'quick' if latest['quick'] else 'full'}, "
        f"{latest['total_minutes']} min): {_machine(latest)}.",
        "",
        "c1/c8 = wrk with 1 and 8 connections. × baseline and × bare SQL use the c1 medians. "
        "First fetch: one request right after the data set was built, before anything is cached "
        "(what the first reader pays after a change; every worker then reads it from the shared "
        "cache).",
        "",
    ]
    for name, data in latest["sets"].items():
        out += page_table(name, data)
    out += ["### Queries per page", ""] + query_table(latest)
    imports = import_table(latest)
    if imports:
        out += ["### Imports (`manage.py import_measurements`, every row new)", ""] + imports
    for label, run in runs.items():
        if run is latest:
            continue
        out += [
            f"## Before and after: “{label}” run vs latest",
            "",
            f"“{label}”: {_machine(run)}.",
            "",
        ]
        out += compare_table(run, latest, label)
        if not run["quick"] and run.get("sets"):
            # a full run keeps its own tables: the latest run may cover fewer pages or sets
            for name, data in run["sets"].items():
                out += page_table(f"“{label}” {name}", data)
            out += [f"Queries per page in “{label}”:", ""] + query_table(run)
        if run.get("imports"):
            out += [f"Imports in “{label}”:", ""] + import_table(run)
    path.write_text("\n".join(out) + "\n", encoding="utf-8")


def _queries(entry: dict) -> str:
    """'23' or, with the results cache, '23 / 9' (computed / served from the cache)."""
    if "queries_cached" in entry:
        return f"{entry['queries']} / {entry['queries_cached']}"
    return str(entry["queries"])
