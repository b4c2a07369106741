"""quarterly_trend computes the year in one pass; it must agree with results_for quarter by
quarter, on the full demo year with drafts, late and missing reports and 0/0 figures."""

import io

import pytest
from django.core.management import call_command

from indicators.attainment import (
    Scope,
    plan_targets,
    quarterly_trend,
    quarterly_trends,
    results_by_level,
    results_for,
)
from indicators.models import Agency, Measurement, Period


def _fingerprint(result):
    return (
        result.target.code,
        result.period.code,
        result.numerator,
        result.denominator,
        result.rank,
        result.reported,
        result.expected,
        result.status,
        result.received,
        result.latest_quarter,
    )


@pytest.fixture
def demo_year(db):
    call_command("seed_demo", stdout=io.StringIO())
    # a returned and an inactive agency's figures make the edges visible
    Measurement.objects.filter(agency__code="SYT", period__quarter=3).update(status="returned")
    Agency.objects.filter(code="30283").update(active=False)


@pytest.mark.parametrize("cumulative", [True, False])
@pytest.mark.parametrize("scope", ["province", "xa", "883", "STP"])
def test_trend_agrees_with_results_for_each_quarter(plan, demo_year, cumulative, scope):
    if scope == "province":
        chosen = Scope.province()
    elif scope == "xa":
        chosen = Scope.of_level("xa")
    elif scope == "883":
        chosen = Scope.district(Agency.objects.get(code="883"))
    else:
        chosen = Scope.single(Agency.objects.get(code="STP"))
    targets = plan_targets(plan)
    trend = quarterly_trend(plan, 2021, chosen, cumulative=cumulative, targets=targets)
    for period in Period.objects.filter(year=2021, quarter__isnull=False):
        expected = results_for(plan, period, chosen, cumulative=cumulative, targets=targets)
        got = [trend[t.pk][period.quarter - 1] for t in targets]
        assert [_fingerprint(r) for r in got] == [_fingerprint(r) for r in expected]


def test_trend_takes_four_queries(plan, demo_year, django_assert_num_queries):
    targets = plan_targets(plan)
    with django_assert_num_queries(4):
        quarterly_trend(plan, 2021, Scope.province(), targets=targets)


def test_both_trends_from_one_fetch(plan, demo_year, django_assert_num_queries):
    targets = plan_targets(plan)
    scope = Scope.province()
    with django_assert_num_queries(4):
        cum, per_quarter = quarterly_trends(plan, 2021, scope, targets=targets)
    for cumulative, got in ((True, cum), (False, per_quarter)):
        alone = quarterly_trend(plan, 2021, scope, cumulative=cumulative, targets=targets)
        assert {pk: [_fingerprint(r) for r in rs] for pk, rs in got.items()} == {
            pk: [_fingerprint(r) for r in rs] for pk, rs in alone.items()
        }


@pytest.mark.parametrize("cumulative", [True, False])
@pytest.mark.parametrize("code", ["2021-Q2", "2021-Q4", "2021"])
def test_results_by_level_agrees_with_results_for(
    plan, demo_year, cumulative, code, django_assert_num_queries
):
    period = Period.objects.get(code=code)
    targets = plan_targets(plan)
    with django_assert_num_queries(4):
        got = results_by_level(
            plan, period, ["", "tinh", "huyen", "xa"], cumulative=cumulative, targets=targets
        )
    for level in ("", "tinh", "huyen", "xa"):
        scope = Scope.of_level(level) if level else Scope.province()
        expected = results_for(plan, period, scope, cumulative=cumulative, targets=targets)
        assert [_fingerprint(r) for r in got[level]] == [_fingerprint(r) for r in expected]
