"""The grid: one indicator, one period, all agencies of a level (issue #4)."""

import pytest
from django.urls import reverse

from indicators import roles
from indicators.models import Measurement
from tests.conftest import make_user

HTMX = {"HTTP_HX_REQUEST": "true"}
Q2 = "2021-Q2"
IND = "ho_so_dung_han"


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def grid_url(level="xa", indicator=IND, **extra):
    query = "&".join(f"{k}={v}" for k, v in {"level": level, **extra}.items())
    return reverse("entry-grid", args=[Q2, indicator]) + "?" + query


def row_url(agency, level="xa"):
    return reverse("grid-row", args=[Q2, IND, agency]) + f"?level={level}"


def test_grid_lists_all_156_communes_for_staff(client, staff, django_assert_max_num_queries):
    client.force_login(staff)
    with django_assert_max_num_queries(25):
        response = client.get(grid_url())
    assert response.status_code == 200
    assert len(response.context["rows"]) == 156
    page = response.content.decode()
    assert "Số hồ sơ TTHC trả kết quả đúng hạn" in page and "data-grid-row" in page


def test_grid_row_saves_as_draft_and_answers_the_row(client, staff):
    client.force_login(staff)
    data = {"30280-numerator": "49", "30280-denominator": "50", "30280-version": ""}
    response = client.post(row_url("30280"), data, **HTMX)
    page = response.content.decode()
    assert response.status_code == 200 and page.strip().startswith("<tr")
    assert "98,0%" in page and "Đạt" in page and "Đã lưu" in page
    m = Measurement.objects.get(agency__code="30280", indicator__code=IND)
    assert (m.numerator, m.denominator, m.status) == (49, 50, "draft")


def test_grid_row_errors_stay_on_the_row(client, staff):
    client.force_login(staff)
    data = {"30280-numerator": "60", "30280-denominator": "50"}
    page = client.post(row_url("30280"), data, **HTMX).content.decode()
    assert "Tử số không được lớn hơn mẫu số" in page and 'value="60"' in page
    assert not Measurement.objects.exists()


def test_grid_row_conflict(client, staff, measure):
    m = measure(IND, "30280", Q2, 10, 20, status="draft")
    client.force_login(staff)
    data = {"30280-numerator": "11", "30280-denominator": "20", "30280-version": m.version - 1}
    page = client.post(row_url("30280"), data, **HTMX).content.decode()
    assert "vừa được người khác thay đổi" in page and "10 / 20" in page
    m.refresh_from_db()
    assert m.numerator == 10


def test_whole_grid_without_javascript_saves_all_or_nothing(client, staff):
    client.force_login(staff)
    data = {
        "30280-numerator": "10",
        "30280-denominator": "10",
        "30283-numerator": "x",
        "30283-denominator": "10",
        "action": "save",
    }
    page = client.post(grid_url(district="883"), data).content.decode()
    assert "không nhập chữ" in page and not Measurement.objects.exists()
    data["30283-numerator"] = "9"
    response = client.post(grid_url(district="883"), {**data, "action": "submit"})
    assert response.status_code == 302
    assert set(Measurement.objects.values_list("agency__code", "status")) == {
        ("30280", "submitted"),
        ("30283", "submitted"),
    }


def test_officer_grid_is_limited_to_own_scope(client, officer_b):
    district_officer = make_user("canbo.longxuyen", roles.OFFICER, "883")
    client.force_login(district_officer)
    rows = client.get(grid_url()).context["rows"]
    assert {r.agency.parent.code for r in rows} == {"883"} and len(rows) > 5
    client.force_login(officer_b)
    data = {"30283-numerator": "1", "30283-denominator": "2"}
    assert client.post(row_url("30283"), data, **HTMX).status_code == 404
    # an id of another agency in the whole-grid POST is ignored: only listed rows are read
    client.post(
        grid_url(), {**data, "30280-numerator": "1", "30280-denominator": "1", "action": "save"}
    )
    assert list(Measurement.objects.values_list("agency__code", flat=True)) == ["30280"]


def test_viewer_cannot_post_to_the_grid(client, leader):
    client.force_login(leader)
    assert client.get(grid_url()).status_code == 200
    assert client.post(grid_url(), {"action": "save"}).status_code == 403
    assert client.post(row_url("30280"), {"30280-numerator": "1"}, **HTMX).status_code == 403


def test_grid_bad_filters(client, staff):
    client.force_login(staff)
    assert client.get(grid_url(level="vu_tru")).status_code == 400
    assert client.get(grid_url(indicator="dvc_muc_do_4")).status_code == 400  # provincial only
    assert client.get(grid_url(indicator="par_index")).status_code == 404  # annual index
    assert client.get(grid_url(district="STP")).status_code == 400


# --- Sent rows, untouched rows, notes -------------------------------------------------------------


def grid_inputs(page: str) -> dict[str, str]:
    """The grid form's fields as a browser would post them untouched (name → value)."""
    from html.parser import HTMLParser

    fields = {}

    class Inputs(HTMLParser):
        def handle_starttag(self, tag, attrs):
            a = dict(attrs)
            if tag == "input" and a.get("name") and "disabled" not in a:
                fields[a["name"]] = a.get("value") or ""

    Inputs().feed(page)
    fields.pop("csrfmiddlewaretoken", None)
    return fields


def row_html(page: str, agency: str) -> str:
    start = page.index(f'id="grow-{agency}"')
    return page[start : page.index("</tr>", start)]


def test_a_sent_row_says_an_edit_is_sent_again_and_then_says_so(client, staff, measure):
    m = measure(IND, "30280", Q2, 40, 50)
    client.force_login(staff)
    page = client.get(grid_url(district="883")).content.decode()
    assert "dòng đã gửi, nếu sửa, được gửi lại Sở Nội vụ" in page  # the lead text
    assert "Sửa sẽ gửi lại Sở Nội vụ" in row_html(page, "30280")
    assert "Sửa sẽ gửi lại" not in row_html(page, "30283")  # nothing sent there
    data = {"30280-numerator": "45", "30280-denominator": "50", "30280-version": m.version}
    page = client.post(row_url("30280"), data, **HTMX).content.decode()
    assert "✓ Đã gửi lại" in page and "Đã lưu nháp" not in page and "Đã gửi" in page
    m.refresh_from_db()
    assert (m.numerator, m.status, m.version) == (45, "submitted", 2)


def test_a_draft_row_saved_says_draft(client, staff):
    client.force_login(staff)
    data = {"30280-numerator": "45", "30280-denominator": "50", "30280-version": ""}
    page = client.post(row_url("30280"), data, **HTMX).content.decode()
    assert "✓ Đã lưu nháp" in page and "Sửa sẽ gửi lại" not in page


def test_correcting_a_sent_row_with_a_sharp_change_needs_a_note_in_the_grid(client, staff, measure):
    measure(IND, "30280", "2021-Q1", 95, 100)
    m = measure(IND, "30280", Q2, 96, 100)
    client.force_login(staff)
    data = {"30280-numerator": "50", "30280-denominator": "100", "30280-version": m.version}
    page = client.post(row_url("30280"), data, **HTMX).content.decode()
    assert "vui lòng ghi giải trình" in page
    assert 'name="30280-note"' in page  # the row now has a field for it
    assert 'data-dirty="1"' in page and "Chưa lưu" in page and 'value="50"' in page
    m.refresh_from_db()
    assert (m.numerator, m.version) == (96, 1)
    page = client.post(
        row_url("30280"), {**data, "30280-note": "Sập hệ thống một cửa"}, **HTMX
    ).content.decode()
    assert "✓ Đã gửi lại" in page
    m.refresh_from_db()
    assert (m.numerator, m.note, m.status) == (50, "Sập hệ thống một cửa", "submitted")


def test_a_draft_with_a_sharp_change_is_saved_and_shows_the_note_field(client, staff, measure):
    measure(IND, "30280", "2021-Q1", 95, 100)
    client.force_login(staff)
    data = {"30280-numerator": "50", "30280-denominator": "100", "30280-version": ""}
    page = client.post(row_url("30280"), data, **HTMX).content.decode()
    assert "✓ Đã lưu nháp" in page and 'name="30280-note"' in page
    assert Measurement.objects.get(agency__code="30280", period__code=Q2).status == "draft"


def test_the_grid_keeps_a_note_it_does_not_show(client, staff, measure):
    m = measure(IND, "30280", Q2, 40, 50, status="draft", note="Ghi chú của xã")
    client.force_login(staff)
    page = client.get(grid_url(district="883")).content.decode()
    assert 'value="Ghi chú của xã"' in row_html(page, "30280")  # shown since it is written
    data = {"30280-numerator": "41", "30280-denominator": "50", "30280-version": m.version}
    client.post(row_url("30280"), data, **HTMX)  # a post without the note field
    m.refresh_from_db()
    assert (m.numerator, m.note) == (41, "Ghi chú của xã")


def test_an_untouched_row_is_not_saved_again(client, staff, measure):
    m = measure(IND, "30280", Q2, 1234, 1300, status="draft")
    client.force_login(staff)
    data = {"30280-numerator": "1.234", "30280-denominator": "1.300", "30280-version": m.version}
    page = client.post(row_url("30280"), data, **HTMX).content.decode()
    assert "Đã lưu" not in page and "Chưa lưu" not in page
    m.refresh_from_db()
    assert m.version == 1 and m.history.count() == 1


def sharp_sent_figures(measure):
    """Q2 of district 883: 30280 sent with a sharp change and no note (as imported), 30283 sent
    by its commune; Q1 figures to compare with."""
    measure(IND, "30280", "2021-Q1", 95, 100)
    measure(IND, "30280", Q2, 50, 100)
    measure(IND, "30283", "2021-Q1", 90, 100)
    return measure(IND, "30283", Q2, 88, 100)


def test_whole_grid_submit_checks_and_sends_only_edited_rows(client, staff, measure):
    sharp_sent_figures(measure)
    client.force_login(staff)
    data = grid_inputs(client.get(grid_url(district="883")).content.decode())
    assert data["30280-numerator"] == "50" and data["30283-version"] == "1"
    data.update({"30285-numerator": "9", "30285-denominator": "10", "action": "submit"})
    response = client.post(grid_url(district="883"), data)
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "Đã gửi 1 dòng." in page
    assert Measurement.objects.get(agency__code="30285", period__code=Q2).status == "submitted"
    # the untouched sent rows: not re-checked, not written
    assert set(
        Measurement.objects.filter(period__code=Q2).values_list("agency__code", "version")
    ) == {("30280", 1), ("30283", 1), ("30285", 1)}


def test_whole_grid_row_needing_a_note_gets_a_field_for_it(client, staff, measure):
    measure(IND, "30285", "2021-Q1", 95, 100)
    client.force_login(staff)
    data = grid_inputs(client.get(grid_url(district="883")).content.decode())
    assert "30285-note" not in data
    data.update({"30285-numerator": "40", "30285-denominator": "100", "action": "submit"})
    page = client.post(grid_url(district="883"), data).content.decode()
    assert "vui lòng ghi giải trình" in row_html(page, "30285")
    assert 'name="30285-note"' in row_html(page, "30285")
    assert not Measurement.objects.filter(period__code=Q2).exists()
    data = grid_inputs(page)  # the page as shown, with the typed values kept
    assert (data["30285-numerator"], data["30285-note"]) == ("40", "")
    data.update({"30285-note": "Thiếu cán bộ một cửa", "action": "submit"})
    assert client.post(grid_url(district="883"), data).status_code == 302
    m = Measurement.objects.get(agency__code="30285", period__code=Q2)
    assert (m.numerator, m.note, m.status) == (40, "Thiếu cán bộ một cửa", "submitted")


def test_whole_grid_post_skips_a_row_changed_by_somebody_else_meanwhile(client, staff, measure):
    m = measure(IND, "30283", Q2, 30, 40, status="draft")
    client.force_login(staff)
    data = grid_inputs(client.get(grid_url(district="883")).content.decode())
    # the commune corrects its figure after the page was loaded (version 2 in its history)
    from indicators import workflow
    from indicators.measurements import Figures

    workflow.measurement_save(
        indicator=m.indicator,
        agency=m.agency,
        period=m.period,
        figures=Figures(35, 40),
        version=m.version,
        submit=False,
        user=None,
    )
    data.update({"30280-numerator": "9", "30280-denominator": "10", "action": "save"})
    assert client.post(grid_url(district="883"), data).status_code == 302
    m.refresh_from_db()
    assert (m.numerator, m.version) == (35, 2)  # untouched here: theirs stands, no conflict
    # the same row edited here on top of the older version is a conflict, as always
    data.update({"30283-numerator": "31"})
    page = client.post(grid_url(district="883"), data).content.decode()
    assert "vừa được người khác thay đổi" in page
    m.refresh_from_db()
    assert m.numerator == 35


def test_grid_submit_sends_the_users_own_drafts_not_other_peoples(
    client, staff, officer_b, measure
):
    mine = measure(IND, "30280", Q2, 40, 50, status="draft")
    mine.entered_by = staff
    mine.save()
    theirs = measure(IND, "30283", Q2, 30, 40, status="draft")
    theirs.entered_by = officer_b
    theirs.save()
    client.force_login(staff)
    page = client.get(grid_url(district="883")).content.decode()
    assert "các dòng nháp do bạn nhập" in page  # said beside the button
    data = {**grid_inputs(page), "action": "submit"}
    assert client.post(grid_url(district="883"), data).status_code == 302
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert (mine.status, theirs.status) == ("submitted", "draft")


def test_grid_messages_count_only_changed_rows(client, staff, measure):
    m = measure(IND, "30280", Q2, 40, 50)
    measure(IND, "30283", Q2, 30, 40, status="draft")
    client.force_login(staff)
    data = grid_inputs(client.get(grid_url(district="883")).content.decode())
    data.update({"30280-numerator": "41", "action": "save"})
    response = client.post(grid_url(district="883"), data, follow=True)
    page = response.content.decode()
    assert "Đã gửi lại 1 dòng đã gửi, với số liệu đã sửa." in page and "Đã lưu nháp" not in page
    m.refresh_from_db()
    assert (m.numerator, m.status) == (41, "submitted")
    data = {**grid_inputs(page), "action": "save"}
    assert (
        "Không có dòng nào thay đổi."
        in client.post(grid_url(district="883"), data, follow=True).content.decode()
    )


def test_grid_post_query_count_is_bounded(client, staff, measure, django_assert_max_num_queries):
    for code in ("30280", "30283", "30285"):
        measure(IND, code, Q2, 9, 10)
    client.force_login(staff)
    data = grid_inputs(client.get(grid_url()).content.decode())
    with django_assert_max_num_queries(20):  # untouched rows cost nothing
        response = client.post(grid_url(), {**data, "action": "submit"})
    assert response.status_code == 302


def test_whole_grid_post_right_after_the_row_was_saved_alone(client, staff):
    """Leaving a row for the grid's button saves it (htmx) while the whole table is posted
    with the version the page had: the same values are written once, without a conflict."""
    client.force_login(staff)
    data = grid_inputs(client.get(grid_url(district="883")).content.decode())
    data.update({"30280-numerator": "9", "30280-denominator": "10"})
    client.post(row_url("30280"), data, **HTMX)  # the row's own save arrives first
    response = client.post(grid_url(district="883"), {**data, "action": "submit"}, follow=True)
    assert "Đã gửi 1 dòng." in response.content.decode()
    m = Measurement.objects.get(agency__code="30280", period__code=Q2)
    assert (m.numerator, m.status, m.version) == (9, "submitted", 2)


def test_grid_send_counts_the_rows_saved_as_they_were_left(client, staff, measure):
    """Three rows edited on one page: a sent one corrected and a new one, both saved as they
    were left, and one still being typed. "Gửi các dòng đã nhập" sends them all and says 3,
    not only the one it wrote itself."""
    measure(IND, "30280", Q2, 40, 50)
    client.force_login(staff)
    page = grid_inputs(client.get(grid_url(district="883")).content.decode())
    corrected = {**page, "30280-numerator": "41"}
    client.post(row_url("30280"), corrected, **HTMX)  # left: sent again
    fresh = {**corrected, "30283-numerator": "7", "30283-denominator": "8"}
    client.post(row_url("30283"), fresh, **HTMX)  # left: saved as a draft
    typed = {**fresh, "30285-numerator": "5", "30285-denominator": "5", "action": "submit"}
    response = client.post(grid_url(district="883"), typed, follow=True)
    assert "Đã gửi 3 dòng." in response.content.decode()
    statuses = Measurement.objects.filter(period__code=Q2).values_list("status", flat=True)
    assert sorted(statuses) == ["submitted"] * 3


def test_a_refused_row_shows_the_saved_figure_that_still_counts(client, staff, measure):
    """A grid row whose typed values are refused keeps showing the saved figure's rate, marked
    as the saved one: it is still stored and still counts."""
    measure(IND, "30280", Q2, 23, 24)
    client.force_login(staff)
    data = {"30280-numerator": "150", "30280-denominator": "24", "30280-version": "1"}
    page = client.post(row_url("30280"), data, **HTMX).content.decode()
    assert "Tử số không được lớn hơn mẫu số" in page and 'value="150"' in page
    result = page.split('class="grid-result"')[1].split("</td>")[0]
    assert "95,8%" in result and "(số liệu đã lưu)" in result
    assert "Chưa có số liệu" not in result
