"""The Content-Security-Policy in real Chromium: the overview, a target page, the entry form
with its live htmx check, and the report load with zero CSP violations and their charts drawn;
the lockout page looks right on a phone and on a desktop."""

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD, login_in_browser
from tests.test_browser_dashboards import charts_drawn

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

WATCH_CSP = """
window.cspViolations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.cspViolations.push(e.violatedDirective + " " + (e.blockedURI || "inline"));
});
"""


@pytest.fixture
def watched(page, settings):
    """A page that records console messages and CSP violation events from its first script."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    page.console = []
    page.on("console", lambda m: page.console.append(f"{m.type}: {m.text}"))
    page.on("pageerror", lambda e: page.console.append(f"pageerror: {e}"))
    page.add_init_script(WATCH_CSP)
    return page


def _violations(page) -> list[str]:
    found = page.evaluate("window.cspViolations")
    found += [m for m in page.console if "Content Security Policy" in m]
    return found


def test_pages_run_under_the_csp_without_violations(watched, live_server, staff, measure):
    page = watched
    for quarter, (num, den) in {1: (98, 100), 2: (180, 200)}.items():
        measure("ho_so_dung_han", "STP", f"2021-Q{quarter}", num, den)
        measure("ho_so_dung_han", "883", f"2021-Q{quarter}", num * 5, den * 5)
    login_in_browser(page, live_server, "chuyenvien")

    for path in ["/", "/chi-tieu/ho_so_dung_han/"]:
        page.goto(live_server.url + path)
        wanted, drawn = charts_drawn(page)
        assert wanted >= 1 and drawn == wanted, path
        page.locator("[data-figure] .nsewdrag").first.hover()  # hover labels: more styles
        assert _violations(page) == [], path

    page.goto(f"{live_server.url}/nhap-lieu/2021-Q3/STP/")
    page.fill("#id_ho_so_dung_han-numerator", "120")
    page.fill("#id_ho_so_dung_han-denominator", "100")  # the live check answers (htmx)
    expect(page.locator("#err-ho_so_dung_han-numerator")).to_contain_text("không được lớn hơn")
    assert _violations(page) == []

    page.goto(f"{live_server.url}/bao-cao/?period=2021-Q2")
    expect(page.locator(".report-doc svg").first).to_be_visible()
    assert _violations(page) == []
    errors = [m for m in page.console if m.startswith(("error", "pageerror"))]
    assert errors == []
    # The watch itself works: an inline script is refused and reported.
    page.evaluate(
        "() => { const s = document.createElement('script');"
        " s.textContent = 'window.ranInline = true'; document.body.append(s); }"
    )
    page.wait_for_function("window.cspViolations.length > 0")
    assert page.evaluate("window.ranInline") is None
    assert _violations(page)[0].startswith("script-src")


def test_lockout_page_on_phone_and_desktop(watched, live_server, staff, tmp_path):
    page = watched
    for attempt in range(5):
        page.goto(f"{live_server.url}/dang-nhap/")
        page.fill("#id_username", "chuyenvien")
        page.fill("#id_password", f"sai-{attempt}")
        page.click(".login-card button[type=submit]")
    expect(page.get_by_role("heading", level=1)).to_have_text("Tạm khóa đăng nhập")
    for width in (390, 1366):
        page.set_viewport_size({"width": width, "height": 900})
        box = page.locator(".locked-card").bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= width  # nothing runs off screen
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        page.screenshot(path=str(tmp_path / f"lockout-{width}.png"), full_page=True)
    assert _violations(page) == []
    page.goto(f"{live_server.url}/dang-nhap/")  # still locked, even with the right password
    page.fill("#id_username", "chuyenvien")
    page.fill("#id_password", PASSWORD)
    page.click(".login-card button[type=submit]")
    expect(page.get_by_role("heading", level=1)).to_have_text("Tạm khóa đăng nhập")
