"""The attainment rules of indicators/attainment.py, checked against hand-computed figures.

Targets of Kế hoạch 829 used here: ``ho_so_dung_han`` (≥ 98%, band 2, all three levels, a flow),
``dvc_muc_do_4`` (≥ 30%, band 2, provincial departments only, a stock), ``van_ban_tren_mang_*``
(one indicator split by level: ≥ 90% tỉnh, ≥ 80% huyện, ≥ 60% xã) and ``par_index`` (rank ≤ 15,
band 5, the province only, annual).
"""

from fractions import Fraction

import pytest

from indicators.attainment import (
    Scope,
    Status,
    gap_for,
    quarterly_trend,
    rate_of,
    results_by_agency,
    results_for,
    status_for,
    summary_counts,
)
from indicators.models import Agency, Measurement

SUBMITTED = Measurement.Status.SUBMITTED
APPROVED = Measurement.Status.APPROVED
DRAFT = Measurement.Status.DRAFT
RETURNED = Measurement.Status.RETURNED

# Agencies in the reference data: departments (tinh), districts (huyen) and communes (xa).
# 30280 and 30283 are communes of Long Xuyên (883); 30316 is a commune of Châu Đốc (884).
N_TINH, N_HUYEN, N_XA = 20, 11, 156


def pick(results, code):
    """The one result of ``results`` for the target ``code``."""
    (found,) = [r for r in results if r.target.code == code]
    return found


def one(plan, period, code, scope=None, **kwargs):
    return pick(results_for(plan, period, scope or Scope.province(), **kwargs), code)


# --- Pure rules ---------------------------------------------------------------------------------


def test_rate_of_is_exact_and_none_without_denominator():
    assert rate_of(49, 50) == Fraction(98)
    assert rate_of(4899, 5000) == Fraction(9798, 100)
    assert rate_of(0, 0) is None
    assert rate_of(0, 7) == 0


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Fraction(49 * 100, 50), Status.MET),  # exactly 98,00%
        (100, Status.MET),
        (Fraction(4899 * 100, 5000), Status.NEAR),  # one dossier short: 97,98%
        (Fraction(9600, 100), Status.NEAR),  # band bound included
        (Fraction(9599, 100), Status.MISSED),
        (Fraction(9599999, 100000), Status.MISSED),  # a hair below the band
        (0, Status.MISSED),
        (None, Status.NO_DATA),
    ],
)
def test_status_for_a_98_percent_goal(target, value, expected):
    assert status_for(value, target("ho_so_dung_han")) == expected


@pytest.mark.parametrize(
    ("rank", "expected"),
    [
        (1, Status.MET),
        (15, Status.MET),
        (16, Status.NEAR),
        (20, Status.NEAR),
        (21, Status.MISSED),
        (63, Status.MISSED),
        (None, Status.NO_DATA),
    ],
)
def test_status_for_a_top_15_rank_goal(target, rank, expected):
    assert status_for(rank, target("par_index")) == expected


def test_status_for_a_30_percent_goal(target):
    goal = target("dvc_muc_do_4")
    assert status_for(30, goal) == Status.MET
    assert status_for(28, goal) == Status.NEAR
    assert status_for(Fraction(2799, 100), goal) == Status.MISSED


def test_gap_sign_is_negative_for_a_shortfall(target):
    rate, rank = target("ho_so_dung_han"), target("par_index")
    assert gap_for(Fraction(975, 10), rate) == Fraction(-1, 2)
    assert gap_for(99, rate) == 1
    assert gap_for(18, rank) == -3  # three places below the group of 15
    assert gap_for(12, rank) == 3
    assert gap_for(None, rate) is None


# --- Boundaries through the database ------------------------------------------------------------


@pytest.mark.parametrize(
    ("num", "den", "status", "machine", "text"),
    [
        (49, 50, Status.MET, "98.00", "98,0%"),
        (4899, 5000, Status.NEAR, "97.98", "97,9%"),
        (4898, 5000, Status.NEAR, "97.96", "97,9%"),  # never shown as 98,0%
        (97999, 100000, Status.NEAR, "97.99", "97,9%"),  # floor, not round
        (96, 100, Status.NEAR, "96.00", "96,0%"),
        (9599, 10000, Status.MISSED, "95.99", "95,9%"),
        (2, 3, Status.MISSED, "66.66", "66,6%"),
        (50, 50, Status.MET, "100.00", "100,0%"),
    ],
)
def test_boundaries_and_display_round_down(plan, periods, measure, num, den, status, machine, text):
    measure("ho_so_dung_han", "STP", "2021-Q1", num, den)
    r = one(plan, periods["2021-Q1"], "ho_so_dung_han")
    assert (r.numerator, r.denominator) == (num, den)
    assert r.value == Fraction(num * 100, den)
    assert r.status == status
    assert r.actual_machine == machine
    assert r.actual_text == text


def test_counts_and_gap_text(plan, periods, measure):
    measure("ho_so_dung_han", "STP", "2021-Q1", 4898, 5000)
    measure("hai_long_ket_qua", "STP", "2021-Q1", 99, 100)
    results = results_for(plan, periods["2021-Q1"], Scope.province())
    short = pick(results, "ho_so_dung_han")
    assert short.counts_text == "4.898 / 5.000 hồ sơ"
    assert short.gap == Fraction(-4, 100)
    assert short.gap_text == "−0,1 điểm %"  # rounded towards the bad side
    ahead = pick(results, "hai_long_ket_qua")
    assert ahead.gap == 1
    assert ahead.gap_text == "+1,0 điểm %"


# --- "Không phát sinh" --------------------------------------------------------------------------


def test_nothing_to_report_neither_helps_nor_hurts(plan, periods, measure):
    measure("ho_so_dung_han", "STP", "2021-Q1", 4899, 5000)
    before = one(plan, periods["2021-Q1"], "ho_so_dung_han")
    measure("ho_so_dung_han", "SNV", "2021-Q1", 0, 0)
    measure("ho_so_dung_han", "30280", "2021-Q1", 0, 0)
    after = one(plan, periods["2021-Q1"], "ho_so_dung_han")
    assert (after.numerator, after.denominator) == (before.numerator, before.denominator)
    assert after.value == before.value == Fraction(9798, 100)
    assert after.status == before.status == Status.NEAR
    # ... but a 0/0 figure is a report: completeness goes up.
    assert (before.reported, after.reported) == (1, 3)


def test_all_nothing_to_report_is_no_data(plan, periods, measure):
    measure("ho_so_dung_han", "STP", "2021-Q1", 0, 0)
    measure("ho_so_dung_han", "SNV", "2021-Q1", 0, 0)
    r = one(plan, periods["2021-Q1"], "ho_so_dung_han")
    assert (r.numerator, r.denominator) == (0, 0)
    assert r.value is None
    assert r.status == Status.NO_DATA
    assert r.gap is None
    assert r.actual_machine is None
    assert r.actual_text == "–"
    assert r.reported == 2


def test_no_figure_at_all_is_no_data(plan, periods):
    r = one(plan, periods["2021-Q2"], "ho_so_dung_han")
    assert r.numerator is None and r.denominator is None
    assert r.status == Status.NO_DATA
    assert (r.reported, r.expected) == (0, N_TINH + N_HUYEN + N_XA)


# --- Flows and stocks over time -----------------------------------------------------------------


@pytest.fixture
def flow_figures(measure):
    """STP's dossiers: Q1 47/50 (94%), Q2 50/50, Q3 a draft 0/100, Q4 returned 0/100."""
    measure("ho_so_dung_han", "STP", "2021-Q1", 47, 50, status=APPROVED)
    measure("ho_so_dung_han", "STP", "2021-Q2", 50, 50)
    measure("ho_so_dung_han", "STP", "2021-Q3", 0, 100, status=DRAFT)
    measure("ho_so_dung_han", "STP", "2021-Q4", 0, 100, status=RETURNED)


def test_flows_add_up_the_quarters(plan, periods, flow_figures):
    q1 = one(plan, periods["2021-Q1"], "ho_so_dung_han")
    assert (q1.numerator, q1.denominator, q1.status) == (47, 50, Status.MISSED)
    q2 = one(plan, periods["2021-Q2"], "ho_so_dung_han")
    assert (q2.numerator, q2.denominator, q2.status) == (97, 100, Status.NEAR)
    # The draft and the returned figure never count: Q3, Q4 and the year stay at 97/100.
    for code in ("2021-Q3", "2021-Q4", "2021"):
        r = one(plan, periods[code], "ho_so_dung_han")
        assert (r.numerator, r.denominator) == (97, 100), code
        assert r.reported == 0, code


def test_quarter_only_view_takes_each_quarter_alone(plan, periods, flow_figures):
    q2 = one(plan, periods["2021-Q2"], "ho_so_dung_han", cumulative=False)
    assert (q2.numerator, q2.denominator, q2.status) == (50, 50, Status.MET)
    assert q2.cumulative is False
    q3 = one(plan, periods["2021-Q3"], "ho_so_dung_han", cumulative=False)
    assert q3.numerator is None and q3.status == Status.NO_DATA


def test_annual_period_sums_the_whole_year(plan, periods, measure):
    for quarter, (num, den) in enumerate([(10, 10), (20, 20), (30, 30), (35, 40)], start=1):
        measure("ho_so_dung_han", "STP", f"2021-Q{quarter}", num, den)
    year = one(plan, periods["2021"], "ho_so_dung_han")
    assert (year.numerator, year.denominator) == (95, 100)
    assert year.status == Status.MISSED
    assert year.reported == 1  # the year's completeness is its last quarter's


@pytest.fixture
def stock_figures(measure):
    """Online services (a stock, ≥ 30%): STP 10/100 in Q1, 40/100 in Q2, a draft in Q3 and
    0/0 in Q4; SNV 20/100 in Q1 only."""
    measure("dvc_muc_do_4", "STP", "2021-Q1", 10, 100)
    measure("dvc_muc_do_4", "STP", "2021-Q2", 40, 100, status=APPROVED)
    measure("dvc_muc_do_4", "STP", "2021-Q3", 0, 100, status=DRAFT)
    measure("dvc_muc_do_4", "STP", "2021-Q4", 0, 0)
    measure("dvc_muc_do_4", "SNV", "2021-Q1", 20, 100)


def test_stocks_take_each_agencys_latest_counted_quarter(plan, periods, stock_figures):
    stp = Scope.single(Agency.objects.get(code="STP"))
    q1 = one(plan, periods["2021-Q1"], "dvc_muc_do_4")
    assert (q1.numerator, q1.denominator, q1.status) == (30, 200, Status.MISSED)
    # Q2: STP's Q2 figure (not Q1 + Q2) and SNV's Q1 figure, its latest.
    q2 = one(plan, periods["2021-Q2"], "dvc_muc_do_4")
    assert (q2.numerator, q2.denominator) == (60, 200)
    assert q2.status == Status.MET
    assert q2.reported == 1
    # Q3: STP's draft neither counts nor hides its Q2 figure.
    q3 = one(plan, periods["2021-Q3"], "dvc_muc_do_4", stp)
    assert (q3.numerator, q3.denominator, q3.status) == (40, 100, Status.MET)
    assert q3.reported == 0


def test_a_nothing_to_report_stock_is_that_quarters_figure(plan, periods, stock_figures):
    stp = Scope.single(Agency.objects.get(code="STP"))
    for code in ("2021-Q4", "2021"):
        alone = one(plan, periods[code], "dvc_muc_do_4", stp)
        assert (alone.numerator, alone.denominator) == (0, 0), code
        assert alone.status == Status.NO_DATA, code
        assert alone.reported == 1, code
        both = one(plan, periods[code], "dvc_muc_do_4")
        assert (both.numerator, both.denominator) == (20, 100), code  # SNV's Q1 only
        assert both.status == Status.MISSED, code


def test_stocks_quarter_only_view(plan, periods, stock_figures):
    q2 = one(plan, periods["2021-Q2"], "dvc_muc_do_4", cumulative=False)
    assert (q2.numerator, q2.denominator) == (40, 100)
    q3 = one(plan, periods["2021-Q3"], "dvc_muc_do_4", cumulative=False)
    assert q3.numerator is None and q3.status == Status.NO_DATA


def test_a_returned_later_stock_does_not_hide_the_earlier_one(plan, periods, measure):
    measure("tthc_trien_khai_34", "STP", "2021-Q1", 85, 100)
    measure("tthc_trien_khai_34", "STP", "2021-Q2", 10, 100, status=RETURNED)
    r = one(plan, periods["2021-Q2"], "tthc_trien_khai_34")
    assert (r.numerator, r.denominator, r.status) == (85, 100, Status.MET)


# --- The four indices ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rank", "status", "gap_text"),
    [(12, Status.MET, "+3 bậc"), (15, Status.MET, "0 bậc"), (20, Status.NEAR, "−5 bậc")]
    + [(21, Status.MISSED, "−6 bậc")],
)
def test_indices_are_ranks_in_the_annual_period(plan, periods, measure, rank, status, gap_text):
    measure("par_index", "89", "2021", rank=rank, score="81.540", status=APPROVED)
    r = one(plan, periods["2021"], "par_index")
    assert r.is_rank
    assert (r.rank, r.numerator, r.denominator) == (rank, None, None)
    assert r.value == rank
    assert r.status == status
    assert r.actual_text == f"{rank}/63"
    assert r.actual_machine == str(rank)
    assert r.gap_text == gap_text
    assert r.counts_text == ""
    assert str(r.score) == "81.540"
    assert (r.reported, r.expected) == (1, 1)


def test_indices_have_no_value_in_a_quarter(plan, periods, measure):
    measure("par_index", "89", "2021", rank=12)
    # Entered in a quarter by mistake (the form refuses it): never counted.
    measure("papi", "89", "2021-Q4", rank=3)
    for code in ("2021-Q1", "2021-Q4"):
        r = one(plan, periods[code], "par_index")
        assert r.rank is None and r.status == Status.NO_DATA, code
        assert (r.reported, r.expected) == (0, 1)
    assert one(plan, periods["2021"], "papi").status == Status.NO_DATA
    assert one(plan, periods["2021-Q4"], "papi").status == Status.NO_DATA


def test_a_draft_rank_is_ignored(plan, periods, measure):
    measure("pci", "89", "2021", rank=10, status=DRAFT)
    r = one(plan, periods["2021"], "pci")
    assert r.rank is None and r.status == Status.NO_DATA and r.reported == 0


# --- Targets for one level ----------------------------------------------------------------------


def test_one_indicator_split_by_level(plan, periods, measure):
    measure("van_ban_tren_mang", "STP", "2021-Q1", 95, 100)
    measure("van_ban_tren_mang", "883", "2021-Q1", 85, 100)
    measure("van_ban_tren_mang", "30280", "2021-Q1", 50, 100)
    results = results_for(plan, periods["2021-Q1"], Scope.province())
    tinh = pick(results, "van_ban_tren_mang_tinh")
    huyen = pick(results, "van_ban_tren_mang_huyen")
    xa = pick(results, "van_ban_tren_mang_xa")
    assert (tinh.numerator, tinh.denominator, tinh.status) == (95, 100, Status.MET)
    assert (huyen.numerator, huyen.denominator, huyen.status) == (85, 100, Status.MET)
    assert (xa.numerator, xa.denominator, xa.status) == (50, 100, Status.MISSED)
    assert (tinh.expected, huyen.expected, xa.expected) == (N_TINH, N_HUYEN, N_XA)
    assert (tinh.reported, huyen.reported, xa.reported) == (1, 1, 1)


def test_department_only_targets_do_not_apply_to_a_district(plan, periods, measure):
    measure("dvc_muc_do_4", "STP", "2021-Q1", 40, 100)
    province = results_for(plan, periods["2021-Q1"], Scope.province())
    assert pick(province, "dvc_muc_do_4").expected == N_TINH
    district = results_for(plan, periods["2021-Q1"], Scope.district(Agency.objects.get(code="883")))
    for code in ("dvc_muc_do_4", "tthc_trien_khai_34", "dvc_tich_hop", "par_index"):
        r = pick(district, code)
        assert not r.applies and r.expected == 0, code
        assert r.status == Status.NO_DATA, code
    assert pick(district, "ho_so_dung_han").applies


def test_the_indices_apply_to_the_province_only(plan, periods):
    results = results_for(plan, periods["2021"], Scope.province())
    assert all(pick(results, c).expected == 1 for c in ("par_index", "papi", "pci", "sipas"))
    tinh = results_for(plan, periods["2021"], Scope.of_level("tinh"))
    assert pick(tinh, "par_index").expected == 0
    assert pick(tinh, "ho_so_dung_han").expected == N_TINH


# --- Drafts, returned figures, sum of counts ----------------------------------------------------


def test_drafts_and_returned_figures_are_ignored(plan, periods, measure):
    measure("ho_so_dung_han", "STP", "2021-Q1", 0, 100, status=DRAFT)
    measure("ho_so_dung_han", "SNV", "2021-Q1", 0, 100, status=RETURNED)
    measure("ho_so_dung_han", "SKHDT", "2021-Q1", 99, 100, status=APPROVED)
    measure("ho_so_dung_han", "STC", "2021-Q1", 98, 100, status=SUBMITTED)
    r = one(plan, periods["2021-Q1"], "ho_so_dung_han")
    assert (r.numerator, r.denominator) == (197, 200)
    assert r.status == Status.MET
    assert r.reported == 2


def test_sum_of_counts_not_average_of_rates(plan, periods, measure):
    # 100% of 1.000 dossiers and 10% of 10: the average of rates would be 55% (missed); the
    # province handled 1.001 of 1.010 dossiers on time, 99,1% (met).
    measure("ho_so_dung_han", "STP", "2021-Q1", 1000, 1000)
    measure("ho_so_dung_han", "SNV", "2021-Q1", 1, 10)
    r = one(plan, periods["2021-Q1"], "ho_so_dung_han")
    assert r.value == Fraction(100100, 1010)
    assert r.value != (Fraction(100) + Fraction(10)) / 2
    assert r.status == Status.MET
    assert r.actual_machine == "99.10"


def test_sum_of_counts_can_also_miss_where_the_average_meets(plan, periods, measure):
    # Rates 100%, 100% and 90% average 96,67% (near); the counts give 9.020/10.020 = 90,01%.
    measure("ho_so_dung_han", "STP", "2021-Q1", 10, 10)
    measure("ho_so_dung_han", "SNV", "2021-Q1", 10, 10)
    measure("ho_so_dung_han", "SKHDT", "2021-Q1", 9000, 10000)
    r = one(plan, periods["2021-Q1"], "ho_so_dung_han")
    assert (r.numerator, r.denominator) == (9020, 10020)
    assert r.status == Status.MISSED


# --- Scopes -------------------------------------------------------------------------------------


@pytest.fixture
def spread(measure):
    """Dossiers in Q1: STP 90/100, 883 95/100, its commune 30280 99/100, 884 70/100 and its
    commune 30316 80/100."""
    measure("ho_so_dung_han", "STP", "2021-Q1", 90, 100)
    measure("ho_so_dung_han", "883", "2021-Q1", 95, 100)
    measure("ho_so_dung_han", "30280", "2021-Q1", 99, 100)
    measure("ho_so_dung_han", "884", "2021-Q1", 70, 100)
    measure("ho_so_dung_han", "30316", "2021-Q1", 80, 100)


@pytest.mark.parametrize(
    ("scope_of", "counts", "reported", "expected"),
    [
        (lambda: Scope.province(), (434, 500), 5, N_TINH + N_HUYEN + N_XA),
        (lambda: Scope.of_level("tinh"), (90, 100), 1, N_TINH),
        (lambda: Scope.of_level("huyen"), (165, 200), 2, N_HUYEN),
        (lambda: Scope.of_level("xa"), (179, 200), 2, N_XA),
        (lambda: Scope.district(Agency.objects.get(code="883")), (194, 200), 2, 14),
        (lambda: Scope.district(Agency.objects.get(code="884")), (150, 200), 2, 8),
        (lambda: Scope.single(Agency.objects.get(code="30280")), (99, 100), 1, 1),
        (lambda: Scope.single(Agency.objects.get(code="883")), (95, 100), 1, 1),
        (lambda: Scope.single(Agency.objects.get(code="SNV")), (None, None), 0, 1),
    ],
)
def test_scopes(plan, periods, spread, scope_of, counts, reported, expected):
    r = one(plan, periods["2021-Q1"], "ho_so_dung_han", scope_of())
    assert (r.numerator, r.denominator) == counts
    assert (r.reported, r.expected) == (reported, expected)


def test_scope_statuses(plan, periods, spread):
    q1 = periods["2021-Q1"]
    long_xuyen = Scope.district(Agency.objects.get(code="883"))
    my_binh = Scope.single(Agency.objects.get(code="30280"))
    assert one(plan, q1, "ho_so_dung_han", long_xuyen).status == Status.NEAR  # 97,00%
    assert one(plan, q1, "ho_so_dung_han").status == Status.MISSED  # 86,8%
    assert one(plan, q1, "ho_so_dung_han", my_binh).status == Status.MET  # 99%


def test_scope_constructors_refuse_nonsense(db):
    with pytest.raises(ValueError):
        Scope.district(Agency.objects.get(code="STP"))
    with pytest.raises(ValueError):
        Scope.district(Agency.objects.get(code="30280"))
    with pytest.raises(ValueError):
        Scope.of_level("district")
    assert Scope.district(Agency.objects.get(code="883")).label.startswith("Thành phố Long Xuyên")


# --- Completeness -------------------------------------------------------------------------------


def test_reported_is_for_the_period_itself(plan, periods, measure):
    measure("ho_so_dung_han", "STP", "2021-Q1", 98, 100)
    measure("ho_so_dung_han", "STP", "2021-Q2", 98, 100)
    measure("ho_so_dung_han", "SNV", "2021-Q1", 98, 100)
    r = one(plan, periods["2021-Q2"], "ho_so_dung_han", Scope.of_level("tinh"))
    assert (r.numerator, r.denominator) == (294, 300)  # SNV's Q1 still counts
    assert (r.reported, r.expected, r.missing) == (1, N_TINH, N_TINH - 1)
    assert r.completeness == Fraction(100, N_TINH)


def test_inactive_agencies_are_not_expected(plan, periods, measure):
    measure("ho_so_dung_han", "STP", "2021-Q1", 98, 100)
    measure("ho_so_dung_han", "SNV", "2021-Q1", 98, 100)
    Agency.objects.filter(code="SNV").update(active=False)
    r = one(plan, periods["2021-Q1"], "ho_so_dung_han", Scope.of_level("tinh"))
    assert r.expected == N_TINH - 1
    # Its figures stay in the totals (they were real), but it is not counted as one of the
    # expected agencies that reported.
    assert (r.numerator, r.denominator) == (196, 200)
    assert r.reported == 1
    assert r.reported <= r.expected


# --- Per agency ---------------------------------------------------------------------------------


def test_results_by_agency_keys_only_applicable_pairs(plan, periods, target):
    results = results_by_agency(plan, periods["2021-Q1"])
    agencies = {a.code: a.pk for a in Agency.objects.all()}
    # 4 targets for every department, district and commune; 3 for departments only; the
    # van_ban split (20 + 11 + 156); 4 indices for the province.
    everyone = N_TINH + N_HUYEN + N_XA
    assert len(results) == 4 * everyone + 3 * N_TINH + everyone + 4
    assert (target("dvc_muc_do_4").pk, agencies["STP"]) in results
    assert (target("dvc_muc_do_4").pk, agencies["883"]) not in results
    assert (target("dvc_muc_do_4").pk, agencies["30280"]) not in results
    assert (target("van_ban_tren_mang_xa").pk, agencies["30280"]) in results
    assert (target("van_ban_tren_mang_tinh").pk, agencies["30280"]) not in results
    assert (target("par_index").pk, agencies["89"]) in results
    assert (target("ho_so_dung_han").pk, agencies["89"]) not in results
    assert all(r.expected == 1 for r in results.values())


def test_results_by_agency_values(plan, periods, spread, measure, target):
    measure("van_ban_tren_mang", "30280", "2021-Q1", 59, 100)
    results = results_by_agency(
        plan, periods["2021-Q1"], Scope.district(Agency.objects.get(code="883"))
    )
    pk = {a.code: a.pk for a in Agency.objects.all()}
    assert {a for (_, a) in results} == set(
        Agency.objects.in_district(Agency.objects.get(code="883")).values_list("pk", flat=True)
    )
    dossiers = target("ho_so_dung_han").pk
    long_xuyen = results[(dossiers, pk["883"])]
    assert (long_xuyen.numerator, long_xuyen.status) == (95, Status.MISSED)
    mybinh = results[(dossiers, pk["30280"])]
    assert (mybinh.numerator, mybinh.denominator, mybinh.status) == (99, 100, Status.MET)
    assert mybinh.reported == 1
    silent = results[(dossiers, pk["30283"])]
    assert silent.status == Status.NO_DATA and silent.reported == 0
    online = results[(target("van_ban_tren_mang_xa").pk, pk["30280"])]
    assert online.status == Status.NEAR  # 59% for ≥ 60%
    assert (target("van_ban_tren_mang_huyen").pk, pk["30280"]) not in results


def test_per_agency_matches_single_agency_scope(plan, periods, stock_figures, flow_figures):
    period = periods["2021-Q3"]
    by_agency = results_by_agency(plan, period)
    stp = Agency.objects.get(code="STP")
    for r in results_for(plan, period, Scope.single(stp)):
        if not r.applies:
            continue
        mine = by_agency[(r.target.pk, stp.pk)]
        assert (mine.numerator, mine.denominator, mine.rank, mine.status, mine.reported) == (
            r.numerator,
            r.denominator,
            r.rank,
            r.status,
            r.reported,
        ), r.target.code


# --- Trend and summary --------------------------------------------------------------------------


def test_quarterly_trend(plan, measure):
    measure("ho_so_dung_han", "STP", "2021-Q1", 47, 50)
    measure("ho_so_dung_han", "STP", "2021-Q2", 50, 50)
    measure("ho_so_dung_han", "STP", "2021-Q4", 99, 100)
    trend = quarterly_trend(plan, 2021, Scope.province())
    assert set(trend) == set(plan.targets.values_list("pk", flat=True))
    series = next(v for v in trend.values() if v[0].target.code == "ho_so_dung_han")
    assert [r.period.code for r in series] == ["2021-Q1", "2021-Q2", "2021-Q3", "2021-Q4"]
    assert [(r.numerator, r.denominator) for r in series] == [
        (47, 50),
        (97, 100),
        (97, 100),
        (196, 200),
    ]
    assert [r.status for r in series] == [Status.MISSED, Status.NEAR, Status.NEAR, Status.MET]
    alone = quarterly_trend(plan, 2021, Scope.province(), cumulative=False)
    series = next(v for v in alone.values() if v[0].target.code == "ho_so_dung_han")
    assert [r.numerator for r in series] == [47, 50, None, 99]
    assert [r.status for r in series] == [Status.MISSED, Status.MET, Status.NO_DATA, Status.MET]


def test_results_are_in_plan_order_and_summarised(plan, periods, measure):
    measure("ho_so_dung_han", "STP", "2021-Q1", 98, 100)
    measure("hai_long_ket_qua", "STP", "2021-Q1", 97, 100)
    measure("hai_long_phuc_vu", "STP", "2021-Q1", 1, 100)
    results = results_for(plan, periods["2021-Q1"], Scope.province())
    assert [r.target.code for r in results] == list(
        plan.targets.order_by("order").values_list("code", flat=True)
    )
    assert len(results) == 14
    assert summary_counts(results) == {
        Status.MET: 1,
        Status.NEAR: 1,
        Status.MISSED: 1,
        Status.NO_DATA: 11,
    }
    assert Status.NEAR.label == "Gần đạt"
