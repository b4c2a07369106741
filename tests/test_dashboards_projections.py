"""Required rate for the rest of the year and the year-end projection (dự báo)."""

from fractions import Fraction

import pytest

from indicators.attainment import Result
from indicators.projections import (
    ceil_percent,
    outlook,
    projected_flow,
    projected_stock,
    required_rate,
)
from indicators.templatetags.vn_format import vn_number, vn_percent, vn_signed


def test_required_rate_from_this_years_volumes():
    # 3 quarters: 2940 of 3000 on time (98,0%); quarter IV assumed 1000 dossiers.
    # Year ≥ 98% needs 0,98 × 4000 = 3920 on time: 980 of 1000 → 98%.
    assert required_rate(Fraction(98), 2940, 3000, 3) == 98
    # 2900 of 3000: quarter IV needs 1020 of 1000 → out of reach
    assert required_rate(Fraction(98), 2900, 3000, 3) == 102
    # two quarters 1960/2000, two more of 1000 each: 3920 − 1960 = 1960 of 2000 → 98%
    assert required_rate(Fraction(98), 1960, 2000, 2) == 98
    assert required_rate(Fraction(98), 0, 0, 2) is None
    assert required_rate(Fraction(98), 10, 10, 4) is None


def test_projection_keeps_the_latest_quarter_rate():
    # 1900/2000 so far, latest quarter at 99%: + 2000 × 0,99 = 1980 → 3880/4000 = 97%
    assert projected_flow(1900, 2000, 2, Fraction(99)) == 97
    assert projected_stock([Fraction(30), Fraction(34)]) == 42  # +4 a quarter, 2 quarters left
    assert projected_stock([Fraction(90), Fraction(99)]) == 100  # capped


def test_requirements_round_up_so_meeting_the_text_meets_the_goal():
    assert ceil_percent(Fraction(99141, 1000)) == "99,2%"
    assert ceil_percent(Fraction(99)) == "99,0%"


def _result(target, period, num, den, cumulative=True):
    return Result(target, period, num, den, None, None, 1, 1, cumulative)


def test_outlook_text(target, periods):
    t = target("ho_so_dung_han")
    q3 = periods["2021-Q3"]
    per_q = [
        _result(t, periods[f"2021-Q{q}"], n, 1000, False) for q, n in ((1, 980), (2, 975), (3, 970))
    ]
    result = outlook(_result(t, q3, 2925, 3000), per_q)
    # 0,98 × 4000 − 2925 = 995 of 1000
    assert result.required == Fraction(995, 10)
    assert result.required_text == "Để đạt 98% cả năm, quý IV cần đạt ít nhất 99,5%."
    assert result.projected_text == "97,3%"  # (2925 + 970) / 4000 = 97,375%, rounded down
    assert outlook(_result(t, periods["2021"], 10, 10), per_q) is None
    assert outlook(_result(target("par_index"), periods["2021-Q3"], None, None), []) is None


def test_outlook_when_secured_or_out_of_reach(target, periods):
    t = target("ho_so_dung_han")
    q2 = periods["2021-Q2"]
    secured = outlook(_result(t, q2, 2000, 2000), [])
    assert secured.required <= 0 or secured.required_text.startswith("Để đạt")
    low = outlook(_result(t, q2, 1000, 2000), [])
    assert low.out_of_reach
    assert low.required_text.startswith("Không thể đạt 98% cả năm")


def test_stock_targets_need_the_threshold_in_quarter_iv(target, periods):
    t = target("dvc_muc_do_4")
    per_q = [_result(t, periods["2021-Q1"], 10, 40, False)]
    result = outlook(_result(t, periods["2021-Q1"], 10, 40), per_q)
    assert result.required_text == "Để đạt 30% cả năm, quý IV cần đạt ít nhất 30,0%."


@pytest.mark.parametrize(
    "value, expected",
    [(1234567, "1.234.567"), (Fraction(98765, 1000), "98")],
)
def test_vn_number(value, expected):
    assert vn_number(value) == expected


def test_vn_percent_and_signed_round_down():
    assert vn_percent(Fraction(9796, 100)) == "97,9%"
    assert vn_signed(Fraction(-1, 20)) == "−0,1"
    assert vn_percent(None) == "–"
