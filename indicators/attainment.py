"""Attainment: how far each target of a plan is met, for a period and a scope.

This module is the only place the rules live; dashboards, forms, reports and the command line
read their numbers from here. The rules (Kế hoạch 829/KH-UBND and the measurement issue):

- **Over time.** "sum" indicators (dossiers, survey answers: flows) add up the quarters of the year
  up to the period (lũy kế từ đầu năm). "latest" indicators (services on offer: stocks) take each
  agency's most recent *counted* quarter up to the period; a 0/0 "không phát sinh" figure is that
  quarter's figure, and a later draft neither counts nor hides it. The annual period covers the
  whole year. The four indices (PAR Index, PAPI, PCI, SIPAS) have a value only in the annual
  period. With ``cumulative=False`` each quarter stands alone (the figure of that quarter only).
- **Over agencies.** Sum of numerators over sum of denominators of the agencies in scope that the
  target applies to; never an average of rates.
- **What counts.** Only submitted and approved figures; drafts and returned figures never do.
- **Status.** ``met`` when the exact value satisfies the comparator (98.00% meets ≥ 98%);
  ``near`` within the target's warning band, bounds included (96.00% for ≥ 98% with a 2-point
  band; rank 20 for ≤ 15 with a 5-place band); ``missed`` otherwise; ``no_data`` when no counted
  figure has a denominator above zero (or no rank). Comparisons use exact fractions, never a
  rounded rate.
- **Completeness.** ``expected`` is the number of active agencies in scope whose level the target
  applies to; ``reported`` the number of those with a counted figure for the period itself (the
  quarter, or for the year its last quarter; the annual figure for the indices): the same
  figures the completeness page counts. Every page says "reported/expected", and lists as not
  reported exactly ``expected − reported`` agencies.
- **Coverage.** A result is made of the quarters of its ``span``: every quarter of the year up to
  the period for a flow summed over the year, the period's own quarter for a stock (taken as of
  that quarter) and for a quarter alone, none for an index. ``received`` counts, per quarter of
  the span, the expected agencies with a counted figure of that quarter. A result that lacks an
  agency's quarter (a flow summed over fewer quarters, a stock taken from an earlier quarter) is
  still computed from what was sent, and says so wherever it is shown (``coverage_text``): "Số
  liệu đến Quý III/2021" beside one agency's result, "21 đơn vị thiếu số liệu Quý IV/2021" beside
  an aggregate. The span's last quarter is the period's own, so its count is ``reported``.

The database does the aggregation (for stocks it picks each agency's latest figure, added up
here): a call issues a fixed number of queries, whatever the number of agencies, quarters or
targets, and none of them depends on PostgreSQL's statistics being fresh to finish quickly.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction
from functools import cached_property, lru_cache

from django.db.models import Count, Max, Min, Q, QuerySet, Sum
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from indicators.formatting import floor_decimal, format_number, format_percent, format_signed
from indicators.models import QUARTER_LABELS, Agency, Measurement, Period
from targets.models import Indicator, Level, Plan, Target


class Status(StrEnum):
    MET = "met"
    NEAR = "near"
    MISSED = "missed"
    NO_DATA = "no_data"

    @property
    def label(self) -> str:
        return str(STATUS_LABELS[self])


STATUS_LABELS = {
    Status.MET: _("Đạt"),
    Status.NEAR: _("Gần đạt"),
    Status.MISSED: _("Chưa đạt"),
    Status.NO_DATA: _("Chưa có số liệu"),
}


# --- Pure rules ---------------------------------------------------------------------------------


def rate_of(numerator: int, denominator: int) -> Fraction | None:
    """The exact percentage numerator/denominator × 100; None for 0/0 or no denominator."""
    if not denominator:
        return None
    return Fraction(numerator * 100, denominator)


@lru_cache(maxsize=1024)
def exact(number: Decimal | int) -> Fraction:
    """``number`` as an exact fraction; remembered, as thresholds and bands repeat for every
    agency of a target (building a Fraction from a Decimal is the slow part of a status)."""
    return Fraction(number)


def status_for(value: Fraction | int | None, target: Target) -> Status:
    """Compare an exact value with the target's threshold and warning band.

    ≥ goals: met when value ≥ threshold, near when value ≥ threshold − band.
    ≤ goals (ranks): met when value ≤ threshold, near when value ≤ threshold + band.
    """
    if value is None:
        return Status.NO_DATA
    value = value if isinstance(value, Fraction) else Fraction(value)
    threshold = exact(target.threshold)
    band = exact(target.warning_band)
    if target.comparator == Target.Comparator.GTE:
        if value >= threshold:
            return Status.MET
        return Status.NEAR if value >= threshold - band else Status.MISSED
    if value <= threshold:
        return Status.MET
    return Status.NEAR if value <= threshold + band else Status.MISSED


def gap_for(value: Fraction | int | None, target: Target) -> Fraction | None:
    """Distance beyond the threshold in the good direction: negative means a shortfall.

    For a ≥ 98% goal and 97,5%: −0,5 (points). For a ≤ 15 rank goal and rank 18: −3 (places).
    """
    if value is None:
        return None
    value = value if isinstance(value, Fraction) else Fraction(value)
    if target.comparator == Target.Comparator.GTE:
        return value - exact(target.threshold)
    return exact(target.threshold) - value


def quarter_label(quarter: int, year: int) -> str:
    """The quarter as a label: "Quý III/2021"."""
    return str(QUARTER_LABELS[quarter]) % {"year": year}


def coverage_span(aggregation: str, period: Period, cumulative: bool) -> tuple[int, ...]:
    """The quarters a result for ``period`` is made of, each of which an agency must have sent
    for its result to cover the period: a flow summed over the year needs every quarter up to
    the period; a stock (taken as of the period's last quarter) and a quarter alone need that
    quarter; an index (one value a year) no quarter."""
    if aggregation == Indicator.Aggregation.ANNUAL:
        return ()
    last = period.last_quarter
    if cumulative and aggregation == Indicator.Aggregation.SUM:
        return tuple(range(1, last + 1))
    return (last,)


# --- Results ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """Which agencies a result covers: the whole province, one level, one district with its
    communes, or one agency."""

    kind: str  # "province" | "level" | "district" | "agency"
    level: str | None = None
    agency: Agency | None = None

    @classmethod
    def province(cls) -> Scope:
        return cls("province")

    @classmethod
    def of_level(cls, level: str) -> Scope:
        if level not in Level.values:
            raise ValueError(f"unknown level {level!r}")
        return cls("level", level=level)

    @classmethod
    def district(cls, district: Agency) -> Scope:
        if district.level != Level.HUYEN:
            raise ValueError(f"{district.code} is not a district-level unit")
        return cls("district", agency=district)

    @classmethod
    def single(cls, agency: Agency) -> Scope:
        return cls("agency", agency=agency)

    def agency_filter(self, prefix: str = "") -> Q:
        """A Q() selecting the scope's agencies, on Agency (``prefix=""``) or a relation."""
        if self.kind == "province":
            return Q()
        if self.kind == "level":
            return Q(**{f"{prefix}level": self.level})
        if self.kind == "district":
            return Q(**{f"{prefix}pk": self.agency.pk}) | Q(**{f"{prefix}parent": self.agency.pk})
        return Q(**{f"{prefix}pk": self.agency.pk})

    @property
    def label(self) -> str:
        if self.kind == "province":
            return gettext("Toàn tỉnh")
        if self.kind == "level":
            return str(Level(self.level).label)
        if self.kind == "district":
            return gettext("%(name)s (gồm các đơn vị cấp xã)") % {"name": self.agency.name}
        return self.agency.name


@dataclass(frozen=True)
class Result:
    """One target's attainment for one period and scope (or one agency)."""

    target: Target
    period: Period
    numerator: int | None
    denominator: int | None
    rank: int | None
    score: Decimal | None
    reported: int
    expected: int
    cumulative: bool = True
    # (quarter, expected agencies with a counted figure of it) for each quarter of the span
    received: tuple[tuple[int, int], ...] = ()
    # the latest quarter any figure of the result comes from (None: no figure at all)
    latest_quarter: int | None = None

    @property
    def is_rank(self) -> bool:
        return self.target.is_rank

    # ``value`` and ``status`` are computed once per result (a heatmap asks each cell several
    # times); they depend only on the frozen fields, never on the language.
    @cached_property
    def value(self) -> Fraction | None:
        """The exact value compared with the threshold: a percentage, or a rank."""
        if self.is_rank:
            return None if self.rank is None else Fraction(self.rank)
        return rate_of(self.numerator or 0, self.denominator or 0)

    @cached_property
    def status(self) -> Status:
        return status_for(self.value, self.target)

    @property
    def gap(self) -> Fraction | None:
        return gap_for(self.value, self.target)

    @property
    def threshold(self) -> Decimal:
        return self.target.threshold

    @property
    def comparator(self) -> str:
        return self.target.comparator

    @property
    def applies(self) -> bool:
        """False when no agency in scope is of a level the target applies to."""
        return self.expected > 0

    @property
    def missing(self) -> int:
        return max(self.expected - self.reported, 0)

    @property
    def completeness(self) -> Fraction | None:
        return Fraction(self.reported * 100, self.expected) if self.expected else None

    @property
    def gaps(self) -> list[tuple[int, int]]:
        """(quarter, expected agencies without a counted figure of it) for each quarter of the
        span that some expected agency has not sent; the last one is ``missing``."""
        return [(q, self.expected - n) for q, n in self.received if n < self.expected]

    @property
    def partial(self) -> bool:
        """Whether the result leaves out some agency's quarter although it has figures: the
        value stands, but covers less than the period."""
        return self.latest_quarter is not None and bool(self.gaps)

    @property
    def coverage_text(self) -> str:
        """What a result made of some figures leaves out, "" when nothing (without any figure
        the status already says "Chưa có số liệu"). One agency (``expected == 1``): "Số liệu
        đến Quý III/2021" when only later quarters are missing, else "Thiếu số liệu Quý
        II/2021". An aggregate: "21 đơn vị thiếu số liệu Quý IV/2021", quarters with the same
        count named together."""
        if not self.partial:
            return ""
        gaps = self.gaps
        year = self.period.year
        if self.expected == 1:
            if all(q > self.latest_quarter for q, _ in gaps):
                return gettext("Số liệu đến %(quarter)s") % {
                    "quarter": quarter_label(self.latest_quarter, year)
                }
            return gettext("Thiếu số liệu %(quarters)s") % {
                "quarters": ", ".join(quarter_label(q, year) for q, _ in gaps)
            }
        by_count: dict[int, list[int]] = {}
        for q, n in gaps:
            by_count.setdefault(n, []).append(q)
        return "; ".join(
            ngettext(
                "%(n)s đơn vị thiếu số liệu %(quarters)s",
                "%(n)s đơn vị thiếu số liệu %(quarters)s",
                n,
            )
            % {"n": format_number(n), "quarters": ", ".join(quarter_label(q, year) for q in qs)}
            for n, qs in by_count.items()
        )

    # Display helpers: rounded down, so a missed target never reads as met.
    @property
    def actual_text(self) -> str:
        if self.is_rank:
            return "–" if self.rank is None else f"{self.rank}/63"
        return format_percent(self.value, 1)

    @property
    def actual_machine(self) -> str | None:
        """'97.99' (rounded down to 2 decimals) or the rank as text; None without data."""
        if self.value is None:
            return None
        if self.is_rank:
            return str(self.rank)
        return f"{floor_decimal(self.value, 2):f}"

    @property
    def gap_text(self) -> str:
        gap = self.gap
        text = format_signed(gap, 0 if self.is_rank else 1)
        if gap is None:
            return text
        if self.is_rank:
            return ngettext("%(gap)s bậc", "%(gap)s bậc", abs(int(gap))) % {"gap": text}
        return gettext("%(gap)s điểm %%") % {"gap": text}

    @property
    def counts_text(self) -> str:
        """'12.345 / 12.600 hồ sơ'."""
        if self.is_rank or self.denominator is None:
            return ""
        unit = self.target.indicator.unit
        return f"{format_number(self.numerator)} / {format_number(self.denominator)} {unit}".strip()


def _period_filter(
    period: Period, cumulative: bool, quarters: dict[int, Period], annual: Period | None
) -> Q:
    """Which measurements feed a result for ``period``, by the indicator's aggregation."""
    last = period.last_quarter
    if cumulative:
        quarter_ids = [p.pk for q, p in quarters.items() if q <= last]
    else:
        quarter_ids = [quarters[last].pk] if last in quarters else []
    flows = Q(indicator__aggregation=Indicator.Aggregation.SUM, period_id__in=quarter_ids)
    if period.is_annual and annual is not None:
        indices = Q(indicator__aggregation=Indicator.Aggregation.ANNUAL, period_id=annual.pk)
    else:
        indices = Q(pk__in=[])  # the indices have a value only in the annual period
    return flows | indices


def _aggregate(
    rows: QuerySet, group: list[str], reported: Q, by_quarter: dict[int, Q]
) -> list[dict]:
    """``reported`` selects one period per indicator (its quarter, or the year for an index),
    and an agency has at most one figure per indicator and period (unique constraint), so a
    plain COUNT counts agencies: no COUNT(DISTINCT), which sorts every figure of the year.
    ``by_quarter`` selects each quarter of the span the same way (``received``)."""
    quarter_counts = {f"in_q{q}": Count("agency_id", filter=f) for q, f in by_quarter.items()}
    out = list(
        rows.values("indicator_id", *group).annotate(
            num=Sum("numerator"),
            den=Sum("denominator"),
            best_rank=Min("rank"),
            best_score=Max("score"),
            reported=Count("agency_id", filter=reported),
            **quarter_counts,
        )
    )
    for row in out:
        row["received"] = {q: row.pop(f"in_q{q}") for q in by_quarter}
        row["latest"] = max((q for q, n in row["received"].items() if n), default=None)
    return out


def _figure_rows(period: Period, agencies: Q, *, cumulative: bool, by_agency: bool) -> list[dict]:
    """Counted figures for ``period`` summed per (indicator, level) or per (indicator, agency).

    Two queries: one for flows and indices, one for stocks (each agency's latest counted quarter,
    at most one row per agency and indicator, added up in Python).
    """
    year_periods = list(Period.objects.filter(year=period.year))
    quarters = {p.quarter: p for p in year_periods if p.quarter}
    annual = next((p for p in year_periods if p.is_annual), None)
    current = quarters.get(period.last_quarter)
    group = ["agency__level", "agency_id"] if by_agency else ["agency__level"]
    counted = Measurement.objects.filter(agencies, status__in=Measurement.COUNTED)

    this_period = Q(period_id=current.pk if current else None) & ~Q(
        indicator__aggregation=Indicator.Aggregation.ANNUAL
    )
    if annual is not None:
        this_period |= Q(period_id=annual.pk, indicator__aggregation=Indicator.Aggregation.ANNUAL)
    # ``reported`` counts among the expected agencies, which are the active ones only.
    this_period &= Q(agency__active=True)

    last = period.last_quarter
    span = coverage_span(Indicator.Aggregation.SUM, period, cumulative)
    # ``received``: per quarter of the span, the active agencies' figures of that quarter
    by_quarter = {
        q: Q(period_id=quarters[q].pk, agency__active=True) for q in span if q in quarters
    }
    flows = _aggregate(
        counted.filter(_period_filter(period, cumulative, quarters, annual)),
        group,
        this_period,
        by_quarter,
    )

    stock_quarters = [p.pk for q, p in quarters.items() if (q <= last if cumulative else q == last)]
    quarter_of = {p.pk: q for q, p in quarters.items()}
    # Stocks: each agency's latest counted figure, picked with DISTINCT ON and added up here
    # (at most one row per agency and indicator). Not ``pk IN (SELECT DISTINCT ON ...)`` nor a
    # NOT EXISTS anti-join: with stale table statistics, e.g. just after a large import,
    # PostgreSQL may run such a subquery once per row, which takes minutes on a year of figures.
    latest = (
        counted.filter(
            indicator__aggregation=Indicator.Aggregation.LATEST, period_id__in=stock_quarters
        )
        .order_by("indicator_id", "agency_id", "-period__quarter")
        .distinct("indicator_id", "agency_id")
        .values(
            "indicator_id",
            "agency_id",
            "agency__level",
            "agency__active",
            "period_id",
            "numerator",
            "denominator",
        )
    )
    stocks: dict[tuple, dict] = {}
    for figure in latest:
        key = tuple(figure[name] for name in ["indicator_id", *group])
        row = stocks.setdefault(
            key,
            {
                "indicator_id": figure["indicator_id"],
                **{name: figure[name] for name in group},
                "num": 0,
                "den": 0,
                "best_rank": None,
                "best_score": None,
                "reported": 0,
                "received": {last: 0},
                "latest": None,
            },
        )
        row["num"] += figure["numerator"] or 0
        row["den"] += figure["denominator"] or 0
        # reported: the figure is the period's own (see ``this_period``) from an active agency
        if current is not None and figure["period_id"] == current.pk and figure["agency__active"]:
            row["reported"] += 1
            row["received"][last] += 1
        if figure["agency__active"]:  # like ``received``: the expected agencies only
            row["latest"] = max(row["latest"] or 0, quarter_of[figure["period_id"]])
    return flows + list(stocks.values())


def _expected(agencies: QuerySet, by_agency: bool) -> dict:
    """Active agencies in scope, counted per level (or listed, per agency)."""
    if by_agency:
        return {a["pk"]: a["level"] for a in agencies.values("pk", "level")}
    return dict(agencies.values_list("level").annotate(n=Count("pk")).order_by())


def _combine(
    target: Target, period: Period, rows: list[dict], expected: int, cumulative: bool
) -> Result:
    num = den = reported = 0
    rank = score = latest = None
    received = dict.fromkeys(coverage_span(target.indicator.aggregation, period, cumulative), 0)
    for row in rows:
        num += row["num"] or 0
        den += row["den"] or 0
        reported += row["reported"]
        for q, n in row["received"].items():
            if q in received:
                received[q] += n
        if row["latest"] is not None and (latest is None or row["latest"] > latest):
            latest = row["latest"]
        if row["best_rank"] is not None and (rank is None or row["best_rank"] < rank):
            # only the province reports a rank; should several rows ever carry one, the best
            # rank and its own row's score are kept together
            rank, score = row["best_rank"], row["best_score"]
    coverage = {"received": tuple(received.items()), "latest_quarter": latest}
    if target.is_rank:
        return Result(
            target, period, None, None, rank, score, reported, expected, cumulative, **coverage
        )
    return Result(
        target,
        period,
        num if rows else None,
        den if rows else None,
        None,
        None,
        reported,
        expected,
        cumulative,
        **coverage,
    )


def plan_targets(plan: Plan) -> list[Target]:
    return list(Target.objects.filter(plan=plan).select_related("indicator", "focus_area"))


def results_for(
    plan: Plan,
    period: Period,
    scope: Scope,
    *,
    cumulative: bool = True,
    targets: list[Target] | None = None,
) -> list[Result]:
    """Every target's result for the scope, in the plan's order. Five queries at most (four
    when ``targets`` is given), whatever the number of agencies, quarters or targets."""
    targets = plan_targets(plan) if targets is None else targets
    rows = _figure_rows(
        period, scope.agency_filter("agency__"), cumulative=cumulative, by_agency=False
    )
    expected = _expected(Agency.objects.active().filter(scope.agency_filter()), by_agency=False)
    by_indicator = defaultdict(list)
    for row in rows:
        by_indicator[row["indicator_id"]].append(row)
    results = []
    for target in targets:
        mine = [r for r in by_indicator[target.indicator_id] if r["agency__level"] in target.levels]
        n_expected = sum(n for level, n in expected.items() if level in target.levels)
        results.append(_combine(target, period, mine, n_expected, cumulative))
    return results


def results_by_level(
    plan: Plan,
    period: Period,
    levels: list[str],
    *,
    cumulative: bool = True,
    targets: list[Target] | None = None,
) -> dict[str, list[Result]]:
    """``results_for(plan, period, Scope.of_level(level))`` for each of ``levels`` at once,
    and for ``""`` in ``levels`` ``results_for(plan, period, Scope.province())``: the
    province's figures are summed per level anyway, so one pass serves every level. Four
    queries (five without ``targets``), whatever the number of levels."""
    targets = plan_targets(plan) if targets is None else targets
    rows = _figure_rows(period, Q(), cumulative=cumulative, by_agency=False)
    expected = _expected(Agency.objects.active(), by_agency=False)
    out = {}
    for level in levels:
        out[level] = []
        for target in targets:
            wanted = [lv for lv in target.levels if lv == level or not level]
            mine = [
                r
                for r in rows
                if r["indicator_id"] == target.indicator_id and r["agency__level"] in wanted
            ]
            n_expected = sum(n for lv, n in expected.items() if lv in wanted)
            out[level].append(_combine(target, period, mine, n_expected, cumulative))
    return out


def results_by_agency(
    plan: Plan,
    period: Period,
    scope: Scope | None = None,
    *,
    cumulative: bool = True,
    targets: list[Target] | None = None,
) -> dict[tuple[int, int], Result]:
    """Every (target, agency) result at once, for rankings and heatmaps, keyed by
    ``(target.pk, agency.pk)``; only the pairs where the target applies to the agency's level.
    Five queries at most (four when ``targets`` is given), whatever the number of agencies."""
    scope = scope or Scope.province()
    targets = plan_targets(plan) if targets is None else targets
    rows = _figure_rows(
        period, scope.agency_filter("agency__"), cumulative=cumulative, by_agency=True
    )
    agencies = _expected(Agency.objects.active().filter(scope.agency_filter()), by_agency=True)
    by_key = defaultdict(list)
    for row in rows:
        by_key[(row["indicator_id"], row["agency_id"])].append(row)
    results = {}
    for target in targets:
        for agency_id, level in agencies.items():
            if level in target.levels:
                mine = by_key.get((target.indicator_id, agency_id), [])
                results[(target.pk, agency_id)] = _combine(target, period, mine, 1, cumulative)
    return results


def quarterly_trend(
    plan: Plan,
    year: int,
    scope: Scope,
    *,
    cumulative: bool = True,
    targets: list[Target] | None = None,
) -> dict[int, list[Result]]:
    """Each target's results for the quarters of ``year``, keyed by target pk: the same results
    as ``results_for`` for each quarter, computed from one pass over the year.

    Four queries whatever the number of agencies: the quarters, the flows summed per (indicator,
    level, quarter), each agency's stock figures per quarter, and the expected agencies. The
    year-to-date sums and "latest counted quarter" are then taken in Python over four quarters.
    """
    targets = plan_targets(plan) if targets is None else targets
    return _trend_from(_trend_figures(year, scope), targets, cumulative)


def quarterly_trends(
    plan: Plan, year: int, scope: Scope, *, targets: list[Target] | None = None
) -> tuple[dict[int, list[Result]], dict[int, list[Result]]]:
    """``quarterly_trend`` year-to-date and quarter by quarter, from the same four queries."""
    targets = plan_targets(plan) if targets is None else targets
    figures = _trend_figures(year, scope)
    return _trend_from(figures, targets, True), _trend_from(figures, targets, False)


def _trend_figures(year: int, scope: Scope) -> tuple:
    """The four queries of ``quarterly_trend``: quarters, flows, stocks, expected agencies."""
    quarters = list(Period.objects.filter(year=year, quarter__isnull=False).order_by("quarter"))
    counted = Measurement.objects.filter(
        scope.agency_filter("agency__"), status__in=Measurement.COUNTED, period__in=quarters
    )
    flows = list(
        counted.filter(indicator__aggregation=Indicator.Aggregation.SUM)
        .values("indicator_id", "agency__level", "period__quarter")
        .annotate(
            num=Sum("numerator"),
            den=Sum("denominator"),
            # one figure per agency, indicator and quarter (unique): no DISTINCT needed
            reported=Count("agency_id", filter=Q(agency__active=True)),
        )
    )
    stocks = list(
        counted.filter(indicator__aggregation=Indicator.Aggregation.LATEST).values_list(
            "indicator_id",
            "agency_id",
            "agency__level",
            "agency__active",
            "period__quarter",
            "numerator",
            "denominator",
        )
    )
    expected = _expected(Agency.objects.active().filter(scope.agency_filter()), by_agency=False)

    return quarters, flows, stocks, expected


def _trend_from(figures: tuple, targets: list[Target], cumulative: bool) -> dict[int, list[Result]]:
    quarters, flows, stocks, expected = figures
    trend: dict[int, list[Result]] = {t.pk: [] for t in targets}
    for period in quarters:
        q = period.quarter
        rows: dict[tuple[int, str], dict] = {}

        def row(indicator_id, level, rows=rows):
            return rows.setdefault(
                (indicator_id, level),
                {
                    "indicator_id": indicator_id,
                    "agency__level": level,
                    "num": 0,
                    "den": 0,
                    "best_rank": None,
                    "best_score": None,
                    "reported": 0,
                    "received": {},
                    "latest": None,
                },
            )

        for f in flows:
            fq = f["period__quarter"]
            if fq == q or (cumulative and fq < q):
                r = row(f["indicator_id"], f["agency__level"])
                r["num"] += f["num"] or 0
                r["den"] += f["den"] or 0
                r["received"][fq] = r["received"].get(fq, 0) + f["reported"]
                if f["reported"]:
                    r["latest"] = max(r["latest"] or 0, fq)
                if fq == q:
                    r["reported"] += f["reported"]
        latest: dict[tuple[int, int], tuple] = {}
        for figure in stocks:
            fq = figure[4]
            if fq == q or (cumulative and fq < q):
                key = (figure[0], figure[1])
                if key not in latest or latest[key][4] < fq:
                    latest[key] = figure
        for indicator_id, _agency, level, active, fq, num, den in latest.values():
            r = row(indicator_id, level)
            r["num"] += num or 0
            r["den"] += den or 0
            r["reported"] += fq == q and active
            r["received"][q] = r["received"].get(q, 0) + (fq == q and active)
            if active:
                r["latest"] = max(r["latest"] or 0, fq)

        for target in targets:
            mine = [
                r
                for (ind, level), r in rows.items()
                if ind == target.indicator_id and level in target.levels
            ]
            n_expected = sum(n for level, n in expected.items() if level in target.levels)
            trend[target.pk].append(_combine(target, period, mine, n_expected, cumulative))
    return trend


def summary_counts(results: list[Result]) -> dict[Status, int]:
    """How many results have each status: the "x/14 chỉ tiêu đạt" line."""
    counts = dict.fromkeys(Status, 0)
    for result in results:
        counts[result.status] += 1
    return counts
