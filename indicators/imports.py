"""Importing figures from CSV or Excel: check every row first, then write all or nothing.

Columns (the command-line import and the Excel template share them):
``period, agency_code, indicator_code, numerator, denominator, value, note`` and optionally
``score``. ``value`` is an index's rank among 63 provinces. Row numbers in messages are the
file's own line numbers (the header is row 1).

What an import does, the same for the browser upload and the command line (``plan_import``
decides it, ``apply_import`` writes it):

- Every row is checked first; one error and nothing is written.
- A row whose values (numerator, denominator, rank, score, note) equal the stored figure is
  unchanged and never written, whatever that figure's status or demo mark.
- A changed figure must be open (``workflow.locked_reason``: not in a locked period, not
  approved) and takes ``workflow.status_after_change``: a corrected sent figure stays sent.
- With a user, every row, changed or not, must be of an agency that user may enter for.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import psycopg
from django.db import IntegrityError, connection, transaction
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext, pgettext_lazy
from simple_history.utils import bulk_update_with_history

from indicators import access
from indicators.formatting import format_number
from indicators.import_files import (  # noqa: F401 (read_table and the rest are used from here)
    COLUMNS,
    OPTIONAL_COLUMNS,
    ImportFileError,
    read_table,
)
from indicators.measurements import Figures, TargetLevels, check_figures, same_figures
from indicators.models import Agency, Measurement, Period
from indicators.text_input import has_control_characters
from indicators.workflow import (
    locked_reason,
    sends_unchanged,
    sharp_change,
    status_after_change,
)
from targets.models import Indicator, Target

FIELD_LABELS = {
    "numerator": pgettext_lazy("import field", "tử số"),
    "denominator": pgettext_lazy("import field", "mẫu số"),
    "rank": pgettext_lazy("import field", "thứ hạng (value)"),
    "score": pgettext_lazy("import field", "điểm số"),
    "agency": pgettext_lazy("import field", "đơn vị"),
    "period": pgettext_lazy("import field", "kỳ báo cáo"),
    "indicator": pgettext_lazy("import field", "chỉ số"),
    "file": pgettext_lazy("import field", "tệp"),
    "note": pgettext_lazy("import field", "giải trình"),
}

# The entry form's limit (``FigureForm.note``), so that a file cannot store what a form refuses.
NOTE_MAX_LENGTH = 2000

UNKNOWN_CODE = {
    "period": pgettext_lazy("import row", "không có kỳ báo cáo mã “%(code)s”."),
    "agency": pgettext_lazy("import row", "không có đơn vị mã “%(code)s”."),
    "indicator": pgettext_lazy("import row", "không có chỉ số mã “%(code)s”."),
}


@dataclass(frozen=True)
class RowError:
    row: int
    message: str

    def __str__(self):
        return gettext("Dòng %(row)s: %(message)s") % {"row": self.row, "message": self.message}


Status = Measurement.Status


def figures_text(f: Figures | Measurement | None) -> str:
    """A figure as the preview shows it: '1.234 / 1.300', '12/63' (with the score if any)."""
    if f is None:
        return "–"
    if f.rank is not None:
        text = f"{f.rank}/63"
        if f.score is not None:
            text += " " + gettext("(điểm %(score)s)") % {"score": format_number(f.score, 2)}
        return text
    return f"{format_number(f.numerator)} / {format_number(f.denominator)}"


@dataclass
class Change:
    """One figure an import writes: ``old`` the stored one (None: new), ``new`` the file's
    values, ``status`` the status it will have (``workflow.status_after_change``)."""

    row: int
    indicator: Indicator
    agency: Agency
    period: Period
    old: Measurement | None
    new: Figures
    status: str = Status.DRAFT
    # False: the file repeats the stored values and only sends the figure ("Gửi luôn")
    values_change: bool = True

    @property
    def status_before(self) -> str | None:
        return self.old.status if self.old is not None else None

    @property
    def resent(self) -> bool:
        """A sent figure corrected by the file: it stays sent, with the new values."""
        return self.status_before == Status.SUBMITTED and self.status == Status.SUBMITTED

    @property
    def withdraws(self) -> bool:
        """The figure counts in the results now and would not after the import: never planned
        (a corrected sent figure stays sent, an approved one is locked); ``apply_import``
        refuses such a change rather than take a figure out of the results unasked."""
        return self.status_before in Measurement.COUNTED and self.status not in Measurement.COUNTED

    @property
    def status_text(self) -> str:
        """'Mới → Nháp', 'Nháp → Đã gửi', 'Đã gửi → Đã gửi (gửi lại số đã sửa)'."""
        before = (
            Status(self.status_before).label
            if self.status_before
            else pgettext_lazy("new figure", "Mới")
        )
        text = f"{before} → {Status(self.status).label}"
        if self.resent:
            text += " " + gettext("(gửi lại số đã sửa)")
        elif not self.values_change:
            text += " " + gettext("(số liệu không đổi)")
        return text

    @property
    def old_text(self) -> str:
        return figures_text(self.old)

    @property
    def new_text(self) -> str:
        return figures_text(self.new)

    @property
    def note_changed(self) -> bool:
        return (self.old.note if self.old is not None else "") != self.new.note


@dataclass
class ImportPlan:
    changes: list[Change] = field(default_factory=list)
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    # The choice the plan was made for: send the changed figures, or save them as drafts.
    submit: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def resent(self) -> int:
        return sum(1 for c in self.changes if c.resent)

    def summary(self) -> str:
        """What was written, counting only the figures that changed."""
        sent = sum(1 for c in self.changes if c.status == Status.SUBMITTED)
        return (
            gettext(
                "Đã nhập %(n)s số liệu thay đổi (%(sent)s đã gửi, trong đó %(resent)s số đã gửi "
                "được sửa và gửi lại; %(drafts)s nháp); %(unchanged)s dòng không thay đổi."
            )
            % {
                "n": format_number(len(self.changes)),
                "sent": format_number(sent),
                "resent": format_number(self.resent),
                "drafts": format_number(len(self.changes) - sent),
                "unchanged": format_number(self.unchanged),
            }
            + self._only_sent_text()
        )

    def _only_sent_text(self) -> str:
        only_sent = sum(1 for c in self.changes if not c.values_change)
        if not only_sent:
            return ""
        return " " + gettext(
            "Trong số đã gửi có %(n)s số liệu giữ nguyên giá trị, chỉ được gửi đi."
        ) % {"n": format_number(only_sent)}


def _shortened(text: str, limit: int = 40) -> str:
    """A code quoted in a message, cut short: a cell may hold a whole page of text."""
    return text if len(text) <= limit else text[:limit] + "…"


def _figures_at(keys: set[tuple[int, int, int]]) -> dict[tuple, Measurement]:
    """The stored figures of exactly these (indicator, agency, period) keys, in one query.
    Issue #7: loading every figure of the periods on file took gigabytes once the database
    held millions of figures; joining the keys keeps memory to the file's size."""
    if not keys:
        return {}
    on_file = RawSQL(
        "SELECT m.id FROM indicators_measurement m JOIN unnest(%s::bigint[], %s::bigint[], "
        "%s::bigint[]) AS k(i, a, p) ON m.indicator_id = k.i AND m.agency_id = k.a "
        "AND m.period_id = k.p",
        [[k[0] for k in keys], [k[1] for k in keys], [k[2] for k in keys]],
    )
    return {
        (m.indicator_id, m.agency_id, m.period_id): m
        for m in Measurement.objects.filter(pk__in=on_file)
    }


def _existing_figures(rows, agencies, periods, indicators) -> dict[tuple, Measurement]:
    """The figures already stored for the keys on file (one query)."""
    keys = set()
    for _, row in rows:
        indicator = indicators.get(str(row.get("indicator_code") or "").strip())
        agency = agencies.get(str(row.get("agency_code") or "").strip())
        period = periods.get(str(row.get("period") or "").strip())
        if indicator and agency and period:
            keys.add((indicator.pk, agency.pk, period.pk))
    return _figures_at(keys)


def _previous_periods(periods: dict[str, Period]) -> dict[int, Period]:
    """Each period's previous one (``workflow.previous_period``), from periods already read."""
    by_key = {(p.year, p.quarter): p for p in periods.values()}
    before = {}
    for p in periods.values():
        if p.is_annual:
            key = (p.year - 1, None)
        elif p.quarter == 1:
            key = (p.year - 1, 4)
        else:
            key = (p.year, p.quarter - 1)
        if key in by_key:
            before[p.pk] = by_key[key]
    return before


def _refuse_sharp_changes(result: ImportPlan, periods: dict[str, Period]) -> None:
    """A change that will be sent needs a note (giải trình) when its rate moves more than
    ``workflow.SHARP_CHANGE_POINTS`` against the previous period, as in the entry form. The
    previous figure is the file's own when the file changes it (what will be stored), else the
    stored one, read in one query."""
    from indicators.entry_forms import MSG_SHARP

    before = _previous_periods(periods)
    checked = [
        c
        for c in result.changes
        if c.status == Status.SUBMITTED
        and not c.new.note
        and c.new.denominator is not None
        and c.period.pk in before
    ]
    if not checked:
        return
    planned = {(c.indicator.pk, c.agency.pk, c.period.pk): c.new for c in result.changes}
    keys = {(c.indicator.pk, c.agency.pk, before[c.period.pk].pk) for c in checked}
    stored = _figures_at(keys - planned.keys())
    sharp = set()
    for c in checked:
        key = (c.indicator.pk, c.agency.pk, before[c.period.pk].pk)
        if sharp_change(planned.get(key) or stored.get(key), c.new):
            result.errors.append(RowError(c.row, f"{FIELD_LABELS['note']}: {MSG_SHARP}"))
            sharp.add(c.row)
    result.changes = [c for c in result.changes if c.row not in sharp]


def plan_import(rows: Iterable[tuple[int, dict]], *, submit: bool = False, user=None) -> ImportPlan:
    """Check every row and work out what a confirm would write; writes nothing. Reads
    reference data and existing figures in a fixed number of queries.

    ``submit``: the changed figures are sent (else saved as drafts; a corrected sent figure
    stays sent, ``workflow.status_after_change``). ``user``: when given (the browser, or the
    command's ``--user``), every row must be of an agency ``access.enterable_agencies`` lets
    that user enter, changed or not: a row equal to another agency's figure would otherwise
    confirm its value ("1 dòng không đổi").

    Unchanged rows (the same numerator, denominator, rank, score and note as stored) are never
    written, even over a demo figure: an upload never changes a figure whose values did not
    change, so uploading a downloaded template back, or the same file twice, changes nothing,
    sent figures included. The one exception is the person's own choice to send: with
    ``submit`` a row equal to a figure not sent yet (a draft, or returned) sends it, as "Gửi"
    does on the entry form (``workflow.sends_unchanged``), and the preview says so ("Nháp → Đã
    gửi (số liệu không đổi)"). (The entry form's "a real figure replaces a demo one even when
    equal" does not apply here: a file equal to the demo figures is not a new report.)
    Locks (a locked period, an approved figure) refuse the rows that would change a figure,
    in one place for the browser and the command line.
    """
    agencies = {a.code: a for a in Agency.objects.all()}
    periods = {p.code: p for p in Period.objects.all()}
    indicators = {i.code: i for i in Indicator.objects.all()}
    targets = TargetLevels(Target.objects.select_related("plan"))
    allowed = (
        None if user is None else set(access.enterable_agencies(user).values_list("pk", flat=True))
    )
    rows = list(rows)
    existing = _existing_figures(rows, agencies, periods, indicators)
    result = ImportPlan(submit=submit)
    seen: dict[tuple, int] = {}
    for number, row in rows:
        bad = [name for name, value in row.items() if has_control_characters(value)]
        if bad:
            result.errors.append(
                RowError(
                    number,
                    gettext("cột %(columns)s có ký tự điều khiển không hợp lệ (ví dụ ký tự NUL).")
                    % {"columns": ", ".join(bad)},
                )
            )
            continue
        refs = {
            "period": periods.get(str(row.get("period") or "").strip()),
            "agency": agencies.get(str(row.get("agency_code") or "").strip()),
            "indicator": indicators.get(str(row.get("indicator_code") or "").strip()),
        }
        unknown = [name for name, obj in refs.items() if obj is None]
        if unknown:
            for name in unknown:
                column = {
                    "period": "period",
                    "agency": "agency_code",
                    "indicator": "indicator_code",
                }[name]
                code = _shortened(str(row.get(column) or ""))
                result.errors.append(RowError(number, str(UNKNOWN_CODE[name]) % {"code": code}))
            continue
        period, agency, indicator = refs["period"], refs["agency"], refs["indicator"]
        if allowed is not None and agency.pk not in allowed:
            # Before anything is compared with the stored figure: nothing about it may show.
            result.errors.append(
                RowError(
                    number,
                    gettext("bạn không có quyền nhập số liệu cho đơn vị “%(code)s”.")
                    % {"code": agency.code},
                )
            )
            continue
        raw = {
            "numerator": row.get("numerator"),
            "denominator": row.get("denominator"),
            "rank": row.get("value"),
            "score": row.get("score"),
            # a spreadsheet cell may hold a number or a date: the note is its text
            "note": "" if row.get("note") is None else str(row.get("note")),
        }
        if len(raw["note"]) > NOTE_MAX_LENGTH:
            result.errors.append(
                RowError(
                    number,
                    gettext("giải trình dài quá %(n)s ký tự.")
                    % {"n": format_number(NOTE_MAX_LENGTH)},
                )
            )
            continue
        checked = check_figures(indicator, agency, period, raw, targets)
        for name, messages in checked.errors.items():
            for message in messages:
                result.errors.append(RowError(number, f"{FIELD_LABELS[name]}: {message}"))
        key = (indicator.pk, agency.pk, period.pk)
        if key in seen:
            result.errors.append(
                RowError(
                    number,
                    gettext("trùng với dòng %(row)s (cùng kỳ, đơn vị và chỉ số).")
                    % {"row": seen[key]},
                )
            )
            continue
        seen[key] = number
        if not checked.ok:
            continue
        old = existing.get(key)
        same = old is not None and same_figures(old, checked.figures)
        if same and not (submit and sends_unchanged(old, user, own_only=False)):
            result.unchanged += 1
            continue
        if reason := locked_reason(period, old):
            result.errors.append(RowError(number, reason))
            continue
        status = status_after_change(old.status if old else None, submit=submit)
        result.changes.append(
            Change(number, indicator, agency, period, old, checked.figures, status, not same)
        )
    _refuse_sharp_changes(result, periods)
    result.errors.sort(key=lambda e: e.row)
    return result


MEASUREMENT_TABLE = Measurement._meta.db_table
HISTORY_TABLE = Measurement.history.model._meta.db_table
# Columns written for a new figure, and for its first history row (the same plus who and when).
NEW_COLUMNS = (
    "id",
    "indicator_id",
    "agency_id",
    "period_id",
    "numerator",
    "denominator",
    "rank",
    "score",
    "note",
    "status",
    "review_reason",
    "entered_by_id",
    "entered_at",
    "version",
    "is_demo",
)
HISTORY_COLUMNS = (
    *NEW_COLUMNS,
    "history_date",
    "history_change_reason",
    "history_type",
    "history_user_id",
)


def _insert_new_figures(changes: list[Change], *, user) -> None:
    """Insert new figures and their first history rows ("+", as django-simple-history writes
    them) with PostgreSQL COPY.

    Issue #7: building a model instance and an INSERT parameter list for each figure and again
    for each history row took about half of a 100,000-row import; COPY of plain tuples takes a
    fraction of it. The ids are reserved from the table's sequence first, so that each history
    row names its figure. Runs inside ``apply_import``'s transaction: all or nothing."""
    now = timezone.now()
    user_id = user.pk if user is not None else None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [MEASUREMENT_TABLE, len(changes)],
        )
        ids = [pk for (pk,) in cursor.fetchall()]
        rows = [
            (
                pk,
                c.indicator.pk,
                c.agency.pk,
                c.period.pk,
                c.new.numerator,
                c.new.denominator,
                c.new.rank,
                c.new.score,
                c.new.note,
                c.status,
                "",
                user_id,
                now,
                1,
                False,
            )
            for pk, c in zip(ids, changes, strict=True)
        ]
        with cursor.copy(f"COPY {MEASUREMENT_TABLE} ({', '.join(NEW_COLUMNS)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        with cursor.copy(f"COPY {HISTORY_TABLE} ({', '.join(HISTORY_COLUMNS)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row((*row, now, "", "+", user_id))


# Rows locked per query when an import checks the figures it will change (``_changed_since``).
LOCK_CHUNK = 10_000
# Changed figures named in a conflict message; the rest are counted.
CONFLICT_NAMED = 10


class ImportConflict(Exception):
    """Figures changed (edited, approved, created…) between planning an import and applying it;
    nothing was written. ``changes`` are the plan's changes whose figure is no longer as planned.
    The message names them; the caller adds what to do (preview again, run the command again)."""

    def __init__(self, changes: list[Change]):
        self.changes = changes
        names = [
            gettext("%(agency)s – chỉ số %(indicator)s – kỳ %(period)s")
            % {"agency": c.agency.name, "indicator": c.indicator.code, "period": c.period.code}
            for c in changes[:CONFLICT_NAMED]
        ]
        if len(changes) > CONFLICT_NAMED:
            names.append(
                gettext("và %(n)s số liệu khác")
                % {"n": format_number(len(changes) - CONFLICT_NAMED)}
            )
        super().__init__(
            gettext(
                "Chưa nhập dòng nào: trong lúc nhập, số liệu sau đã được người khác thay đổi, "
                "duyệt hoặc nhập: %(figures)s."
            )
            % {"figures": "; ".join(names)}
        )


def _created_since(creates: list[Change]) -> list[Change]:
    """The planned-new figures that exist now (one query)."""
    if not creates:
        return []
    keys = [(c.indicator.pk, c.agency.pk, c.period.pk) for c in creates]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT m.indicator_id, m.agency_id, m.period_id FROM {MEASUREMENT_TABLE} m "
            "JOIN unnest(%s::bigint[], %s::bigint[], %s::bigint[]) AS k(i, a, p) "
            "ON m.indicator_id = k.i AND m.agency_id = k.a AND m.period_id = k.p",
            [[k[0] for k in keys], [k[1] for k in keys], [k[2] for k in keys]],
        )
        present = set(cursor.fetchall())
    return [c for c, key in zip(creates, keys, strict=True) if key in present]


def _changed_since(creates: list[Change], updates: list[Change]) -> list[Change]:
    """The plan's changes whose figure is no longer what the plan saw: a figure to update whose
    version moved (edited, approved, returned) or that is gone, a figure to create that exists.

    Locks the figures to update (``SELECT … FOR UPDATE``, in id order so that two imports cannot
    deadlock) until the transaction ends, so none can change before they are written: one query
    per ``LOCK_CHUNK`` figures. A figure created after this check still makes the insert fail on
    the unique key; ``apply_import`` reports it the same way."""
    seen = {c.old.pk: c for c in updates}
    ids = sorted(seen)
    current: dict[int, int] = {}
    with connection.cursor() as cursor:
        for start in range(0, len(ids), LOCK_CHUNK):
            cursor.execute(
                f"SELECT id, version FROM {MEASUREMENT_TABLE} WHERE id = ANY(%s) "
                "ORDER BY id FOR UPDATE",
                [ids[start : start + LOCK_CHUNK]],
            )
            current.update(cursor.fetchall())
    moved = [c for pk, c in seen.items() if current.get(pk) != c.old.version]
    return sorted(moved + _created_since(creates), key=lambda c: c.row)


def apply_import(plan: ImportPlan, *, user=None) -> int:
    """Write every change of a checked plan in one transaction; return how many were written.

    Only the plan's changes are written (unchanged rows never are), each with the status the
    plan gave it (``Change.status``) and a new version. Imported figures are real: one that
    changes a demo figure is no longer marked as demo. New figures are inserted with COPY
    (``_insert_new_figures``), changed ones with Django's bulk update; both with history.

    Nothing is overwritten unseen: the plan was made outside this transaction, so each figure it
    changes must still be as the plan saw it (same version; a new one still absent), checked
    with the figures locked (``_changed_since``). Otherwise nothing is written and
    ``ImportConflict`` names the figures that changed.
    """
    if not plan.ok:
        raise ValueError("refusing to import a file with errors")
    if any(change.withdraws for change in plan.changes):
        raise ValueError("refusing to take counted figures out of the results")
    creates = [change for change in plan.changes if change.old is None]
    updates = [change for change in plan.changes if change.old is not None]
    try:
        with transaction.atomic():
            if changed := _changed_since(creates, updates):
                raise ImportConflict(changed)
            if creates:
                _insert_new_figures(creates, user=user)
            _update_figures(updates, user=user)
    except (IntegrityError, psycopg.IntegrityError):  # COPY's errors come from psycopg itself
        # A figure was created between the check and the insert (rolled back by now).
        if changed := _created_since(creates):
            raise ImportConflict(changed) from None
        raise
    return len(creates) + len(updates)


def _update_figures(updates: list[Change], *, user) -> None:
    changed = []
    for change in updates:
        f = change.new
        m = change.old
        m.status, m.version = change.status, m.version + 1
        if change.values_change:  # else only sent: who entered the values, and when, stay
            m.numerator, m.denominator, m.rank, m.score, m.note = (
                f.numerator,
                f.denominator,
                f.rank,
                f.score,
                f.note,
            )
            m.entered_by = user
            m.is_demo = False  # a real figure replaces a demo one; seed_demo --reset keeps it
            m.entered_at = timezone.now()
        changed.append(m)
    if changed:
        bulk_update_with_history(
            changed,
            Measurement,
            [
                "numerator",
                "denominator",
                "rank",
                "score",
                "note",
                "status",
                "entered_by",
                "version",
                "is_demo",
                "entered_at",
            ],
            batch_size=2000,
            default_user=user,
        )
