"""Data entry in real Chromium (issue #4): keyboard entry with live validation, approval by a
colleague, the grid, and the Excel round trip."""

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from indicators import roles
from indicators.models import Measurement
from tests.conftest import login_in_browser, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
Q2 = "2021-Q2"


@pytest.fixture(autouse=True)
def fast_passwords(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"


def figure(agency, indicator="ho_so_dung_han"):
    return Measurement.objects.get(agency__code=agency, indicator__code=indicator, period__code=Q2)


def test_staff_enters_by_keyboard_fixes_an_error_submits_and_a_colleague_approves(
    page, live_server, staff, browser
):
    login_in_browser(page, live_server, "chuyenvien")
    page.goto(f"{live_server.url}/nhap-lieu/?period={Q2}")
    page.fill("#id_q", "Tư pháp")  # live search (htmx)
    expect(page.locator("#agency-list tbody tr")).to_have_count(1)
    page.locator("#agency-list").get_by_role("link", name="Nhập số liệu").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Sở Tư pháp")

    page.focus("#id_ho_so_dung_han-numerator")
    page.keyboard.type("1.234")
    page.keyboard.press("Tab")
    page.keyboard.type("1.200")
    error = page.locator("#err-ho_so_dung_han-numerator")
    expect(error).to_contain_text("Tử số không được lớn hơn mẫu số")
    expect(page.locator("#id_ho_so_dung_han-numerator")).to_have_attribute("aria-invalid", "true")
    page.keyboard.press("Control+A")
    page.keyboard.type("1.300")
    expect(error).to_be_empty()
    result = page.locator("#result-ho_so_dung_han")
    expect(result).to_contain_text("94,9%")
    expect(result).to_contain_text("Chưa đạt")
    page.keyboard.press("Tab")  # the note
    page.keyboard.type("Quý II có nhiều hồ sơ đất đai")
    page.get_by_role("button", name="Gửi", exact=True).focus()
    page.keyboard.press("Enter")
    expect(page.locator("#entry-sheet .message")).to_contain_text("Đã gửi 1 số liệu")
    m = figure("STP")
    assert (m.numerator, m.denominator, m.status) == (1234, 1300, "submitted")

    make_user("chuyenvien2", roles.STAFF)
    other = browser.new_context().new_page()
    login_in_browser(other, live_server, "chuyenvien2")
    other.goto(f"{live_server.url}/nhap-lieu/so-lieu/{m.pk}/")
    expect(other.get_by_text("Quý II có nhiều hồ sơ đất đai", exact=True)).to_be_visible()
    other.get_by_role("button", name="Duyệt", exact=True).click()
    expect(other.locator("#figure .message")).to_contain_text("Đã duyệt số liệu")
    m.refresh_from_db()
    assert m.status == "approved"
    page.reload()
    expect(page.locator("#id_ho_so_dung_han-numerator")).to_be_disabled()


def test_grid_is_filled_for_several_communes_by_keyboard(page, live_server, staff):
    login_in_browser(page, live_server, "chuyenvien")
    page.goto(f"{live_server.url}/nhap-lieu/bang/{Q2}/ho_so_dung_han/?level=xa&district=883")
    page.focus("#id_30280-numerator")
    for value in ["49", "50", "30", "40", "10", "10"]:
        page.keyboard.type(value)
        page.keyboard.press("Enter")
    expect(page.locator("#grow-30280")).to_contain_text("98,0%")
    expect(page.locator("#grow-30283")).to_contain_text("75,0%")
    expect(page.locator("#grow-30285 .saved-mark")).to_be_visible()
    expect(page.locator("#grow-30280")).to_contain_text("Nháp")
    assert (figure("30283").numerator, figure("30283").denominator) == (30, 40)
    # an error stays on its row and nothing is saved for it
    page.focus("#id_30286-numerator")
    page.keyboard.type("9")
    page.keyboard.press("Enter")
    page.keyboard.type("5")
    page.keyboard.press("Tab")
    expect(page.locator("#grow-30286")).to_contain_text("Tử số không được lớn hơn mẫu số")
    assert not Measurement.objects.filter(agency__code="30286").exists()


def test_excel_round_trip(page, live_server, staff, measure, tmp_path):
    measure("ho_so_dung_han", "STP", Q2, 90, 100, status="draft")
    login_in_browser(page, live_server, "chuyenvien")
    page.goto(f"{live_server.url}/nhap-lieu/excel/")
    page.select_option("#id_period", Q2)
    page.fill("#id_agency", "STP")
    with page.expect_download() as info:
        page.get_by_role("button", name="Tải mẫu (.xlsx)").click()
    path = tmp_path / "mau.xlsx"
    info.value.save_as(path)

    book = load_workbook(path)
    sheet = book.worksheets[0]
    for row in sheet.iter_rows(min_row=2):
        if row[2].value == "ho_so_dung_han":
            assert (row[3].value, row[4].value) == (90, 100)
            row[3].value = 97
        if row[2].value == "hai_long_ket_qua":
            row[3].value, row[4].value = 45, 50
    book.save(path)

    page.set_input_files("#id_file", str(path))
    page.get_by_role("button", name="Tải lên và xem trước").click()
    changes = page.locator("#import-changes")
    expect(changes).to_contain_text("90 / 100")
    expect(changes).to_contain_text("97 / 100")
    expect(changes).to_contain_text("45 / 50")
    assert figure("STP").numerator == 90  # nothing written before confirming
    page.get_by_role("button", name="Xác nhận nhập").click()
    expect(page.locator(".messages")).to_contain_text("Đã nhập 2 số liệu")
    assert figure("STP").numerator == 97
    assert figure("STP", "hai_long_ket_qua").numerator == 45
