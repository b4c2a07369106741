"""The Excel upload in real Chromium: a template of sent figures goes back unchanged and
changes nothing; one corrected value is previewed with its status and stays sent."""

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from indicators.models import Agency, Measurement, Period
from targets.models import Indicator
from tests.conftest import login_in_browser

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
Q2 = "2021-Q2"
CODES = ["ho_so_dung_han", "hai_long_ket_qua", "hai_long_phuc_vu"]


@pytest.fixture(autouse=True)
def fast_passwords(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"


def sent():
    return sorted(
        Measurement.objects.filter(agency__code="STP").values_list(
            "indicator__code", "numerator", "status", "version"
        )
    )


def test_an_unchanged_template_keeps_figures_sent_and_a_correction_is_sent_again(
    page, live_server, officer_a, tmp_path
):
    for n, code in enumerate(CODES):
        Measurement.objects.create(
            indicator=Indicator.objects.get(code=code),
            agency=Agency.objects.get(code="STP"),
            period=Period.objects.get(code=Q2),
            numerator=40 + n,
            denominator=50,
            status="submitted",
            is_demo=True,  # as the demo figures the report's tester met
        )
    before = sent()
    login_in_browser(page, live_server, "canbo.stp")
    page.goto(f"{live_server.url}/nhap-lieu/excel/")
    page.select_option("#id_period", Q2)
    page.fill("#id_agency", "STP")
    with page.expect_download() as info:
        page.get_by_role("button", name="Tải mẫu (.xlsx)").click()
    path = tmp_path / "mau.xlsx"
    info.value.save_as(path)
    statuses = [row[12].value for row in load_workbook(path).worksheets[0].iter_rows(min_row=2)]
    assert statuses.count("Đã gửi") == len(CODES)

    # Uploaded back unchanged, "Gửi luôn" left unticked: nothing changes.
    expect(page.locator("#id_submit")).not_to_be_checked()
    page.set_input_files("#id_file", str(path))
    page.get_by_role("button", name="Tải lên và xem trước").click()
    expect(page.locator(".lead")).to_contain_text("0 số liệu sẽ thay đổi")
    expect(page.get_by_text("Không có số liệu nào thay đổi")).to_be_visible()
    expect(page.get_by_role("button", name="Xác nhận nhập")).to_have_count(0)
    assert sent() == before

    # One value corrected in the workbook: the preview shows that one change and its status.
    book = load_workbook(path)
    for row in book.worksheets[0].iter_rows(min_row=2):
        if row[2].value == "hai_long_ket_qua":
            assert (row[3].value, row[4].value) == (41, 50)
            row[3].value = 45
    book.save(path)
    page.get_by_role("link", name="Quay lại").click()
    page.set_input_files("#id_file", str(path))
    page.get_by_role("button", name="Tải lên và xem trước").click()
    expect(page.locator(".lead")).to_contain_text("1 số liệu sẽ thay đổi")
    changes = page.locator("#import-changes tbody tr")
    expect(changes).to_have_count(1)
    expect(changes).to_contain_text("41 / 50")
    expect(changes).to_contain_text("45 / 50")
    expect(changes).to_contain_text("Đã gửi → Đã gửi (gửi lại số đã sửa)")
    assert sent() == before  # nothing written before confirming

    page.get_by_role("button", name="Xác nhận nhập").click()
    expect(page.locator(".messages")).to_contain_text(
        "Đã nhập 1 số liệu thay đổi (1 đã gửi, trong đó 1 số đã gửi được sửa và gửi lại"
    )
    m = Measurement.objects.get(agency__code="STP", indicator__code="hai_long_ket_qua")
    assert (m.numerator, m.status, m.version) == (45, "submitted", 2)
    assert [f for f in sent() if f[0] != "hai_long_ket_qua"] == [
        f for f in before if f[0] != "hai_long_ket_qua"
    ]
