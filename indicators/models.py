"""Agencies, reporting periods, who works for which agency, and the measurements they report."""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from targets.models import Indicator, Level

# Ranks are places among Vietnam's 63 provinces and cities.
MAX_RANK = 63


class AgencyQuerySet(models.QuerySet):
    def active(self):
        return self.filter(active=True)

    def in_district(self, district):
        """A district-level unit together with its communes."""
        return self.filter(Q(pk=district.pk) | Q(parent=district))


class Agency(models.Model):
    """A unit that reports figures: the province itself, a department, a district or a commune.

    Units merge and split: deactivate them, never delete (their figures stay in history).
    """

    code = models.CharField(_("mã"), max_length=20, unique=True)
    name = models.CharField(_("tên"), max_length=200)
    level = models.CharField(_("cấp"), max_length=10, choices=Level.choices, db_index=True)
    unit_type = models.CharField(_("loại đơn vị"), max_length=40)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("đơn vị cấp trên"),
    )
    active = models.BooleanField(_("đang hoạt động"), default=True)
    source = models.CharField(_("nguồn"), max_length=255, blank=True)
    order = models.PositiveIntegerField(_("thứ tự"), default=0)

    objects = AgencyQuerySet.as_manager()

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("đơn vị")
        verbose_name_plural = _("đơn vị")

    def __str__(self):
        return self.name


class Period(models.Model):
    """A reporting period: a quarter (``2021-Q2``) or a whole year (``2021``)."""

    code = models.CharField(_("mã"), max_length=10, unique=True)
    year = models.PositiveSmallIntegerField(_("năm"), db_index=True)
    quarter = models.PositiveSmallIntegerField(_("quý"), null=True, blank=True)
    start = models.DateField(_("từ ngày"))
    end = models.DateField(_("đến ngày"))
    deadline = models.DateField(_("hạn báo cáo"))
    # Issue #4: staff close a whole period once the report is final; no figure of a locked
    # period can be entered, submitted or reopened until it is unlocked in the admin.
    locked = models.BooleanField(
        _("đã khóa sổ"),
        default=False,
        help_text=_("Khi khóa sổ, không ai nhập, gửi hoặc sửa số liệu của kỳ này."),
    )

    class Meta:
        ordering = ["year", models.F("quarter").asc(nulls_last=True)]
        constraints = [
            models.UniqueConstraint(fields=["year", "quarter"], name="period_unique_quarter"),
            models.UniqueConstraint(
                fields=["year"], condition=Q(quarter__isnull=True), name="period_unique_year"
            ),
            models.CheckConstraint(
                condition=Q(quarter__isnull=True) | Q(quarter__gte=1, quarter__lte=4),
                name="period_quarter_1_4",
            ),
        ]
        verbose_name = _("kỳ báo cáo")
        verbose_name_plural = _("kỳ báo cáo")

    def __str__(self):
        return self.label

    @property
    def is_annual(self) -> bool:
        return self.quarter is None

    @property
    def label(self) -> str:
        """As Vietnamese write it: "Quý II/2021", "Năm 2021" (English: "Q2 2021", "Year 2021")."""
        if self.is_annual:
            return gettext("Năm %(year)s") % {"year": self.year}
        return str(QUARTER_LABELS[self.quarter]) % {"year": self.year}

    @property
    def cumulative_label(self) -> str:
        """The span a cumulative figure covers: "Quý I/2021", "6 tháng đầu năm 2021", ..."""
        if self.is_annual or self.quarter == 4:
            return gettext("Năm %(year)s") % {"year": self.year}
        return str(SPAN_LABELS[self.quarter]) % {"year": self.year}

    @property
    def last_quarter(self) -> int:
        """The last quarter the period covers (4 for a year)."""
        return self.quarter or 4

    @property
    def quarter_only_label(self) -> str:
        """What a per-quarter (not cumulative) figure covers: the period's last quarter, so
        "Quý IV/2021" for the year 2021."""
        return str(QUARTER_LABELS[self.last_quarter]) % {"year": self.year}


ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}
# One message per quarter, so that each language writes quarters its own way ("Q2 2021").
QUARTER_LABELS = {
    1: _("Quý I/%(year)s"),
    2: _("Quý II/%(year)s"),
    3: _("Quý III/%(year)s"),
    4: _("Quý IV/%(year)s"),
}
# What a cumulative figure covers, up to the third quarter (the fourth is the whole year).
SPAN_LABELS = {
    1: QUARTER_LABELS[1],
    2: _("6 tháng đầu năm %(year)s"),
    3: _("9 tháng đầu năm %(year)s"),
}


def period_bounds(year: int, quarter: int | None, deadline_day: int):
    """Start, end and reporting deadline of a period.

    The deadline is ``deadline_day`` of the month after the period ends (15/04 for Q1 by
    default, 15/01 of the next year for Q4 and for the year).
    """
    if quarter is None:
        start, end = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    else:
        start = datetime.date(year, 3 * quarter - 2, 1)
        next_start = (
            datetime.date(year + 1, 1, 1)
            if quarter == 4
            else datetime.date(year, 3 * quarter + 1, 1)
        )
        end = next_start - datetime.timedelta(days=1)
    after = end + datetime.timedelta(days=1)
    return start, end, datetime.date(after.year, after.month, deadline_day)


def ensure_periods(year: int, deadline_day: int | None = None, period_model=None) -> list:
    """Create the four quarters and the year of ``year`` if missing; return them in order."""
    model = period_model or Period
    day = deadline_day or settings.REPORTING_DEADLINE_DAY
    periods = []
    for quarter in (1, 2, 3, 4, None):
        start, end, deadline = period_bounds(year, quarter, day)
        code = f"{year}-Q{quarter}" if quarter else str(year)
        period, _ = model.objects.get_or_create(
            code=code,
            defaults={
                "year": year,
                "quarter": quarter,
                "start": start,
                "end": end,
                "deadline": deadline,
            },
        )
        periods.append(period)
    return periods


class Profile(models.Model):
    """Links a user to the one agency they report for (agency officers)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile"
    )
    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="officers", verbose_name=_("đơn vị")
    )

    class Meta:
        verbose_name = _("đơn vị của người dùng")
        verbose_name_plural = _("đơn vị của người dùng")

    def __str__(self):
        return f"{self.user} – {self.agency}"


class Measurement(models.Model):
    """One agency's figure for one indicator in one period.

    Rate indicators carry two counts (``numerator`` ≤ ``denominator``); both 0 means "không phát
    sinh" (nothing to report). The four indices carry a ``rank`` among 63 provinces and an
    optional ``score``. Only submitted and approved figures count towards attainment.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("Nháp")
        SUBMITTED = "submitted", _("Đã gửi")
        APPROVED = "approved", _("Đã duyệt")
        RETURNED = "returned", _("Trả lại")

    COUNTED = (Status.SUBMITTED, Status.APPROVED)

    indicator = models.ForeignKey(
        Indicator, on_delete=models.PROTECT, related_name="measurements", verbose_name=_("chỉ số")
    )
    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="measurements", verbose_name=_("đơn vị")
    )
    period = models.ForeignKey(
        Period, on_delete=models.PROTECT, related_name="measurements", verbose_name=_("kỳ báo cáo")
    )
    numerator = models.BigIntegerField(_("tử số"), null=True, blank=True)
    denominator = models.BigIntegerField(_("mẫu số"), null=True, blank=True)
    rank = models.PositiveSmallIntegerField(_("thứ hạng"), null=True, blank=True)
    score = models.DecimalField(_("điểm số"), max_digits=8, decimal_places=3, null=True, blank=True)
    note = models.TextField(_("giải trình"), blank=True)
    status = models.CharField(
        _("trạng thái"), max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    review_reason = models.TextField(_("lý do trả lại / mở lại"), blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("người nhập"),
    )
    # When the values were last entered: set by the paths that save values (upsert_measurement,
    # imports, the demo seeder), never by approving, returning or reopening, so that "Người
    # nhập" on a returned figure is the officer's time, not the reviewer's.
    entered_at = models.DateTimeField(_("thời điểm nhập"), default=timezone.now)
    version = models.PositiveIntegerField(_("phiên bản"), default=1)
    is_demo = models.BooleanField(_("số liệu minh họa"), default=False)

    history = HistoricalRecords()

    class Meta:
        ordering = ["period", "agency", "indicator"]
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "agency", "period"],
                name="measurement_one_per_indicator_agency_period",
            ),
            models.CheckConstraint(
                condition=(
                    Q(
                        rank__isnull=True,
                        numerator__isnull=False,
                        denominator__isnull=False,
                        score__isnull=True,
                    )
                    | Q(rank__isnull=False, numerator__isnull=True, denominator__isnull=True)
                ),
                name="measurement_counts_or_rank",
            ),
            models.CheckConstraint(
                condition=Q(numerator__gte=0), name="measurement_numerator_gte_0"
            ),
            models.CheckConstraint(
                condition=Q(denominator__gte=0), name="measurement_denominator_gte_0"
            ),
            models.CheckConstraint(
                condition=Q(numerator__lte=models.F("denominator")),
                name="measurement_numerator_lte_denominator",
            ),
            models.CheckConstraint(
                condition=Q(rank__gte=1, rank__lte=MAX_RANK), name="measurement_rank_1_63"
            ),
        ]
        indexes = [
            models.Index(fields=["period", "status"], name="measurement_period_status"),
            models.Index(fields=["agency", "indicator", "status"], name="measurement_agency_ind"),
        ]
        verbose_name = _("số liệu")
        verbose_name_plural = _("số liệu")
        permissions = [
            ("enter_any_agency", _("Nhập số liệu cho mọi đơn vị")),
            ("enter_own_agency", _("Nhập số liệu cho đơn vị của mình")),
            ("approve_measurement", _("Duyệt, trả lại, mở lại số liệu")),
            ("view_dashboard", _("Xem bảng theo dõi")),
            ("view_report", _("Xem và in báo cáo tổng hợp")),
        ]

    def __str__(self):
        return f"{self.indicator.code} · {self.agency.code} · {self.period.code}"

    @property
    def is_counted(self) -> bool:
        return self.status in self.COUNTED

    @property
    def nothing_to_report(self) -> bool:
        """0/0: "không phát sinh", which neither helps nor hurts a rate."""
        return self.numerator == 0 and self.denominator == 0


# --- Evidence (issue #4) ------------------------------------------------------------------------


def evidence_path(instance, filename: str) -> str:
    """Stored under MEDIA_ROOT (outside the web root) with a random name; the original name is
    kept in the database only, so a file name can never choose where a file lands."""
    import uuid
    from pathlib import PurePath

    suffix = PurePath(filename).suffix.lower()
    return f"evidence/{instance.measurement.period.code}/{uuid.uuid4().hex}{suffix}"


class Evidence(models.Model):
    """A supporting document (tài liệu kiểm chứng) attached to one figure. Served only through a
    view that checks the reader may see the figure."""

    measurement = models.ForeignKey(
        Measurement, on_delete=models.CASCADE, related_name="evidence", verbose_name=_("số liệu")
    )
    file = models.FileField(_("tệp"), upload_to=evidence_path, max_length=255)
    original_name = models.CharField(_("tên tệp"), max_length=255)
    size = models.PositiveBigIntegerField(_("dung lượng"))
    content_type = models.CharField(_("loại tệp"), max_length=100)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("người tải lên"),
    )
    uploaded_at = models.DateTimeField(_("thời điểm tải lên"), auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at"]
        verbose_name = _("tài liệu kiểm chứng")
        verbose_name_plural = _("tài liệu kiểm chứng")

    def __str__(self):
        return self.original_name
