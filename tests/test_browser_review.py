"""Reviewing in real Chromium: the history refreshes after a return, and bulk approval asks
for confirmation first."""

import pytest
from playwright.sync_api import expect

from indicators import roles
from indicators.models import Measurement
from tests.conftest import login_in_browser, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
Q2 = "2021-Q2"


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_a_return_shows_its_history_row_without_reloading(page, live_server, staff, measure):
    m = measure("ho_so_dung_han", "STP", Q2, 7000, 7100)
    login_in_browser(page, live_server, "chuyenvien")
    page.goto(f"{live_server.url}/nhap-lieu/so-lieu/{m.pk}/")
    rows = page.locator("table.history-table tbody tr")
    expect(rows).to_have_count(1)
    # a marker on the window survives an htmx swap, not a page load
    page.evaluate("window.notReloaded = true")
    reason = "Mẫu số không khớp sổ theo dõi một cửa."
    page.fill("#id_reason", reason)
    page.get_by_role("button", name="Trả lại").click()
    expect(page.locator("#figure .message")).to_contain_text("Đã trả lại số liệu.")
    expect(rows).to_have_count(2)
    newest = rows.first
    expect(newest).to_contain_text("chuyenvien")
    expect(newest).to_contain_text("Đã gửi → Trả lại")
    expect(newest).to_contain_text(reason)
    assert page.evaluate("window.notReloaded") is True
    m.refresh_from_db()
    assert m.status == "returned" and m.review_reason == reason


def test_bulk_approval_confirms_first(page, live_server, staff, measure):
    a = measure("ho_so_dung_han", "STP", Q2, 98, 100)
    b = measure("hai_long_ket_qua", "STP", Q2, 45, 50)
    make_user("chuyenvien2", roles.STAFF)
    login_in_browser(page, live_server, "chuyenvien")
    page.goto(f"{live_server.url}/nhap-lieu/{Q2}/STP/")
    page.get_by_role("button", name="Duyệt các số liệu đã gửi").click()
    confirm = page.locator(".approve-confirm")
    expect(confirm).to_contain_text("Duyệt 2 số liệu?")
    expect(confirm).to_contain_text("Sở Tư pháp (STP): 2 số liệu")
    assert set(Measurement.objects.values_list("status", flat=True)) == {"submitted"}
    page.get_by_role("button", name="Xác nhận duyệt 2 số liệu").click()
    expect(page.locator("#entry-sheet .message")).to_contain_text("Đã duyệt 2 số liệu.")
    a.refresh_from_db(), b.refresh_from_db()
    assert (a.status, b.status) == ("approved", "approved")
