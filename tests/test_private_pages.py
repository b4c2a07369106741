"""Signed-in pages are never stored by the browser: Back after logging out on a shared office
computer shows the login page, not the previous user's page.

Every response to a signed-in user says ``Cache-Control: private, no-store`` (downloads too,
which still download); every response says ``Vary: HX-Request``, since many views answer an
htmx request with a fragment and a plain request with the whole page. The login form keeps
working; static files keep their long cache lifetime.
"""

import sys
from types import SimpleNamespace

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from playwright.sync_api import expect

from indicators.models import Evidence
from tests.conftest import login_in_browser

SIGNED_IN_PAGES = [
    reverse("home"),
    reverse("plan-detail"),
    reverse("entry-start"),
    reverse("entry-form", args=["2021-Q1", "STP"]),
    reverse("completeness"),
    reverse("entry-history"),
    reverse("report"),
    "/doi-mat-khau/",
    "/khong-co-trang-nay/",  # the 404 page of a signed-in user is theirs too
]
# Views that answer htmx with a fragment of the page.
HTMX_PAGES = [
    reverse("entry-start"),
    reverse("entry-form", args=["2021-Q1", "STP"]),
    reverse("completeness"),
    reverse("entry-history"),
    reverse("dashboard-agency", args=["STP"]),
]


@pytest.fixture(autouse=True)
def _fast_passwords(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"


def cache_control(response) -> set[str]:
    return {part.strip() for part in response.get("Cache-Control", "").split(",") if part}


def vary(response) -> set[str]:
    return {part.strip().lower() for part in response.get("Vary", "").split(",") if part}


@pytest.mark.parametrize("url", SIGNED_IN_PAGES)
def test_every_signed_in_page_is_private_and_not_stored(client, staff, url):
    client.force_login(staff)
    response = client.get(url)
    assert response.status_code in (200, 404), url
    assert {"private", "no-store"} <= cache_control(response), response.get("Cache-Control")
    assert "public" not in cache_control(response)


@pytest.mark.parametrize("url", HTMX_PAGES)
def test_pages_that_answer_htmx_differently_vary_on_it(client, staff, url):
    client.force_login(staff)
    full = client.get(url)
    fragment = client.get(url, HTTP_HX_REQUEST="true")
    assert full.status_code == fragment.status_code == 200
    assert "<html" in full.content.decode() and "<html" not in fragment.content.decode()
    for response in (full, fragment):
        assert "hx-request" in vary(response), url
        assert "no-store" in cache_control(response)


def test_the_login_page_still_works(client, staff):
    """Anonymous pages pass through the middleware untouched (Django's LoginView already
    marks itself never-cache); the form shows and answers."""
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert 'name="username"' in response.content.decode()
    assert "hx-request" in vary(response)
    wrong = client.post(reverse("login"), {"username": "chuyenvien", "password": "x"})
    assert wrong.status_code == 200  # the form again, with its message
    assert "_auth_user_id" not in client.session


def test_logging_in_and_out_follow_the_user(client, staff):
    from tests.conftest import PASSWORD

    response = client.post(reverse("login"), {"username": "chuyenvien", "password": PASSWORD})
    assert response.status_code == 302
    assert "no-store" in cache_control(response)  # the response that signs them in
    out = client.post(reverse("logout"))
    assert out.status_code == 302
    assert client.get(reverse("plan-detail")).status_code == 302  # to the login page


class _Pdf:
    def __init__(self, *args, **kwargs):
        pass

    def write_pdf(self, *args, **kwargs):
        return b"%PDF-1.7 stub"


def test_downloads_still_download_and_are_not_stored(client, staff, measure, monkeypatch):
    monkeypatch.setitem(sys.modules, "weasyprint", SimpleNamespace(HTML=_Pdf, CSS=_Pdf))
    figure = measure("ho_so_dung_han", "STP", "2021-Q1", 98, 100)
    evidence = Evidence.objects.create(
        measurement=figure,
        file=ContentFile(b"%PDF-1.4 minh chung", name="minh-chung.pdf"),
        original_name="minh-chung.pdf",
        size=19,
        content_type="application/pdf",
    )
    client.force_login(staff)
    downloads = [
        reverse("completeness-xlsx"),
        reverse("report-excel") + "?period=2021-Q1",
        reverse("report-pdf") + "?period=2021-Q1",
        reverse("evidence-download", args=[evidence.pk]),
        reverse("home") + "?period=2021-Q1&csv=ty-le",
    ]
    for url in downloads:
        response = client.get(url)
        assert response.status_code == 200, url
        body = b"".join(response) if response.streaming else response.content
        assert body, url
        assert {"private", "no-store"} <= cache_control(response), url
        if "csv=" not in url:
            assert response["Content-Disposition"].startswith(("attachment", "inline")), url


def test_static_files_keep_their_cache_lifetime_for_signed_in_users(client, staff):
    client.force_login(staff)
    response = client.get("/static/css/app.css")
    assert response.status_code == 200
    assert "no-store" not in cache_control(response)
    assert any(part.startswith("max-age=") for part in cache_control(response))


# --- Back after logout, in real Chromium -----------------------------------------------------


@pytest.fixture
def page_with_back_cache(browser_type, browser_type_launch_args):
    """A page in a Chromium that keeps its back/forward cache, as people's browsers do
    (Playwright turns it off by default): Back may then restore the previous page whole from
    memory, unless the page said ``no-store``."""
    browser = browser_type.launch(
        **browser_type_launch_args, ignore_default_args=["--disable-back-forward-cache"]
    )
    try:
        yield browser.new_context().new_page()
    finally:
        browser.close()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_back_after_logout_does_not_show_the_previous_page(
    page_with_back_cache, live_server, staff
):
    """A Sở Nội vụ official opens a page, logs out on a shared computer and walks away; the
    next person presses Back. The browser must ask the server again (which sends them to the
    login page) instead of showing the official's page from its caches."""
    page = page_with_back_cache
    login_in_browser(page, live_server, "chuyenvien")
    page.goto(f"{live_server.url}{reverse('entry-start')}")
    expect(page.locator(".user-name")).to_have_text("chuyenvien")
    page.get_by_role("button", name="Đăng xuất").click()
    expect(page).to_have_url(f"{live_server.url}{reverse('login')}")
    # a page restored from the back/forward cache fires no "load": wait only for the commit
    page.go_back(wait_until="commit", timeout=10_000)
    page.wait_for_timeout(500)
    assert "/dang-nhap/" in page.url, f"Back showed {page.url} again"
    expect(page.get_by_role("heading", level=1)).to_have_text("Đăng nhập")
    expect(page.locator(".user-name")).to_have_count(0)
    expect(page.get_by_text("chuyenvien")).to_have_count(0)
