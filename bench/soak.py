"""The soak test (issue #8): ``bash bench/soak [--minutes 5] [--outage-seconds 10]``.

Not part of the test suite. On its own embedded PostgreSQL (``var/pgsoak``) with the demo
figures, it runs gunicorn in production mode (bench/measure.py) and for ``--minutes``:

- wrk at 16 connections cycles through the dashboards and entry pages (bench/soak.lua counts
  every answer per second and status);
- an entry client (Sở Nội vụ staff, its own session, real forms with CSRF) saves each
  commune's quarterly figures as a draft, then submits them, and records what it entered;
- an approving client (a second staff member) approves what was submitted;
- every 10 s the resident memory of each gunicorn worker is read from /proc;
- halfway through, PostgreSQL is stopped (fast shutdown, as ``pg_ctl stop -m fast``) for
  ``--outage-seconds`` while probes keep asking for pages (every answer must be 503 with the
  Vietnamese page), then started again; the time until pages are served again is measured.

Then it checks: no answer other than 2xx/3xx outside the outage window (and only 503 "Hệ thống
tạm gián đoạn" inside it), no worker restarted, memory flat (each worker's last sample at most
``FLAT_MB`` above its first sample after warm-up), every figure the entry client saw saved is in
the database with its values, and no figure is half-written (each figure's latest history row
holds its current values). The results go into docs/reliability.md and are printed.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
os.environ.setdefault("BENCH_PORT", "8093")  # not the benchmark's port: both may run
OUTAGE_TEXT = "Hệ thống tạm gián đoạn"
APPROVER = "soak.duyet"
FLAT_MB = 50  # a worker's memory may grow this much after warm-up and still count as flat
WARMUP_S = 60
RECOVERY_LIMIT_S = 30
REPORT = ROOT / "docs" / "reliability.md"
START, END = "<!-- soak:start -->", "<!-- soak:end -->"


def log(message: str) -> None:
    print(time.strftime("%H:%M:%S "), message, flush=True)


# --- The database -----------------------------------------------------------------------------


def _pgdata() -> Path:
    pgdata = Path(os.environ.get("PGDATA_DIR", ROOT / "var" / "pgsoak")).resolve()
    if pgdata.name == "pgdata" or pgdata.name.startswith("pgtest"):
        sys.exit(f"refusing to soak on {pgdata}: use var/pgsoak")
    return pgdata


def start_postgres(pgdata: Path) -> str:
    """Start the embedded server (in a fresh process, so pgserver does not reuse a stale
    handle) and return its URL."""
    code = (
        "import sys; from pathlib import Path; sys.path.insert(0, sys.argv[2]);"
        "from reform_plan.embedded_postgres import database_url;"
        "print(database_url(Path(sys.argv[1])))"
    )
    out = subprocess.run(
        [sys.executable, "-W", "ignore", "-c", code, str(pgdata), str(ROOT)],
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout.strip().splitlines()[-1]


def stop_postgres(pgdata: Path) -> None:
    """Fast shutdown (SIGINT to the postmaster, what ``pg_ctl stop -m fast`` sends): open
    transactions are rolled back, sessions cut. Waits until the server is gone."""
    pid = int((pgdata / "postmaster.pid").read_text().split()[0])
    os.kill(pid, signal.SIGINT)
    deadline = time.time() + 60
    while Path(f"/proc/{pid}").exists():
        if time.time() > deadline:
            raise RuntimeError("PostgreSQL did not stop")
        time.sleep(0.1)


def prepare_data() -> dict:
    """Migrations, demo users and figures; the communes are emptied for the entry client, and
    a second staff member approves."""
    from django.contrib.auth.models import Group, User
    from django.core.management import call_command

    from indicators import roles
    from indicators.demo_users import DEMO_PASSWORD
    from indicators.models import Agency, Measurement

    call_command("migrate", verbosity=0)
    with open(os.devnull, "w") as quiet:
        call_command("create_demo_users", verbosity=0, stdout=quiet)
        call_command("seed_demo", stdout=quiet)
    communes = Measurement.objects.filter(agency__level="xa")
    communes.delete()
    Measurement.history.filter(agency__level="xa").delete()
    approver, _ = User.objects.get_or_create(username=APPROVER)
    approver.set_password(DEMO_PASSWORD)
    approver.save()
    approver.groups.set([Group.objects.get(name=roles.STAFF)])
    codes = list(Agency.objects.filter(level="xa", active=True).values_list("code", flat=True))
    return {"communes": codes, "figures_before": Measurement.objects.count()}


# --- HTTP clients -------------------------------------------------------------------------------


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@dataclass
class Answer:
    started: float
    ended: float
    status: int
    body: str
    retry_after: str | None = None


@dataclass
class Client:
    """A browser-like client: its own cookies (passed by hand, they are Secure), CSRF token
    from the last page, and a log of every answer."""

    cookie: str
    answers: list[Answer] = field(default_factory=list)
    token: str = ""

    def request(self, path: str, data: dict | None = None) -> Answer:
        from bench.measure import BASE_URL

        body = urllib.parse.urlencode(data).encode() if data is not None else None
        headers = {"Cookie": self.cookie, "Referer": BASE_URL + path}
        request = urllib.request.Request(BASE_URL + path, data=body, headers=headers)
        started = time.time()
        try:
            with urllib.request.build_opener(_NoRedirect).open(request, timeout=120) as r:
                status, headers, text = r.status, r.headers, r.read().decode()
        except urllib.error.HTTPError as exc:
            status, headers, text = exc.code, exc.headers, exc.read().decode(errors="replace")
        except OSError as exc:  # refused, reset, timed out: recorded as status 0
            status, headers, text = 0, None, repr(exc)
        retry_after = headers.get("Retry-After") if headers else None
        answer = Answer(started, time.time(), status, text, retry_after)
        self.answers.append(answer)
        for value in (headers.get_all("Set-Cookie") if headers else None) or []:
            name, _, rest = value.partition("=")
            self._set_cookie(name.strip(), rest.split(";", 1)[0])
        match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', text)
        if match:
            self.token = match.group(1)
        return answer

    def _set_cookie(self, name: str, value: str) -> None:
        cookies = dict(part.split("=", 1) for part in self.cookie.split("; ") if "=" in part)
        cookies[name] = value
        self.cookie = "; ".join(f"{k}={v}" for k, v in cookies.items())


def _ok(answer: Answer) -> bool:
    return 200 <= answer.status < 400


def _outage_page(answer: Answer) -> bool:
    """The 503 page: the Vietnamese text and a Retry-After header."""
    return answer.status == 503 and OUTAGE_TEXT in answer.body and bool(answer.retry_after)


def _wait_for_service(client: Client, path: str, stop: threading.Event) -> Answer | None:
    """Ask for ``path`` until it is served (or ``stop``); during an outage that takes a while."""
    while not stop.is_set():
        answer = client.request(path)
        if _ok(answer):
            return answer
        time.sleep(1)
    return None


def entry_client(client: Client, communes: list[str], state: dict, stop: threading.Event):
    """For each commune and quarter: save the figures as a draft, then submit them (a second
    version). Records every figure whose submission was confirmed (redirect)."""
    rng = random.Random(829)
    todo = [(code, f"2021-Q{q}") for q in (1, 2, 3, 4) for code in communes]
    for agency, period in todo:
        path = f"/nhap-lieu/{period}/{agency}/"
        for action in ("save", "submit"):
            while not stop.is_set():
                page = _wait_for_service(client, path, stop)
                if page is None:
                    return
                prefixes = re.findall(r'name="([\w-]+)-numerator"', page.body)
                versions = dict(re.findall(r'name="([\w-]+)-version" value="(\d*)"', page.body))
                data = {"csrfmiddlewaretoken": client.token, "action": action}
                figures = {}
                for prefix in prefixes:
                    key = (agency, prefix, period)
                    if key not in state["planned"]:
                        denominator = rng.randint(20, 400)
                        numerator = rng.randint(denominator * 9 // 10, denominator)
                        state["planned"][key] = (numerator, denominator)
                    numerator, denominator = state["planned"][key]
                    figures[key] = (numerator, denominator)
                    data[f"{prefix}-numerator"] = str(numerator)
                    data[f"{prefix}-denominator"] = str(denominator)
                    data[f"{prefix}-note"] = "Số liệu thử tải (soak)"
                    data[f"{prefix}-version"] = versions.get(prefix, "")
                answer = client.request(path, data)
                if answer.status == 302:
                    if action == "submit":
                        state["entered"].update(figures)
                        state["to_approve"].append((agency, period))
                    break
                if answer.status == 200:  # refused by the form: a bug for this client
                    state["refused"].append((agency, period, action))
                    break
                time.sleep(1)  # an error or an outage: try the same step again
            if stop.is_set():
                return
        time.sleep(0.2)


def approving_client(client: Client, state: dict, stop: threading.Event):
    """Approve every sheet the entry client submitted, at the versions shown on the sheet."""
    while not stop.is_set():
        if not state["to_approve"]:
            time.sleep(0.5)
            continue
        agency, period = state["to_approve"][0]
        path = f"/nhap-lieu/{period}/{agency}/"
        page = _wait_for_service(client, path, stop)
        if page is None:
            return
        versions = dict(re.findall(r'name="([\w-]+-version)" value="(\d*)"', page.body))
        # the versions of the sheet, confirmed at once (the page's confirmation step lists
        # the same figures and versions)
        data = {
            "csrfmiddlewaretoken": client.token,
            "action": "approve_all",
            "confirm": "1",
            **versions,
        }
        answer = client.request(path, data)
        match = re.search(r"Đã duyệt (\d+) số liệu", answer.body)
        if answer.status == 200 and match:
            state["approved"] += int(match.group(1))
            state["approved_sheets"].append(state["to_approve"].pop(0))
        else:
            time.sleep(1)


# --- gunicorn workers' memory -------------------------------------------------------------------


def worker_pids(master: int) -> list[int]:
    """The gunicorn master's children (its workers), from /proc."""
    pids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == master:
            pids.append(int(stat.parent.name))
    return pids


def rss_mb(pid: int) -> float | None:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    match = re.search(r"VmRSS:\s+(\d+) kB", status)
    return int(match.group(1)) / 1024 if match else None


def sample_memory(master: int, samples: list, stop: threading.Event, started: float) -> None:
    while True:
        samples.append(
            {"t": round(time.time() - started), "rss": {p: rss_mb(p) for p in worker_pids(master)}}
        )
        if stop.wait(10):
            return


def memory_summary(samples: list) -> dict:
    """First sample after warm-up, last and highest sample, in MB (all workers together), and
    whether every worker stayed within FLAT_MB of its first sample after warm-up."""
    warm = [s for s in samples if s["t"] >= WARMUP_S] or samples
    first, last = warm[0], warm[-1]
    total = [sum(v for v in s["rss"].values() if v) for s in warm]
    growth = {
        pid: round(last["rss"][pid] - first["rss"][pid], 1)
        for pid in first["rss"]
        if last["rss"].get(pid) and first["rss"][pid]
    }
    return {
        "first_mb": round(total[0], 1),
        "last_mb": round(total[-1], 1),
        "max_mb": round(max(total), 1),
        "per_worker_growth_mb": growth,
        "flat": bool(growth) and all(g <= FLAT_MB for g in growth.values()),
        "samples": len(samples),
    }


# --- wrk ----------------------------------------------------------------------------------------


def start_wrk(cookie: str, paths: list[str], seconds: int) -> subprocess.Popen:
    from bench.measure import BASE_URL

    cmd = [
        "wrk",
        "-t2",
        "-c16",
        f"-d{seconds}s",
        "--timeout",
        "60s",
        "-s",
        str(BENCH_DIR / "soak.lua"),
        "-H",
        f"Cookie: {cookie}",
        BASE_URL + paths[0],
    ]
    env = dict(os.environ, SOAK_PATHS=",".join(paths))
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, env=env)


def wrk_summary(output: str, window: tuple[float, float]) -> dict:
    """Requests and errors of the wrk run, the outage window's seconds apart."""
    raw = json.loads(next(line for line in output.splitlines() if line.startswith("{")))
    low, high = int(window[0]), int(window[1]) + 1
    inside = {"ok": 0, "outage_page": 0, "other": 0}
    outside = {"ok": 0, "errors": 0}
    for key, n in raw["by_second"].items():
        second, status = key.split(":")
        good = status[:1] in "23" and len(status) == 3
        if low <= int(second) <= high:
            inside["ok" if good else "outage_page" if status == "503" else "other"] += n
        else:
            outside["ok" if good else "errors"] += n
    socket_errors = sum(raw[k] for k in ("connect_errors", "read_errors", "write_errors"))
    return {
        "requests": raw["requests"],
        "median_ms": round(raw["p50_us"] / 1000, 1),
        "p95_ms": round(raw["p95_us"] / 1000, 1),
        "outside": outside,
        "inside": inside,
        "socket_errors": socket_errors,
        "timeouts": raw["timeouts"],
    }


def client_summary(clients: list[Client], window: tuple[float, float]) -> dict:
    """Answers of the Python clients: those that overlap the outage window may be the 503
    page; every other one must be 2xx/3xx."""
    out = {"requests": 0, "errors_outside": 0, "outage_pages": 0, "bad_inside": 0}
    for client in clients:
        for a in client.answers:
            out["requests"] += 1
            overlaps = a.ended >= window[0] and a.started <= window[1]
            if _ok(a):
                continue
            if not overlaps:
                out["errors_outside"] += 1
            elif _outage_page(a):
                out["outage_pages"] += 1
            else:
                out["bad_inside"] += 1
    return out


# --- The outage ---------------------------------------------------------------------------------


def outage(pgdata: Path, url: str, probe: Client, seconds: float, paths: list[str]) -> dict:
    """Stop PostgreSQL, keep asking for pages for ``seconds``, start it again, and time the
    recovery (the time until the first page is served again)."""
    log("» outage: stopping PostgreSQL (fast shutdown)")
    started = time.time()
    stop_postgres(pgdata)
    stopped = time.time()
    answers, i = [], 0
    while time.time() - stopped < seconds:
        answers.append(probe.request(paths[i % len(paths)]))
        i += 1
        time.sleep(0.2)
    probes = {
        "requests": len(answers),
        "outage_pages": sum(_outage_page(a) for a in answers),
    }
    log(f"  {probes['outage_pages']}/{len(answers)} probes answered 503 {OUTAGE_TEXT!r}")
    if start_postgres(pgdata) != url:
        raise RuntimeError("PostgreSQL came back at another address")
    ready = time.time()
    log(f"  PostgreSQL started again after {ready - stopped:.1f} s down")
    # Recovery is timed on the light plan page, so that a slow page under load does not count
    # as slowness to recover. The outage window ends with the first page served: from then on
    # every answer, from every worker, counts as an error unless it is 2xx/3xx.
    light = paths[0]  # the plan page: bench.measure.pages lists the baseline first
    first_ok, after = None, []
    while first_ok is None and time.time() - ready < RECOVERY_LIMIT_S:
        answer = probe.request(light)
        after.append(answer.status)
        if _ok(answer):
            first_ok = answer.ended
        else:
            time.sleep(0.1)
    return {
        "started": started,
        "stopped_for_s": round(ready - stopped, 1),
        "recovered": first_ok or time.time(),
        "first_page_after_s": round(first_ok - ready, 2) if first_ok else None,
        "probes": probes,
        "statuses_after_restart": sorted(set(after)),
    }


# --- Checks in the database ---------------------------------------------------------------------


def verify(state: dict) -> dict:
    """Every figure entered is there with its values; none is half-written."""
    from django.db import connection

    from indicators.models import Measurement

    connection.close()  # the process's own connection died with the server
    entered = state["entered"]
    found = {
        (m.agency.code, m.indicator.code, m.period.code): m
        for m in Measurement.objects.filter(agency__level="xa").select_related(
            "agency", "indicator", "period"
        )
    }
    missing = [k for k in entered if k not in found]
    wrong = [
        k
        for k, (num, den) in entered.items()
        if k in found and (found[k].numerator, found[k].denominator) != (num, den)
    ]
    half = []
    for m in found.values():
        last = m.history.order_by("-history_id").first()
        if last is None or (last.numerator, last.denominator, last.status, last.version) != (
            m.numerator,
            m.denominator,
            m.status,
            m.version,
        ):
            half.append(m.pk)
    statuses = {}
    for m in found.values():
        statuses[m.status] = statuses.get(m.status, 0) + 1
    return {
        "entered": len(entered),
        "verified": len(entered) - len(missing) - len(wrong),
        "missing": len(missing),
        "wrong_value": len(wrong),
        "half_written": len(half),
        "statuses": statuses,
    }


# --- The run ------------------------------------------------------------------------------------


def _args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench/soak", description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument("--outage-seconds", type=float, default=10.0)
    parser.add_argument("--no-report", action="store_true", help="do not write docs/")
    return parser.parse_args()


def main() -> int:
    args = _args()
    pgdata = _pgdata()
    url = start_postgres(pgdata)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reform_plan.settings")
    sys.path.insert(0, str(ROOT))
    os.chdir(ROOT)
    import django

    django.setup()
    from bench import measure

    seconds = int(args.minutes * 60)
    machine = measure.machine_info()
    log(f"» soak: {args.minutes} min, {measure.WORKERS} workers, PostgreSQL {pgdata}")
    data = prepare_data()
    paths = [path for name, path in measure.pages(2021) if name not in ("report_pdf",)]
    state = {
        "planned": {},
        "entered": {},
        "to_approve": [],
        "approved": 0,
        "approved_sheets": [],
        "refused": [],
    }
    stop = threading.Event()
    samples: list = []
    with tempfile.TemporaryDirectory(prefix="cchc-soak-") as tmp:
        log_path = ROOT / "var" / "soak-gunicorn.log"
        with measure.gunicorn(Path(tmp) / "static", log_path) as server:
            t0 = time.time()
            entry = Client(measure.login())
            approver = Client(measure.login(APPROVER))
            probe = Client(measure.login())
            wrk_cookie = measure.login()
            pids_before = sorted(worker_pids(server.pid))
            wrk = start_wrk(wrk_cookie, paths, seconds)
            threads = [
                threading.Thread(target=entry_client, args=(entry, data["communes"], state, stop)),
                threading.Thread(target=approving_client, args=(approver, state, stop)),
                threading.Thread(target=sample_memory, args=(server.pid, samples, stop, t0)),
            ]
            for t in threads:
                t.start()
            time.sleep(max(0, seconds / 2 - args.outage_seconds / 2))
            fault = outage(pgdata, url, probe, args.outage_seconds, paths)
            pids_after = sorted(worker_pids(server.pid))
            out, _ = wrk.communicate()
            stop.set()
            for t in threads:
                t.join(timeout=180)
            elapsed = time.time() - t0
    window = (fault["started"], fault["recovered"])
    results = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "minutes": round(elapsed / 60, 1),
        "workers": measure.WORKERS,
        "machine": machine,
        "wrk": wrk_summary(out, window),
        "clients": client_summary([entry, approver], window),
        "outage": {k: v for k, v in fault.items() if k not in ("started", "recovered")},
        "workers_restarted": pids_before != pids_after,
        "memory": memory_summary(samples),
        "figures": verify(state),
        "sheets_approved": len(state["approved_sheets"]),
        "figures_approved": state["approved"],
        "refused_by_form": len(state["refused"]),
        "figures_before": data["figures_before"],
    }
    failures = problems(results)
    results["passed"] = not failures
    print(json.dumps(results, indent=1, ensure_ascii=False))
    (ROOT / "var" / "soak-results.json").write_text(json.dumps(results, indent=1) + "\n")
    if not args.no_report:
        write_report(results)
    for failure in failures:
        log(f"FAILED: {failure}")
    log("» soak " + ("passed" if not failures else "FAILED"))
    return 1 if failures else 0


def problems(r: dict) -> list[str]:
    """What went wrong, in words; empty when the run passed."""
    out = []
    w, c, f, o = r["wrk"], r["clients"], r["figures"], r["outage"]
    if w["outside"]["errors"] or w["socket_errors"] or w["timeouts"]:
        out.append(f"wrk errors outside the outage: {w}")
    if w["inside"]["other"] or c["bad_inside"]:
        out.append("answers other than the 503 page during the outage")
    if c["errors_outside"]:
        out.append(f"{c['errors_outside']} client errors outside the outage")
    if o["probes"]["outage_pages"] != o["probes"]["requests"]:
        out.append("a probe during the outage did not get the 503 page")
    if o["first_page_after_s"] is None:
        out.append(f"not recovered within {RECOVERY_LIMIT_S} s")
    if r["workers_restarted"]:
        out.append("gunicorn workers were restarted")
    if not r["memory"]["flat"]:
        out.append(f"memory not flat: {r['memory']}")
    if f["missing"] or f["wrong_value"] or f["half_written"] or not f["entered"]:
        out.append(f"figures: {f}")
    if r["refused_by_form"]:
        out.append(f"{r['refused_by_form']} sheets refused by the form")
    return out


def write_report(r: dict) -> None:
    """Replace the soak section of docs/reliability.md with this run's table."""
    w, c, f, o, m = r["wrk"], r["clients"], r["figures"], r["outage"], r["memory"]
    rows = [
        ("Thời gian chạy", f"{r['minutes']} phút, {r['workers']} worker gunicorn, wrk 16 kết nối"),
        (
            "Yêu cầu wrk (trang xem)",
            f"{w['requests']:,} (trung vị {w['median_ms']} ms, p95 {w['p95_ms']} ms)",
        ),
        ("Yêu cầu của hai client nhập/duyệt", f"{c['requests']:,}"),
        (
            "Lỗi ngoài thời gian gián đoạn",
            f"{w['outside']['errors'] + w['socket_errors'] + w['timeouts'] + c['errors_outside']}",
        ),
        ("PostgreSQL dừng", f"{o['stopped_for_s']} s (dừng nhanh giữa lúc tải)"),
        (
            "Trả lời 503 “Hệ thống tạm gián đoạn” trong lúc dừng",
            f"{w['inside']['outage_page'] + c['outage_pages'] + o['probes']['outage_pages']:,} (wrk {w['inside']['outage_page']:,}, client {c['outage_pages']}, thăm dò {o['probes']['outage_pages']}/{o['probes']['requests']})",
        ),
        ("Trả lời khác trong lúc dừng", f"{w['inside']['other'] + c['bad_inside']}"),
        (
            "Hồi phục (sau khi PostgreSQL chạy lại)",
            f"trang đầu tiên được phục vụ sau {o['first_page_after_s']} s, từ đó không còn lỗi nào; worker khởi động lại: {'có' if r['workers_restarted'] else 'không'}",
        ),
        (
            "Bộ nhớ các worker (tổng RSS, sau khởi động)",
            f"đầu {m['first_mb']} MB, cuối {m['last_mb']} MB, cao nhất {m['max_mb']} MB; tăng mỗi worker {', '.join(str(g) for g in m['per_worker_growth_mb'].values())} MB (ngưỡng {FLAT_MB} MB): {'ổn định' if m['flat'] else 'KHÔNG ổn định'}",
        ),
        (
            "Số liệu đã nhập và gửi",
            f"{f['entered']:,} ({r['sheets_approved']} phiếu, {r['figures_approved']} số liệu đã duyệt)",
        ),
        (
            "Số liệu kiểm tra lại trong CSDL",
            f"{f['verified']:,} đúng giá trị; thiếu {f['missing']}, sai {f['wrong_value']}, ghi dở {f['half_written']}",
        ),
        ("Kết quả", "ĐẠT" if r["passed"] else "KHÔNG ĐẠT"),
    ]
    table = "\n".join(f"| {k} | {v} |" for k, v in rows)
    section = (
        f"{START}\nLần chạy {r['when']} (`bash bench/soak --minutes {r['minutes']}`), "
        f"máy {r['machine']['nproc']} CPU, tải trung bình lúc bắt đầu "
        f"{', '.join(f'{x:.1f}' for x in r['machine']['loadavg_at_start'])}:\n\n"
        f"| | |\n|---|---|\n{table}\n{END}"
    )
    text = REPORT.read_text()
    text = re.sub(re.escape(START) + ".*?" + re.escape(END), lambda _: section, text, flags=re.S)
    REPORT.write_text(text)


if __name__ == "__main__":
    sys.exit(main())
