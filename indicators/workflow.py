"""Saving, submitting, approving, returning and reopening figures (issue #4).

The life of a figure: an agency (or Sở Nội vụ on its behalf) saves a draft (``nháp``) and
submits it (``đã gửi``); Sở Nội vụ approves it (``đã duyệt``, locked) or returns it with a reason
(``trả lại``); the agency fixes and resubmits. Staff may reopen an approved figure with a reason,
which returns it to the agency. A locked period (``Period.locked``) refuses every change.

Nothing is lost, nothing is overwritten: every write checks the version the writer saw (the
``version`` number of the measurement); a stale version with different figures is refused with
both values (``Conflict``). Every change leaves a row in ``Measurement.history`` with who, when and
(for reviews) the reason.

Separation of duties: whoever entered or sent a figure does not approve it (``approval_refusal``;
``ALLOW_SELF_APPROVAL`` lifts the rule for a team with one reviewer). Reviews change the status
only: never the values, nor who entered them and when (``entered_by``, ``entered_at``).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import NamedTuple

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Min
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from indicators.attainment import rate_of
from indicators.formatting import format_number
from indicators.measurements import Figures, same_figures, upsert_measurement
from indicators.models import Agency, Measurement, Period
from targets.models import Indicator, Target

# A change of more than this many percentage points against the previous quarter needs a note
# (giải trình) before the figure can be submitted.
SHARP_CHANGE_POINTS = 30

Status = Measurement.Status


class WorkflowError(Exception):
    """A change that cannot be made; ``str()`` is a Vietnamese message for the user."""


class Locked(WorkflowError):
    pass


class Conflict(WorkflowError):
    """Somebody else changed the figure since the writer loaded it."""

    def __init__(self, current: Measurement):
        self.current = current
        super().__init__(
            _(
                "Số liệu này vừa được người khác thay đổi (phiên bản %(version)s). Kiểm tra giá "
                "trị hiện tại bên dưới rồi lưu lại nếu vẫn muốn ghi đè."
            )
            % {"version": current.version}
        )


@dataclass(frozen=True)
class Entry:
    """One figure a person wants to save, with the version they saw (None: they saw none)."""

    indicator: Indicator
    figures: Figures
    version: int | None


def locked_reason(period: Period, measurement: Measurement | None) -> str | None:
    """Why a figure may not be edited now, or None when it may."""
    if period.locked:
        return _("Kỳ %(period)s đã khóa sổ, không thể nhập hoặc sửa số liệu.") % {
            "period": period.label
        }
    if measurement is not None and measurement.status == Status.APPROVED:
        return _("Số liệu đã được duyệt và đang khóa; Sở Nội vụ có thể mở lại kèm lý do.")
    return None


def previous_period(period: Period) -> Period | None:
    """The period before: the previous quarter (Q4 of last year before Q1), or last year."""
    if period.is_annual:
        return Period.objects.filter(year=period.year - 1, quarter__isnull=True).first()
    if period.quarter == 1:
        return Period.objects.filter(year=period.year - 1, quarter=4).first()
    return Period.objects.filter(year=period.year, quarter=period.quarter - 1).first()


def sharp_change(previous: Measurement | None, figures: Figures | None) -> bool:
    """True when the rate moved more than ``SHARP_CHANGE_POINTS`` points against ``previous``."""
    if previous is None or figures is None or figures.denominator is None:
        return False
    if previous.denominator is None:
        return False
    old = rate_of(previous.numerator or 0, previous.denominator)
    new = rate_of(figures.numerator or 0, figures.denominator)
    if old is None or new is None:
        return False
    return abs(new - old) > SHARP_CHANGE_POINTS


def status_after_change(current: str | None, *, submit: bool) -> str:
    """The status a figure takes when its values change (or when it is submitted).

    Submitting sends it: ``Đã gửi``. Otherwise a new, draft or returned figure becomes a draft,
    and a figure already sent stays sent: changing a sent figure is a correction, sent again to
    Sở Nội vụ with the new values. So no edit, in the form, the grid or an import, withdraws a
    sent figure from the totals without the person asking for it; and the first submission
    still dates the report for timeliness. An approved figure cannot be changed at all
    (``locked_reason``) until staff reopen it.
    """
    if submit or current == Status.SUBMITTED:
        return Status.SUBMITTED
    return Status.DRAFT


def sends_unchanged(figure: Measurement | None, user, *, own_only: bool) -> bool:
    """Whether "Gửi" sends a figure whose values the person left as they were: one not sent yet
    (a draft, or returned). "Gửi" sends what the person has in front of them: the entry form
    shows one agency's whole report, and an uploaded file lists its rows, so both send every
    unsent figure they hold (``own_only=False``); the grid lists many agencies, so it sends, of
    the rows nobody edited, only those the person entered themselves (``own_only=True``), never
    a colleague's draft."""
    if figure is None or figure.status not in (Status.DRAFT, Status.RETURNED):
        return False
    return not own_only or figure.entered_by_id == user.pk


def target_for(indicator: Indicator, agency: Agency, targets: list[Target]) -> Target | None:
    """The target the plan sets for ``indicator`` at ``agency``'s level (one per level)."""
    return next(
        (t for t in targets if t.indicator_id == indicator.pk and agency.level in t.levels), None
    )


def _locked_row(indicator: Indicator, agency: Agency, period: Period) -> Measurement | None:
    return (
        Measurement.objects.select_for_update()
        .filter(indicator=indicator, agency=agency, period=period)
        .first()
    )


@transaction.atomic
def measurement_save(
    *,
    indicator: Indicator,
    agency: Agency,
    period: Period,
    figures: Figures,
    version: int | None,
    submit: bool,
    user,
) -> tuple[Measurement, bool]:
    """Save one checked figure as a draft or submit it; return it and whether it changed.

    Refuses (``Locked``) an approved figure or a locked period, and (``Conflict``) a figure
    changed by somebody else since ``version`` was read. Saving a draft with unchanged figures
    keeps the status; changed figures take ``status_after_change`` (a sent figure that is
    corrected stays sent).
    """
    # The row is locked (SELECT ... FOR UPDATE) until the transaction ends, so the version check
    # and the write cannot interleave with another writer's. A figure that does not exist yet
    # cannot be locked: two people creating it at once both insert, the database's unique
    # constraint refuses the second insert (once the first commits), and the second writer is
    # then checked again against the row the first one created, like any stale version. The
    # refused insert is rolled back to upsert_measurement's own savepoint (it is atomic), so
    # the rest of the transaction stays usable.
    existing = _locked_row(indicator, agency, period)
    while True:
        reason = locked_reason(period, existing)
        if reason:
            raise Locked(reason)
        if (
            existing is not None
            and version != existing.version
            and not same_figures(existing, figures)
        ):
            raise Conflict(existing)
        if not submit and existing is not None and same_figures(existing, figures):
            return existing, False
        status = status_after_change(existing and existing.status, submit=submit)
        try:
            return upsert_measurement(
                indicator=indicator,
                agency=agency,
                period=period,
                figures=figures,
                status=status,
                user=user,
                create_only=existing is None,
            )
        except IntegrityError:
            if existing is not None:
                raise
            existing = _locked_row(indicator, agency, period)
            if existing is None:  # not the race: a real integrity problem
                raise


# What saving one figure did (``entries_save``): nothing; saved it as a draft; sent it (it was
# not sent before); or sent again a sent figure whose values were corrected.
UNCHANGED, SAVED, SENT, RESENT = "unchanged", "saved", "sent", "resent"


class EntriesSaved(NamedTuple):
    changed: int
    problems: dict[str, WorkflowError]
    outcomes: dict[str, str]  # {indicator code: UNCHANGED, SAVED, SENT or RESENT}


def entries_save(
    *, entries: list[Entry], agency: Agency, period: Period, submit: bool, user
) -> EntriesSaved:
    """Save several figures of one agency all or nothing.

    Returns how many changed, {indicator code: problem} (with any problem nothing is written)
    and what happened to each figure, so that a message counts only what changed: a figure
    sent again with new values (``RESENT``) is told apart from one sent for the first time.
    """
    problems: dict[str, WorkflowError] = {}
    outcomes: dict[str, str] = {}
    with transaction.atomic():
        # The statuses before the save, read under the locks measurement_save takes anyway,
        # in id order like an import's, so that two writers cannot deadlock on them.
        before = dict(
            Measurement.objects.select_for_update()
            .filter(agency=agency, period=period, indicator__in=[e.indicator for e in entries])
            .order_by("pk")
            .values_list("indicator_id", "status")
        )
        for entry in entries:
            try:
                measurement, did_change = measurement_save(
                    indicator=entry.indicator,
                    agency=agency,
                    period=period,
                    figures=entry.figures,
                    version=entry.version,
                    submit=submit,
                    user=user,
                )
            except WorkflowError as exc:
                problems[entry.indicator.code] = exc
                continue
            if not did_change:
                outcome = UNCHANGED
            elif measurement.status != Status.SUBMITTED:
                outcome = SAVED
            elif before.get(entry.indicator.pk) == Status.SUBMITTED:
                outcome = RESENT
            else:
                outcome = SENT
            outcomes[entry.indicator.code] = outcome
        if problems:
            transaction.set_rollback(True)
            outcomes = {}
    changed = sum(outcome != UNCHANGED for outcome in outcomes.values())
    return EntriesSaved(changed, problems, outcomes)


def _transition(
    measurement: Measurement,
    *,
    version: int | None,
    allowed_from: tuple[str, ...],
    to: str,
    reason: str,
    user,
    wrong_state: str,
    refuse=None,
) -> Measurement:
    """Move a figure to ``to`` under a row lock. ``refuse(current)``, if given, returns why the
    user may not (checked on the locked row, after the version and the state). Only the status,
    the reason and the version change: never the values, nor who entered them or when."""
    current = Measurement.objects.select_for_update().get(pk=measurement.pk)
    if current.period.locked:
        raise Locked(locked_reason(current.period, None))
    if version is not None and version != current.version:
        raise Conflict(current)
    if current.status not in allowed_from:
        raise WorkflowError(wrong_state)
    if refuse is not None and (why := refuse(current)):
        raise SelfApproval(why)
    current.status = to
    current.review_reason = reason
    current.version += 1
    current._change_reason = reason or str(Status(to).label)
    current._history_user = user
    current.save()
    return current


# --- Separation of duties -----------------------------------------------------------------------

VALUE_FIELDS = ("numerator", "denominator", "rank", "score", "note")
DECIDED = (Status.APPROVED, Status.RETURNED)


class SelfApproval(WorkflowError):
    """The approver entered or sent the figure themselves."""


def self_approval_message() -> str:
    return _(
        "Bạn đã nhập hoặc gửi số liệu này nên không tự duyệt được: cần một chuyên viên khác "
        "của Sở Nội vụ duyệt."
    )


def entered_or_sent_by(measurements: list[Measurement]) -> dict[int, set[int]]:
    """For each figure (by pk), the users who entered or submitted it, in one query.

    They are: the figure's ``entered_by`` (who entered the values it holds now, however long
    ago), and the user of every history row since the figure was last approved or returned
    that changed its values (its creation included) or made it ``submitted``. A decision
    (approved, returned, reopened) closes a round: who entered and sent earlier values, since
    reviewed, does not bar the next review, unless those values are still the figure's
    (``entered_by``). Rows without a user (raw SQL, demo seeding) bar nobody.
    """
    result = {m.pk: {m.entered_by_id} - {None} for m in measurements}
    rows = (
        Measurement.history.filter(id__in=list(result))
        .order_by("id", "history_date", "history_id")
        .values_list("id", "history_user_id", "history_type", "status", *VALUE_FIELDS)
    )
    previous = None
    round_users: set[int] = set()
    for pk, user_id, kind, status, *values in rows:
        if previous is None or previous[0] != pk:
            if previous is not None:
                result[previous[0]] |= round_users
            previous, round_users = None, set()
        if status in DECIDED:
            round_users = set()
        else:
            changed = kind == "+" if previous is None else values != previous[2]
            sent = status == Status.SUBMITTED and (previous is None or previous[1] != status)
            if (changed or sent) and user_id is not None:
                round_users.add(user_id)
        previous = (pk, status, values)
    if previous is not None:
        result[previous[0]] |= round_users
    return result


def approval_refusal(measurement: Measurement, user, *, enterers: set[int] | None = None):
    """Why ``user`` may not approve ``measurement`` under separation of duties, or None.

    Whoever entered or sent a figure (``entered_or_sent_by``) does not approve it: a second
    person checks every figure that counts. ``ALLOW_SELF_APPROVAL`` (for a team with a single
    reviewer) lifts the rule. Permissions (who is a reviewer at all) are checked elsewhere."""
    if settings.ALLOW_SELF_APPROVAL or user is None:
        return None
    if enterers is None:
        enterers = entered_or_sent_by([measurement])[measurement.pk]
    return self_approval_message() if user.pk in enterers else None


@transaction.atomic
def measurement_approve(*, measurement: Measurement, version: int | None, user) -> Measurement:
    """Approve a submitted figure: it counts and is locked until reopened. Refused
    (``SelfApproval``) to whoever entered or sent it (``approval_refusal``), on every path."""
    return _transition(
        measurement,
        version=version,
        allowed_from=(Status.SUBMITTED,),
        to=Status.APPROVED,
        reason="",
        user=user,
        wrong_state=_("Chỉ duyệt được số liệu đã gửi."),
        refuse=lambda current: approval_refusal(current, user),
    )


@transaction.atomic
def measurement_return(
    *, measurement: Measurement, version: int | None, reason: str, user
) -> Measurement:
    """Return a submitted figure to its agency with a reason; it stops counting."""
    if not reason.strip():
        raise WorkflowError(_("Vui lòng ghi lý do trả lại."))
    return _transition(
        measurement,
        version=version,
        allowed_from=(Status.SUBMITTED,),
        to=Status.RETURNED,
        reason=reason.strip(),
        user=user,
        wrong_state=_("Chỉ trả lại được số liệu đã gửi."),
    )


@transaction.atomic
def measurement_reopen(
    *, measurement: Measurement, version: int | None, reason: str, user
) -> Measurement:
    """Reopen an approved figure with a reason: it goes back to the agency as returned."""
    if not reason.strip():
        raise WorkflowError(_("Vui lòng ghi lý do mở lại."))
    return _transition(
        measurement,
        version=version,
        allowed_from=(Status.APPROVED,),
        to=Status.RETURNED,
        reason=_("Mở lại: %(reason)s") % {"reason": reason.strip()},
        user=user,
        wrong_state=_("Chỉ mở lại được số liệu đã duyệt."),
    )


@dataclass
class ApprovalPlan:
    """What a bulk approval would do: the submitted figures the user may approve, and those
    they may not because they entered or sent them (separation of duties)."""

    to_approve: list[Measurement]
    own: list[Measurement]

    @property
    def agencies(self) -> list[tuple[Agency, int]]:
        """Each agency of the figures to approve, with how many, in order of appearance."""
        counts: dict[int, list] = {}
        for m in self.to_approve:
            counts.setdefault(m.agency_id, [m.agency, 0])[1] += 1
        return [(agency, n) for agency, n in counts.values()]


def approval_plan(measurements: list[Measurement], user) -> ApprovalPlan:
    """Split the submitted figures among ``measurements`` into those ``user`` may approve and
    those they entered or sent (two queries at most)."""
    submitted = [m for m in measurements if m.status == Status.SUBMITTED]
    enterers = entered_or_sent_by(submitted)
    plan = ApprovalPlan([], [])
    for m in submitted:
        refused = approval_refusal(m, user, enterers=enterers[m.pk])
        (plan.own if refused else plan.to_approve).append(m)
    return plan


@dataclass
class BulkApproval:
    approved: int
    own: int  # skipped: the user entered or sent them
    problems: list[str]


def approve_many(*, versions: dict[int, int], user) -> BulkApproval:
    """Approve each submitted figure in ``versions`` ({pk: version seen}); one transaction
    each, so one changed figure does not block the others. Figures the user entered or sent
    are skipped and counted (``own``); other refusals (a newer version…) are listed."""
    result = BulkApproval(0, 0, [])
    for measurement in Measurement.objects.filter(
        pk__in=versions, status=Status.SUBMITTED
    ).select_related("indicator", "agency", "period"):
        try:
            measurement_approve(
                measurement=measurement, version=versions[measurement.pk], user=user
            )
        except SelfApproval:
            result.own += 1
        except WorkflowError as exc:
            result.problems.append(f"{measurement.indicator.short_name}: {exc}")
        else:
            result.approved += 1
    return result


# --- History ------------------------------------------------------------------------------------

HISTORY_FIELDS = {
    "numerator": gettext_lazy("Tử số"),
    "denominator": gettext_lazy("Mẫu số"),
    "rank": gettext_lazy("Thứ hạng"),
    "score": gettext_lazy("Điểm số"),
    "note": gettext_lazy("Giải trình"),
    "status": gettext_lazy("Trạng thái"),
}
HISTORY_TYPES = {"+": gettext_lazy("Tạo mới"), "~": gettext_lazy("Sửa"), "-": gettext_lazy("Xóa")}
# A change named by what it did to the figure's status (the reason is its own column).
HISTORY_ACTIONS = {
    Status.APPROVED: gettext_lazy("Duyệt"),
    Status.RETURNED: gettext_lazy("Trả lại"),
    "reopened": gettext_lazy("Mở lại"),
    Status.SUBMITTED: gettext_lazy("Gửi"),
    "resent": gettext_lazy("Sửa và gửi lại"),
}
DEMO_SEEDED = gettext_lazy("Số liệu minh họa, nhập sẵn")
BEFORE_HISTORY = gettext_lazy("Số liệu có sẵn, trước khi có lịch sử")


@dataclass
class HistoryEntry:
    """One change of a figure as people read it: who, when, what changed from what to what.

    ``label`` replaces the kind of change for rows nobody made by hand (seeded demo figures,
    values that predate the history); such rows credit no user. ``synthetic`` rows stand for
    values the history does not record the entry of: no date, no user, no reason."""

    record: object
    changes: list[tuple[str, str, str]]
    label: str = ""
    synthetic: bool = False
    action: str = ""  # "Duyệt", "Trả lại", "Gửi"… for a change of status (``_action``)

    @property
    def kind(self) -> str:
        if self.label:
            return self.label
        if self.action:
            return self.action
        return str(HISTORY_TYPES.get(self.record.history_type, self.record.history_type))

    @property
    def created(self) -> bool:
        """Values shown as set, not as changed from something ("Tử số: 7.000")."""
        return self.synthetic or self.record.history_type == "+"

    @property
    def date(self):
        return None if self.synthetic else self.record.history_date

    @property
    def user(self):
        return None if self.synthetic else self.record.history_user

    @property
    def reason(self) -> str:
        return "" if self.synthetic else (self.record.history_change_reason or "")


def shown_value(field: str, value) -> str:
    """A value as the history shows it: numbers in Vietnamese notation (7.000; 83,32), the
    status in words."""
    if value is None or value == "":
        return "–"
    if field == "status":
        return str(Status(value).label)
    if field in ("numerator", "denominator", "rank"):
        return format_number(int(value))
    if field == "score":
        places = max(0, -Decimal(value).normalize().as_tuple().exponent)
        return format_number(Decimal(value), places)
    return str(value)


def _changes(previous, record) -> list[tuple[str, str, str]]:
    changes = []
    for name, label in HISTORY_FIELDS.items():
        old = getattr(previous, name) if previous is not None else None
        new = getattr(record, name)
        if previous is None and new in (None, ""):
            continue
        if previous is None or old != new:
            changes.append((label, shown_value(name, old), shown_value(name, new)))
    return changes


def _action(previous, record) -> str:
    """What a change did, in a reviewer's words: "Duyệt", "Trả lại", "Mở lại" (returned from
    approved), "Gửi", "Sửa và gửi lại" (a sent figure corrected); "" for a plain edit."""
    if previous is None or record.history_type != "~":
        return ""
    before, after = getattr(previous, "status", None), record.status
    if after == Status.RETURNED and before != after:
        return str(HISTORY_ACTIONS["reopened" if before == Status.APPROVED else Status.RETURNED])
    if after == Status.APPROVED and before != after:
        return str(HISTORY_ACTIONS[Status.APPROVED])
    if after == Status.SUBMITTED:
        values = any(getattr(previous, n) != getattr(record, n) for n in VALUE_FIELDS)
        if before != after:
            return str(HISTORY_ACTIONS[Status.SUBMITTED])
        if values:
            return str(HISTORY_ACTIONS["resent"])
    return ""


class _ValuesOnly:
    """The values of a history record, with its status and reason unknown."""

    def __init__(self, record):
        for name in VALUE_FIELDS:
            setattr(self, name, getattr(record, name))
        self.status = None
        self.review_reason = ""


def history_entries(records) -> list[HistoryEntry]:
    """Each history record with its differences from the record before it (of the same
    measurement). ``records`` must hold, for every measurement, all the records needed (the
    oldest of a measurement shows its values as created).

    Nobody is credited with values they did not enter: a seeded demo figure's creation reads
    "Số liệu minh họa, nhập sẵn" with no user, and when a figure's history starts with a review
    (figures seeded or loaded without history rows; a review never changes values), a row
    without date or user holds the values it had, and the review shows only what it changed."""
    by_measurement: dict[int, list] = {}
    for record in sorted(records, key=lambda r: (r.id, r.history_date, r.history_id)):
        by_measurement.setdefault(record.id, []).append(record)
    entries = []
    for chain in by_measurement.values():
        previous = None
        first = chain[0]
        if first.history_type != "+" and first.history_change_reason:
            previous = _ValuesOnly(first)
            label = DEMO_SEEDED if first.is_demo else BEFORE_HISTORY
            entries.append(HistoryEntry(first, _changes(None, previous), str(label), True))
        for record in chain:
            label = ""
            if record.history_type == "+" and record.is_demo and record.history_user_id is None:
                label = str(DEMO_SEEDED)
            action = _action(previous, record)
            entries.append(HistoryEntry(record, _changes(previous, record), label, action=action))
            previous = record
    entries.sort(
        key=lambda e: (e.record.history_date, e.record.history_id, not e.synthetic), reverse=True
    )
    return entries


# --- Reporting completeness ---------------------------------------------------------------------

CELL_LABELS = {
    "missing": gettext_lazy("Chưa nhập"),
    Status.DRAFT: gettext_lazy("Nháp"),
    Status.SUBMITTED: gettext_lazy("Đã gửi"),
    Status.APPROVED: gettext_lazy("Đã duyệt"),
    Status.RETURNED: gettext_lazy("Trả lại"),
}


@dataclass
class Cell:
    state: str  # "missing", or a Measurement.Status value; "" when the indicator does not apply
    late: bool = False
    measurement_id: int | None = None

    @property
    def label(self) -> str:
        return str(CELL_LABELS.get(self.state, ""))

    @property
    def received(self) -> bool:
        return self.state in Measurement.COUNTED


@dataclass
class Tally:
    """Reports expected, received (submitted or approved), and received by the deadline."""

    name: str
    expected: int = 0
    received: int = 0
    on_time: int = 0

    def add(self, other: Tally) -> None:
        self.expected += other.expected
        self.received += other.received
        self.on_time += other.on_time

    @property
    def rate(self) -> Fraction | None:
        return Fraction(self.received * 100, self.expected) if self.expected else None

    @property
    def on_time_rate(self) -> Fraction | None:
        return Fraction(self.on_time * 100, self.expected) if self.expected else None


@dataclass
class AgencyLine:
    agency: Agency
    cells: list[Cell]
    tally: Tally

    @property
    def complete(self) -> bool:
        return self.tally.received >= self.tally.expected

    @property
    def awaiting_review(self) -> bool:
        return any(cell.state == Status.SUBMITTED for cell in self.cells)


@dataclass
class Completeness:
    period: Period
    indicators: list[Indicator]
    lines: list[AgencyLine]
    districts: list[Tally]
    total: Tally


def completeness_for(period: Period, agencies, *, today=None) -> Completeness:
    """Every agency's status per indicator for ``period``, with late reports marked against the
    deadline, and the reporting and on-time rates (received, and received by the deadline,
    over expected) overall and per district. A report's time is the first time it was
    submitted (from the history; the last change when there is no history). Five queries
    whatever the number of agencies."""
    today = today or timezone.localdate()
    agencies = list(agencies.select_related("parent").order_by("level", "parent__order", "order"))
    targets = [
        t
        for t in Target.objects.filter(plan__year=period.year).select_related("indicator")
        if t.indicator.is_annual == period.is_annual
    ]
    indicators = list({t.indicator.pk: t.indicator for t in targets}.values())
    indicators.sort(key=lambda i: i.order)
    ids = [a.pk for a in agencies]
    # plain tuples, not model instances: a national-scale period has tens of thousands
    found = {
        (agency_id, indicator_id): (pk, status, entered_at)
        for pk, agency_id, indicator_id, status, entered_at in Measurement.objects.filter(
            period=period, agency_id__in=ids
        )
        .order_by()
        .values_list("id", "agency_id", "indicator_id", "status", "entered_at")
    }
    first_sent = dict(
        Measurement.history.filter(period=period, agency_id__in=ids, status__in=Measurement.COUNTED)
        .values("id")
        .annotate(first=Min("history_date"))
        .values_list("id", "first")
    )
    applies = {(level, t.indicator_id) for t in targets for level in t.levels}
    # sent after the deadline's last local moment: the same as "local date > deadline"
    late_from = timezone.make_aware(
        datetime.datetime.combine(period.deadline + datetime.timedelta(days=1), datetime.time())
    )
    lines, districts = [], {}
    for agency in agencies:
        tally = Tally(agency.name)
        cells = []
        for indicator in indicators:
            if (agency.level, indicator.pk) not in applies:
                cells.append(Cell(""))
                continue
            pk, status, entered_at = found.get((agency.pk, indicator.pk), (None, "missing", None))
            cell = Cell(status, measurement_id=pk)
            # a figure written without history (raw SQL) is dated by its last change
            sent = (first_sent.get(pk) or entered_at) if pk else None
            if cell.received and sent is not None:
                cell.late = sent >= late_from
            elif not cell.received:
                cell.late = today > period.deadline
            tally.expected += 1
            tally.received += cell.received
            tally.on_time += cell.received and not cell.late
            cells.append(cell)
        lines.append(AgencyLine(agency, cells, tally))
        district = (
            agency if agency.level == "huyen" else agency.parent if agency.level == "xa" else None
        )
        key = district.name if district else _("Cấp tỉnh (sở, ban, ngành và tỉnh)")
        districts.setdefault(key, Tally(key)).add(tally)
    total = Tally(_("Toàn tỉnh"))
    for line in lines:
        total.add(line.tally)
    return Completeness(period, indicators, lines, list(districts.values()), total)
