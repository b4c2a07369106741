"""Forms of the data-entry screens (issue #4) and the rows they are laid out in.

Every figure typed in the browser is checked by ``indicators.measurements.check_figures``, the
same rules as the command-line import; these forms only put its Vietnamese messages next to the
right field. Counts are text fields so that "1.234" is read as 1234 (``parse_count``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import PurePath
from typing import NamedTuple

from django import forms
from django.conf import settings
from django.db.models import Count
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from indicators import access
from indicators.attainment import Status, rate_of, status_for
from indicators.formatting import format_number, format_percent
from indicators.measurements import (
    MESSAGES,
    Figures,
    check_figures,
    parse_count,
    parse_score,
    same_figures,
)
from indicators.models import Agency, Measurement, Period
from indicators.text_input import MSG_CONTROL, RejectControlCharacters, has_control_characters
from indicators.workflow import (
    Entry,
    locked_reason,
    previous_period,
    sends_unchanged,
    sharp_change,
    status_after_change,
)
from targets.models import Level, Target
from targets.plans import INDICES_GROUP

REQUIRED = MESSAGES["required"]
FIGURE_FIELDS = ("numerator", "denominator", "rank", "score", "note")
# SHARP_CHANGE_POINTS (30) is spelled out in the message so that it can be translated.
MSG_SHARP = _(
    "Số liệu thay đổi hơn 30 điểm phần trăm so với kỳ trước: vui lòng ghi giải trình trước khi gửi."
)
MSG_CANNOT_CLEAR = _(
    "Không thể xóa số liệu đã nhập. Nếu trong kỳ không phát sinh hồ sơ, nhập 0 và 0."
)


class PeriodChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.label


class AgencyChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} ({obj.code})"


def period_field(**kwargs) -> PeriodChoiceField:
    return PeriodChoiceField(
        queryset=Period.objects.all(),
        to_field_name="code",
        label=_("Kỳ báo cáo"),
        error_messages={"invalid_choice": _("Không có kỳ báo cáo này.")},
        **kwargs,
    )


class EntryStartForm(RejectControlCharacters, forms.Form):
    """The start page's filters: which period, and a search for an agency by name or code."""

    period = period_field(required=False)
    q = forms.CharField(label=_("Tìm đơn vị (tên hoặc mã)"), required=False, max_length=100)
    level = forms.ChoiceField(
        label=_("Cấp"), required=False, choices=[("", _("Tất cả các cấp")), *Level.choices]
    )


class FigureForm(RejectControlCharacters, forms.Form):
    """One figure of one agency: two counts (or a rank and a score), a note, and the version
    of the measurement the person saw (for conflict detection).

    A row is *edited* when what is posted differs from the figure the person saw (``row.seen``:
    the saved figure at the version they posted, see ``bind_rows``). The grid's row save, its
    whole-table post and the entry form all use this one definition. A row is *saved* (``saves``)
    when it is edited, or when it is submitted unchanged while not sent yet (a draft or returned
    figure, where ``row.send_unchanged``: ``workflow.sends_unchanged``); a row that is not saved is neither checked again nor written, so
    figures nobody touched (another commune's, already sent) never block a post. Every save
    that ends with the figure sent (``workflow.status_after_change``: submitting, or correcting
    a sent figure) needs the explanation of a sharp change, as a submission does.
    """

    numerator = forms.CharField(required=False, max_length=40)
    denominator = forms.CharField(required=False, max_length=40)
    rank = forms.CharField(required=False, max_length=20)
    score = forms.CharField(required=False, max_length=20)
    note = forms.CharField(
        required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 1})
    )
    version = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)

    def __init__(self, *args, row: EntryRow, submitting: bool = False, **kwargs):
        self.row = row
        self.submitting = submitting
        self.figures: Figures | None = None
        self.edited = False
        self.saves = False
        super().__init__(*args, **kwargs)

    def has_input(self) -> bool:
        return any((self.data.get(self.add_prefix(name)) or "").strip() for name in FIGURE_FIELDS)

    def _raw(self, data) -> dict:
        """The posted values; a note that was not posted (the grid shows a note field only
        where one is needed or already written) is the note of the figure the person saw."""
        raw = {k: data.get(k) for k in FIGURE_FIELDS}
        if self.add_prefix("note") not in self.data:
            raw["note"] = self.row.seen.note if self.row.seen is not None else ""
        return raw

    def clean(self):
        data = super().clean()
        row = self.row
        seen = row.seen
        if not self.has_input():
            # nothing posted: a row left empty, a locked row (its fields are disabled), or a
            # saved figure the person emptied, which is refused
            self.edited = seen is not None and row.current is not None and not row.locked
            if self.edited:
                self.add_error(None, MSG_CANNOT_CLEAR)
            return data
        raw = self._raw(data)
        typed = typed_figures(raw)
        self.edited = seen is None or typed is None or not same_figures(seen, typed)
        current = row.current
        self.saves = self.edited or (
            self.submitting
            and row.send_unchanged
            and seen is current
            and sends_unchanged(current, None, own_only=False)
        )
        if not self.saves:
            self.figures = typed  # shown as it is, not checked again, not written
            return data
        checked = check_figures(row.indicator, row.agency, row.period, raw, row.targets)
        for name, messages in checked.errors.items():
            for message in messages:
                self.add_error(name if name in self.fields else None, message)
        if row.locked and current is not None and not same_figures(current, checked.figures):
            self.add_error(None, row.locked)
        ends_sent = (
            status_after_change(current and current.status, submit=self.submitting)
            == Measurement.Status.SUBMITTED
        )
        needs_note = ends_sent and checked.ok and not checked.figures.note
        if needs_note and sharp_change(row.previous, checked.figures):
            self.add_error("note", MSG_SHARP)
        if checked.ok:
            self.figures = checked.figures
        return data

    def field_errors(self, name: str) -> list[str]:
        return list(self.errors.get(name, [])) if self.is_bound else []


def typed_figures(raw: dict) -> Figures | None:
    """The posted values read as figures, without checking the rules (None if one is not a
    number): enough to tell whether they equal a saved figure."""
    try:
        return Figures(
            parse_count(raw.get("numerator")),
            parse_count(raw.get("denominator")),
            parse_count(raw.get("rank")),
            parse_score(raw.get("score")),
            (raw.get("note") or "").strip(),
        )
    except ValueError:
        return None


class GridInput(NamedTuple):
    name: str
    id: str
    value: object
    invalid: bool


@dataclass
class EntryRow:
    """Everything one line of an entry screen shows: the target, the saved figure, last
    period's figure, the form, and the rate and status of what is typed (or saved)."""

    target: Target
    agency: Agency
    period: Period
    targets: list[Target]
    current: Measurement | None
    previous: Measurement | None
    evidence_count: int = 0
    form: FigureForm | None = None
    conflict: Measurement | None = None
    problem: str = ""
    editable: bool = True
    live: bool = False
    key: str = ""  # the form prefix: the indicator's code, or the agency's code in the grid
    saved: str = ""  # after a save: what it did (workflow.SAVED, SENT or RESENT)
    # the figure the person saw, at the version they posted (``bind_rows``)
    seen: Measurement | None = None
    # submitting sends this row's unsent figure even when it was not edited
    send_unchanged: bool = True

    @property
    def indicator(self):
        return self.target.indicator

    @property
    def prefix(self) -> str:
        return self.key or self.indicator.code

    @property
    def locked(self) -> str | None:
        return locked_reason(self.period, self.current)

    @property
    def disabled(self) -> bool:
        return not self.editable or bool(self.locked)

    @property
    def grid_inputs(self) -> list[GridInput]:
        """The grid's two inputs (numerator, denominator). After a POST they come from the bound
        form; on a GET straight from the saved figure, so the grid builds no form per row (with
        156 rows that was a fifth of the page's time)."""
        if self.form is not None:
            return [
                GridInput(bf.html_name, bf.auto_id, bf.value(), bool(bf.errors))
                for bf in (self.form["numerator"], self.form["denominator"])
            ]
        c = self.current
        return [
            GridInput(
                f"{self.prefix}-{name}",
                f"id_{self.prefix}-{name}",
                getattr(c, name) if c is not None else None,
                False,
            )
            for name in ("numerator", "denominator")
        ]

    @property
    def unsaved(self) -> bool:
        """Typed values that are not saved: an edited row whose save was refused (its own
        errors, or another row's in an all-or-nothing post)."""
        form = self.form
        return form is not None and form.is_bound and form.edited and not self.saved

    @property
    def sent(self) -> bool:
        return self.current is not None and self.current.status == Measurement.Status.SUBMITTED

    @property
    def grid_note(self) -> GridInput | None:
        """The grid's note (giải trình) field, shown only where a note is written or needed:
        a sharp change, or the note's own error. Without it the grid keeps the saved note."""
        if self.form is not None and self.form.is_bound:
            bf = self.form["note"]
            value = bf.value()
            if value is None:
                value = self.seen.note if self.seen is not None else ""
            if not (value or bf.errors or self.sharp):
                return None
            return GridInput(bf.html_name, bf.auto_id, value, bool(bf.errors))
        note = self.current.note if self.current is not None else ""
        if not (note or self.sharp):
            return None
        return GridInput(f"{self.prefix}-note", f"id_{self.prefix}-note", note, False)

    @property
    def workflow_label(self) -> str:
        """The saved figure's workflow status in words ("" before it is saved). Not
        ``get_status_display()``, which rebuilds the choices on every call (60 µs a row)."""
        return "" if self.current is None else Measurement.Status(self.current.status).label

    @property
    def grid_version(self):
        """The version the grid row posts back: the other writer's after a conflict."""
        if self.conflict is not None:
            return self.conflict.version
        if self.form is not None:
            return self.form["version"].value()
        return self.current.version if self.current is not None else None

    @property
    def grid_errors(self) -> list[str]:
        """Every message of the row's form, fields first (none before a POST)."""
        if self.form is None or not self.form.is_bound:
            return []
        return [message for messages in self.form.errors.values() for message in messages]

    @property
    def field_names(self) -> tuple[str, ...]:
        if self.indicator.is_rate:
            return ("numerator", "denominator", "note")
        return ("rank", "score", "note")

    @property
    def error_slots(self) -> list[tuple[str, list[str]]]:
        """(element id suffix, messages) for each field and the row; while typing (``live``)
        a field not filled in yet is not reported as missing."""
        errors = self.form.errors if self.form is not None and self.form.is_bound else {}
        slots = []
        for name in self.field_names:
            messages = list(errors.get(name, []))
            if self.live:
                messages = [m for m in messages if m != str(REQUIRED)]
            slots.append((f"{self.prefix}-{name}", messages))
        slots.append((f"{self.prefix}-all", list(errors.get("__all__", []))))
        return slots

    @property
    def shown_figures(self) -> Figures | None:
        """What the rate is computed from: the valid typed figures, else the saved ones (a
        refused entry leaves the saved figure as it is, and it still counts: ``showing_saved``)."""
        if self.form is not None and self.form.is_bound and self.form.is_valid():
            return self.form.figures
        if self.current is not None:
            c = self.current
            return Figures(c.numerator, c.denominator, c.rank, c.score, c.note)
        return None

    @property
    def showing_saved(self) -> bool:
        """What was typed is not valid, so the rate shown is the saved figure's."""
        return (
            self.form is not None
            and self.form.is_bound
            and not self.form.is_valid()
            and self.current is not None
        )

    @property
    def value(self) -> Fraction | None:
        f = self.shown_figures
        if f is None:
            return None
        if self.indicator.is_rate:
            return None if f.denominator is None else rate_of(f.numerator or 0, f.denominator)
        return None if f.rank is None else Fraction(f.rank)

    @property
    def value_text(self) -> str:
        f = self.shown_figures
        if f is None:
            return "–"
        if not self.indicator.is_rate:
            return f"{f.rank}/63"
        if f.denominator == 0:
            return gettext("Không phát sinh")
        return format_percent(self.value, 1)

    @property
    def status(self) -> Status:
        return status_for(self.value, self.target)

    @property
    def sharp(self) -> bool:
        return sharp_change(self.previous, self.shown_figures)

    @property
    def previous_numerator(self) -> str:
        p = self.previous
        return format_number(p.numerator) if p is not None and p.numerator is not None else ""

    @property
    def previous_denominator(self) -> str:
        p = self.previous
        return format_number(p.denominator) if p is not None and p.denominator is not None else ""

    @property
    def previous_value_text(self) -> str:
        """Last period's rate ('99,6%'), rank ('12/63') or '–'."""
        p = self.previous
        if p is None:
            return "–"
        if p.rank is not None:
            return f"{p.rank}/63"
        rate = rate_of(p.numerator or 0, p.denominator or 0)
        return format_percent(rate, 1) if rate is not None else gettext("không phát sinh")

    @property
    def previous_text(self) -> str:
        p = self.previous
        if p is None:
            return "–"
        if p.rank is not None:
            return self.previous_value_text
        return (
            f"{format_number(p.numerator)} / {format_number(p.denominator)} "
            f"({self.previous_value_text})"
        )

    @property
    def entry(self) -> Entry:
        return Entry(self.indicator, self.form.figures, self.form.cleaned_data.get("version"))


def plan_targets_for(agency: Agency, period: Period) -> tuple[list[Target], list[Target]]:
    """(all targets of the period's plan, those that apply to ``agency`` in ``period``):
    quarterly rate indicators for a quarter, the four indices for the province in the year."""
    targets = list(
        Target.objects.filter(plan__year=period.year)
        .select_related("indicator", "focus_area", "plan")
        .order_by("focus_area__order", "order")
    )
    mine = [
        t for t in targets if agency.level in t.levels and t.indicator.is_annual == period.is_annual
    ]
    # focus areas first in plan order, the indices (no focus area) last
    mine.sort(key=lambda t: (t.focus_area is None, t.focus_area.order if t.focus_area else 0))
    return targets, mine


def build_rows(agency: Agency, period: Period) -> list[EntryRow]:
    """The lines of the entry form for one agency and period, with saved and last period's
    figures. A fixed number of queries."""
    targets, mine = plan_targets_for(agency, period)
    indicator_ids = [t.indicator_id for t in mine]
    current = {
        m.indicator_id: m
        for m in Measurement.objects.filter(
            agency=agency, period=period, indicator_id__in=indicator_ids
        ).annotate(n_evidence=Count("evidence"))
    }
    before = previous_period(period)
    previous = (
        {
            m.indicator_id: m
            for m in Measurement.objects.filter(
                agency=agency, period=before, indicator_id__in=indicator_ids
            )
        }
        if before
        else {}
    )
    return [
        EntryRow(
            target=t,
            agency=agency,
            period=period,
            targets=targets,
            current=current.get(t.indicator_id),
            previous=previous.get(t.indicator_id),
            evidence_count=getattr(current.get(t.indicator_id), "n_evidence", 0),
        )
        for t in mine
    ]


def bind_rows(rows: list[EntryRow], data=None, *, submitting: bool = False) -> list[EntryRow]:
    """Attach a form to each row: bound to ``data`` (a POST) or filled from the saved figure."""
    if data is not None:
        attach_seen(rows, data)
    for row in rows:
        initial = {}
        if row.current is not None:
            c = row.current
            initial = {
                "numerator": "" if c.numerator is None else c.numerator,
                "denominator": "" if c.denominator is None else c.denominator,
                "rank": "" if c.rank is None else c.rank,
                "score": "" if c.score is None else f"{c.score.normalize():f}".replace(".", ","),
                "note": c.note,
                "version": c.version,
            }
        row.form = FigureForm(
            data, row=row, submitting=submitting, prefix=row.prefix, initial=initial
        )
    return rows


def posted_version(data, prefix: str) -> int | None:
    """The version a row posted back (the one the person saw), None if blank or not a number."""
    raw = data.get(f"{prefix}-version") or ""
    # a short run of ASCII digits: "²" is a digit to isdigit() but not to int()
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 10 else None


def attach_seen(rows: list[EntryRow], data) -> None:
    """Set each row's ``seen``: the figure the person saw when they loaded the page, told by
    the version they post back. The saved figure when the versions agree; when somebody has
    changed it since, that older version from the figure's history (one query for all such
    rows), so that a row the person did not touch is recognised as untouched; nothing when they
    saw none (a blank version) or the version is not in the history."""
    stale: dict[int, int] = {}
    for row in rows:
        version, current = posted_version(data, row.prefix), row.current
        row.seen = current if current is not None and version == current.version else None
        if current is not None and version is not None and row.seen is None:
            stale[current.pk] = version
    if not stale:
        return
    found = {}
    records = Measurement.history.filter(id__in=stale, version__in=set(stale.values()))
    for record in records.order_by("history_date", "history_id"):
        if stale[record.id] == record.version:
            found[record.id] = record  # the last record of that version
    for row in rows:
        if row.current is not None and row.current.pk in found:
            row.seen = found[row.current.pk]


@dataclass
class RowGroup:
    name: str
    rows: list[EntryRow] = field(default_factory=list)


def group_rows(rows: list[EntryRow]) -> list[RowGroup]:
    """Rows grouped by focus area, in plan order; the indices in a group of their own."""
    groups: list[RowGroup] = []
    for row in rows:
        name = row.target.focus_area.name if row.target.focus_area else str(INDICES_GROUP)
        if not groups or groups[-1].name != name:
            groups.append(RowGroup(name))
        groups[-1].rows.append(row)
    return groups


class ReviewForm(RejectControlCharacters, forms.Form):
    """Approve, return or reopen one figure; a reason is required to return or reopen."""

    action = forms.ChoiceField(
        choices=[("approve", _("Duyệt")), ("return", _("Trả lại")), ("reopen", _("Mở lại"))]
    )
    reason = forms.CharField(
        label=_("Lý do"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)

    def clean(self):
        data = super().clean()
        if data.get("action") in ("return", "reopen") and not (data.get("reason") or "").strip():
            self.add_error("reason", _("Vui lòng ghi lý do."))
        return data


class HistoryFilterForm(RejectControlCharacters, forms.Form):
    agency = forms.CharField(label=_("Đơn vị (tên hoặc mã)"), required=False, max_length=100)
    period = period_field(required=False)


class GridFilterForm(RejectControlCharacters, forms.Form):
    """Which agencies the grid lists: one level, optionally one district's communes."""

    level = forms.ChoiceField(
        label=_("Cấp"),
        choices=[
            (Level.TINH, Level.TINH.label),
            (Level.HUYEN, Level.HUYEN.label),
            (Level.XA, Level.XA.label),
        ],
    )
    district = forms.ModelChoiceField(
        queryset=Agency.objects.filter(level=Level.HUYEN),
        to_field_name="code",
        required=False,
        label=_("Huyện, thị xã, thành phố"),
        error_messages={"invalid_choice": _("Không có đơn vị cấp huyện này.")},
    )


def agencies_for_grid(user, level: str, district: Agency | None):
    """Active agencies of ``level`` the user may enter for (one district's if given)."""
    agencies = access.enterable_agencies(user).filter(level=level).select_related("parent")
    if district is not None:
        agencies = agencies.filter(pk__in=Agency.objects.in_district(district).values("pk"))
    return agencies.order_by("parent__order", "order", "code")


class CompletenessForm(RejectControlCharacters, forms.Form):
    level = forms.ChoiceField(
        label=_("Cấp"), required=False, choices=[("", _("Tất cả các cấp")), *Level.choices]
    )
    district = forms.ModelChoiceField(
        queryset=Agency.objects.filter(level=Level.HUYEN),
        to_field_name="code",
        required=False,
        label=_("Huyện (gồm các xã)"),
        error_messages={"invalid_choice": _("Không có đơn vị cấp huyện này.")},
    )
    chua_gui = forms.BooleanField(label=_("Chỉ đơn vị chưa gửi đủ"), required=False)
    cho_duyet = forms.BooleanField(label=_("Chỉ đơn vị có số liệu chờ duyệt"), required=False)


class TemplateDownloadForm(RejectControlCharacters, forms.Form):
    """Which rows the Excel template is prefilled with: a period and a level or an agency."""

    period = period_field()
    level = forms.ChoiceField(label=_("Cấp"), required=False, choices=[("", "—"), *Level.choices])
    agency = forms.CharField(label=_("Hoặc mã đơn vị"), required=False, max_length=20)

    def clean(self):
        data = super().clean()
        if not data.get("level") and not data.get("agency"):
            raise forms.ValidationError(_("Chọn một cấp hoặc nhập mã một đơn vị."))
        return data


def _check_size(upload, limit: int) -> None:
    if upload.size > limit:
        raise forms.ValidationError(
            _("Tệp quá lớn: tối đa %(mb)s MB.") % {"mb": format_number(limit // (1024 * 1024))}
        )


SUBMIT_LABEL = _("Gửi luôn các số liệu (không chỉ lưu nháp)")


class ImportUploadForm(RejectControlCharacters, forms.Form):
    file = forms.FileField(
        label=_("Tệp số liệu (.xlsx hoặc .csv)"),
        error_messages={"required": _("Vui lòng chọn tệp."), "empty": _("Tệp rỗng.")},
    )
    # Chosen before the preview, so that the preview shows each figure's status after confirm.
    submit = forms.BooleanField(label=SUBMIT_LABEL, required=False)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        _check_size(upload, settings.IMPORT_MAX_BYTES)
        if PurePath(upload.name).suffix.lower() in (".xlsm", ".xltm"):
            raise forms.ValidationError(
                _(
                    "Tệp có macro (VBA) không được nhận: hãy lưu lại thành sổ làm việc Excel (.xlsx)."
                )
            )
        if PurePath(upload.name).suffix.lower() not in (".xlsx", ".csv"):
            raise forms.ValidationError(_("Chỉ nhận tệp Excel (.xlsx) hoặc .csv."))
        return upload


class ImportConfirmForm(RejectControlCharacters, forms.Form):
    """The preview's buttons: ``submit`` is the choice the preview was planned for (confirm
    refuses another), ``replan`` asks for the preview again with ``submit`` as posted."""

    token = forms.RegexField(regex=r"^[0-9a-f]{32}$", widget=forms.HiddenInput)
    submit = forms.BooleanField(label=SUBMIT_LABEL, required=False, widget=forms.HiddenInput)
    replan = forms.BooleanField(required=False, widget=forms.HiddenInput)


# Evidence: the first bytes each accepted kind of file starts with.
EVIDENCE_TYPES = {
    ".pdf": ("application/pdf", (b"%PDF",)),
    ".png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    ".jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".doc": ("application/msword", (b"\xd0\xcf\x11\xe0",)),
    ".xls": ("application/vnd.ms-excel", (b"\xd0\xcf\x11\xe0",)),
    ".docx": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        (b"PK\x03\x04",),
    ),
    ".xlsx": (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        (b"PK\x03\x04",),
    ),
}


class EvidenceForm(RejectControlCharacters, forms.Form):
    file = forms.FileField(
        label=_("Tài liệu kiểm chứng (PDF, ảnh, Word, Excel; tối đa 10 MB)"),
        error_messages={"required": _("Vui lòng chọn tệp."), "empty": _("Tệp rỗng.")},
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        _check_size(upload, settings.EVIDENCE_MAX_BYTES)
        if has_control_characters(upload.name):
            raise forms.ValidationError(MSG_CONTROL)
        suffix = PurePath(upload.name).suffix.lower()
        kind = EVIDENCE_TYPES.get(suffix)
        if kind is None:
            raise forms.ValidationError(
                _("Chỉ nhận tệp PDF, ảnh (PNG, JPG), Word (.doc, .docx) hoặc Excel (.xls, .xlsx).")
            )
        head = upload.read(8)
        upload.seek(0)
        if not any(head.startswith(magic) for magic in kind[1]):
            raise forms.ValidationError(
                _("Nội dung tệp không khớp với phần mở rộng %(suffix)s.") % {"suffix": suffix}
            )
        upload.detected_type = kind[0]
        return upload


def build_grid_rows(target: Target, period: Period, agencies) -> list[EntryRow]:
    """One line per agency for one indicator and period (the grid). A fixed number of
    queries whatever the number of agencies."""
    agencies = list(agencies)
    targets = list(
        Target.objects.filter(plan__year=period.year).select_related("indicator", "plan")
    )
    before = previous_period(period)
    # One query for both periods, unordered: the model's default ordering joins three tables
    # and sorts, which cost more than reading the rows.
    found = Measurement.objects.filter(
        indicator=target.indicator,
        agency_id__in=[a.pk for a in agencies],
        period__in=[period] if before is None else [period, before],
    ).order_by()
    current, previous = {}, {}
    for m in found:
        (current if m.period_id == period.pk else previous)[m.agency_id] = m
    return [
        EntryRow(
            target=target,
            agency=agency,
            period=period,
            targets=targets,
            current=current.get(agency.pk),
            previous=previous.get(agency.pk),
            key=agency.code,
        )
        for agency in agencies
    ]
