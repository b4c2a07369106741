"""What each dashboard page shows, assembled from the attainment module (no rules here).

Each ``*_page`` function returns the template context of one page: cards, charts (figure +
table) and lists. Every number comes from ``indicators.attainment``; every text from
``indicators.charts`` or the results' own ``*_text`` properties. Each function issues a fixed
number of queries, whatever the number of years, agencies or targets.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext

from indicators import charts, paging, projections
from indicators.attainment import (
    Result,
    Scope,
    Status,
    plan_targets,
    quarterly_trend,
    quarterly_trends,
    results_by_agency,
    results_by_level,
    results_for,
    summary_counts,
)
from indicators.models import Agency, Measurement, Period
from targets.models import Level, Plan, Target
from targets.plans import targets_by_focus_area

AGENCY_LEVELS = (Level.TINH, Level.HUYEN, Level.XA)
LEVEL_ORDER = {level: n for n, level in enumerate((Level.PROVINCE, *AGENCY_LEVELS))}


def scope_for(level: str = "", district: Agency | None = None) -> Scope:
    """The district (with its communes) when one is chosen, else the level, else the province."""
    if district is not None:
        return Scope.district(district)
    if level:
        return Scope.of_level(level)
    return Scope.province()


def scope_key(scope: Scope) -> tuple:
    """Plain values naming a scope, for cache keys."""
    return (scope.kind, scope.level or "", scope.agency.pk if scope.agency else None)


def shows_demo(year: int, scope: Scope) -> bool:
    """Whether any counted figure of the year in scope is a demo figure (one query)."""
    return Measurement.objects.filter(
        scope.agency_filter("agency__"),
        period__year=year,
        is_demo=True,
        status__in=Measurement.COUNTED,
    ).exists()


def target_url(target: Target, query: str) -> str:
    return f"{reverse('dashboard-target', args=[target.code])}?{query}"


def agency_url(agency: Agency, query: str) -> str:
    return f"{reverse('dashboard-agency', args=[agency.code])}?{query}"


def better(a, b, target: Target) -> bool:
    """Whether value ``a`` is strictly better than ``b`` for the target's direction."""
    return a < b if target.is_rank else a > b


def worst_first(pairs: list[tuple[Agency, Result]]) -> list[tuple[Agency, Result]]:
    """(agency, result) pairs with a value, worst first (lowest rate; highest rank number),
    ties in the agencies' usual order."""
    with_value = [(a, r) for a, r in pairs if r.value is not None]
    return sorted(
        with_value, key=lambda p: (-p[1].value if p[1].is_rank else p[1].value, p[0].order)
    )


# --- Overview -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Card:
    result: Result
    spark: charts.Sparkline | None
    href: str
    label: str


def overview_page(plan: Plan, period: Period, scope: Scope, *, cumulative: bool, query: str):
    targets = plan_targets(plan)
    results = results_for(plan, period, scope, cumulative=cumulative, targets=targets)
    trend = quarterly_trend(plan, period.year, scope, cumulative=cumulative, targets=targets)
    shown = {r.target.pk: r for r in results if r.applies}
    demo = shows_demo(period.year, scope)
    groups = []
    for group in targets_by_focus_area(plan):
        cards = [
            Card(shown[t.pk], charts.sparkline(trend[t.pk]), target_url(t, query), t.name)
            for t in group.targets
            if t.pk in shown
        ]
        if cards:
            groups.append((group.name, cards))
    applicable = list(shown.values())
    rows = [(charts.target_label(r.target), target_url(r.target, query), r) for r in applicable]
    chart_list = [
        charts.attainment_chart(
            "ty-le",
            gettext("Các chỉ tiêu tỷ lệ so với mục tiêu"),
            [row for row in rows if not row[2].is_rank],
            demo=demo,
        )
    ]
    rank_rows = [row for row in rows if row[2].is_rank]
    if rank_rows:
        chart_list.append(
            charts.attainment_chart(
                "chi-so",
                gettext("Các chỉ số xếp hạng so với mục tiêu (nhóm 15/63)"),
                rank_rows,
                demo=demo,
                note=""
                if period.is_annual
                else gettext(
                    "Các chỉ số PAR Index, PAPI, PCI, SIPAS công bố theo năm: chọn kỳ “Năm”."
                ),
            )
        )
    return {
        "groups": groups,
        "counts": summary_counts(applicable),
        "met": summary_counts(applicable)[Status.MET],
        "total": len(applicable),
        "charts": chart_list,
        "demo": demo,
    }


# --- Target detail --------------------------------------------------------------------------


def index_history(target: Target) -> list[tuple[int, int, object]]:
    """(year, rank, score) of the province's counted annual figures for an index."""
    return list(
        Measurement.objects.filter(
            indicator=target.indicator,
            agency__level=Level.PROVINCE,
            period__quarter__isnull=True,
            status__in=Measurement.COUNTED,
            rank__isnull=False,
        )
        .order_by("period__year")
        .values_list("period__year", "rank", "score")
    )


def ranking_level(target: Target, level: str, district: Agency | None) -> str:
    """Which agencies the ranking compares: the chosen level, else (without a district) the
    first level the target applies to."""
    if level or district is not None:
        return level
    return next((lv for lv in AGENCY_LEVELS if lv in target.levels), "")


def target_page(plan, target, period, *, level, district, cumulative, query):
    scope = scope_for(level, district)
    one = [target]
    levels = [lv for lv in AGENCY_LEVELS if lv in target.levels]
    by_level = None
    if scope.kind == "province":
        # the whole province and each level from the same four queries
        by_level = results_by_level(plan, period, ["", *levels], cumulative=cumulative, targets=one)
        current = by_level[""][0]
    else:
        current = results_for(plan, period, scope, cumulative=cumulative, targets=one)[0]
    demo = shows_demo(period.year, scope)
    context = {"result": current, "demo": demo, "charts": [], "outlook": None}
    if target.is_rank:
        history = index_history(target)
        context["charts"].append(charts.rank_history_chart(target, history, demo=demo))
        return context
    cum, per_q = quarterly_trends(plan, period.year, scope, targets=one)
    cum, per_q = cum[target.pk], per_q[target.pk]
    context["charts"].append(charts.trend_chart(target, cum, per_q, demo=demo))
    at_period = next((r for r in cum if r.period.quarter == period.quarter), None)
    if at_period is not None:
        context["outlook"] = projections.outlook(at_period, per_q)
        context["method"] = projections.METHOD_TEXT

    if by_level is None:
        by_level = results_by_level(plan, period, levels, cumulative=cumulative, targets=one)
    level_rows = [(str(Level(lv).label), "", by_level[lv][0]) for lv in levels]
    context["charts"].append(
        charts.attainment_chart(
            "theo-cap",
            gettext("Theo cấp (toàn tỉnh)"),
            level_rows,
            first_column=gettext("Cấp"),
            demo=demo,
        )
    )

    rank_level = ranking_level(target, level, district)
    # every agency of the page's scope, the same agencies as the "reported/expected" count;
    # the ranking compares those of one level
    by_agency = results_by_agency(plan, period, scope, cumulative=cumulative, targets=one)
    agencies = Agency.objects.in_bulk([agency_id for _, agency_id in by_agency])
    everyone = [(agencies[agency_id], result) for (_, agency_id), result in by_agency.items()]
    pairs = [(a, r) for a, r in everyone if not rank_level or a.level == rank_level]
    ranked = worst_first(pairs)
    title = gettext("Đơn vị xếp từ thấp đến cao")
    title += f" – {Scope.of_level(rank_level).label.lower()}" if rank_level else ""
    title += f", {district.name}" if district else ""
    context["charts"].append(
        charts.attainment_chart(
            "xep-hang",
            title,
            [(a.name, agency_url(a, query), r) for a, r in ranked],
            first_column=gettext("Đơn vị"),
            demo=demo,
        )
    )
    # exactly the agencies the count leaves out (``expected − reported``): those without a
    # counted figure of the period's own quarter, with what their result still holds
    context["not_reported"] = sorted(
        ((a, r) for a, r in everyone if not r.reported),
        key=lambda pair: (LEVEL_ORDER.get(pair[0].level, 0), pair[0].order, pair[0].code),
    )
    context["rank_level"] = rank_level
    return context


# --- Agency detail --------------------------------------------------------------------------


def positions(targets, agency, peers: dict[tuple[int, int], Result]) -> dict[int, tuple]:
    """Per target, the agency's place among agencies of its level with a value: (place, of)."""
    out = {}
    for target in targets:
        values = [r.value for (t, _), r in peers.items() if t == target.pk and r.value is not None]
        mine = peers.get((target.pk, agency.pk))
        if mine is None or mine.value is None:
            out[target.pk] = (None, len(values))
        else:
            place = 1 + sum(better(v, mine.value, target) for v in values)
            out[target.pk] = (place, len(values))
    return out


def agency_page(plan, agency, period, *, cumulative, query, target_links=True):
    """One agency's results; ``target_links``: whether target names link to the target pages
    (province-wide: not for an agency officer)."""
    link = (lambda target: target_url(target, query)) if target_links else (lambda target: "")
    targets = [t for t in plan_targets(plan) if agency.level in t.levels]
    scope = Scope.single(agency)
    results = results_for(plan, period, scope, cumulative=cumulative, targets=targets)
    trend = quarterly_trend(plan, period.year, scope, cumulative=cumulative, targets=targets)
    peers_scope = Scope.of_level(agency.level)
    peers = results_by_agency(plan, period, peers_scope, cumulative=cumulative, targets=targets)
    places = positions(targets, agency, peers)
    demo = shows_demo(period.year, scope)
    level_name = str(Level(agency.level).label).lower()

    quarters = charts.Table(
        [gettext("Chỉ tiêu")]
        + [
            r.period.cumulative_label if cumulative else r.period.label
            for r in (trend[targets[0].pk] if targets else [])
        ]
        + [
            gettext("Kết quả %(period)s") % {"period": period.label},
            gettext("Trạng thái"),
            gettext("Vị trí trong %(level)s") % {"level": level_name},
        ]
    )
    for result in results:
        place, of = places[result.target.pk]
        quarters.rows.append(
            [charts.Cell(result.target.name, href=link(result.target), header=True)]
            + [charts.Cell(charts.result_text(r), num=True) for r in trend[result.target.pk]]
            + [
                charts.Cell(charts.result_text(result), num=True),
                charts.status_cell(result),
                charts.Cell(f"{place}/{of}" if place else "–", num=True),
            ]
        )
    notes = (
        Measurement.objects.filter(agency=agency, period__year=period.year)
        .exclude(note="")
        .select_related("indicator", "period")
        .order_by("period__quarter", "indicator__order")
    )
    return {
        "demo": demo,
        "charts": [
            charts.attainment_chart(
                "ket-qua",
                gettext("Kết quả so với mục tiêu"),
                [(charts.target_label(r.target), link(r.target), r) for r in results],
                demo=demo,
            ),
            charts.Chart(
                "theo-quy",
                gettext("Từng chỉ tiêu theo quý"),
                quarters,
                demo=demo,
                note=gettext(
                    "Vị trí: thứ tự của đơn vị trong các đơn vị %(level)s có số liệu của chỉ "
                    "tiêu, 1 là tốt nhất (ví dụ 3/11: đứng thứ 3 trong 11 đơn vị); các đơn vị "
                    "có kết quả bằng nhau cùng vị trí."
                )
                % {"level": level_name},
            ),
        ],
        "notes": list(notes),
        "counts": summary_counts(results),
        "total": len(results),
    }


# --- Agencies × targets: district view and heatmap ------------------------------------------


def heatmap_scopes(level: str, district: Agency | None) -> list[Scope]:
    """The scopes a heatmap computes. Without a level or a district it shows the province, the
    departments and the districts, not the communes (156 in An Giang; one district's communes,
    or all communes with the level filter, are one choice away): one scope per level shown, so
    the communes' figures are not aggregated for rows that are not drawn."""
    if level or district is not None:
        return [scope_for(level, district)]
    return [Scope.of_level(lv) for lv in (Level.PROVINCE, Level.TINH, Level.HUYEN)]


def grid(plan, period, scopes, agencies, *, cumulative, sort, query, chart_id, title, page=None):
    """The heatmap chart, per-agency status counts and page links for ``agencies`` (results
    from ``scopes``); ``page``: which page of ``paging.PAGE_SIZE`` rows (None: every row)."""
    targets = plan_targets(plan)
    by_agency = {}
    for scope in scopes:
        by_agency.update(
            results_by_agency(plan, period, scope, cumulative=cumulative, targets=targets)
        )
    levels = {a.level for a in agencies}
    targets = [t for t in targets if levels & set(t.levels)]
    counts = {}
    for agency in agencies:
        mine = [by_agency[(t.pk, agency.pk)] for t in targets if (t.pk, agency.pk) in by_agency]
        counts[agency.pk] = summary_counts(mine)
    if sort:
        agencies = sorted(agencies, key=lambda a: -counts[a.pk][Status.MISSED])
    pages = None
    if page is not None:
        agencies, pages = paging.paginate(agencies, page, query)
    demo = shows_demo(period.year, scopes[0] if len(scopes) == 1 else Scope.province())
    heatmap = charts.heatmap_chart(
        chart_id,
        title,
        [(a.name, agency_url(a, query)) for a in agencies],
        targets,
        by_agency,
        [a.pk for a in agencies],
        demo=demo,
    )
    status_counts = charts.status_count_chart(
        "so-chi-tieu",
        gettext("Số chỉ tiêu theo trạng thái của từng đơn vị"),
        [(a.name, agency_url(a, query), counts[a.pk]) for a in agencies],
        demo=demo,
    )
    return heatmap, status_counts, demo, pages


def district_page(plan, district, period, *, cumulative, sort, query, target_links=True):
    """A district with its communes; ``target_links`` as for ``agency_page``."""
    scope = Scope.district(district)
    targets = plan_targets(plan)
    totals = [
        r
        for r in results_for(plan, period, scope, cumulative=cumulative, targets=targets)
        if r.applies
    ]
    agencies = list(Agency.objects.active().in_district(district))
    heatmap, status_counts, demo, _pages = grid(
        plan,
        period,
        [scope],
        agencies,
        cumulative=cumulative,
        sort=sort,
        query=query,
        chart_id="ban-do-nhiet",
        title=gettext("%(district)s và các xã, phường, thị trấn") % {"district": district.name},
    )
    summary = charts.attainment_chart(
        "tong-hop",
        gettext("Toàn %(district)s (gồm cấp xã) so với mục tiêu") % {"district": district.name},
        [
            (charts.target_label(r.target), target_url(r.target, query) if target_links else "", r)
            for r in totals
        ],
        demo=demo,
    )
    return {
        "charts": [summary, heatmap, status_counts],
        "counts": summary_counts(totals),
        "total": len(totals),
        "demo": demo,
    }


def heatmap_page(plan, period, *, level, district, cumulative, sort, query, page=1):
    """Agencies × targets, ``paging.PAGE_SIZE`` agencies a page; communes only when a level
    or a district is chosen (see ``heatmap_scopes``)."""
    scope = scope_for(level, district)
    agencies = Agency.objects.active().filter(scope.agency_filter())
    if district is not None and level:
        agencies = agencies.filter(level=level)
    if not (level or district):
        agencies = agencies.exclude(level=Level.XA)
    agencies = [a for a in agencies if a.level in AGENCY_LEVELS or not (level or district)]
    heatmap, _status_counts, demo, pages = grid(
        plan,
        period,
        heatmap_scopes(level, district),
        agencies,
        cumulative=cumulative,
        sort=sort,
        query=query,
        chart_id="ban-do-nhiet",
        title=gettext("Đơn vị × chỉ tiêu – %(scope)s") % {"scope": scope.label},
        page=page,
    )
    return {
        "charts": [heatmap],
        "demo": demo,
        "agency_count": len(agencies),
        "pages": pages,
        "communes_hidden": not (level or district),
    }
