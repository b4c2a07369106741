"""The printable report in real Chromium, with print media emulated."""

import io

import pytest
from django.contrib.auth.models import User

from tests.conftest import login_in_browser

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# A4 portrait minus 2 cm margins on each side: 17 cm at 96 px per inch.
PRINTABLE_WIDTH_PX = round(17 / 2.54 * 96)


def login(page, live_server, username):
    login_in_browser(page, live_server, username)


@pytest.fixture
def committee_with_figures(committee, measure):
    measure("ho_so_dung_han", "STP", "2021-Q1", 95, 100, note="Giải trình thử")
    measure("hai_long_ket_qua", "STP", "2021-Q1", 99, 100)
    return committee


def test_print_view_has_no_navigation_and_fits_a4(page, live_server, committee_with_figures):
    login(page, live_server, "bancd")
    page.set_viewport_size({"width": PRINTABLE_WIDTH_PX, "height": 1000})
    page.goto(f"{live_server.url}/bao-cao/?period=2021-Q1&annex=on")
    assert page.locator(".site-header").is_visible()
    assert page.locator(".report-toolbar").is_visible()

    page.emulate_media(media="print")
    assert not page.locator(".site-header").is_visible()
    assert not page.locator(".report-toolbar").is_visible()
    assert not page.get_by_role("button", name="In báo cáo").is_visible()
    assert page.get_by_text("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM").is_visible()
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"the printed page is {overflow}px wider than A4's printable width"
    font = page.evaluate("() => getComputedStyle(document.querySelector('.report-doc')).fontFamily")
    assert "Times New Roman" in font

    from pypdf import PdfReader

    pdf = PdfReader(io.BytesIO(page.pdf(format="A4", prefer_css_page_size=True)))
    first = pdf.pages[0]
    assert (round(float(first.mediabox.width)), round(float(first.mediabox.height))) == (595, 842)
    text = " ".join(first.extract_text().split())
    assert "BÁO CÁO" in text and "Đăng xuất" not in text


def test_leader_cannot_open_the_report(page, live_server, leader):
    login(page, live_server, "lanhdao")
    response = page.goto(f"{live_server.url}/bao-cao/")
    assert response.status == 403
    assert User.objects.get(username="lanhdao")
