"""The overview in real Chromium: Plotly charts drawn without console errors, htmx period
swaps that update the URL, the back button, and an axe-core accessibility scan."""

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.conftest import PASSWORD, make_user

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def signed_in(live_server, page, measure):
    """A leader signed in, with figures for two quarters (so the overview opens on Q2)."""
    make_user("lanhdao.browser", "Lãnh đạo")
    for quarter, (num, den) in {1: (98, 100), 2: (180, 200)}.items():
        measure("ho_so_dung_han", "STP", f"2021-Q{quarter}", num, den)
        measure("ho_so_dung_han", "883", f"2021-Q{quarter}", num * 5, den * 5)
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{live_server.url}/dang-nhap/")
    page.fill("input[name=username]", "lanhdao.browser")
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    errors.clear()  # only the dashboards' own errors count from here on
    page.errors = errors
    return page


def charts_drawn(page) -> tuple[int, int]:
    """Wait until plotly.js has drawn every figure the page carries; (wanted, drawn)."""
    page.wait_for_function(
        "document.querySelectorAll('[data-figure]').length > 0 &&"
        " document.querySelectorAll('[data-figure].js-plotly-plot .main-svg').length > 0 &&"
        " document.querySelectorAll('[data-figure].js-plotly-plot').length"
        " === document.querySelectorAll('[data-figure]').length"
    )
    wanted = page.locator("[data-figure]").count()
    drawn = page.locator("[data-figure].js-plotly-plot").count()
    return wanted, drawn


def test_overview_draws_every_chart_without_console_errors(signed_in):
    page = signed_in
    assert "6 tháng đầu năm 2021" in page.inner_text("#dashboard-body")
    wanted, drawn = charts_drawn(page)
    assert wanted >= 2 and drawn == wanted
    # Vietnamese separators on the axis: "98,5%"-style numbers, never "98.5%"
    ticks = page.eval_on_selector_all(
        "[data-figure] .xtick text", "nodes => nodes.map(n => n.textContent)"
    )
    assert "100%" in ticks and not any("." in t for t in ticks)
    assert page.errors == []


def test_period_change_swaps_cards_updates_url_and_back_restores(signed_in, live_server):
    page = signed_in
    page.evaluate("window.notReloaded = true")
    page.select_option("#id_period", "2021-Q1")
    page.wait_for_url("**/?period=2021-Q1*")
    page.wait_for_function(
        "document.querySelector('#dashboard-body .lead').textContent.includes('Quý I/2021')"
    )
    assert page.evaluate("window.notReloaded") is True  # swapped by htmx, not reloaded
    assert "98,0%" in page.inner_text("#dashboard-body")  # Q1: 98/100 and 490/500
    wanted, drawn = charts_drawn(page)
    assert drawn == wanted

    page.go_back()
    page.wait_for_function(
        "document.querySelector('#dashboard-body .lead').textContent.includes('6 tháng đầu năm')"
    )
    assert "period=2021-Q1" not in page.url
    assert page.locator("#id_period").input_value() == "2021-Q2"
    wanted, drawn = charts_drawn(page)
    assert drawn == wanted
    assert page.errors == []


def test_overview_has_no_serious_accessibility_violations(signed_in):
    page = signed_in
    charts_drawn(page)
    results = Axe().run(page)
    serious = [
        (v["id"], v["help"], [(n["target"], n["failureSummary"][-120:]) for n in v["nodes"]][:3])
        for v in results.response["violations"]
        if v["impact"] in {"serious", "critical"}
    ]
    assert serious == []


def test_target_page_has_no_serious_accessibility_violations(signed_in, live_server):
    page = signed_in
    page.goto(f"{live_server.url}/chi-tieu/ho_so_dung_han/?period=2021-Q2")
    charts_drawn(page)
    results = Axe().run(page)
    serious = [
        v["id"] for v in results.response["violations"] if v["impact"] in {"serious", "critical"}
    ]
    assert serious == []
    assert page.errors == []
