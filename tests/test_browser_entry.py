"""Data entry in real Chromium (issue #4): keyboard entry with live validation, approval by a
colleague, the grid, and the Excel round trip."""

import re

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


GRID_883 = f"/nhap-lieu/bang/{Q2}/ho_so_dung_han/?level=xa&district=883"


def retype(page, value):
    page.keyboard.press("Control+A")
    page.keyboard.type(value)


def test_grid_sent_row_edited_by_keyboard_stays_sent_and_says_so(page, live_server, staff, measure):
    """Tab leaves a sent row through its status link and saves it; Enter saves the next."""
    measure("ho_so_dung_han", "30280", Q2, 40, 50)
    login_in_browser(page, live_server, "chuyenvien")
    page.goto(live_server.url + GRID_883)
    row = page.locator("#grow-30280")
    expect(row).to_contain_text("Sửa sẽ gửi lại Sở Nội vụ")  # said before the edit
    page.focus("#id_30280-numerator")
    retype(page, "45")
    expect(row).to_contain_text("Chưa lưu")
    page.keyboard.press("Tab")
    retype(page, "50")
    page.keyboard.press("Tab")  # the status link, still in the row: nothing saved yet
    assert page.evaluate("document.activeElement.textContent") == "Đã gửi"
    assert figure("30280").numerator == 40
    page.keyboard.press("Tab")  # into the next row
    expect(row.locator(".saved-mark")).to_have_text("✓ Đã gửi lại")
    expect(row).not_to_contain_text("Chưa lưu")
    m = figure("30280")
    assert (m.numerator, m.denominator, m.status) == (45, 50, "submitted")
    # Enter from the last field of a row saves it too
    page.focus("#id_30283-numerator")
    for value in ["30", "40"]:
        page.keyboard.type(value)
        page.keyboard.press("Enter")
    expect(page.locator("#grow-30283 .saved-mark")).to_have_text("✓ Đã lưu nháp")
    assert figure("30283").status == "draft"
    # Tab from the last row to the buttons below the table saves it too
    last = page.locator("tr[data-grid-row]").last
    last.locator("input").nth(1).focus()
    page.keyboard.type("7")
    last.locator("input").nth(0).focus()
    page.keyboard.type("7")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Lưu các dòng đã sửa")).to_be_focused()
    expect(last.locator(".saved-mark")).to_have_text("✓ Đã lưu nháp")


def test_grid_value_typed_while_the_row_is_saved_is_kept(page, live_server, staff, measure):
    """The answer to a save must not replace what was typed in the row meanwhile."""
    measure("ho_so_dung_han", "30283", Q2, 30, 40, status="draft")
    login_in_browser(page, live_server, "chuyenvien")
    page.goto(live_server.url + GRID_883)
    held = []
    page.route("**/30283/?level=xa*", lambda route: held.append(route))
    page.focus("#id_30283-numerator")
    retype(page, "35")
    for _ in range(3):  # the denominator, the status link, the next row: the save is sent
        page.keyboard.press("Tab")
    expect(page.locator("#grow-30283")).to_have_class(re.compile("htmx-request"))
    page.focus("#id_30283-numerator")  # back into it while the save is held
    retype(page, "36")
    held[0].continue_()
    page.unroute("**/30283/?level=xa*")
    row = page.locator("#grow-30283")
    expect(row.locator("input[name='30283-version']")).to_have_value("2")  # the answer is in
    expect(row).to_contain_text("Chưa lưu")
    expect(page.locator("#id_30283-numerator")).to_have_value("36")
    assert figure("30283").numerator == 35  # the first save arrived
    expect(page.locator("#id_30283-numerator")).to_be_focused()
    for _ in range(3):  # leaving again saves the value typed meanwhile
        page.keyboard.press("Tab")
    expect(row.locator(".saved-mark")).to_have_text("✓ Đã lưu nháp")
    assert (figure("30283").numerator, figure("30283").version) == (36, 3)


def test_grid_refused_rows_stay_unsaved_and_leaving_the_page_warns(page, live_server, staff):
    login_in_browser(page, live_server, "chuyenvien")
    page.goto(live_server.url + GRID_883)
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.type), d.dismiss()))
    # refused by the rules: the row keeps its values and says it is not saved
    page.focus("#id_30280-numerator")
    page.keyboard.type("9")
    page.keyboard.press("Tab")
    page.keyboard.type("5")
    page.keyboard.press("Tab")
    row = page.locator("#grow-30280")
    expect(row).to_contain_text("Tử số không được lớn hơn mẫu số")
    expect(row).to_contain_text("Chưa lưu")
    expect(page.locator("#id_30280-numerator")).to_have_value("9")
    # refused by the server (500): nothing swapped, the row says it is not saved
    page.route("**/30283/?level=xa*", lambda route: route.fulfill(status=500, body="x"))
    page.focus("#id_30283-numerator")
    page.keyboard.type("3")
    page.keyboard.press("Tab")
    page.keyboard.type("4")
    page.keyboard.press("Tab")
    expect(page.locator("#request-error")).to_be_visible()
    expect(page.locator("#grow-30283")).to_contain_text("Chưa lưu")
    page.get_by_role("link", name="Nhập số liệu").first.click()
    page.wait_for_timeout(300)
    assert dialogs == ["beforeunload"]
    assert "/nhap-lieu/bang/" in page.url  # stayed, values kept
    expect(page.locator("#id_30283-numerator")).to_have_value("3")
    page.get_by_role("button", name="Xem").click()  # the filters leave the page too
    page.wait_for_timeout(300)
    assert dialogs == ["beforeunload"] * 2
    # posting the whole table takes the values along: no question; refused, all kept
    page.unroute("**/30283/?level=xa*")
    page.get_by_role("button", name="Lưu các dòng đã sửa").click()
    expect(page.locator("main")).to_contain_text("Chưa lưu gì")
    assert dialogs == ["beforeunload"] * 2
    expect(page.locator("#id_30280-numerator")).to_have_value("9")
    expect(page.locator("#id_30283-numerator")).to_have_value("3")
    expect(page.locator("#grow-30283")).to_contain_text("Chưa lưu")
    assert not Measurement.objects.exists()


def test_entry_form_warns_before_leaving_unsaved_values(page, live_server, staff):
    login_in_browser(page, live_server, "chuyenvien")
    page.goto(f"{live_server.url}/nhap-lieu/{Q2}/STP/")
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.type), d.dismiss()))
    note = page.locator("#missing-note")
    total = page.locator("#missing-note [data-missing]").count()
    summary = page.locator("#missing-summary")  # beside the buttons
    expect(note.locator("[data-missing-count]")).to_have_text(str(total))
    expect(summary).to_have_text(f"Còn {total}/{total} chỉ tiêu chưa nhập")
    page.fill("#id_ho_so_dung_han-numerator", "90")
    expect(note.locator("[data-missing-count]")).to_have_text(str(total - 1))
    expect(summary).to_have_text(f"Còn {total - 1}/{total} chỉ tiêu chưa nhập")
    expect(note.locator("[data-missing='ho_so_dung_han']")).to_be_hidden()
    page.fill("#id_ho_so_dung_han-denominator", "100")
    page.locator(".period-links a").first.click()
    page.wait_for_timeout(300)
    assert dialogs == ["beforeunload"] and "/2021-Q2/STP/" in page.url
    page.get_by_role("button", name="Lưu nháp").click()
    expect(page.locator("#entry-sheet .message")).to_contain_text("Đã lưu nháp 1 số liệu.")
    expect(page.locator("#missing-note")).to_contain_text(f"Còn {total - 1}/")
    page.locator(".period-links a").first.click()  # saved: no question
    page.wait_for_url("**/2021-Q1/STP/")
    assert dialogs == ["beforeunload"]
    assert figure("STP").numerator == 90


WATCH_CSP = """
window.cspViolations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.cspViolations.push(e.violatedDirective + " " + (e.blockedURI || "inline"));
});
"""


def test_entry_form_saves_with_htmx_without_csp_errors(page, live_server, staff):
    """A note resized by its corner has a style attribute; htmx must not copy it onto the
    swapped sheet (the CSP refuses style attributes)."""
    console = []
    page.on("console", lambda m: console.append(f"{m.type}: {m.text}"))
    page.add_init_script(WATCH_CSP)
    login_in_browser(page, live_server, "chuyenvien")
    page.goto(f"{live_server.url}/nhap-lieu/{Q2}/STP/")
    page.fill("#id_ho_so_dung_han-numerator", "90")
    page.fill("#id_ho_so_dung_han-denominator", "100")
    note = page.locator("#id_ho_so_dung_han-note")
    note.fill("Quý II có nhiều hồ sơ đất đai")
    box = note.bounding_box()
    page.mouse.move(box["x"] + box["width"] - 3, box["y"] + box["height"] - 3)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] - 3, box["y"] + box["height"] + 60, steps=4)
    page.mouse.up()
    assert "height" in (note.get_attribute("style") or "")  # resized by the user
    page.get_by_role("button", name="Lưu nháp").click()
    expect(page.locator("#entry-sheet .message")).to_contain_text("Đã lưu nháp")
    page.get_by_role("button", name="Gửi", exact=True).click()
    expect(page.locator("#entry-sheet .message")).to_contain_text("Đã gửi 1 số liệu")
    page.wait_for_timeout(100)  # past htmx's settle
    assert page.evaluate("window.cspViolations") == []
    assert [m for m in console if m.startswith("error")] == []
