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
        "| page | queries | c1 median ms | c1 p95 ms | c1 req/s | c8 median ms | c8 p95 ms "
        "| c8 req/s | errors | × baseline | × bare SQL |",
        "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for page, e in _pages(data):
        if e.get("missing"):
            lines.append(f"| {page} | – | missing ({e['path']}) | | | | | | | | |")
            continue
        c1, c8 = e["c1"], e["c8"]
        status = "" if e["status"] == 200 else f" (HTTP {e['status']})"
        lines.append(
            f"| {page}{status} | {e['queries']} | {c1['median_ms']} | {c1['p95_ms']} | "
            f"{c1['rps']} | {c8['median_ms']} | {c8['p95_ms']} | {c8['rps']} | "
            f"{c1['errors'] + c8['errors']} | {e.get('x_baseline', '')} | {e.get('x_sql', '')} |"
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
                f"| {name} | {page} | {o['c1']['median_ms']} | {e['c1']['median_ms']} | "
                f"{o['queries']} | {e['queries']} |"
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
                cells.append(f"{e['c1']['median_ms']} ({e.get('x_baseline', '')}×)")
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
        "c1/c8 = wrk with 1 and 8 connections. × baseline and × bare SQL use the c1 medians.",
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
        if run.get("imports"):
            out += [f"Imports in “{label}”:", ""] + import_table(run)
    path.write_text("\n".join(out) + "\n", encoding="utf-8")
