"""The overview in headless Chromium: bytes on the wire and the time until the last chart is
drawn, each load in a fresh browser context (empty cache)."""

from __future__ import annotations

import shutil
import statistics

from bench.measure import BASE_URL, HOST

# Every chart container holds Plotly's SVG once drawn.
ALL_DRAWN = """() => {
  const charts = [...document.querySelectorAll('[data-figure]')];
  return charts.length > 0 && charts.every(c => c.querySelector('.main-svg'));
}"""


def chromium_path() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def overview_load(cookie: str, runs: int = 5) -> dict:
    """Median of ``runs`` cold loads of the overview: transferred bytes (compressed, as the
    network saw them, headers included) and milliseconds from navigation start until every
    chart is drawn."""
    executable = chromium_path()
    if executable is None:
        return {"skipped": "no chromium"}
    from playwright.sync_api import sync_playwright

    name, _, value = cookie.partition("=")
    loads = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        try:
            for _ in range(runs + 1):
                context = browser.new_context(viewport={"width": 1366, "height": 900})
                context.add_cookies([{"name": name, "value": value, "domain": HOST, "path": "/"}])
                page = context.new_page()
                cdp = context.new_cdp_session(page)
                cdp.send("Network.enable")
                sizes = {}
                cdp.on(
                    "Network.loadingFinished",
                    lambda e, sizes=sizes: sizes.__setitem__(
                        e["requestId"], e["encodedDataLength"]
                    ),
                )
                urls = {}
                cdp.on(
                    "Network.responseReceived",
                    lambda e, urls=urls: urls.__setitem__(e["requestId"], e["response"]["url"]),
                )
                page.goto(BASE_URL + "/", wait_until="commit")
                page.wait_for_function(ALL_DRAWN, polling="raf", timeout=60_000)
                drawn_ms = page.evaluate("() => performance.now()")
                charts = page.evaluate("() => document.querySelectorAll('[data-figure]').length")
                page.wait_for_load_state("networkidle")
                by_url = {urls.get(k, k): v for k, v in sizes.items()}
                loads.append(
                    {
                        "bytes": sum(sizes.values()),
                        "drawn_ms": drawn_ms,
                        "charts": charts,
                        "by_url": by_url,
                    }
                )
                context.close()
        finally:
            browser.close()
    loads = loads[1:]  # the first load starts the browser's own caches (DNS, fonts, etc.)
    return {
        "bytes": int(statistics.median(x["bytes"] for x in loads)),
        "last_chart_ms": round(statistics.median(x["drawn_ms"] for x in loads)),
        "charts": loads[-1]["charts"],
        "resources": {
            url.replace(BASE_URL, ""): size for url, size in sorted(loads[-1]["by_url"].items())
        },
        "runs": runs,
    }
