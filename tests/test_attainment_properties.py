"""Properties of the attainment engine over random figures (hypothesis), and its query counts.

Each hypothesis example writes its figures inside a transaction that is rolled back at the end,
so nothing leaks from one example to the next.
"""

from contextlib import contextmanager
from fractions import Fraction

from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from indicators.attainment import (
    Scope,
    Status,
    quarterly_trend,
    results_by_agency,
    results_for,
    status_for,
)
from indicators.demo_data import demo_measurements
from indicators.models import Agency, Measurement, Period
from targets.models import Indicator, Plan, Target

EXAMPLES = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
COUNTED = {"submitted", "approved"}
STATUSES = st.sampled_from(["submitted", "approved", "draft", "returned"])
# A few agencies of every level: departments, districts, communes of two districts.
AGENCIES = ["STP", "SNV", "SYT", "883", "884", "886", "30280", "30283", "30316", "30319"]
PERIODS = ["2021-Q1", "2021-Q2", "2021-Q3", "2021-Q4", "2021"]


@contextmanager
def rolled_back():
    """Run the body in a transaction and undo it, whatever happens."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def counts(max_den=10_000):
    """(numerator, denominator) with numerator ≤ denominator, 0/0 included."""
    return st.integers(0, max_den).flatmap(lambda den: st.tuples(st.integers(0, den), st.just(den)))


# One dossiers figure (a flow, all three levels) per (agency, quarter), with any status.
figure_sets = st.dictionaries(
    keys=st.tuples(st.sampled_from(AGENCIES), st.integers(1, 4)),
    values=st.tuples(counts(), STATUSES),
    max_size=25,
)


def store(indicator_code, figures):
    indicator = Indicator.objects.get(code=indicator_code)
    agencies = {a.code: a for a in Agency.objects.filter(code__in=AGENCIES)}
    periods = {p.quarter: p for p in Period.objects.filter(year=2021)}
    Measurement.objects.bulk_create(
        Measurement(
            indicator=indicator,
            agency=agencies[code],
            period=periods[quarter],
            numerator=num,
            denominator=den,
            status=status,
        )
        for (code, quarter), ((num, den), status) in figures.items()
    )


def plan_and_target(code):
    plan = Plan.objects.get(year=2021)
    return plan, Target.objects.select_related("indicator").get(plan=plan, code=code)


@given(figures=figure_sets, period_code=st.sampled_from(PERIODS), cumulative=st.booleans())
@EXAMPLES
def test_province_is_the_sum_of_its_levels(db, figures, period_code, cumulative):
    with rolled_back():
        store("ho_so_dung_han", figures)
        plan, target = plan_and_target("ho_so_dung_han")
        period = Period.objects.get(code=period_code)

        def result(scope):
            (r,) = results_for(plan, period, scope, cumulative=cumulative, targets=[target])
            return r

        province = result(Scope.province())
        levels = [result(Scope.of_level(level)) for level in ("tinh", "huyen", "xa")]
        num = sum(r.numerator or 0 for r in levels)
        den = sum(r.denominator or 0 for r in levels)
        if all(r.numerator is None for r in levels):
            assert province.numerator is None and province.denominator is None
        else:
            assert (province.numerator, province.denominator) == (num, den)
        assert province.value == (Fraction(num * 100, den) if den else None)
        assert province.reported == sum(r.reported for r in levels)
        assert province.expected == sum(r.expected for r in levels)

        # ... and both agree with the rules applied by hand to the figures.
        last = period.quarter or 4
        quarters = range(1, last + 1) if cumulative else [last]
        kept = [
            nd for (_, q), (nd, status) in figures.items() if q in quarters and status in COUNTED
        ]
        assert (num, den) == (sum(n for n, _ in kept), sum(d for _, d in kept))
        assert province.reported == len(
            {a for (a, q), (_, status) in figures.items() if q == last and status in COUNTED}
        )


# Stocks: each agency's latest counted quarter, checked against a hand-written model.
@given(
    figures=st.dictionaries(
        keys=st.tuples(st.sampled_from(["STP", "SNV", "SYT", "STC"]), st.integers(1, 4)),
        values=st.tuples(counts(200), STATUSES),
        max_size=16,
    ),
    period_code=st.sampled_from(PERIODS),
    cumulative=st.booleans(),
)
@EXAMPLES
def test_stocks_follow_each_agencys_latest_counted_quarter(db, figures, period_code, cumulative):
    with rolled_back():
        indicator = Indicator.objects.get(code="dvc_tich_hop")
        agencies = {a.code: a for a in Agency.objects.filter(code__in=["STP", "SNV", "SYT", "STC"])}
        periods = {p.quarter: p for p in Period.objects.filter(year=2021)}
        Measurement.objects.bulk_create(
            Measurement(
                indicator=indicator,
                agency=agencies[code],
                period=periods[q],
                numerator=n,
                denominator=d,
                status=s,
            )
            for (code, q), ((n, d), s) in figures.items()
        )
        plan, target = plan_and_target("dvc_tich_hop")
        period = Period.objects.get(code=period_code)
        (r,) = results_for(plan, period, Scope.province(), cumulative=cumulative, targets=[target])

        last = period.quarter or 4
        num = den = 0
        any_figure = False
        for code in agencies:
            counted = {
                q: nd
                for (a, q), (nd, s) in figures.items()
                if a == code and s in COUNTED and (q <= last if cumulative else q == last)
            }
            if counted:
                any_figure = True
                n, d = counted[max(counted)]
                num, den = num + n, den + d
        if any_figure:
            assert (r.numerator, r.denominator) == (num, den)
        else:
            assert r.numerator is None
        assert r.status == status_for(Fraction(num * 100, den) if den else None, target)


@given(
    base=figure_sets,
    level=st.sampled_from(["tinh", "xa"]),
    period_code=st.sampled_from(PERIODS),
    data=st.data(),
)
@settings(EXAMPLES, max_examples=30)
def test_an_agency_meeting_every_target_never_lowers_the_met_count(
    db, base, level, period_code, data
):
    with rolled_back():
        store("ho_so_dung_han", base)
        plan = Plan.objects.get(year=2021)
        targets = list(Target.objects.filter(plan=plan).select_related("indicator"))
        period = Period.objects.get(code=period_code)
        parent = Agency.objects.get(code="89" if level == "tinh" else "883")
        # Per agency: the newcomer's neighbours (its level, or its district with its communes).
        scope = Scope.of_level("tinh") if level == "tinh" else Scope.district(parent)

        def met(results):
            return sum(1 for r in results if r.status == Status.MET)

        def snapshot():
            return (
                met(results_by_agency(plan, period, scope, targets=targets).values()),
                met(results_for(plan, period, Scope.province(), targets=targets)),
                met(results_for(plan, period, scope, targets=targets)),
            )

        before = snapshot()
        newcomer = Agency.objects.create(
            code="MOI", name="Đơn vị mới", level=level, unit_type="Xã", parent=parent
        )
        good = []
        for target in targets:
            if level not in target.levels:
                continue
            for quarter in Period.objects.filter(year=2021, quarter__isnull=False):
                den = data.draw(st.integers(1, 5000), label="den")
                floor = -(-den * int(target.threshold) // 100)  # ceil(den × threshold / 100)
                num = data.draw(st.integers(floor, den), label="num")
                good.append(
                    Measurement(
                        indicator=target.indicator,
                        agency=newcomer,
                        period=quarter,
                        numerator=num,
                        denominator=den,
                        status="submitted",
                    )
                )
        Measurement.objects.bulk_create(good)
        after = snapshot()
        # Each of the newcomer's own results is met, and nobody else's changes ...
        assert after[0] == before[0] + sum(1 for t in targets if level in t.levels)
        # ... and no aggregate that was met stops being met.
        assert after[1] >= before[1]
        assert after[2] >= before[2]


@given(
    num_den=st.one_of(
        counts(10**12),
        # close to the thresholds of 98% and 96%, where rounding would go wrong
        st.integers(1, 10**11).flatmap(
            lambda den: st.tuples(
                st.sampled_from([98, 96])
                .map(lambda p: min(den, p * den // 100))
                .flatmap(lambda n: st.integers(max(0, n - 2), min(den, n + 2))),
                st.just(den),
            )
        ),
    ),
    status=STATUSES,
)
@EXAMPLES
def test_status_agrees_with_exact_fractions(db, num_den, status):
    num, den = num_den
    with rolled_back():
        Measurement.objects.create(
            indicator=Indicator.objects.get(code="ho_so_dung_han"),
            agency=Agency.objects.get(code="STP"),
            period=Period.objects.get(code="2021-Q3"),
            numerator=num,
            denominator=den,
            status=status,
        )
        plan, target = plan_and_target("ho_so_dung_han")
        (r,) = results_for(
            plan,
            Period.objects.get(code="2021-Q3"),
            Scope.single(Agency.objects.get(code="STP")),
            targets=[target],
        )
    exact = Fraction(num * 100, den) if den and status in COUNTED else None
    if exact is None:
        assert r.status == Status.NO_DATA
        return
    if exact >= 98:
        assert r.status == Status.MET
    elif exact >= 96:
        assert r.status == Status.NEAR
    else:
        assert r.status == Status.MISSED
    # The machine-readable rate is the exact rate rounded down to 2 decimals.
    shown = Fraction(r.actual_machine)
    assert shown <= exact < shown + Fraction(1, 100)
    # ... so a rate below the goal never reads as reaching it.
    if r.status != Status.MET:
        assert shown < 98
        assert not r.actual_text.startswith("98,")


# --- Query counts -------------------------------------------------------------------------------


def add_communes(district, how_many, start):
    """``how_many`` new communes of ``district``, each with dossiers and online-work figures."""
    communes = Agency.objects.bulk_create(
        Agency(
            code=f"T{start + i}", name=f"Xã thử {i}", level="xa", unit_type="Xã", parent=district
        )
        for i in range(how_many)
    )
    periods = list(Period.objects.filter(year=2021, quarter__isnull=False))
    dossiers = Indicator.objects.get(code="ho_so_dung_han")
    online = Indicator.objects.get(code="van_ban_tren_mang")
    Measurement.objects.bulk_create(
        Measurement(
            indicator=indicator,
            agency=commune,
            period=period,
            numerator=90,
            denominator=100,
            status="submitted",
        )
        for commune in communes
        for period in periods
        for indicator in (dossiers, online)
    )


def add_departments_stock():
    indicator = Indicator.objects.get(code="dvc_muc_do_4")
    period = Period.objects.get(code="2021-Q1")
    Measurement.objects.bulk_create(
        Measurement(
            indicator=indicator,
            agency=a,
            period=period,
            numerator=30,
            denominator=100,
            status="approved",
        )
        for a in Agency.objects.filter(code__in=["STP", "SNV", "SYT"])
    )


def count_queries(call):
    with CaptureQueriesContext(connection) as ctx:
        call()
    return len(ctx.captured_queries)


def test_query_counts_do_not_grow_with_the_number_of_agencies(db, plan, periods):
    district = Agency.objects.get(code="883")
    period = periods["2021-Q3"]
    targets = list(Target.objects.filter(plan=plan).select_related("indicator"))
    calls = {
        "province": lambda: results_for(plan, period, Scope.province()),
        "district": lambda: results_for(plan, period, Scope.district(district)),
        "level": lambda: results_for(plan, period, Scope.of_level("xa"), targets=targets),
        "quarter_only": lambda: results_for(plan, period, Scope.province(), cumulative=False),
        "by_agency": lambda: results_by_agency(plan, period),
        "by_agency_district": lambda: results_by_agency(plan, period, Scope.district(district)),
        "trend": lambda: quarterly_trend(plan, 2021, Scope.province(), targets=targets),
    }
    add_departments_stock()
    add_communes(district, 5, 0)
    small = {name: count_queries(call) for name, call in calls.items()}
    small_results = results_by_agency(plan, period)
    add_communes(district, 45, 100)  # ten times as many agencies with figures
    large = {name: count_queries(call) for name, call in calls.items()}
    assert large == small
    assert len(results_by_agency(plan, period)) > len(small_results)
    # The docstrings' promise: four queries when the targets are given, one more to read them.
    assert small["level"] == 4
    assert small["province"] <= 5
    assert small["trend"] == 4  # the whole year in one pass
    # The new communes are really in the results (and in their district's).
    (dossiers,) = [
        r
        for r in results_for(plan, period, Scope.district(district))
        if r.target.code == "ho_so_dung_han"
    ]
    assert dossiers.denominator == 50 * 3 * 100
    assert dossiers.expected == 1 + 13 + 50


def test_stale_statistics_do_not_make_the_queries_crawl(db, plan, periods):
    """Just after a year of figures arrives, PostgreSQL may still believe the table is empty.
    Each query must then still finish quickly (a subquery run once per row took minutes)."""
    with connection.cursor() as cursor:
        Measurement.objects.bulk_create(demo_measurements(2021))
        # Delete them and analyse: the statistics now say "no rows", over many pages ...
        cursor.execute("DELETE FROM indicators_measurement")
        cursor.execute("ANALYZE indicators_measurement")
        # ... and a whole year of figures arrives before the next analysis.
        Measurement.objects.bulk_create(demo_measurements(2021))
        cursor.execute("SET LOCAL statement_timeout = '5s'")
    for code in ("2021-Q2", "2021"):
        (stock,) = results_for(
            plan,
            periods[code],
            Scope.of_level("tinh"),
            targets=[plan.targets.get(code="dvc_muc_do_4")],
        )
        assert stock.denominator > 0 and stock.reported > 0
        results_for(plan, periods[code], Scope.province())
        results_by_agency(plan, periods[code])
