"""Every page counts the same agencies: the target page, its "not reported" list, the overview
card, the report's table, summary and section IV, and the completeness page of the reporting
quarter. A result that leaves out an agency's quarters says so wherever it is shown.

Hand-made figures for 2021 (the year, cumulative; 187 agencies owe quarterly figures, the
province owes only the indices):

- Sở Tư pháp (STP): dossiers on time in all four quarters, services (a stock) in Q4;
- Sở Y tế (SYT): dossiers Q1–Q3, services Q3: its Q4 is missing;
- Long Xuyên (883): dossiers Q1, Q3 and Q4: its Q2 is missing;
- Phường Mỹ Bình (30280): a Q4 draft only, which does not count;
- the province (89): the PAR Index for the year.
"""

import csv
import io

import pytest
from django.urls import reverse

from indicators import workflow
from indicators.attainment import Scope, results_by_agency, results_for
from indicators.models import Agency, Period
from indicators.report import build_report

DOSSIERS = "ho_so_dung_han"
SERVICES = "dvc_muc_do_4"


@pytest.fixture
def figures(measure):
    for quarter in (1, 2, 3, 4):
        measure(DOSSIERS, "STP", f"2021-Q{quarter}", 99, 100)
    for quarter in (1, 2, 3):
        measure(DOSSIERS, "SYT", f"2021-Q{quarter}", 100, 100)
    for quarter in (1, 3, 4):
        measure(DOSSIERS, "883", f"2021-Q{quarter}", 90, 100)
    measure(DOSSIERS, "30280", "2021-Q4", 10, 10, status="draft")
    measure(SERVICES, "STP", "2021-Q4", 20, 40)
    measure(SERVICES, "SYT", "2021-Q3", 30, 40)
    measure("par_index", "89", "2021", rank=12, score="81.540", status="approved")


@pytest.fixture
def viewer(client, leader):
    client.force_login(leader)
    return client


def result_of(plan, code, target, scope=None):
    period = Period.objects.get(code=code)
    results = results_for(plan, period, scope or Scope.province())
    return next(r for r in results if r.target.code == target)


def test_one_count_per_quantity_on_every_page(plan, figures, viewer, staff, client):
    year = Period.objects.get(code="2021")
    dossiers = result_of(plan, "2021", DOSSIERS)
    expected = Agency.objects.active().filter(level__in=["tinh", "huyen", "xa"]).count()
    assert (dossiers.reported, dossiers.expected) == (2, expected)  # STP and Long Xuyên

    # the report: its table, and its summary and section IV on the same agencies
    report = build_report(plan, year, Scope.province())
    row = next(r for r in report.results if r.target.code == DOSSIERS)
    assert (row.reported, row.expected) == (2, expected)
    assert report.agencies_expected == expected  # the province owes no quarter's figures
    sent_all = expected - len(report.missing)

    # the target page: the count, and exactly the agencies it leaves out, named
    page = viewer.get(reverse("dashboard-target", args=[DOSSIERS]) + "?period=2021")
    text = page.content.decode()
    assert f"2/{expected} đơn vị" in text
    not_reported = page.context["not_reported"]
    assert len(not_reported) == expected - 2
    assert f"Đơn vị chưa báo cáo Quý IV/2021 ({expected - 2})" in text
    names = {agency.code: r for agency, r in not_reported}
    assert "STP" not in names and "883" not in names
    assert names["SYT"].coverage_text == "Số liệu đến Quý III/2021"
    assert names["30280"].coverage_text == ""  # a draft: nothing counted at all
    assert "Số liệu đến Quý III/2021" in text

    # the overview card
    overview = viewer.get(reverse("home") + "?period=2021").content.decode()
    assert f"2/{expected} đơn vị" in overview

    # the completeness page of the reporting quarter counts the same figures and agencies
    q4 = Period.objects.get(code="2021-Q4")
    completeness = workflow.completeness_for(q4, Agency.objects.active())
    column = next(i for i, ind in enumerate(completeness.indicators) if ind.code == DOSSIERS)
    received = [line for line in completeness.lines if line.cells[column].received]
    assert len(received) == dossiers.reported
    owing = [line for line in completeness.lines if line.tally.expected]
    assert len(owing) == report.agencies_expected
    assert len([line for line in owing if line.complete]) == sent_all
    assert f"{sent_all}/{expected} đơn vị đã gửi đủ số liệu" in " ".join(report.narrative)

    client.force_login(staff)
    page = client.get(reverse("completeness"), {"period": "2021-Q4", "chua_gui": "on"})
    assert page.context["pages"].total == len(report.missing)

    text = client.get(reverse("report") + "?period=2021").content.decode()
    assert f"{sent_all}/{expected} đơn vị đã gửi đủ số liệu" in text
    assert f"{len(report.missing)}/{expected} đơn vị chưa gửi" in text


def test_a_result_missing_later_quarters_says_so(plan, figures, viewer):
    year = Period.objects.get(code="2021")
    per_agency = results_by_agency(plan, year)
    agencies = {a.code: a.pk for a in Agency.objects.filter(code__in=["STP", "SYT", "883"])}

    def of(target, code):
        return next(
            r for (t, a), r in per_agency.items() if r.target.code == target and a == agencies[code]
        )

    # a flow summed over three quarters, a stock taken from the third: both say so
    syt = of(DOSSIERS, "SYT")
    assert syt.actual_text == "100,0%" and syt.status.label == "Đạt"
    assert syt.partial and syt.coverage_text == "Số liệu đến Quý III/2021"
    assert of(SERVICES, "SYT").coverage_text == "Số liệu đến Quý III/2021"
    # a quarter missing in the middle
    assert of(DOSSIERS, "883").coverage_text == "Thiếu số liệu Quý II/2021"
    assert of(DOSSIERS, "STP").coverage_text == "" and not of(DOSSIERS, "STP").partial

    # the aggregate counts them, quarter by quarter
    dossiers = result_of(plan, "2021", DOSSIERS)
    expected = dossiers.expected
    assert dossiers.received == ((1, 3), (2, 2), (3, 3), (4, 2))
    assert dossiers.coverage_text == (
        f"{expected - 3} đơn vị thiếu số liệu Quý I/2021, Quý III/2021; "
        f"{expected - 2} đơn vị thiếu số liệu Quý II/2021, Quý IV/2021"
    )
    services = result_of(plan, "2021", SERVICES)
    assert (services.reported, services.expected) == (1, 20)
    assert services.coverage_text == "19 đơn vị thiếu số liệu Quý IV/2021"
    # ... and say it where the result is shown
    agency_page = viewer.get(reverse("dashboard-agency", args=["SYT"]) + "?period=2021")
    assert "100,0% (Số liệu đến Quý III/2021)" in agency_page.content.decode()
    district = viewer.get(reverse("dashboard-agency", args=["883"]) + "?period=2021")
    assert "Thiếu số liệu Quý II/2021" in district.content.decode()
    ranking = viewer.get(
        reverse("dashboard-target", args=[DOSSIERS]) + "?period=2021&level=tinh&csv=xep-hang"
    )
    rows = list(csv.reader(io.StringIO(ranking.content.decode("utf-8-sig"))))
    syt_row = next(row for row in rows if row[0] == "Sở Y tế")
    assert syt_row[-1] == "0/1 · Số liệu đến Quý III/2021"
    heatmap = viewer.get(reverse("dashboard-heatmap") + "?period=2021").content.decode()
    assert "100,0% · Đạt · Số liệu đến Quý III/2021" in heatmap
    assert "* Kết quả chưa đủ các quý của kỳ" in heatmap


def test_the_report_marks_results_missing_quarters(plan, figures, committee, client):
    client.force_login(committee)
    text = client.get(reverse("report") + "?period=2021&annex=on").content.decode()
    assert "19 đơn vị thiếu số liệu Quý IV/2021" in text  # the services row of the table
    assert "100,0% Đ*" in text  # Sở Y tế in the annex
    assert "Dấu * – đơn vị chưa gửi đủ các quý của kỳ" in text


def test_a_quarter_alone_has_nothing_left_out(plan, figures):
    period = Period.objects.get(code="2021")
    one = results_for(plan, period, Scope.single(Agency.objects.get(code="SYT")), cumulative=False)
    dossiers = next(r for r in one if r.target.code == DOSSIERS)
    assert dossiers.value is None and dossiers.coverage_text == ""  # Q4 alone: no figure
