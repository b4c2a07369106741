"""What the rest of the year must bring, and where the year is heading (dự báo).

Pure functions over the attainment module's results; nothing here reads the database. Both
numbers are estimates built from *this year's* figures so far, and every page that shows them
says how (``METHOD_TEXT``):

- **Required rate** (flows: dossiers, survey answers). The year's rate is (N + n) / (D + d),
  where N / D are the counts so far this year. The volume still to come, d, is assumed to be the
  average quarterly volume so far times the number of quarters left. The remaining quarters must
  then reach r = (threshold × (D + d) − N) / d on average. r ≤ 0 means the year is already
  secured; r > 100% means it can no longer be met.
- **Required rate** (stocks: services on offer). The year's value is the last quarter's, so the
  last quarter must itself reach the threshold.
- **Projection** (flows): the remaining quarters keep the latest quarter's own rate, with the
  average volume. (Stocks): the quarterly value keeps its average change per quarter so far,
  kept between 0% and 100%.

Ranks (the four indices) have no quarters, hence neither number.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from indicators.attainment import Result, rate_of
from indicators.formatting import format_number, format_percent
from indicators.models import ROMAN
from targets.models import Indicator

METHOD_TEXT = _(
    "Cách tính: mức cần đạt giả định khối lượng các quý còn lại bằng bình quân các quý đã qua "
    "của năm nay; dự báo cuối năm giả định các quý còn lại giữ tỷ lệ của quý gần nhất (chỉ tiêu "
    "cộng dồn) hoặc giữ mức tăng bình quân mỗi quý (chỉ tiêu lấy quý gần nhất). Đây là ước tính, "
    "không phải số liệu báo cáo."
)
# The quarters still to come, as the sentences below name them (always the end of the year).
QUARTERS_LEFT = {
    (4,): _("quý IV"),
    (3, 4): _("các quý III và IV"),
    (2, 3, 4): _("các quý II, III và IV"),
}


@dataclass(frozen=True)
class Outlook:
    """The remaining quarters' requirement and the year-end estimate for one rate target."""

    threshold: Fraction
    remaining: list[int]  # quarters still to come, e.g. [3, 4]
    required: Fraction | None  # the rate the remaining quarters must reach (on average)
    projected: Fraction | None  # the estimated year-end rate (dự báo)

    @property
    def secured(self) -> bool:
        return self.required is not None and self.required <= 0

    @property
    def out_of_reach(self) -> bool:
        return self.required is not None and self.required > 100

    @property
    def quarters_text(self) -> str:
        known = QUARTERS_LEFT.get(tuple(self.remaining))
        if known is not None:
            return str(known)
        names = [ROMAN[q] for q in self.remaining]
        if len(names) == 1:
            return f"quý {names[0]}"
        return "các quý " + ", ".join(names[:-1]) + " và " + names[-1]

    @property
    def required_text(self) -> str:
        """'Để đạt 98% cả năm, quý IV cần đạt ít nhất 99,1%' (rounded *up*: a requirement)."""
        goal = format_number(self.threshold, 2).rstrip("0").rstrip(",") + "%"
        if self.required is None:
            return ""
        values = {
            "goal": goal,
            "quarters": self.quarters_text,
            "required": ceil_percent(self.required),
        }
        if self.secured:
            return gettext("Chỉ tiêu %(goal)s cả năm đã chắc chắn đạt, dù %(quarters)s ra sao.") % (
                values
            )
        if self.out_of_reach:
            return (
                gettext(
                    "Không thể đạt %(goal)s cả năm: %(quarters)s cần hơn 100%%, "
                    "tức là ít nhất %(required)s."
                )
                % values
            )
        if len(self.remaining) > 1:
            text = gettext(
                "Để đạt %(goal)s cả năm, %(quarters)s cần đạt bình quân ít nhất %(required)s."
            )
        else:
            text = gettext("Để đạt %(goal)s cả năm, %(quarters)s cần đạt ít nhất %(required)s.")
        return text % values

    @property
    def projected_text(self) -> str:
        return format_percent(self.projected, 1)


def ceil_percent(value: Fraction, places: int = 1) -> str:
    """A requirement rounded *up*: 99,14…% → '99,2%', so meeting the text meets the goal."""
    scale = 10**places
    up = Fraction(math.ceil(value * scale), scale)
    return format_percent(up, places)


def required_rate(
    threshold: Fraction, numerator: int, denominator: int, quarters_done: int
) -> Fraction | None:
    """Flows: the average rate the remaining quarters need, from this year's counts so far.

    r = (threshold × (D + d) − N) / d with d = D / quarters_done × (4 − quarters_done).
    None when there is no volume yet or no quarter left.
    """
    left = 4 - quarters_done
    if left <= 0 or quarters_done <= 0 or not denominator:
        return None
    future = Fraction(denominator, quarters_done) * left
    return (Fraction(threshold) * (denominator + future) / 100 - numerator) / future * 100


def projected_flow(
    numerator: int, denominator: int, quarters_done: int, latest_rate: Fraction | None
) -> Fraction | None:
    """Flows: the year-end rate if the remaining quarters keep the latest quarter's rate with
    the average volume so far."""
    if not denominator or latest_rate is None:
        return None
    left = 4 - quarters_done
    future = Fraction(denominator, quarters_done) * left
    return (numerator + latest_rate / 100 * future) / (denominator + future) * 100


def projected_stock(values: list[Fraction]) -> Fraction | None:
    """Stocks: the last quarterly value plus its average change per quarter for each quarter
    left, kept between 0 and 100."""
    if not values:
        return None
    left = 4 - len(values)
    step = (values[-1] - values[0]) / (len(values) - 1) if len(values) > 1 else Fraction(0)
    return min(Fraction(100), max(Fraction(0), values[-1] + step * left))


def outlook(cumulative: Result, quarters: list[Result]) -> Outlook | None:
    """The outlook of a rate target at ``cumulative``'s period, from the per-quarter
    (``cumulative=False``) results of the same year's quarters. None for ranks, for the last
    quarter or the year, and without data."""
    target = cumulative.target
    done = cumulative.period.quarter
    if target.is_rank or done is None or done >= 4 or cumulative.value is None:
        return None
    threshold = Fraction(target.threshold)
    past = [r for r in quarters if r.period.quarter and r.period.quarter <= done]
    remaining = list(range(done + 1, 5))
    if target.indicator.aggregation == Indicator.Aggregation.LATEST:
        values = [r.value for r in past if r.value is not None]
        # the year's value is the last quarter's stock: only quarter IV decides
        return Outlook(threshold, [4], threshold, projected_stock(values))
    latest = next((r for r in past if r.period.quarter == done), None)
    latest_rate = latest.value if latest else None
    num, den = cumulative.numerator or 0, cumulative.denominator or 0
    return Outlook(
        threshold,
        remaining,
        required_rate(threshold, num, den, done),
        projected_flow(
            num, den, done, latest_rate if latest_rate is not None else rate_of(num, den)
        ),
    )
