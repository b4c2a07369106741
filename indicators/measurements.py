"""Rules for a single figure: what may be entered, and saving it without losing anything.

Messages are Vietnamese (translated for the English interface), one per rule, keyed by the field they belong next to.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from indicators.models import MAX_RANK, Agency, Measurement, Period
from targets.models import Indicator, Target

# Counts above this are typing mistakes (no agency handles a trillion dossiers a quarter), and
# they would overflow the exact arithmetic of the database's bigint columns when summed.
MAX_COUNT = 10**12

MESSAGES = {
    "required": _("Vui lòng nhập số liệu."),
    "not_whole": _("Chỉ nhập số nguyên (0, 1, 2, …), không nhập chữ, số thập phân hay số âm."),
    "too_big": _("Số quá lớn (tối đa 1.000.000.000.000), vui lòng kiểm tra lại."),
    "num_gt_den": _("Tử số không được lớn hơn mẫu số."),
    "rank_range": _("Thứ hạng phải là số nguyên từ 1 đến 63."),
    "score": _("Điểm số không hợp lệ (ví dụ: 83,32)."),
    "not_applicable": _("Chỉ tiêu này không áp dụng cho đơn vị “{agency}” ({level})."),
    "wrong_year": _("Kỳ {period} không thuộc năm của kế hoạch nào có chỉ số này."),
    "index_annual_only": _("Chỉ số xếp hạng chỉ nhập cho kỳ cả năm, không nhập theo quý."),
    "quarter_only": _("Số liệu này nhập theo quý, không nhập cho kỳ cả năm."),
    "rank_not_rate": _(
        "Chỉ số xếp hạng: nhập thứ hạng (và điểm số nếu có), không nhập tử số, mẫu số."
    ),
    "rate_not_rank": _("Chỉ số tỷ lệ: nhập tử số và mẫu số, không nhập thứ hạng."),
}


def message(key: str, **values) -> str:
    """The message ``key`` in the active language, with ``values`` filled in (str.format)."""
    text = str(MESSAGES[key])
    return text.format(**values) if values else text


_GROUPED = re.compile(r"^\d{1,3}([. ]\d{3})+$")


def parse_count(raw) -> int | None:
    """A count typed by a person: '1234', '1.234' or '1 234' → 1234; blank → None.

    Raises ValueError with a Vietnamese message for anything that is not a whole number ≥ 0.
    """
    if raw is None:
        return None
    if isinstance(raw, bool):
        raise ValueError(message("not_whole"))
    if isinstance(raw, int):
        value = raw
    elif isinstance(raw, float):
        if not raw.is_integer():
            raise ValueError(message("not_whole"))
        value = int(raw)
    else:
        text = str(raw).strip()
        if text == "":
            return None
        if _GROUPED.match(text):
            text = text.replace(".", "").replace(" ", "")
        if not text.isdigit() or not text.isascii():
            raise ValueError(message("not_whole"))
        # Compare lengths before converting: Python refuses to convert very long digit strings
        # (with an English message), and nothing that long is a real count anyway.
        if len(text.lstrip("0")) > len(str(MAX_COUNT)):
            raise ValueError(message("too_big"))
        value = int(text)
    if value < 0:
        raise ValueError(message("not_whole"))
    if value > MAX_COUNT:
        raise ValueError(message("too_big"))
    return value


def parse_score(raw) -> Decimal | None:
    """'83,32' or '83.32' → Decimal('83.32'); blank → None."""
    if raw is None or str(raw).strip() == "":
        return None
    try:
        value = Decimal(str(raw).strip().replace(",", "."))
    except InvalidOperation as exc:
        raise ValueError(message("score")) from exc
    if not value.is_finite() or value < 0 or value >= 100000:
        raise ValueError(message("score"))
    return value.quantize(Decimal("0.001"))


@dataclass
class Figures:
    """What a person or a file says about one (indicator, agency, period)."""

    numerator: int | None = None
    denominator: int | None = None
    rank: int | None = None
    score: Decimal | None = None
    note: str = ""


@dataclass
class Checked:
    figures: Figures
    errors: dict[str, list[str]] = field(default_factory=dict)

    def add(self, key: str, message: str) -> None:
        self.errors.setdefault(key, []).append(message)

    @property
    def ok(self) -> bool:
        return not self.errors


class TargetLevels:
    """The levels each (indicator, year) applies to, gathered once from a list of targets.

    An import checks every row against the same targets: a dictionary lookup per row instead of
    a scan of every target of every plan (issue #7: with ten yearly plans that scan was most of
    the time of a 100,000-row import)."""

    def __init__(self, targets: list[Target]):
        self._levels: dict[tuple[int, int], set[str]] = {}
        for t in targets:
            self._levels.setdefault((t.indicator_id, t.plan.year), set()).update(t.levels)

    def get(self, indicator_id: int, year: int) -> set[str]:
        return self._levels.get((indicator_id, year), set())


def applicable_levels(
    indicator: Indicator, year: int, targets: list[Target] | TargetLevels | None = None
) -> set[str]:
    """Levels that some target of the ``year``'s plan sets for ``indicator``."""
    if isinstance(targets, TargetLevels):
        return targets.get(indicator.pk, year)
    if targets is None:
        targets = list(
            Target.objects.filter(indicator=indicator, plan__year=year).select_related("plan")
        )
    return {
        level
        for t in targets
        if t.indicator_id == indicator.pk and t.plan.year == year
        for level in t.levels
    }


def check_figures(
    indicator: Indicator,
    agency: Agency,
    period: Period,
    raw: dict,
    targets: list[Target] | TargetLevels | None = None,
) -> Checked:
    """Parse and check raw values (``numerator``, ``denominator``, ``rank``, ``score``,
    ``note``) for one figure. ``targets`` (with ``plan`` loaded, or a ``TargetLevels`` of them
    when many rows are checked) avoids a query per row."""
    checked = Checked(Figures(note=(raw.get("note") or "").strip()))
    f = checked.figures
    for name in ("numerator", "denominator", "rank"):
        try:
            setattr(f, name, parse_count(raw.get(name)))
        except ValueError as exc:
            checked.add(name, str(exc))
    try:
        f.score = parse_score(raw.get("score"))
    except ValueError as exc:
        checked.add("score", str(exc))

    levels = applicable_levels(indicator, period.year, targets)
    if not levels:
        checked.add("period", message("wrong_year", period=period.label))
    elif agency.level not in levels:
        checked.add(
            "agency",
            message("not_applicable", agency=agency.name, level=agency.get_level_display()),
        )
    if indicator.is_annual and not period.is_annual:
        checked.add("period", message("index_annual_only"))
    if not indicator.is_annual and period.is_annual:
        checked.add("period", message("quarter_only"))

    if indicator.is_rate:
        if f.rank is not None or f.score is not None:
            checked.add("rank", message("rate_not_rank"))
        for name in ("numerator", "denominator"):
            if getattr(f, name) is None and name not in checked.errors:
                checked.add(name, message("required"))
        if f.numerator is not None and f.denominator is not None and f.numerator > f.denominator:
            checked.add("numerator", message("num_gt_den"))
    else:
        if f.numerator is not None or f.denominator is not None:
            checked.add("numerator", message("rank_not_rate"))
        if f.rank is None and "rank" not in checked.errors:
            checked.add("rank", message("required"))
        elif f.rank is not None and not 1 <= f.rank <= MAX_RANK:
            checked.add("rank", message("rank_range"))
    return checked


def same_figures(measurement: Measurement, figures: Figures) -> bool:
    return (
        measurement.numerator == figures.numerator
        and measurement.denominator == figures.denominator
        and measurement.rank == figures.rank
        and measurement.score == figures.score
        and measurement.note == figures.note
    )


@transaction.atomic
def upsert_measurement(
    *,
    indicator: Indicator,
    agency: Agency,
    period: Period,
    figures: Figures,
    status: str,
    user=None,
    is_demo: bool = False,
    create_only: bool = False,
) -> tuple[Measurement, bool]:
    """Create or update one figure; return it and whether anything changed.

    An identical figure with the same status is left untouched (no new version, no history),
    so importing the same file twice changes nothing. A real figure entered over a demo one
    replaces it (and is no longer marked as demo), even when the numbers happen to agree.
    ``entered_by`` and ``entered_at`` say who entered the values and when: they move when the
    values are new or change, not when only the status does (the history has who sent it).

    ``create_only``: the caller checked that the figure did not exist; insert it without
    looking again, so that a figure created meanwhile by somebody else makes the insert fail
    (IntegrityError on the unique constraint) instead of being overwritten unseen.
    """
    existing = (
        None
        if create_only
        else Measurement.objects.select_for_update()
        .filter(indicator=indicator, agency=agency, period=period)
        .first()
    )
    if (
        existing is not None
        and same_figures(existing, figures)
        and existing.status == status
        and existing.is_demo == is_demo
    ):
        return existing, False
    entered = existing is None or not same_figures(existing, figures) or existing.is_demo != is_demo
    measurement = existing or Measurement(indicator=indicator, agency=agency, period=period)
    measurement.numerator = figures.numerator
    measurement.denominator = figures.denominator
    measurement.rank = figures.rank
    measurement.score = figures.score
    measurement.note = figures.note
    measurement.status = status
    if entered:
        measurement.entered_by = user
        measurement.entered_at = timezone.now()
    measurement.is_demo = is_demo
    if existing is not None:
        measurement.version += 1
    measurement.save(force_insert=existing is None)
    return measurement, True
