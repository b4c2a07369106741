"""Dashboards (issue 5): access per role, filters, htmx partials, bad values, and that every
number shown is the attainment module's."""

import csv
import io

import pytest
from django.urls import reverse

from indicators.attainment import Scope, Status, results_for
from indicators.dashboard_forms import default_period
from indicators.models import Period
from tests.conftest import make_user

PAGES = [
    reverse("home"),
    reverse("dashboard-target", args=["ho_so_dung_han"]),
    reverse("dashboard-target", args=["par_index"]),
    reverse("dashboard-agency", args=["STP"]),
    reverse("dashboard-district"),
    reverse("dashboard-heatmap"),
]
FILTERS = [
    "",
    "?period=2021-Q1",
    "?period=2021-Q2&mode=quy",
    "?period=2021&level=xa",
    "?period=2021-Q2&district=883",
    "?period=2021-Q2&district=883&level=xa&sort=chua-dat",
]


@pytest.fixture
def figures(measure):
    """Hand-made figures: two quarters for a department, a district and two of its communes,
    a draft that must not count, a note, and the PAR Index for the year."""
    measure("ho_so_dung_han", "STP", "2021-Q1", 98, 100, note="Đúng hạn nhờ một cửa điện tử")
    measure("ho_so_dung_han", "STP", "2021-Q2", 190, 200)
    measure("ho_so_dung_han", "883", "2021-Q1", 950, 1000)
    measure("ho_so_dung_han", "30280", "2021-Q1", 40, 40)
    measure("ho_so_dung_han", "30283", "2021-Q1", 10, 20, status="draft")
    measure("dvc_muc_do_4", "STP", "2021-Q1", 12, 40)
    measure("dvc_muc_do_4", "STP", "2021-Q2", 15, 40)
    measure("par_index", "89", "2021", rank=12, score="81.540", status="approved")


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def viewer(client, leader):
    client.force_login(leader)
    return client


# --- Access -----------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["staff", "leader", "committee"])
@pytest.mark.parametrize("url", PAGES)
def test_dashboard_roles_see_every_page(client, request, persona, url, figures):
    client.force_login(request.getfixturevalue(persona))
    response = client.get(url)
    assert response.status_code == 200
    assert "Số liệu minh họa" not in response.content.decode()  # none of these is demo


PROVINCE_PAGES = [url for url in PAGES[1:] if not url.startswith("/don-vi/")]


@pytest.mark.parametrize("url", PROVINCE_PAGES)
def test_agency_officers_may_not_see_province_wide_dashboards(client, officer_a, url):
    client.force_login(officer_a)
    assert client.get(url).status_code == 403


def test_home_sends_agency_officers_to_their_agency_page(client, officer_b):
    client.force_login(officer_b)
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard-agency", args=["30280"])


def test_home_refuses_a_user_without_any_role(client, db):
    client.force_login(make_user("nobody"))
    assert client.get(reverse("home")).status_code == 403


@pytest.mark.parametrize("url", PAGES)
def test_anonymous_users_are_sent_to_login(client, db, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


# --- Filters, full page and htmx -------------------------------------------------------------


FILTER_CASES = [(PAGES[0], query) for query in FILTERS] + [
    (url, query) for url in PAGES[1:] for query in (FILTERS[2], FILTERS[5])
]


@pytest.mark.parametrize("url, query", FILTER_CASES)
def test_every_filter_full_page_and_htmx(viewer, figures, url, query):
    full = viewer.get(url + query)
    assert full.status_code == 200
    page = full.content.decode()
    assert "<html" in page and 'id="dashboard-body"' in page
    assert "2.021" not in page
    partial = viewer.get(url + query, HTTP_HX_REQUEST="true")
    assert partial.status_code == 200
    fragment = partial.content.decode()
    assert "<html" not in fragment
    assert fragment.lstrip().startswith('<div id="dashboard-body"')
    assert "HX-Request" in partial["Vary"]


def test_htmx_history_restore_gets_the_whole_page(viewer, figures):
    response = viewer.get(
        reverse("home") + "?period=2021-Q1",
        HTTP_HX_REQUEST="true",
        HTTP_HX_HISTORY_RESTORE_REQUEST="true",
    )
    assert "<html" in response.content.decode()


def test_the_form_carries_every_choice_in_the_url(viewer, figures):
    page = viewer.get(reverse("home") + "?period=2021-Q1&mode=quy&level=tinh").content.decode()
    assert 'data-hx-push-url="true"' in page and 'method="get"' in page
    assert '<option value="2021-Q1" selected>' in page
    assert '<option value="quy" selected>' in page
    assert '<option value="tinh" selected>' in page
    # links to details keep the choices
    assert "/chi-tieu/ho_so_dung_han/?period=2021-Q1&amp;mode=quy&amp;level=tinh" in page


BAD_VALUES = [
    ("?period=2099-Q1", "Không có kỳ báo cáo “2099-Q1”"),
    ("?level=thon", "không hợp lệ"),
    ("?district=99999", "Không có huyện, thị xã, thành phố mã “99999”"),
    ("?mode=ca-nam", "không hợp lệ"),
    ("?sort=abc", "không hợp lệ"),
]
BAD_CASES = [(PAGES[0], *bad) for bad in BAD_VALUES] + [
    (url, *BAD_VALUES[i % len(BAD_VALUES)]) for i, url in enumerate(PAGES[1:])
]


@pytest.mark.parametrize("url, query, message", BAD_CASES)
def test_bad_filter_values_give_a_clear_400(viewer, url, query, message):
    response = viewer.get(url + query)
    assert response.status_code == 400
    assert message in response.content.decode()


@pytest.mark.parametrize(
    "url",
    [
        reverse("dashboard-target", args=["khong_co"]),
        reverse("dashboard-agency", args=["KHONGCO"]),
        reverse("home") + "?csv=khong-co",
    ],
)
def test_unknown_target_agency_or_table_is_404(viewer, url):
    assert viewer.get(url).status_code == 404


def test_a_district_level_unit_is_a_valid_district_but_a_commune_is_not(viewer, figures):
    assert viewer.get(reverse("dashboard-district") + "?district=883").status_code == 200
    assert viewer.get(reverse("dashboard-district") + "?district=30280").status_code == 400


# --- The numbers are the attainment module's --------------------------------------------------


def read_csv(response):
    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def test_overview_numbers_equal_the_attainment_module(viewer, figures, plan, periods):
    q2 = periods["2021-Q2"]
    results = results_for(plan, q2, Scope.province())
    page = viewer.get(reverse("home") + "?period=2021-Q2").content.decode()
    dung_han = next(r for r in results if r.target.code == "ho_so_dung_han")
    # 98 + 190 + 950 + 40 over 100 + 200 + 1000 + 40; the draft does not count
    assert (dung_han.numerator, dung_han.denominator) == (1278, 1340)
    assert "95,3%" in page and dung_han.actual_text == "95,3%"
    assert "1.278 / 1.340 hồ sơ" in page
    assert f"{dung_han.reported}/{dung_han.expected} đơn vị" in page
    met = sum(r.status == Status.MET for r in results if r.applies)
    assert f"{met}/14 chỉ tiêu đạt" in page
    assert "Kế hoạch số 829/KH-UBND" in page

    rows = read_csv(viewer.get(reverse("home") + "?period=2021-Q2&csv=ty-le"))
    assert rows[0] == [
        "Chỉ tiêu",
        "Kết quả",
        "Mục tiêu",
        "Trạng thái",
        "Chênh lệch",
        "Số liệu",
        "Đã báo cáo",
    ]
    by_name = {row[0]: row for row in rows[1:]}
    rates = [r for r in results if not r.is_rank]
    assert len(by_name) == len(rates)
    for r in rates:
        from indicators.charts import csv_cell, target_label

        row = by_name[target_label(r.target)]
        assert row[1:6] == [
            r.actual_text,
            r.target.goal_text,
            r.status.label,
            csv_cell(r.gap_text),  # "+7,5 điểm %" would be a formula: "'+7,5 điểm %"
            r.counts_text,
        ]


def test_overview_groups_cards_by_focus_area(viewer, figures):
    page = viewer.get(reverse("home") + "?period=2021").content.decode()
    assert page.index("Cải cách thủ tục hành chính") < page.index("98% thủ tục hành chính trả")
    assert page.index("Chính quyền số") < page.index("Tối thiểu 30% dịch vụ công")
    assert "12/63" in page and "+3 bậc" in page


def test_per_quarter_mode_shows_the_quarter_alone(viewer, figures):
    page = viewer.get(
        reverse("dashboard-agency", args=["STP"]) + "?period=2021-Q2&mode=quy"
    ).content.decode()
    assert "95,0%" in page  # 190/200, Q2 alone
    assert "190 / 200 hồ sơ" in page
    cumulative = viewer.get(reverse("dashboard-agency", args=["STP"]) + "?period=2021-Q2")
    assert "288 / 300 hồ sơ" in cumulative.content.decode()  # Q1 + Q2


def test_target_page_ranks_agencies_worst_first_and_lists_those_without_data(viewer, figures):
    url = reverse("dashboard-target", args=["ho_so_dung_han"])
    rows = read_csv(viewer.get(url + "?period=2021-Q1&level=huyen&csv=xep-hang"))
    assert [row[0] for row in rows[1:]] == ["Thành phố Long Xuyên"]
    assert rows[1][1] == "95,0%" and rows[1][3] == "Chưa đạt"
    page = viewer.get(url + "?period=2021-Q1&level=huyen").content.decode()
    assert "Đơn vị chưa báo cáo Quý I/2021 (10)" in page
    assert "Huyện Thoại Sơn" in page
    rows = read_csv(viewer.get(url + "?period=2021-Q1&district=883&csv=xep-hang"))
    assert [row[0] for row in rows[1:]] == ["Thành phố Long Xuyên", "Phường Mỹ Bình"]


def test_target_page_breaks_down_by_level(viewer, figures):
    url = reverse("dashboard-target", args=["ho_so_dung_han"])
    rows = read_csv(viewer.get(url + "?period=2021-Q1&csv=theo-cap"))
    assert [row[:2] for row in rows[1:]] == [
        ["Cấp tỉnh", "98,0%"],
        ["Cấp huyện", "95,0%"],
        ["Cấp xã", "100,0%"],
    ]


def test_target_page_states_formula_outlook_and_method(viewer, figures):
    page = viewer.get(
        reverse("dashboard-target", args=["ho_so_dung_han"]) + "?period=2021-Q1"
    ).content.decode()
    assert "Số hồ sơ TTHC trả kết quả đúng hạn ÷ Tổng số hồ sơ TTHC đã giải quyết" in page
    # 1088/1140 so far (95,4%); 3 more quarters of 1140 each must bring the year to 98%
    assert "Để đạt 98% cả năm, các quý II, III và IV cần đạt bình quân ít nhất 98,9%." in page
    assert "Dự báo cuối năm" in page and "ước tính" in page and "Cách tính" in page


def test_index_page_shows_rank_history(viewer, figures):
    url = reverse("dashboard-target", args=["par_index"])
    rows = read_csv(viewer.get(url + "?csv=lich-su-xep-hang"))
    assert rows[1] == ["Năm 2021", "12/63", "81,54", "Đạt"]


def test_agency_page_shows_position_notes_and_quarters(viewer, figures, measure):
    measure("ho_so_dung_han", "STC", "2021-Q1", 99, 100)
    page = viewer.get(reverse("dashboard-agency", args=["STP"]) + "?period=2021-Q1")
    text = page.content.decode()
    assert "Đúng hạn nhờ một cửa điện tử" in text
    rows = read_csv(
        viewer.get(reverse("dashboard-agency", args=["STP"]) + "?period=2021-Q1&csv=theo-quy")
    )
    first = rows[1]
    assert first[0] == "98% thủ tục hành chính trả kết quả đúng hạn"
    assert first[-1] == "2/2"  # behind Sở Tài chính's 99%
    assert rows[0][1] == "Quý I/2021"


def test_heatmap_sorts_by_targets_missed(viewer, figures, measure):
    measure("ho_so_dung_han", "30283", "2021-Q2", 1, 10)
    measure("hai_long_ket_qua", "30283", "2021-Q2", 1, 10)
    url = (
        reverse("dashboard-heatmap") + "?period=2021-Q2&district=883&sort=chua-dat&csv=ban-do-nhiet"
    )
    rows = read_csv(viewer.get(url))
    assert rows[0][:2] == ["Đơn vị", "Số chỉ tiêu chưa đạt"]
    assert rows[1][:2] == ["Phường Mỹ Long", "2"]
    assert [row[1] for row in rows[1:]] == sorted([row[1] for row in rows[1:]], reverse=True)
    unsorted = read_csv(viewer.get(url.replace("&sort=chua-dat", "")))
    assert unsorted[1][0] == "Thành phố Long Xuyên"


def test_heatmap_level_filter(viewer, figures):
    rows = read_csv(viewer.get(reverse("dashboard-heatmap") + "?level=huyen&csv=ban-do-nhiet"))
    assert len(rows) == 1 + 11


def test_district_view_covers_district_and_communes(viewer, figures):
    page = viewer.get(reverse("dashboard-district") + "?district=883&period=2021-Q1")
    text = page.content.decode()
    assert "Thành phố Long Xuyên" in text and "Phường Mỹ Bình" in text
    assert "Huyện An Phú" not in text.split('id="dashboard-body"')[1].split("</select>")[-1]
    rows = read_csv(
        viewer.get(reverse("dashboard-district") + "?district=883&period=2021-Q1&csv=tong-hop")
    )
    dung_han = rows[1]
    assert dung_han[1] == "95,1%"  # (950 + 40) / 1040 = 95,19%, rounded down
    assert dung_han[5] == "990 / 1.040 hồ sơ"


def test_demo_figures_are_marked_on_charts_and_tables(viewer, measure):
    from indicators.models import Measurement

    m = measure("ho_so_dung_han", "STP", "2021-Q1", 98, 100)
    Measurement.objects.filter(pk=m.pk).update(is_demo=True)
    page = viewer.get(reverse("home") + "?period=2021-Q1").content.decode()
    assert "SỐ LIỆU MINH HỌA" in page  # the banner
    assert page.count("Số liệu minh họa") >= 3  # summary, chart head, table caption
    rows = read_csv(viewer.get(reverse("home") + "?period=2021-Q1&csv=ty-le"))
    assert rows[-1] == ["Số liệu minh họa"]


def test_charts_are_json_script_with_vietnamese_separators(viewer, figures):
    page = viewer.get(reverse("home") + "?period=2021-Q2").content.decode()
    assert '<script id="fig-ty-le" type="application/json">' in page
    assert '"separators": ",."' in page
    assert "plotly/plotly-basic.min.js" in page and "//cdn" not in page.lower()
    assert "js/charts.js" in page


@pytest.mark.parametrize("url", PAGES)
@pytest.mark.parametrize("query", ["?period=2021-Q2", "?period=2021&level=xa&district=883"])
def test_each_page_loads_a_plotly_bundle_that_draws_all_its_traces(viewer, figures, url, query):
    """Issue 7: pages load the smallest plotly.js bundle that has their trace types; a page
    whose figures need another type (a heatmap on the overview, say) must load the full one."""
    import json
    import re

    from reform_plan.staticfiles import PLOTLY_BUNDLES

    page = viewer.get(url + query).content.decode()
    bundles = set(re.findall(r'src="/static/plotly/([\w.-]+?)(?:\.[0-9a-f]{12})?\.min\.js"', page))
    preloads = set(
        re.findall(r'href="/static/plotly/([\w.-]+?)(?:\.[0-9a-f]{12})?\.min\.js"', page)
    )
    assert len(bundles) == 1 and preloads == bundles, (bundles, preloads)
    drawn = PLOTLY_BUNDLES[bundles.pop() + ".min.js"]
    figures_json = re.findall(
        r'<script id="fig-[^"]+" type="application/json">(.*?)</script>', page, re.S
    )
    assert figures_json
    types = {trace["type"] for f in figures_json for trace in json.loads(f)["data"]}
    assert drawn is None or types <= drawn, types - drawn
    # the heatmap and district pages draw heatmaps; the overview, target and agency pages do not
    assert ("heatmap" in types) == (
        url in (reverse("dashboard-heatmap"), reverse("dashboard-district"))
    )


def test_plotly_bundles_fall_back_to_the_next_larger_file(settings, tmp_path):
    from reform_plan import staticfiles

    finder = staticfiles.PlotlyFinder()
    settings.BASE_DIR = tmp_path
    folder = staticfiles.partial_dir()
    package = str(staticfiles.PACKAGE_BUNDLE)
    # nothing fetched: both paths serve the plotly package's full bundle
    assert finder.find("plotly/plotly-basic.min.js") == package
    assert finder.find("plotly/plotly.min.js") == package
    assert finder.find("plotly/package.json") is None and finder.find("other/plotly.min.js") is None
    folder.mkdir(parents=True)
    (folder / "plotly.min.js").write_text("/* cartesian */")
    assert finder.find("plotly/plotly-basic.min.js") == str(folder / "plotly.min.js")
    (folder / "plotly-basic.min.js").write_text("/* basic */")
    assert finder.find("plotly/plotly-basic.min.js") == str(folder / "plotly-basic.min.js")
    assert finder.find("plotly/plotly.min.js") == str(folder / "plotly.min.js")
    # collectstatic copies each under the name it is served as
    (folder / "plotly-basic.min.js").unlink()
    listed = {name: storage.path(name) for name, storage in finder.list([])}
    assert listed == {
        "plotly-basic.min.js": str(folder / "plotly.min.js"),
        "plotly.min.js": str(folder / "plotly.min.js"),
    }


# --- Default period ---------------------------------------------------------------------------


def test_default_period_is_latest_quarter_with_data_or_the_year_after_q4(db, periods, measure):
    ordered = list(Period.objects.filter(year=2021))
    assert default_period(ordered, set()) == periods["2021"]
    assert default_period(ordered, {periods["2021-Q2"].pk}) == periods["2021-Q2"]
    assert default_period(ordered, {periods["2021-Q4"].pk}) == periods["2021"]


def test_overview_opens_on_the_latest_period_with_data(viewer, figures):
    page = viewer.get(reverse("home")).content.decode()
    assert '<option value="2021-Q2" selected>' in page
    assert "Lũy kế: 6 tháng đầu năm 2021" in page


def test_per_quarter_view_of_the_year_says_it_is_the_fourth_quarter(client, leader, measure):
    measure("ho_so_dung_han", "STP", "2021-Q4", 99, 100)
    client.force_login(leader)
    page = client.get("/", {"period": "2021", "mode": "quy"}).content.decode()
    assert "Riêng Quý IV/2021 (không cộng dồn)" in page


# --- CSV downloads are safe to open in a spreadsheet ------------------------------------------


@pytest.mark.parametrize(
    ("text", "written"),
    [
        ('=HYPERLINK("http://x","y")', '\'=HYPERLINK("http://x","y")'),
        ("+1,2 điểm %", "'+1,2 điểm %"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        # plain numbers in our notation stay numbers
        ("-5", "-5"),
        ("+3", "+3"),
        ("-1.234,5", "-1.234,5"),
        ("98,5%", "98,5%"),
        ("−0,5 điểm %", "−0,5 điểm %"),  # a real minus sign: no spreadsheet runs it
        ("Sở Tư pháp", "Sở Tư pháp"),
    ],
)
def test_csv_cells_never_start_a_formula(text, written):
    from indicators.charts import csv_cell

    assert csv_cell(text) == written


def test_an_agency_named_like_a_formula_is_text_in_the_csv(viewer, figures):
    from indicators.models import Agency

    Agency.objects.filter(code="883").update(name='=HYPERLINK("http://x.invalid","Bấm")')
    url = reverse("dashboard-target", args=["ho_so_dung_han"])
    rows = read_csv(viewer.get(url + "?period=2021-Q1&level=huyen&csv=xep-hang"))
    assert rows[1][0] == '\'=HYPERLINK("http://x.invalid","Bấm")'
    assert rows[1][1] == "95,0%"
    rows = read_csv(viewer.get(reverse("dashboard-heatmap") + "?period=2021-Q1&csv=ban-do-nhiet"))
    names = [row[0] for row in rows[1:]]
    assert '\'=HYPERLINK("http://x.invalid","Bấm")' in names
    assert not [cell for row in rows for cell in row if cell.startswith(("=", "+", "@"))]
