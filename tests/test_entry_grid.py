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
