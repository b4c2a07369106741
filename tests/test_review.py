"""Approval, return, reopen, conflicts, history and completeness (issue #4)."""

import datetime
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from indicators import roles, workflow
from indicators.formatting import format_number
from indicators.measurements import Figures
from indicators.models import Agency, Measurement, Period
from targets.models import Indicator
from tests.conftest import make_user

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
        "confirm": "1",
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


# --- Long reasons -------------------------------------------------------------------------------

LONG_REASON = (
    "Mẫu số quý II không khớp sổ theo dõi một cửa: đơn vị báo 1.250 hồ sơ tiếp nhận nhưng hệ "
    "thống ghi nhận 1.312 hồ sơ; đề nghị rà soát lại và gửi kèm báo cáo của bộ phận một cửa. "
) * 4  # a paragraph, as officials write one
LONG_REASON = LONG_REASON[:500]


def test_a_500_character_reason_round_trips_through_return_and_reopen(client, staff, measure):
    """The reason goes into the figure and into the history's change reason, whole."""
    assert len(LONG_REASON) == 500
    m = measure("ho_so_dung_han", "STP", Q2, 98, 100)
    client.force_login(staff)
    assert review(client, m, "return", LONG_REASON).status_code == 302
    m.refresh_from_db()
    assert m.status == "returned" and m.review_reason == LONG_REASON
    assert m.history.first().history_change_reason == LONG_REASON
    page = client.get(reverse("measurement-detail", args=[m.pk])).content.decode()
    history = page.split("history-table")[1]
    assert LONG_REASON.split(": ")[1][:120] in history

    Measurement.objects.filter(pk=m.pk).update(status="approved")
    m.refresh_from_db()
    assert review(client, m, "reopen", LONG_REASON, **HTMX).status_code == 200
    m.refresh_from_db()
    assert m.status == "returned" and m.review_reason == f"Mở lại: {LONG_REASON}"
    assert m.history.first().history_change_reason == f"Mở lại: {LONG_REASON}"


# --- History after a review ---------------------------------------------------------------------


def _officer_submits(client, officer, numerator="7000", denominator="7100"):
    client.force_login(officer)
    data = {
        "ho_so_dung_han-numerator": numerator,
        "ho_so_dung_han-denominator": denominator,
        "ho_so_dung_han-note": "",
        "action": "submit",
    }
    m = Measurement.objects.filter(agency__code="STP", period__code=Q2).first()
    if m is not None:
        data["ho_so_dung_han-version"] = m.version
    assert client.post(entry_url(), data).status_code == 302
    return Measurement.objects.get(agency__code="STP", period__code=Q2)


def test_htmx_review_answer_carries_the_history_out_of_band(client, staff, officer_a):
    m = _officer_submits(client, officer_a)
    client.force_login(staff)
    answer = review(client, m, "return", "Thiếu sổ theo dõi", **HTMX).content.decode()
    assert 'id="figure"' in answer
    history = answer.split('id="history"')[1]
    assert answer.split('id="history"')[0].endswith('<section class="card" ')
    assert 'data-hx-swap-oob="true"' in history.split(">")[0]
    assert "Thiếu sổ theo dõi" in history and "Đã gửi → Trả lại" in history


def test_a_review_does_not_move_the_time_the_values_were_entered(client, staff, officer_a):
    """ "Người nhập" is the officer and the time they entered the values, after any review."""
    m = _officer_submits(client, officer_a)
    entered_at, entered_by = m.entered_at, m.entered_by
    client.force_login(staff)
    review(client, m, "return", "Thiếu sổ theo dõi")
    m.refresh_from_db()
    assert m.status == "returned"
    assert (m.entered_at, m.entered_by) == (entered_at, entered_by)
    assert m.history.first().history_date > entered_at
    page = client.get(reverse("measurement-detail", args=[m.pk])).content.decode()
    shown = timezone.localtime(entered_at).strftime("%H:%M %d/%m/%Y")
    assert f"canbo.stp, {shown}" in page.split("figure-entered")[1]


def test_history_numbers_are_written_as_vietnamese_write_them(client, staff, officer_a, measure):
    m = _officer_submits(client, officer_a, "7000", "7100")
    m = _officer_submits(client, officer_a, "7050", "7100")
    index = measure("par_index", "89", "2021", rank=12, score=Decimal("83.320"))
    client.force_login(staff)
    page = client.get(reverse("measurement-detail", args=[m.pk])).content.decode()
    assert "Tử số: 7.000 → 7.050" in page and "Mẫu số: 7.100" in page
    assert "Trạng thái: Đã gửi" in page
    page = client.get(reverse("measurement-detail", args=[index.pk])).content.decode()
    assert "Điểm số: 83,32" in page and "83.320" not in page
    page = client.get(reverse("entry-history"), {"agency": "STP"}).content.decode()
    assert "7.000 → 7.050" in page


def test_a_seeded_figure_credits_nobody_with_its_numbers(client, staff, settings):
    from django.core.management import call_command

    call_command("seed_demo", stdout=__import__("io").StringIO())
    m = Measurement.objects.get(
        agency__code="STP", period__code="2021-Q3", indicator__code="ho_so_dung_han"
    )
    assert m.status == "submitted" and m.is_demo
    (created,) = m.history.all()
    assert created.history_type == "+" and created.history_user is None
    assert created.history_date == m.entered_at  # dated when the figure was entered
    client.force_login(staff)
    review(client, m, "return", "Kiểm tra lại")
    page = client.get(reverse("measurement-detail", args=[m.pk])).content.decode()
    rows = page.split("history-table")[1].split("<tbody>")[1].split("</tr>")
    returned, seeded = rows[0], rows[1]
    assert "chuyenvien" in returned and "Đã gửi → Trả lại" in returned
    assert "Tử số" not in returned  # the reviewer is not credited with the numbers
    assert "Số liệu minh họa, nhập sẵn" in seeded and "chuyenvien" not in seeded
    assert f"Tử số: {format_number(m.numerator)}" in seeded


def test_a_figure_without_its_creation_row_credits_nobody_either(client, staff, measure):
    """Figures seeded before the seeder wrote history (bulk insert, no rows): the first review
    must not read as the reviewer entering the numbers."""
    m = measure("ho_so_dung_han", "STP", Q2, 7000, 7100)
    Measurement.objects.filter(pk=m.pk).update(is_demo=True)
    m.history.all().delete()
    client.force_login(staff)
    review(client, m, "return", "Kiểm tra lại")
    page = client.get(reverse("measurement-detail", args=[m.pk])).content.decode()
    rows = page.split("history-table")[1].split("<tbody>")[1].split("</tr>")
    assert "chuyenvien" in rows[0] and "Tử số" not in rows[0] and "Trả lại" in rows[0]
    assert "Số liệu minh họa, nhập sẵn" in rows[1] and "Tử số: 7.000" in rows[1]
    assert "chuyenvien" not in rows[1]


def test_the_figure_page_shows_rate_goal_status_and_last_period(client, staff, measure):
    measure("ho_so_dung_han", "STP", "2021-Q1", 980, 1000, status="approved")
    m = measure("ho_so_dung_han", "STP", Q2, 9799, 10000)
    client.force_login(staff)
    page = client.get(reverse("measurement-detail", args=[m.pk])).content.decode()
    figure = page.split('id="figure"')[1].split("</dl>")[0]
    assert "9.799" in figure and "10.000" in figure
    rate = figure.split("figure-rate")[1].split("</dd>")[0]
    assert "97,9%" in rate and "≥ 98%" in rate and "Gần đạt" in rate
    previous = figure.split("figure-previous")[1].split("</dd>")[0]
    assert "Kỳ trước (Quý I/2021)" in figure
    assert "980 / 1.000 (98,0%)" in previous and "Đã duyệt" in previous


# --- Separation of duties -----------------------------------------------------------------------


@pytest.fixture
def colleague(db):
    """A second Sở Nội vụ reviewer."""
    return make_user("chuyenvien2", roles.STAFF)


def _staff_enters(client, user, submit=True):
    client.force_login(user)
    data = {
        "ho_so_dung_han-numerator": "95",
        "ho_so_dung_han-denominator": "100",
        "action": "submit" if submit else "save",
    }
    m = Measurement.objects.filter(agency__code="STP", period__code=Q2).first()
    if m is not None:
        data["ho_so_dung_han-version"] = m.version
    assert client.post(entry_url(), data).status_code == 302
    return Measurement.objects.get(agency__code="STP", period__code=Q2)


def test_who_entered_a_figure_does_not_approve_it(client, staff, colleague):
    m = _staff_enters(client, staff)
    page = client.get(reverse("measurement-detail", args=[m.pk])).content.decode()
    button = (
        page.split('value="approve"')[0].rsplit("<button", 1)[1]
        + page.split('value="approve"')[1].split(">")[0]
    )
    assert "disabled" in button
    assert "Bạn đã nhập hoặc gửi số liệu này nên không tự duyệt được" in page
    answer = review(client, m, "approve").content.decode()
    assert answer.count("không tự duyệt được") == 1  # beside the button, not twice
    m.refresh_from_db()
    assert m.status == "submitted"
    with pytest.raises(workflow.SelfApproval):
        workflow.measurement_approve(measurement=m, version=m.version, user=staff)
    client.force_login(colleague)
    assert (
        "không tự duyệt được"
        not in client.get(reverse("measurement-detail", args=[m.pk])).content.decode()
    )
    assert review(client, m, "approve").status_code == 302
    m.refresh_from_db()
    assert m.status == "approved"


def test_who_sent_unchanged_values_does_not_approve_them(client, officer_a, staff, colleague):
    m = _staff_enters(client, officer_a, submit=False)  # the officer saves a draft
    assert m.entered_by == officer_a
    m = _staff_enters(client, staff)  # staff send it as it is
    assert m.status == "submitted" and m.entered_by == officer_a
    with pytest.raises(workflow.SelfApproval):
        workflow.measurement_approve(measurement=m, version=m.version, user=staff)
    workflow.measurement_approve(measurement=m, version=m.version, user=colleague)


def test_a_review_closes_the_round(client, staff, colleague, officer_a):
    """Staff who entered figures that were since returned and corrected by the agency may
    approve the agency's new figures."""
    m = _staff_enters(client, staff)
    client.force_login(colleague)
    review(client, m, "return", "Đơn vị tự nhập lại")
    m.refresh_from_db()
    m = _officer_submits(client, officer_a, "96", "100")
    assert m.entered_by == officer_a
    workflow.measurement_approve(measurement=m, version=m.version, user=staff)


def test_small_teams_may_allow_self_approval(client, staff, settings):
    settings.ALLOW_SELF_APPROVAL = True
    m = _staff_enters(client, staff)
    page = client.get(reverse("measurement-detail", args=[m.pk])).content.decode()
    assert "không tự duyệt được" not in page
    assert review(client, m, "approve").status_code == 302
    m.refresh_from_db()
    assert m.status == "approved"


# --- Bulk approval: a confirmation first --------------------------------------------------------


def _sheet_versions(client):
    page = client.get(entry_url()).content.decode()
    return dict(re.findall(r'name="([\w-]+-version)" value="(\d+)"', page))


def test_bulk_approval_asks_first_then_approves_exactly_what_it_showed(
    client, staff, colleague, officer_a, measure
):
    a = measure("ho_so_dung_han", "STP", Q2, 98, 100)
    b = measure("hai_long_ket_qua", "STP", Q2, 45, 50)
    own = _own_figure(client, staff)
    client.force_login(staff)
    versions = _sheet_versions(client)
    before = list(Measurement.objects.values_list("pk", "status", "version"))
    for extra in ({}, HTMX):
        answer = client.post(entry_url(), {"action": "approve_all", **versions}, **extra)
        page = answer.content.decode()
        assert answer.status_code == 200
        assert list(Measurement.objects.values_list("pk", "status", "version")) == before
        assert "Duyệt 2 số liệu?" in page and "Sở Tư pháp (STP): 2 số liệu" in page
        assert "Bỏ qua 1 số liệu do chính bạn nhập hoặc gửi" in page
        assert 'name="confirm" value="1"' in page
    assert (
        "<html" in client.post(entry_url(), {"action": "approve_all", **versions}).content.decode()
    )
    shown = dict(re.findall(r'name="([\w-]+-version)" value="(\d+)"', page))
    assert shown == {
        "ho_so_dung_han-version": str(a.version),
        "hai_long_ket_qua-version": str(b.version),
    }

    # the officer corrects one figure between the confirmation and the click
    workflow.measurement_save(
        indicator=b.indicator,
        agency=b.agency,
        period=b.period,
        figures=Figures(numerator=46, denominator=50),
        version=b.version,
        submit=True,
        user=officer_a,
    )
    client.force_login(staff)
    confirm = {
        "action": "approve_all",
        "confirm": "1",
        **shown,
        f"{own.indicator.code}-version": own.version,
    }
    page = client.post(entry_url(), confirm, **HTMX).content.decode()
    assert "Đã duyệt 1 số liệu." in page and "vừa được người khác thay đổi" in page
    assert "Bỏ qua 1 số liệu do chính bạn nhập hoặc gửi" in page
    a.refresh_from_db(), b.refresh_from_db(), own.refresh_from_db()
    assert (a.status, b.status, own.status) == ("approved", "submitted", "submitted")


def test_the_bulk_confirmation_marks_figures_changed_since_the_sheet_was_opened(
    client, staff, measure
):
    a = measure("ho_so_dung_han", "STP", Q2, 98, 100)
    client.force_login(staff)
    data = {"action": "approve_all", "ho_so_dung_han-version": a.version + 1}
    page = client.post(entry_url(), data).content.decode()
    assert "đã thay đổi sau khi bạn mở trang" in page


def _own_figure(client, user):
    """A submitted figure of STP for Q2 entered by ``user`` (another indicator)."""
    m, _changed = workflow.measurement_save(
        indicator=Indicator.objects.get(code="van_ban_tren_mang"),
        agency=Agency.objects.get(code="STP"),
        period=Period.objects.get(code=Q2),
        figures=Figures(numerator=90, denominator=100),
        version=None,
        submit=True,
        user=user,
    )
    return m


def test_bulk_approval_of_a_sheet_with_no_rows_answers_a_page(client, staff):
    """A commune has no annual figures: a stale page or a crafted POST of "approve all" for the
    year gets the (empty) confirmation, not a server error."""
    client.force_login(staff)
    url = reverse("entry-form", args=["2021", "30280"])
    for extra in ({}, HTMX):
        answer = client.post(url, {"action": "approve_all"}, **extra)
        assert answer.status_code == 200
    answer = client.post(url, {"action": "approve_all", "confirm": "1"})
    assert answer.status_code in (200, 302)
    assert not Measurement.objects.exists()


def test_history_names_each_review_and_gives_its_reason_once(client, staff, colleague, measure):
    """A return reads "Trả lại", an approval "Duyệt", a reopening "Mở lại"; the reason is in
    its own column and not repeated among the changes."""
    m = measure("ho_so_dung_han", "STP", Q2, 98, 100)
    workflow.measurement_return(measurement=m, version=m.version, reason="Thiếu hồ sơ", user=staff)
    m.refresh_from_db()
    workflow.measurement_save(
        indicator=m.indicator,
        agency=m.agency,
        period=m.period,
        figures=Figures(99, 100),
        version=m.version,
        submit=True,
        user=staff,
    )
    m.refresh_from_db()
    workflow.measurement_approve(measurement=m, version=m.version, user=colleague)
    m.refresh_from_db()
    workflow.measurement_reopen(measurement=m, version=m.version, reason="Sai mẫu số", user=staff)
    entries = workflow.history_entries(list(m.history.all()))
    kinds = [e.kind for e in reversed(entries)]
    assert kinds[-4:] == ["Trả lại", "Gửi", "Duyệt", "Mở lại"]
    returned = next(e for e in entries if e.kind == "Trả lại")
    assert returned.reason == "Thiếu hồ sơ"
    assert [label for label, _old, _new in returned.changes] == ["Trạng thái"]


def test_bulk_approval_is_offered_only_when_something_may_be_approved(client, staff, measure):
    """A sheet whose only sent figure is the reviewer's own offers no "approve all" (it would
    lead to "Duyệt 0 số liệu?"); with another agency officer's figure it does."""
    _own_figure(client, staff)
    client.force_login(staff)
    assert 'value="approve_all"' not in client.get(entry_url()).content.decode()
    measure("ho_so_dung_han", "STP", Q2, 98, 100)
    assert 'value="approve_all"' in client.get(entry_url()).content.decode()


def test_after_bulk_approval_the_message_counts_the_skipped_own_figures(client, staff, measure):
    measure("ho_so_dung_han", "STP", Q2, 98, 100)
    _own_figure(client, staff)
    client.force_login(staff)
    versions = _sheet_versions(client)
    confirm_page = client.post(entry_url(), {"action": "approve_all", **versions})
    shown = dict(
        re.findall(r'name="([\w-]+-version)" value="(\d+)"', confirm_page.content.decode())
    )
    done = client.post(entry_url(), {"action": "approve_all", "confirm": "1", **shown}, follow=True)
    page = done.content.decode()
    assert "Đã duyệt 1 số liệu." in page
    assert "Bỏ qua 1 số liệu do chính bạn nhập hoặc gửi" in page
