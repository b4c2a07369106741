"""Timing ``manage.py import_measurements`` on 10,000 and 100,000 rows (CSV and XLSX).

The rows are existing figures of the current data set (rates only), deleted just before each
import so that every row is a new figure, as in a real first upload of a quarter. Each import
runs as its own process; its wall time and peak resident memory come from ``os.wait4`` (in a
small wrapper process: see ``_WRAPPER``).
"""

from __future__ import annotations

import csv
import subprocess
import sys
import time
from pathlib import Path

from django.db import connection

from bench.measure import USER

COLUMNS = ["period", "agency_code", "indicator_code", "numerator", "denominator", "value", "note"]
# Every row carries a note (giải trình): generated rates jump by more than 30 points between
# quarters, and the import, like the entry form, refuses a sent figure with such a jump and
# no note.
NOTE = "Số liệu đo hiệu năng"


def _rows(n: int) -> list[tuple]:
    """``n`` rate figures, newest first: (id, period, agency, indicator, num, den)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT m.id, p.code, a.code, i.code, m.numerator, m.denominator
            FROM indicators_measurement m
            JOIN indicators_period p ON p.id = m.period_id
            JOIN indicators_agency a ON a.id = m.agency_id
            JOIN targets_indicator i ON i.id = m.indicator_id
            WHERE m.rank IS NULL
            ORDER BY p.year DESC, p.quarter DESC, m.id
            LIMIT %s
            """,
            [n],
        )
        return cursor.fetchall()


def _write(rows: list[tuple], path: Path) -> None:
    data = [(p, a, i, num, den, "", NOTE) for _, p, a, i, num, den in rows]
    if path.suffix == ".csv":
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(COLUMNS)
            writer.writerows(data)
        return
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(COLUMNS)
    for row in data:
        sheet.append(row)
    workbook.save(path)


def _delete(rows: list[tuple]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM indicators_measurement WHERE id = ANY(%s)", [[r[0] for r in rows]]
        )


# Linux carries a process's memory high-water mark across fork and exec, so a child started by
# this (large) benchmark process would report the benchmark's own peak (the first full run said
# 527.7 MB for every import). A small wrapper process starts the import instead and reports the
# import's own peak from os.wait4.
_WRAPPER = """
import os, subprocess, sys
proc = subprocess.Popen(sys.argv[1:])
_, status, usage = os.wait4(proc.pid, 0)
print(f"PEAK_KB={usage.ru_maxrss}", file=sys.stderr)
sys.exit(os.waitstatus_to_exitcode(status))
"""


def import_command(path: Path) -> list[str]:
    """The command line timed: every row new and sent by a named staff member (sending takes
    a person, who then may not approve what they sent)."""
    return [
        *[sys.executable, "manage.py", "import_measurements", str(path)],
        *["--status", "submitted", "--user", USER],
    ]


def time_import(path: Path, root: Path, env: dict) -> dict:
    """Run the import command on ``path``; wall seconds, peak memory (MB), success."""
    command = import_command(path)
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", _WRAPPER, *command], cwd=root, env=env, capture_output=True
    )
    seconds = time.perf_counter() - t0
    err = proc.stderr.decode()
    peak_kb = next(
        (int(line[8:]) for line in reversed(err.splitlines()) if line.startswith("PEAK_KB=")), 0
    )
    return {
        "seconds": round(seconds, 1),
        "peak_mb": round(peak_kb / 1024, 1),  # Linux reports KiB
        "ok": proc.returncode == 0,
        "output": (proc.stdout.decode() + err).strip()[-300:],
    }


def run(sizes: list[int], work_dir: Path, root: Path, env: dict, log=print) -> list[dict]:
    results = []
    for n in sizes:
        rows = _rows(n)
        for suffix in (".csv", ".xlsx"):
            path = work_dir / f"import-{n}{suffix}"
            t0 = time.perf_counter()
            _write(rows, path)
            written_s = time.perf_counter() - t0
            _delete(rows)
            result = {
                "rows": len(rows),
                "format": suffix[1:],
                "file_mb": round(path.stat().st_size / 1e6, 2),
                "file_build_s": round(written_s, 1),
                **time_import(path, root, env),
            }
            log(
                f"  import {len(rows):,} {suffix[1:]}: {result['seconds']} s, "
                f"peak {result['peak_mb']} MB, ok={result['ok']}"
            )
            results.append(result)
            path.unlink()
    return results
