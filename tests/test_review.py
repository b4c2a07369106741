"""Approval, return, reopen, conflicts, history and completeness (issue #4)."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from indicators.models import Measurement, Period

HTMX = {"HTTP_HX_REQUEST": "true"}
Q2 = "2021-Q2"


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def review(client, m, action, reason="", version=None, **extra):
    data = {"action": action, "reason": reason, "version": version or m.version}
    return client.post(reverse("measurement-review", args=[m.pk]), data, **extra)


def entry_url(agency="STP"):
    return reverse("entry-form", args=[Q2, agency])


def test_staff_approves_and_the_figure_is_locked(client, staff, officer_a, measure):
    m = measure("ho_so_dung_han", "STP", Q2, 98, 100)
    client.force_login(staff)
    response = review(client, m, "approve")
    assert response.status_code == 302
    m.refresh_from_db()
    assert m.status == "approved" and m.version == 2
    client.force_login(officer_a)
    page = client.get(entry_url()).content.decode()
    assert "Số liệu đã được duyệt và đang khóa" in page
    data = {
        "ho_so_dung_han-numerator": "99",
        "ho_so_dung_han-denominator": "100",
        "ho_so_dung_han-version": "2",
        "action": "save",
    }
    page = client.post(entry_url(), data).content.decode()
    assert "đang khóa" in page
    m.refresh_from_db()
    assert m.numerator == 98


def test_return_needs_a_reason_and_the_agency_sees_it(client, staff, officer_a, measure):
    m = measure("ho_so_dung_han", "STP", Q2, 98, 100)
    client.force_login(staff)
    page = review(client, m, "return").content.decode()
    assert "Vui lòng ghi lý do" in page
    m.refresh_from_db()
    assert m.status == "submitted"
    response = review(client, m, "return", "Mẫu số không khớp sổ theo dõi", **HTMX)
    page = response.content.decode()
    assert response.status_code == 200 and "<html" not in page and "Đã trả lại" in page
    client.force_login(officer_a)
    page = client.get(entry_url()).content.decode()
    assert "Mẫu số không khớp sổ theo dõi" in page and "Trả lại" in page
    m.refresh_from_db()
    data = {
        "ho_so_dung_han-numerator": "98",
        "ho_so_dung_han-denominator": "101",
        "ho_so_dung_han-version": m.version,
        "action": "submit",
    }
    assert client.post(entry_url(), data).status_code == 302
    m.refresh_from_db()
    assert (m.denominator, m.status) == (101, "submitted")


def test_reopen_with_a_reason(client, staff, measure):
    m = measure("ho_so_dung_han", "STP", Q2, 98, 100, status="approved")
    client.force_login(staff)
    assert "Vui lòng ghi lý do" in review(client, m, "reopen").content.decode()
    assert review(client, m, "reopen", "Sai số liệu tháng 5").status_code == 302
    m.refresh_from_db()
    assert m.status == "returned" and "Sai số liệu tháng 5" in m.review_reason


def test_wrong_transitions_are_refused(client, staff, measure):
    m = measure("ho_so_dung_han", "STP", Q2, 98, 100, status="draft")
    client.force_login(staff)
    assert "Chỉ duyệt được số liệu đã gửi" in review(client, m, "approve").content.decode()
    assert "Chỉ mở lại được" in review(client, m, "reopen", "x").content.decode()
    m.refresh_from_db()
    assert m.status == "draft"


@pytest.mark.parametrize("persona", ["officer_a", "leader", "committee"])
def test_only_staff_may_review(client, request, persona, measure):
    m = measure("ho_so_dung_han", "STP", Q2, 98, 100)
    client.force_login(request.getfixturevalue(persona))
    assert review(client, m, "approve").status_code == 403
    assert review(client, m, "approve", **HTMX).status_code == 403
    m.refresh_from_db()
    assert m.status == "submitted"


def test_officer_cannot_see_or_review_another_agencys_figure(client, officer_b, measure):
    m = measure("ho_so_dung_han", "STP", Q2, 98, 100)
    client.force_login(officer_b)
    assert client.get(reverse("measurement-detail", args=[m.pk])).status_code == 404
    assert review(client, m, "approve").status_code == 404


def test_approve_all_on_the_entry_form(client, staff, measure):
    a = measure("ho_so_dung_han", "STP", Q2, 98, 100)
    b = measure("hai_long_ket_qua", "STP", Q2, 45, 50)
    client.force_login(staff)
    data = {
        "action": "approve_all",
        "ho_so_dung_han-version": a.version,
        "hai_long_ket_qua-version": b.version + 5,
    }
    page = client.post(entry_url(), data, **HTMX).content.decode()
    assert "Đã duyệt 1 số liệu" in page and "vừa được người khác thay đổi" in page
    a.refresh_from_db(), b.refresh_from_db()
    assert (a.status, b.status) == ("approved", "submitted")


# --- Conflicts ----------------------------------------------------------------------------------


def test_second_save_of_the_same_figure_is_refused_with_both_values(
    client, staff, officer_a, measure
):
    m = measure("ho_so_dung_han", "STP", Q2, 90, 100, status="draft")
    seen = m.version
    client.force_login(staff)
    data = {
        "ho_so_dung_han-numerator": "95",
        "ho_so_dung_han-denominator": "100",
        "ho_so_dung_han-version": seen,
        "action": "save",
    }
    assert client.post(entry_url(), data).status_code == 302
    client.force_login(officer_a)
    data = {
        "ho_so_dung_han-numerator": "80",
        "ho_so_dung_han-denominator": "100",
        "ho_so_dung_han-version": seen,
        "action": "save",
    }
    response = client.post(entry_url(), data, **HTMX)
    page = response.content.decode()
    assert "vừa được người khác thay đổi" in page
    assert "95 / 100" in page and "80 / 100" in page  # both values shown
    m.refresh_from_db()
    assert m.numerator == 95
    # the re-rendered form carries the current version: saving again is a deliberate overwrite
    assert f'name="ho_so_dung_han-version" value="{m.version}"' in page
    data["ho_so_dung_han-version"] = m.version
    assert client.post(entry_url(), data).status_code == 302
    m.refresh_from_db()
    assert m.numerator == 80


def test_review_with_a_stale_version_is_refused(client, staff, measure):
    m = measure("ho_so_dung_han", "STP", Q2, 98, 100)
    client.force_login(staff)
    page = review(client, m, "approve", version=m.version + 1).content.decode()
    assert "vừa được người khác thay đổi" in page
    m.refresh_from_db()
    assert m.status == "submitted"


# --- History ------------------------------------------------------------------------------------


def test_history_shows_who_what_and_why(client, staff, officer_a):
    client.force_login(officer_a)
    data = {"ho_so_dung_han-numerator": "90", "ho_so_dung_han-denominator": "100", "action": "save"}
    client.post(entry_url(), data)
    m = Measurement.objects.get()
    data.update(
        {"ho_so_dung_han-numerator": "97", "ho_so_dung_han-version": m.version, "action": "submit"}
    )
    client.post(entry_url(), data)
    client.force_login(staff)
    m.refresh_from_db()
    review(client, m, "return", "Thiếu tài liệu kiểm chứng")
    page = client.get(reverse("measurement-detail", args=[m.pk])).content.decode()
    assert "Tử số: 90 → 97" in page
    assert "Trạng thái: Nháp → Đã gửi" in page
    assert "Thiếu tài liệu kiểm chứng" in page
    assert "canbo.stp" in page and "chuyenvien" in page


def test_history_search_by_agency_respects_access(client, staff, officer_a, measure):
    measure("ho_so_dung_han", "STP", Q2, 98, 100)
    measure("ho_so_dung_han", "30280", Q2, 50, 60)
    client.force_login(staff)
    page = client.get(reverse("entry-history"), {"agency": "Mỹ Bình"}).content.decode()
    assert "Phường Mỹ Bình" in page and "Sở Tư pháp ·" not in page
    page = client.get(reverse("entry-history"), {"agency": "STP"}, **HTMX).content.decode()
    assert "<html" not in page and "Sở Tư pháp" in page
    client.force_login(officer_a)
    page = client.get(reverse("entry-history")).content.decode()
    assert "Sở Tư pháp" in page and "Phường Mỹ Bình" not in page
    assert client.get(reverse("entry-history"), {"period": "2099"}).status_code == 200


# --- Completeness -------------------------------------------------------------------------------


def test_completeness_counts_and_marks_late(client, staff, measure):
    period = Period.objects.get(code=Q2)
    on_time = timezone.make_aware(datetime.datetime.combine(period.deadline, datetime.time(9)))
    m = measure("ho_so_dung_han", "STP", Q2, 98, 100)
    Measurement.history.filter(id=m.pk).update(history_date=on_time)
    measure("hai_long_ket_qua", "STP", Q2, 98, 100)  # submitted now: after the deadline
    measure("ho_so_dung_han", "30280", Q2, 10, 10, status="draft")
    client.force_login(staff)
    response = client.get(reverse("completeness"), {"period": Q2, "level": "tinh"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Đã gửi" in page and "trễ" in page and "Chưa nhập" in page
    report = response.context["report"]
    stp = next(line for line in report.lines if line.agency.code == "STP")
    assert (stp.tally.expected, stp.tally.received, stp.tally.on_time) == (8, 2, 1)
    assert report.total.received == 2 and report.total.on_time == 1
    assert report.total.expected == 20 * 8


def test_completeness_filter_not_submitted_and_district(client, staff, measure):
    client.force_login(staff)
    response = client.get(
        reverse("completeness"), {"period": Q2, "district": "883", "chua_gui": "on"}, **HTMX
    )
    page = response.content.decode()
    assert "<html" not in page and "Phường Mỹ Bình" in page and "Sở Tư pháp" not in page
    response = client.get(reverse("completeness"), {"period": Q2, "district": "883"})
    names = [t.name for t in response.context["report"].districts]
    assert names == ["Thành phố Long Xuyên"]


def test_completeness_bad_filter_is_400(client, staff):
    client.force_login(staff)
    assert client.get(reverse("completeness"), {"period": "2099-Q9"}).status_code == 400
    assert client.get(reverse("completeness"), {"district": "STP"}).status_code == 400


def test_completeness_for_officer_shows_own_scope_and_viewers_may_read(client, officer_b, leader):
    client.force_login(officer_b)
    response = client.get(reverse("completeness"), {"period": Q2})
    assert [line.agency.code for line in response.context["report"].lines] == ["30280"]
    client.force_login(leader)
    assert client.get(reverse("completeness"), {"period": Q2}).status_code == 200


def test_completeness_excel_export(client, staff, measure):
    import io

    from openpyxl import load_workbook

    measure("ho_so_dung_han", "STP", Q2, 98, 100)
    client.force_login(staff)
    response = client.get(reverse("completeness-xlsx"), {"period": Q2, "level": "tinh"})
    assert response.status_code == 200
    assert "tinh-hinh-bao-cao-2021-Q2.xlsx" in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.content))
    rows = list(book["Don vi"].iter_rows(values_only=True))
    stp = next(r for r in rows if r[0] == "STP")
    assert "Đã gửi (trễ hạn)" in stp
    assert book["Theo huyen"]["A2"].value.startswith("Cấp tỉnh")


def test_completeness_query_count_is_bounded(client, staff, django_assert_max_num_queries):
    client.force_login(staff)
    with django_assert_max_num_queries(20):
        client.get(reverse("completeness"), {"period": Q2})


def test_completeness_filter_awaiting_review_links_to_the_figure(client, staff, measure):
    m = measure("ho_so_dung_han", "30280", Q2, 9, 10)
    measure("ho_so_dung_han", "30283", Q2, 9, 10, status="approved")
    client.force_login(staff)
    response = client.get(
        reverse("completeness"), {"period": Q2, "district": "883", "cho_duyet": "on"}
    )
    assert [line.agency.code for line in response.context["lines"]] == ["30280"]
    assert reverse("measurement-detail", args=[m.pk]) in response.content.decode()


@pytest.mark.parametrize(
    ("days_after", "clock", "late"),
    [
        (0, datetime.time(0, 0), False),
        (0, datetime.time(23, 59, 59), False),  # the deadline's last local second
        (1, datetime.time(0, 0), True),  # in UTC still the deadline day (17:00)
        (1, datetime.time(6, 59), True),
        (-30, datetime.time(12), False),
    ],
)
def test_a_report_is_late_from_the_first_local_moment_after_the_deadline(
    measure, days_after, clock, late
):
    """Late means first sent on a local (Asia/Ho_Chi_Minh) date after the deadline, whatever
    the time zone the moment is stored in."""
    from indicators.models import Agency
    from indicators.workflow import completeness_for

    period = Period.objects.get(code="2021-Q2")
    m = measure("ho_so_dung_han", "STP", "2021-Q2", 98, 100)
    day = period.deadline + datetime.timedelta(days=days_after)
    sent = timezone.make_aware(datetime.datetime.combine(day, clock))
    Measurement.history.filter(id=m.pk).update(history_date=sent.astimezone(datetime.UTC))
    report = completeness_for(period, Agency.objects.filter(code="STP"), today=period.deadline)
    cell = next(c for c in report.lines[0].cells if c.measurement_id == m.pk)
    assert cell.late is late
    assert report.total.on_time == (0 if late else 1)
