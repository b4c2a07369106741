"""The dashboards issue a fixed number of queries: the same with one year of data as with five."""

import pytest
from django.urls import reverse

from indicators.models import Agency, Measurement, Period, ensure_periods
from targets.models import FocusArea, Indicator, Plan, Target

BOUNDS = {
    reverse("home"): 40,
    reverse("dashboard-target", args=["ho_so_dung_han"]): 70,
    reverse("dashboard-target", args=["par_index"]): 20,
    reverse("dashboard-agency", args=["STP"]): 45,
    reverse("dashboard-district"): 25,
    reverse("dashboard-heatmap"): 30,  # province, departments, districts: one scope each
}


def add_year_of_figures(year: int) -> None:
    """Every quarter of ``year`` for the dossiers-on-time indicator at every agency, and the
    province's PAR Index rank."""
    periods = {p.quarter: p for p in Period.objects.filter(year=year)}
    on_time = Indicator.objects.get(code="ho_so_dung_han")
    par = Indicator.objects.get(code="par_index")
    agencies = list(Agency.objects.exclude(level="province"))
    rows = [
        Measurement(
            indicator=on_time,
            agency=agency,
            period=periods[quarter],
            numerator=90 + (agency.pk + quarter) % 11,
            denominator=100,
            status="approved",
        )
        for agency in agencies
        for quarter in (1, 2, 3, 4)
    ]
    rows.append(
        Measurement(
            indicator=par,
            agency=Agency.objects.get(level="province"),
            period=periods[None],
            rank=10 + year % 7,
            status="approved",
        )
    )
    Measurement.objects.bulk_create(rows)


def copy_plan(year: int) -> None:
    """A plan for ``year`` with the same focus areas and targets as Plan 829."""
    source = Plan.objects.get(year=2021)
    plan = Plan.objects.create(
        number=f"{year}/KH-UBND",
        title=f"Kế hoạch CCHC năm {year}",
        issued_on=f"{year - 1}-12-31",
        issuer=source.issuer,
        year=year,
    )
    areas = {}
    for area in FocusArea.objects.filter(plan=source):
        areas[area.pk] = FocusArea.objects.create(
            plan=plan, code=area.code, name=area.name, order=area.order
        )
    for target in Target.objects.filter(plan=source):
        target.pk = None
        target.plan = plan
        target.focus_area = areas.get(target.focus_area_id)
        target.save()
    ensure_periods(year)


@pytest.fixture
def viewer(client, leader, settings):
    client.force_login(leader)
    return client


@pytest.mark.parametrize("url, bound", list(BOUNDS.items()))
def test_query_count_is_fixed_with_one_and_five_years(
    viewer, django_assert_max_num_queries, url, bound
):
    add_year_of_figures(2021)
    with django_assert_max_num_queries(bound):
        assert viewer.get(url + "?period=2021-Q3").status_code == 200
    for year in (2017, 2018, 2019, 2020):
        copy_plan(year)
        add_year_of_figures(year)
    for query in ("?period=2021-Q3", "?period=2019-Q2", "?period=2018&mode=quy"):
        with django_assert_max_num_queries(bound):
            assert viewer.get(url + query).status_code == 200


def test_five_years_of_rank_history(viewer):
    for year in (2017, 2018, 2019, 2020):
        copy_plan(year)
        add_year_of_figures(year)
    add_year_of_figures(2021)
    page = viewer.get(reverse("dashboard-target", args=["par_index"]) + "?period=2021")
    text = page.content.decode()
    for year in (2017, 2018, 2019, 2020, 2021):
        assert f"Năm {year}" in text
    assert "2.017" not in text and "2.021" not in text
