"""The steering committee's report: narrative, contents, options, access, Excel and PDF."""

import io
import re
import shutil
import subprocess

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from indicators.attainment import Scope
from indicators.models import Agency, Measurement, Period
from indicators.report import build_report, latest_period_with_data
from targets.models import Plan, Target
from tests.conftest import IN_CI


@pytest.fixture
def q2_figures(measure):
    """Sở Tư pháp's figures up to Q2/2021, computed by hand:
    - ho_so_dung_han: (98 + 100) / (100 + 100) = 99%        → đạt
    - hai_long_ket_qua: 97 / 100 = 97%                      → gần đạt (band 96–98)
    - hai_long_phuc_vu: 90 / 100 = 90%                      → chưa đạt
    - dvc_muc_do_4: 3 / 10 = 30% exactly                    → đạt
    - everything else: no figure                            → chưa có số liệu (10 targets)
    A draft with a note never counts and its note is never shown."""
    measure("ho_so_dung_han", "STP", "2021-Q1", 98, 100)
    measure("ho_so_dung_han", "STP", "2021-Q2", 100, 100, status="approved")
    measure("hai_long_ket_qua", "STP", "2021-Q2", 97, 100)
    measure("hai_long_phuc_vu", "STP", "2021-Q2", 90, 100, note="Khảo sát trong mùa dịch.")
    measure("dvc_muc_do_4", "STP", "2021-Q2", 3, 10)
    measure("ho_so_truc_tuyen", "SNV", "2021-Q2", 1, 100, status="draft", note="Nháp bí mật")


def _report(code="2021-Q2", scope=None, annex=False):
    return build_report(
        Plan.objects.get(year=2021),
        Period.objects.get(code=code),
        scope or Scope.province(),
        annex=annex,
    )


def test_narrative_says_exactly_the_right_counts_and_names(q2_figures):
    paragraphs = _report().narrative
    assert paragraphs[0] == (
        "Đến hết quý II/2021, có 2/14 chỉ tiêu đạt, 1 chỉ tiêu gần đạt, "
        "1 chỉ tiêu chưa đạt và 10 chỉ tiêu chưa có số liệu."
    )
    assert paragraphs[1] == (
        "Các chỉ tiêu đạt: Hồ sơ TTHC đúng hạn (99,0%, mục tiêu ≥ 98%); "
        "DVC trực tuyến mức độ 4 (30,0%, mục tiêu ≥ 30%)."
    )
    assert paragraphs[2] == "Các chỉ tiêu gần đạt: Hài lòng về kết quả (97,0%, mục tiêu ≥ 98%)."
    assert paragraphs[3] == (
        "Các chỉ tiêu chưa đạt: Hài lòng về sự phục vụ (90,0%, mục tiêu ≥ 98%)."
    )
    assert paragraphs[4].startswith("Chưa có số liệu: TTHC triển khai DVC mức 3, 4; ")
    assert "Hồ sơ công việc trên mạng (cấp huyện)" in paragraphs[4]
    assert paragraphs[4].endswith("chỉ có kết quả theo năm.")
    # 187 agencies owe quarterly figures (the province owes only the annual indices);
    # Sở Tư pháp sent 4 of its 8, nobody else sent anything.
    assert paragraphs[5] == (
        "Về báo cáo số liệu quý II/2021: 0/187 đơn vị đã gửi đủ số liệu; "
        "187 đơn vị chưa gửi hoặc gửi chưa đủ (xem mục IV)."
    )


def test_laggards_notes_and_missing_agencies(q2_figures):
    report = _report()
    phuc_vu = Target.objects.get(code="hai_long_phuc_vu")
    lag = report.laggards[phuc_vu.pk]
    assert [(row.agency.code, row.result.actual_text) for row in lag] == [("STP", "90,0%")]
    assert [(n.agency.code, n.note) for n in report.notes] == [("STP", "Khảo sát trong mùa dịch.")]
    stp = next(row for row in report.missing if row.agency.code == "STP")
    assert (stp.missing, stp.expected) == (4, 8)


def _section(page: str, start: str, end: str) -> str:
    return page[page.index(start) : page.index(end, page.index(start))]


def test_section_iv_names_forty_agencies_and_counts_the_rest_per_level(
    client, committee, q2_figures
):
    """187 agencies owe Q2 figures and only Sở Tư pháp sent some (4 of 8): section IV counts
    them per level, names the first 40 (departments first, in the province's order), and says
    how many more; the full list is annex II when the annex is printed."""
    from indicators.report import MISSING_LISTED

    report = _report()
    levels = [(r.label, r.expected, r.missing) for r in report.reporting_by_level]
    departments = Agency.objects.filter(level="tinh").count()
    assert levels == [
        ("Cấp tỉnh", departments, departments),
        ("Cấp huyện", 11, 11),
        ("Cấp xã", 156, 156),
    ]
    assert len(report.missing) == 187 and MISSING_LISTED == 40
    assert report.missing_listed == report.missing[:40]
    assert report.missing_not_listed == 147
    assert [row.agency.level for row in report.missing_listed[: departments + 1]] == (
        ["tinh"] * departments + ["huyen"]
    )
    client.force_login(committee)
    page = client.get(reverse("report"), {"period": "2021-Q2"}).content.decode()
    section = _section(page, "IV. TÌNH HÌNH BÁO CÁO SỐ LIỆU", "V. GIẢI TRÌNH")
    assert "187/187 đơn vị chưa gửi hoặc gửi chưa đủ số liệu quý II/2021" in section
    assert section.count('<td class="c">156</td>') == 2  # communes: owing, and late
    assert section.count('<tr><td class="c">') == 40  # numbered rows: 1..40
    assert '<td>Sở Tư pháp</td><td>Cấp tỉnh</td><td class="c">4/8</td>' in section
    assert "… và 147 đơn vị khác; danh sách đầy đủ trên trang" in section
    assert "PHỤ LỤC II" not in page

    page = client.get(reverse("report"), {"period": "2021-Q2", "annex": "on"}).content.decode()
    section = _section(page, "IV. TÌNH HÌNH BÁO CÁO SỐ LIỆU", "V. GIẢI TRÌNH")
    assert "… và 147 đơn vị khác (danh sách đầy đủ tại Phụ lục II)." in section
    annex = page[page.index("PHỤ LỤC II") :]
    assert annex.count('<tr><td class="c">') == 187
    last_commune = report.missing[-1].agency.name
    assert last_commune in annex and last_commune not in section


def test_section_iv_lists_everyone_when_few_are_missing(db):
    """A district scope: the district and its communes; under 40, all named, no count line."""
    report = _report(scope=Scope.district(Agency.objects.get(code="883")))
    assert 0 < len(report.missing) <= 40
    assert report.missing_listed == report.missing and report.missing_not_listed == 0


def test_district_scope_counts_only_targets_that_apply(measure):
    measure("ho_so_dung_han", "883", "2021-Q1", 49, 50)  # exactly 98%
    measure("ho_so_dung_han", "30280", "2021-Q1", 0, 0)  # không phát sinh
    report = _report("2021-Q1", Scope.district(Agency.objects.get(code="883")))
    assert len(report.applicable) == 6
    assert report.narrative[0] == (
        "Đến hết quý I/2021 (Thành phố Long Xuyên (gồm các đơn vị cấp xã)), có 1/6 chỉ tiêu "
        "đạt và 5 chỉ tiêu chưa có số liệu."
    )
    assert report.agencies_expected == 14


def test_annual_report_uses_the_indices(measure):
    measure("par_index", "89", "2021", rank=12)
    measure("pci", "89", "2021", rank=21, status="draft")
    report = _report("2021")
    by_code = {r.target.code: r for r in report.results}
    assert by_code["par_index"].actual_text == "12/63"
    assert by_code["pci"].rank is None  # a draft never counts
    assert "PAR Index (12/63, mục tiêu Nhóm 15/63)" in report.narrative[1]


def test_latest_period_with_data(measure):
    assert latest_period_with_data() is None
    measure("ho_so_dung_han", "STP", "2021-Q3", 1, 1)
    measure("ho_so_dung_han", "STP", "2021-Q4", 1, 1, status="draft")
    assert latest_period_with_data().code == "2021-Q3"
    measure("ho_so_dung_han", "SNV", "2021-Q4", 1, 1)
    assert latest_period_with_data().code == "2021"  # Q4 done: the whole year


# --- The page -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "persona, status", [("staff", 200), ("committee", 200), ("leader", 403), ("officer_a", 403)]
)
@pytest.mark.parametrize("name", ["report", "report-excel"])
def test_who_may_see_the_report(client, request, q2_figures, persona, status, name):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse(name), {"period": "2021-Q2"}).status_code == status


def test_anonymous_is_sent_to_login(client, db):
    response = client.get(reverse("report"))
    assert response.status_code == 302 and "/dang-nhap/" in response["Location"]


def test_report_page_has_the_official_layout_and_options(client, committee, q2_figures):
    client.force_login(committee)
    page = client.get(reverse("report"), {"period": "2021-Q2", "annex": "on"}).content.decode()
    for text in [
        "UBND TỈNH AN GIANG",
        "BAN CHỈ ĐẠO",
        "CẢI CÁCH HÀNH CHÍNH",
        "/BC-BCĐ",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "An Giang, ngày",
        "BÁO CÁO",
        "Kết quả thực hiện các chỉ tiêu cải cách hành chính năm 2021",
        "theo Kế hoạch số 829/KH-UBND, quý II/2021",
        "TM. BAN CHỈ ĐẠO",
        "TRƯỞNG BAN",
        "KIẾN NGHỊ, ĐỀ XUẤT",
        "PHỤ LỤC",
        "Phụ lục theo đơn vị: <strong>có</strong>",
        "Số liệu tính đến",
        "Khảo sát trong mùa dịch.",
    ]:
        assert text in page, text
    assert "Nháp bí mật" not in page
    for target in Target.objects.all():
        assert target.name in page
    assert re.search(r"Số liệu tính đến <strong>\d\d:\d\d ngày \d\d/\d\d/\d{4}</strong>", page)


def test_report_page_defaults_to_latest_period(client, committee, measure):
    measure("ho_so_dung_han", "STP", "2021-Q3", 1, 1)
    client.force_login(committee)
    page = client.get(reverse("report")).content.decode()
    assert "Kỳ: <strong>Quý III/2021</strong>" in page
    assert "PHỤ LỤC" not in page


def test_report_without_any_data_says_so(client, committee):
    client.force_login(committee)
    response = client.get(reverse("report"))
    assert response.status_code == 200
    assert "Chưa có số liệu nào" in response.content.decode()


@pytest.mark.parametrize(
    "query, message",
    [
        ({"period": "2030-Q9"}, "Không có kỳ báo cáo “2030-Q9”"),
        ({"scope": "STP"}, "Không có đơn vị cấp huyện mã “STP”"),
    ],
)
def test_bad_options_get_a_clear_message(client, committee, query, message):
    client.force_login(committee)
    response = client.get(reverse("report"), query)
    assert response.status_code == 400
    assert message in response.content.decode()


def test_demo_figures_are_labelled_on_the_report(client, committee, measure):
    m = measure("ho_so_dung_han", "STP", "2021-Q1", 1, 1)
    Measurement.objects.filter(pk=m.pk).update(is_demo=True)
    client.force_login(committee)
    page = client.get(reverse("report"), {"period": "2021-Q1"}).content.decode()
    assert "SỐ LIỆU MINH HỌA</strong> – số liệu đơn vị trong báo cáo" in page


def test_report_query_count_does_not_grow_with_agencies(client, committee, q2_figures, measure):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(committee)
    options = {"period": "2021", "annex": "on"}
    client.get(reverse("report"), options)  # warm the session
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("report"), options)
    for agency in Agency.objects.filter(level="xa")[:40]:
        measure("ho_so_dung_han", agency.code, "2021-Q1", 9, 10, note="Chậm do mưa lũ")
        measure("ho_so_truc_tuyen", agency.code, "2021-Q2", 3, 10)
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("report"), options)
    assert len(many) == len(few) <= 45


def test_excel_export_has_the_table(client, staff, q2_figures):
    client.force_login(staff)
    response = client.get(reverse("report-excel"), {"period": "2021-Q2"})
    assert 'filename="bao-cao-cchc-2021-Q2-toan-tinh.xlsx"' in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    header = rows.index(
        tuple(
            [
                "STT",
                "Mã chỉ tiêu",
                "Chỉ tiêu",
                "Mục tiêu",
                "Tử số",
                "Mẫu số",
                "Kết quả",
                "Đánh giá",
                "Chênh lệch",
                "Đơn vị đã báo cáo",
                "Đơn vị phải báo cáo",
            ]
        )
    )
    table = {row[1]: row for row in rows[header + 1 :]}
    assert len(table) == 14
    assert table["ho_so_dung_han"][4:9] == (198, 200, 99.0, "Đạt", 1.0)
    assert table["hai_long_phuc_vu"][6:9] == (90.0, "Chưa đạt", -8.0)
    assert table["par_index"][6:8] == (None, "Chưa có số liệu")


# --- PDF ----------------------------------------------------------------------------------------


def weasyprint_or_skip():
    try:
        import weasyprint  # noqa: F401
    except OSError as exc:  # Pango missing
        if IN_CI:
            pytest.fail(f"WeasyPrint cannot load Pango in CI: {exc}")
        pytest.skip(f"PANGO NOT FOUND: PDF tests skipped ({exc})")


def test_pdf_is_a4_with_every_target_and_intact_diacritics(client, committee, q2_figures, tmp_path):
    weasyprint_or_skip()
    from pypdf import PdfReader

    client.force_login(committee)
    response = client.get(reverse("report-pdf"), {"period": "2021-Q2", "annex": "on"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    for page in reader.pages:
        width, height = float(page.mediabox.width), float(page.mediabox.height)
        assert (round(width), round(height)) == (595, 842)  # A4 in points
    text = " ".join(" ".join(page.extract_text().split()) for page in reader.pages)
    assert "Kết quả thực hiện các chỉ tiêu cải cách hành chính năm 2021" in text
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    assert "Trang 1/" in text
    for target in Target.objects.all():
        assert " ".join(target.name.split()) in text, target.code
    assert "Hài lòng về sự phục vụ" in text  # chart labels are text too

    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(response.content)
    if not shutil.which("pdftoppm"):
        if IN_CI:
            pytest.fail("pdftoppm is missing in CI (apt-get install poppler-utils)")
        pytest.skip("PDFTOPPM NOT FOUND: the PDF was not turned into images")
    subprocess.run(
        ["pdftoppm", "-r", "40", "-png", "-f", "1", "-l", "2", str(pdf), str(tmp_path / "page")],
        check=True,
        timeout=60,
    )
    pngs = sorted(tmp_path.glob("page-*.png"))
    assert len(pngs) == 2 and all(p.stat().st_size > 5000 for p in pngs)


def _chart_two_labels(pdf, tmp_path, dpi=150):
    """The value labels of chart 2 on its PDF page, as (text, dark pixels inside the word's
    box): the words ``pdftotext -bbox`` finds between chart 1's caption (when on the same
    page) and chart 2's, and the page drawn by ``pdftoppm`` in grey."""
    from xml.etree import ElementTree

    from PIL import Image
    from pypdf import PdfReader

    reader = PdfReader(str(pdf))
    number = next(i for i, p in enumerate(reader.pages, 1) if "Biểu đồ 2." in p.extract_text())
    pages = ["-f", str(number), "-l", str(number)]
    xml = subprocess.run(
        ["pdftotext", "-bbox", *pages, str(pdf), "-"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    xml = re.sub(r"<!DOCTYPE[^>]*>", "", xml).replace('xmlns="http://www.w3.org/1999/xhtml"', "")
    words = [
        (w.text or "", *(float(w.get(k)) for k in ("xMin", "yMin", "xMax", "yMax")))
        for w in ElementTree.fromstring(xml).iter("word")
    ]

    def caption(n):
        return next(
            (w for i, w in enumerate(words[:-2]) if w[0] == "Biểu" and words[i + 2][0] == n),
            None,
        )

    top = caption("1.")[4] if caption("1.") else 0
    bottom = caption("2.")[2]
    labels = [w for w in words if re.fullmatch(r"\d+,\d%", w[0]) and top < w[2] and w[4] <= bottom]
    subprocess.run(
        ["pdftoppm", "-r", str(dpi), "-gray", "-png", *pages, str(pdf), str(tmp_path / "chart")],
        check=True,
        timeout=60,
    )
    image = Image.open(next(tmp_path.glob("chart*.png"))).convert("L")
    scale = dpi / 72
    out = []
    for text, x0, y0, x1, y1 in labels:
        box = (int(x0 * scale), int(y0 * scale), int(x1 * scale) + 1, int(y1 * scale) + 1)
        out.append((text, sum(v < 128 for v in image.crop(box).get_flattened_data())))
    return out


def test_pdf_chart_two_shows_its_numbers(client, committee, q2_figures, tmp_path):
    """Chart 2's value labels are in the PDF's text *and* drawn: WeasyPrint ignores
    ``paint-order``, so a white halo stroke once painted over every number."""
    weasyprint_or_skip()
    for tool in ("pdftoppm", "pdftotext"):
        if not shutil.which(tool):
            if IN_CI:
                pytest.fail(f"{tool} is missing in CI (apt-get install poppler-utils)")
            pytest.skip(f"{tool.upper()} NOT FOUND: the PDF chart was not checked")
    from indicators.formatting import format_percent

    client.force_login(committee)
    response = client.get(reverse("report-pdf"), {"period": "2021-Q2"})
    assert response.status_code == 200
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(response.content)

    report = _report()
    applicable = {r.target.pk for r in report.rate_results}
    expected = sorted(
        format_percent(r.value)
        for pk, results in report.trend.items()
        if pk in applicable
        for r in results
        if r.value is not None
    )
    assert "98,0%" in expected and "99,0%" in expected and "97,0%" in expected
    labels = _chart_two_labels(pdf, tmp_path)
    assert sorted(text for text, _ink in labels) == expected
    # each number is ink on paper (about 100 dark pixels at 150 dpi; white-on-white: < 50)
    faint = [(text, ink) for text, ink in labels if ink < 70]
    assert not faint, faint


def test_pdf_permissions(client, leader, db):
    client.force_login(leader)
    assert client.get(reverse("report-pdf")).status_code == 403


def test_report_stays_vietnamese_for_an_english_user(client, committee, q2_figures, settings):
    client.force_login(committee)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(reverse("report"), {"period": "2021-Q2"}).content.decode()
    assert "Đến hết quý II/2021, có 2/14 chỉ tiêu đạt" in page
    assert "Kỳ: <strong>Quý II/2021</strong>" in page
    document = page[page.index('<article class="report-doc"') : page.index("</article>")]
    assert "Whole province" not in document and "Q2 2021" not in document
