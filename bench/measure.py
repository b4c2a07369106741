"""Measuring pages: query counts in process, latency under gunicorn with wrk, and the bare SQL
of the overview's aggregation replayed on a plain connection."""

from __future__ import annotations

import json
import os
import platform
import re
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from contextlib import contextmanager
from http.cookiejar import CookieJar
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
HOST, PORT = "127.0.0.1", int(os.environ.get("BENCH_PORT", "8071"))
BASE_URL = f"http://{HOST}:{PORT}"
USER, PASSWORD = "chuyenvien", "cchc-demo-2021"
WORKERS = int(os.environ.get("BENCH_WORKERS", "4"))
DISTRICT = "883"  # Thành phố Long Xuyên


def pages(year: int) -> list[tuple[str, str]]:
    """(name, path) of every measured page; ``year`` is the data set's latest year. The
    baseline is the plan page: logged in, a small template, two queries of its own."""
    return [
        ("baseline", "/ke-hoach/"),
        ("overview", "/"),
        ("target", "/chi-tieu/ho_so_dung_han/"),
        ("heatmap", "/ban-do-nhiet/"),
        ("agency", f"/don-vi/{DISTRICT}/"),
        ("district", f"/huyen/?district={DISTRICT}"),
        ("entry_form", f"/nhap-lieu/{year}-Q4/{DISTRICT}/"),
        ("grid", f"/nhap-lieu/bang/{year}-Q4/ho_so_dung_han/?level=xa"),
        ("completeness", f"/nhap-lieu/tinh-hinh/?period={year}-Q4"),
        ("report", "/bao-cao/"),
        ("report_pdf", "/bao-cao/pdf/"),
    ]


def machine_info() -> dict:
    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem_kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "memory_gb": round(mem_kb / 1024 / 1024, 1),
        "loadavg_at_start": os.getloadavg(),
        "python": platform.python_version(),
        "kernel": platform.release(),
    }


# --- In process: query counts and bare SQL ----------------------------------------------------


def query_counts(page_list: list[tuple[str, str]]) -> dict[str, dict]:
    """Status and number of queries of each page for the staff user, with Django's test
    client (a fresh client each time, so nothing is cached between pages)."""
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    user = get_user_model().objects.get(username=USER)
    out = {}
    for name, path in page_list:
        counted = {}
        # "queries": the page computed (results cache off); "queries_cached": served from the
        # results cache (indicators/data_version.py), as the timed requests mostly are
        for key, cache_on in (("queries", False), ("queries_cached", True)):
            settings.RESULTS_CACHE = cache_on
            client = Client()
            client.force_login(user)
            client.get(path)  # first request fills per-process caches (templates, results)
            with CaptureQueriesContext(connection) as ctx:
                response = client.get(path)
            counted[key] = len(ctx.captured_queries)
        settings.RESULTS_CACHE = True
        out[name] = {"status": response.status_code, **counted}
    return out


def overview_sql(repeat: int = 15) -> dict:
    """The SQL the overview issues for its content (``overview_page``: results, quarterly
    trend, demo check), captured once and replayed ``repeat`` times on a plain cursor.
    Returns the median and p95 of one replay (all its queries) in milliseconds."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from indicators import dashboard_data as pages_data
    from indicators.dashboard_forms import DashboardFilterForm, FilterChoices

    form = DashboardFilterForm({}, choices=FilterChoices.load())
    assert form.is_valid(), form.errors
    data = form.cleaned_data
    scope = pages_data.scope_for(data["level"], data["district"])
    with CaptureQueriesContext(connection) as ctx:
        pages_data.overview_page(
            form.plan, data["period"], scope, cumulative=data["mode"], query=form.query()
        )
    statements = [q["sql"] for q in ctx.captured_queries]
    times = []
    with connection.cursor() as cursor:
        for _ in range(repeat + 2):
            t0 = time.perf_counter()
            for sql in statements:
                cursor.execute(sql)
                cursor.fetchall()
            times.append((time.perf_counter() - t0) * 1000)
    times = sorted(times[2:])  # the first two warm the cache
    return {
        "queries": len(statements),
        "median_ms": round(statistics.median(times), 2),
        "p95_ms": round(times[max(0, int(len(times) * 0.95) - 1)], 2),
        "period": data["period"].code,
    }


# --- gunicorn ---------------------------------------------------------------------------------


def production_env(static_root: Path) -> dict:
    env = dict(os.environ)
    env.update(
        DJANGO_ENV="production",
        SECRET_KEY="bench-only-secret-key-not-for-real-use-" + "x" * 30,
        ALLOWED_HOSTS=HOST,
        SECURE_SSL_REDIRECT="false",
        STATIC_ROOT=str(static_root),
        DJANGO_SETTINGS_MODULE="reform_plan.settings",
    )
    return env


def collectstatic(static_root: Path) -> None:
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=production_env(static_root),
        check=True,
    )


@contextmanager
def gunicorn(static_root: Path, log_path: Path):
    """gunicorn in production mode on 127.0.0.1:PORT; stopped (by its own pid) on exit.
    Static files are collected again first: the code (and its templates' static files) may
    have changed since the run started."""
    collectstatic(static_root)
    log = log_path.open("ab")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "reform_plan.wsgi",
            "--workers",
            str(WORKERS),
            "--bind",
            f"{HOST}:{PORT}",
            "--timeout",
            "120",
            "--error-logfile",
            "-",
        ],
        cwd=ROOT,
        env=production_env(static_root),
        stdout=log,
        stderr=log,
    )
    try:
        deadline = time.time() + 60
        while True:
            try:
                socket.create_connection((HOST, PORT), timeout=1).close()
                break
            except OSError:
                if proc.poll() is not None or time.time() > deadline:
                    raise RuntimeError(f"gunicorn did not start; see {log_path}") from None
                time.sleep(0.3)
        yield proc
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def login(username: str = USER, password: str = PASSWORD) -> str:
    """Log in through the real form (GET for the CSRF token, POST) and return the Cookie
    header value that carries the session."""
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"{BASE_URL}/dang-nhap/", timeout=30).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    body = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": token, "username": username, "password": password}
    ).encode()
    # Cookies are Secure in production; the jar would not send them back over http, so pass
    # them by hand.
    cookies = {c.name: c.value for c in jar}
    request = urllib.request.Request(
        f"{BASE_URL}/dang-nhap/",
        data=body,
        headers={"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())},
    )

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    try:
        response = urllib.request.build_opener(NoRedirect).open(request, timeout=30)
        headers = response.headers
    except urllib.error.HTTPError as exc:  # the 302 after a successful login
        headers = exc.headers
    for value in headers.get_all("Set-Cookie") or []:
        name, _, rest = value.partition("=")
        cookies[name.strip()] = rest.split(";", 1)[0]
    if "sessionid" not in cookies:
        raise RuntimeError("login failed: no session cookie")
    return f"sessionid={cookies['sessionid']}"


def fetch(path: str, cookie: str) -> tuple[int, int, float]:
    """(status, body bytes, seconds) of one GET."""
    request = urllib.request.Request(BASE_URL + path, headers={"Cookie": cookie})
    t0 = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            body = response.read()
            return response.status, len(body), time.perf_counter() - t0
    except urllib.error.HTTPError as exc:
        return exc.code, 0, time.perf_counter() - t0


def wrk(path: str, cookie: str, connections: int, seconds: float) -> dict:
    """Run wrk against one page; latencies in ms."""
    threads = min(connections, 2)
    cmd = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{seconds}s",
        "--timeout",
        "60s",
        "-s",
        str(BENCH_DIR / "report.lua"),
        "-H",
        f"Cookie: {cookie}",
        "-H",
        "Accept-Encoding: gzip, br",
        BASE_URL + path,
    ]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    line = next(line for line in out.splitlines() if line.startswith("{"))
    raw = json.loads(line)
    errors = sum(
        raw[k]
        for k in ("connect_errors", "read_errors", "write_errors", "status_errors", "timeouts")
    )
    duration = raw["duration_us"] / 1e6
    return {
        "median_ms": round(raw["p50_us"] / 1000, 1),
        "p95_ms": round(raw["p95_us"] / 1000, 1),
        "rps": round(raw["requests"] / duration, 2) if duration else 0.0,
        "requests": raw["requests"],
        "errors": errors,
    }
