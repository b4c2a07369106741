"""The steering committee's printable summary report, assembled from the attainment module.

Nothing here computes attainment: it arranges ``indicators.attainment`` results into the parts
of an administrative report (summary paragraph, table, laggards, completeness, notes, annex)
and writes the summary paragraph in Vietnamese from the figures, so it is never typed by hand.
"""

from __future__ import annotations

import datetime
import heapq
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils import timezone

from indicators.attainment import (
    Result,
    Scope,
    Status,
    plan_targets,
    quarterly_trend,
    results_by_agency,
    results_for,
    summary_counts,
)
from indicators.dashboard_forms import FilterChoices
from indicators.models import ROMAN, Agency, Measurement, Period
from targets.models import Level, Plan, Target

LAGGARDS_PER_TARGET = 5
MAX_NOTES = 60
# Section IV names at most this many agencies (departments, then districts, then communes, in
# the province's order); the rest are counted per level, and listed in full in annex II when
# the annex is printed. A steering committee reads a page, not the 4,000 names of a national-
# scale run (issue 7); the completeness page and its Excel file always list everyone.
MISSING_LISTED = 40
LEVEL_ORDER = [Level.PROVINCE, Level.TINH, Level.HUYEN, Level.XA]


@dataclass(frozen=True)
class Laggard:
    agency: Agency
    result: Result


@dataclass(frozen=True)
class MissingReport:
    agency: Agency
    missing: int  # targets the agency has not reported for the period
    expected: int


@dataclass(frozen=True)
class LevelReporting:
    """How many agencies of one level owe figures, and how many have not sent them all."""

    label: str
    expected: int
    missing: int


@dataclass(frozen=True)
class AgencyNote:
    target: Target
    agency: Agency
    period: Period
    note: str


@dataclass
class Report:
    plan: Plan
    period: Period
    scope: Scope
    annex: bool
    taken_at: datetime.datetime
    results: list[Result]
    trend: dict[int, list[Result]]
    laggards: dict[int, list[Laggard]] = field(default_factory=dict)
    missing: list[MissingReport] = field(default_factory=list)
    agencies_expected: int = 0
    reporting_by_level: list[LevelReporting] = field(default_factory=list)
    notes: list[AgencyNote] = field(default_factory=list)
    annex_rows: list[tuple[Agency, list[Result | None]]] = field(default_factory=list)
    has_demo: bool = False

    @property
    def applicable(self) -> list[Result]:
        return [r for r in self.results if r.applies]

    @property
    def counts(self) -> dict[Status, int]:
        return summary_counts(self.applicable)

    @property
    def rate_results(self) -> list[Result]:
        return [r for r in self.applicable if not r.is_rank]

    @property
    def annex_targets(self) -> list[Target]:
        return [r.target for r in self.rate_results]

    @property
    def period_phrase(self) -> str:
        """The period inside a sentence: "quý II/2021", "cả năm 2021"."""
        return period_phrase(self.period)

    @property
    def reporting_quarter_phrase(self) -> str:
        """The quarter whose reports are counted: the period's last quarter."""
        return f"quý {ROMAN[self.period.last_quarter]}/{self.period.year}"

    @property
    def missing_listed(self) -> list[MissingReport]:
        """The agencies section IV names (the first ``MISSING_LISTED``)."""
        return self.missing[:MISSING_LISTED]

    @property
    def missing_not_listed(self) -> int:
        return max(0, len(self.missing) - MISSING_LISTED)

    @property
    def narrative(self) -> list[str]:
        return narrative(self)

    @property
    def has_partial_annex(self) -> bool:
        """Whether an annex cell leaves out some of the agency's quarters (marked *)."""
        return any(cell and cell.partial for _, cells in self.annex_rows for cell in cells)


def period_phrase(period: Period) -> str:
    if period.is_annual:
        return f"cả năm {period.year}"
    return f"quý {ROMAN[period.quarter]}/{period.year}"


def _span(period: Period) -> str:
    """'Đến hết quý II/2021' or 'Năm 2021'."""
    if period.is_annual:
        return f"Năm {period.year}"
    return f"Đến hết {period_phrase(period)}"


def _names(results: list[Result], with_values: bool = True) -> str:
    parts = []
    for r in results:
        text = r.target.short_label
        if with_values and r.value is not None:
            text += f" ({r.actual_text}, mục tiêu {r.target.goal_text})"
        parts.append(text)
    return "; ".join(parts)


def narrative(report: Report) -> list[str]:
    """The summary paragraphs, written from the figures.

    E.g. "Đến hết quý II/2021, có 6/14 chỉ tiêu đạt, 3 chỉ tiêu gần đạt, 2 chỉ tiêu chưa đạt
    và 3 chỉ tiêu chưa có số liệu." followed by the names of the targets not met and the
    reporting completeness.
    """
    results = report.applicable
    counts = summary_counts(results)
    total = len(results)
    parts = [f"có {counts[Status.MET]}/{total} chỉ tiêu đạt"]
    for status, words in (
        (Status.NEAR, "gần đạt"),
        (Status.MISSED, "chưa đạt"),
        (Status.NO_DATA, "chưa có số liệu"),
    ):
        if counts[status]:
            parts.append(f"{counts[status]} chỉ tiêu {words}")
    head = ", ".join(parts[:-1]) + " và " + parts[-1] if len(parts) > 1 else parts[0]
    scope = "" if report.scope.kind == "province" else f" ({report.scope.label})"
    paragraphs = [f"{_span(report.period)}{scope}, {head}."]

    met = [r for r in results if r.status == Status.MET]
    near = [r for r in results if r.status == Status.NEAR]
    missed = [r for r in results if r.status == Status.MISSED]
    no_data = [r for r in results if r.status == Status.NO_DATA]
    if met:
        paragraphs.append("Các chỉ tiêu đạt: " + _names(met) + ".")
    if near:
        paragraphs.append("Các chỉ tiêu gần đạt: " + _names(near) + ".")
    if missed:
        paragraphs.append("Các chỉ tiêu chưa đạt: " + _names(missed) + ".")
    if no_data:
        text = "Chưa có số liệu: " + _names(no_data, with_values=False) + "."
        if any(r.is_rank for r in no_data) and not report.period.is_annual:
            text += " Các chỉ số PAR Index, PAPI, PCI, SIPAS chỉ có kết quả theo năm."
        paragraphs.append(text)

    expected = report.agencies_expected
    if expected:
        reported = expected - len(report.missing)
        quarter = (
            f"quý IV/{report.period.year}"
            if report.period.is_annual
            else report.period.label.replace("Quý", "quý")
        )
        text = f"Về báo cáo số liệu {quarter}: {reported}/{expected} đơn vị đã gửi đủ số liệu"
        if report.missing:
            text += f"; {len(report.missing)} đơn vị chưa gửi hoặc gửi chưa đủ (xem mục IV)."
        else:
            text += "."
        paragraphs.append(text)
    return paragraphs


def _notes(period: Period, scope: Scope, targets: list[Target]) -> list[AgencyNote]:
    """Agencies' explanations (giải trình) on counted figures of the given targets, up to the
    period, in scope. One query."""
    if not targets:
        return []
    by_indicator: dict[int, list[Target]] = {}
    for t in targets:
        by_indicator.setdefault(t.indicator_id, []).append(t)
    in_year = Q(period__year=period.year) & (
        Q(period__quarter__lte=period.last_quarter) | Q(period__quarter__isnull=True)
    )
    rows = (
        Measurement.objects.filter(
            scope.agency_filter("agency__"),
            in_year,
            status__in=Measurement.COUNTED,
            indicator_id__in=list(by_indicator),
        )
        .exclude(note="")
        .select_related("agency", "period")
        .order_by("indicator__order", "agency__order", "period__quarter")[:MAX_NOTES]
    )
    notes = []
    for m in rows:
        for t in by_indicator[m.indicator_id]:
            if m.agency.level in t.levels:
                notes.append(AgencyNote(t, m.agency, m.period, m.note))
    return notes


def build_report(plan: Plan, period: Period, scope: Scope, *, annex: bool = False) -> Report:
    """Everything the report shows, in a fixed number of queries."""
    targets = plan_targets(plan)
    results = results_for(plan, period, scope, targets=targets)
    report = Report(
        plan=plan,
        period=period,
        scope=scope,
        annex=annex,
        taken_at=timezone.localtime(),
        results=results,
        trend=quarterly_trend(plan, period.year, scope, targets=targets),
    )

    per_agency = results_by_agency(plan, period, scope, targets=targets)
    agencies = {a.pk: a for a in Agency.objects.active().filter(scope.agency_filter())}
    not_met = [r.target for r in report.applicable if r.status in (Status.NEAR, Status.MISSED)]
    by_target: dict[int, list[tuple[int, Result]]] = {}
    for (target_id, agency_id), r in per_agency.items():
        by_target.setdefault(target_id, []).append((agency_id, r))
    for target in not_met:
        rows = (
            Laggard(agencies[agency_id], r)
            for agency_id, r in by_target.get(target.pk, [])
            if r.value is not None and r.status != Status.MET
        )
        # the largest shortfalls (most negative gaps) first, ties in the province's order
        report.laggards[target.pk] = heapq.nsmallest(
            LAGGARDS_PER_TARGET, rows, key=lambda lag: (lag.result.gap, lag.agency.order)
        )

    # Section IV: the agencies owing the reporting quarter's figures (a year: its fourth
    # quarter) and those that have not sent them all; per target, "sent" is the results' own
    # ``reported``, so that the summary, the targets table and the completeness page of that
    # quarter count the same agencies. The indices are not reported by agencies: they are
    # published once a year, and the targets table says when one is missing.
    missing: dict[int, list[int]] = {}
    for (_, agency_id), r in per_agency.items():
        if r.target.indicator.is_annual:
            continue
        counts = missing.setdefault(agency_id, [0, 0])
        counts[1] += 1
        counts[0] += r.reported == 0
    report.agencies_expected = len(missing)
    report.missing = sorted(
        (MissingReport(agencies[a], m, e) for a, (m, e) in missing.items() if m),
        key=lambda row: (LEVEL_ORDER.index(row.agency.level), row.agency.order),
    )
    per_level: dict[str, list[int]] = {}  # level → [owing, late]
    for agency_id, (not_sent, _expected) in missing.items():
        counts = per_level.setdefault(agencies[agency_id].level, [0, 0])
        counts[0] += 1
        counts[1] += bool(not_sent)
    report.reporting_by_level = [
        LevelReporting(str(Level(level).label), *per_level[level])
        for level in LEVEL_ORDER
        if level in per_level
    ]
    report.notes = _notes(period, scope, not_met)
    report.has_demo = Measurement.objects.filter(
        scope.agency_filter("agency__"), period__year=period.year, is_demo=True
    ).exists()

    if annex:
        rate_targets = report.annex_targets
        for agency in sorted(agencies.values(), key=lambda a: a.order):
            cells = [per_agency.get((t.pk, agency.pk)) for t in rate_targets]
            if any(cells):
                report.annex_rows.append((agency, cells))
    return report


def latest_period_with_data() -> Period | None:
    """The period the report opens on: the same rule as the dashboards
    (``dashboard_forms.default_period``), or None while nothing is counted yet."""
    choices = FilterChoices.load()
    return choices.default if choices.with_data else None
