"""The reform plan, its focus areas, what is measured (indicators) and the goals (targets).

Indicators are independent of any plan; a target is the goal a plan sets for one indicator at one
or more administrative levels, so later plans (2022, ...) add targets without touching indicators.
"""

from decimal import Decimal

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class Level(models.TextChoices):
    """Administrative levels that targets apply to and agencies belong to."""

    PROVINCE = "province", _("Toàn tỉnh")  # the province as a whole: the four indices
    TINH = "tinh", _("Cấp tỉnh")  # provincial departments (sở, ban, ngành)
    HUYEN = "huyen", _("Cấp huyện")
    XA = "xa", _("Cấp xã")


class Plan(models.Model):
    number = models.CharField(_("số hiệu"), max_length=40, unique=True)
    title = models.CharField(_("trích yếu"), max_length=255)
    issued_on = models.DateField(_("ngày ban hành"))
    issuer = models.CharField(_("cơ quan ban hành"), max_length=120)
    year = models.PositiveSmallIntegerField(_("năm thực hiện"), unique=True)
    source = models.TextField(_("nguồn"), blank=True)

    class Meta:
        ordering = ["-year"]
        verbose_name = _("kế hoạch")
        verbose_name_plural = _("kế hoạch")

    def __str__(self):
        return f"Kế hoạch {self.number} ({self.year})"

    @property
    def short_name(self) -> str:
        return gettext("Kế hoạch số %(number)s") % {"number": self.number}


class FocusArea(models.Model):
    """One of the areas of reform a plan names (nhiệm vụ trọng tâm)."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="focus_areas")
    code = models.SlugField(_("mã"), max_length=40)
    name = models.CharField(_("tên"), max_length=200)
    order = models.PositiveSmallIntegerField(_("thứ tự"), default=0)

    class Meta:
        ordering = ["plan", "order"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "code"], name="focus_area_unique_code")
        ]
        verbose_name = _("lĩnh vực cải cách")
        verbose_name_plural = _("lĩnh vực cải cách")

    def __str__(self):
        return self.name


class Indicator(models.Model):
    """What is measured: a ratio of two counts, or a province's rank among 63 provinces."""

    class Kind(models.TextChoices):
        RATE = "rate", _("Tỷ lệ (tử số / mẫu số)")
        RANK = "rank", _("Thứ hạng trong 63 tỉnh, thành phố")

    class Aggregation(models.TextChoices):
        # Flows (dossiers, survey answers) add up over the quarters of the year.
        SUM = "sum", _("Cộng dồn các quý")
        # Stocks (services on offer) are read from each agency's most recent quarter.
        LATEST = "latest", _("Lấy quý gần nhất")
        # The four published indices have one value a year.
        ANNUAL = "annual", _("Một giá trị mỗi năm")

    code = models.SlugField(_("mã"), max_length=40, unique=True)
    name = models.CharField(_("tên"), max_length=255)
    short_name = models.CharField(_("tên ngắn"), max_length=80)
    kind = models.CharField(_("loại"), max_length=8, choices=Kind.choices)
    aggregation = models.CharField(
        _("cách cộng theo thời gian"), max_length=8, choices=Aggregation.choices
    )
    numerator_label = models.CharField(_("tử số"), max_length=255, blank=True)
    denominator_label = models.CharField(_("mẫu số"), max_length=255, blank=True)
    unit = models.CharField(_("đơn vị đếm"), max_length=40, blank=True)
    order = models.PositiveSmallIntegerField(_("thứ tự"), default=0)

    class Meta:
        ordering = ["order"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(kind="rate", aggregation__in=["sum", "latest"])
                    | models.Q(kind="rank", aggregation="annual")
                ),
                name="indicator_kind_matches_aggregation",
            )
        ]
        verbose_name = _("chỉ số đo lường")
        verbose_name_plural = _("chỉ số đo lường")

    def __str__(self):
        return self.name

    @property
    def is_rate(self) -> bool:
        return self.kind == self.Kind.RATE

    @property
    def is_annual(self) -> bool:
        return self.aggregation == self.Aggregation.ANNUAL


class Target(models.Model):
    """The goal a plan sets for an indicator at some administrative levels."""

    class Comparator(models.TextChoices):
        GTE = "gte", "≥"
        LTE = "lte", "≤"

    class Commitment(models.TextChoices):
        MINIMUM = "toi_thieu", _("tối thiểu")
        ASPIRATION = "phan_dau", _("phấn đấu")
        GROUP = "nhom", _("đứng trong nhóm")

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="targets")
    code = models.SlugField(_("mã"), max_length=40)
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="targets")
    focus_area = models.ForeignKey(
        FocusArea,
        on_delete=models.PROTECT,
        related_name="targets",
        null=True,
        blank=True,
        help_text=_(
            "Để trống cho các chỉ số tổng hợp (PAR Index, PAPI, PCI, SIPAS), "
            "vốn đánh giá cả sáu lĩnh vực."
        ),
    )
    name = models.CharField(_("tên chỉ tiêu"), max_length=255)
    wording = models.TextField(_("nguyên văn trong kế hoạch"), blank=True)
    levels = ArrayField(
        models.CharField(max_length=10, choices=Level.choices), verbose_name=_("áp dụng cho cấp")
    )
    comparator = models.CharField(_("so sánh"), max_length=3, choices=Comparator.choices)
    threshold = models.DecimalField(_("mục tiêu"), max_digits=7, decimal_places=2)
    commitment = models.CharField(_("mức cam kết"), max_length=10, choices=Commitment.choices)
    warning_band = models.DecimalField(
        _("biên gần đạt"),
        max_digits=7,
        decimal_places=2,
        default=Decimal("2"),
        help_text=_(
            "Khoảng dưới mục tiêu vẫn tính là gần đạt: điểm phần trăm, hoặc số bậc xếp hạng."
        ),
    )
    order = models.PositiveSmallIntegerField(_("thứ tự"), default=0)

    class Meta:
        ordering = ["plan", "order"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "code"], name="target_unique_code"),
            models.CheckConstraint(
                condition=models.Q(threshold__gte=0), name="target_threshold_gte_0"
            ),
            models.CheckConstraint(
                condition=models.Q(warning_band__gte=0), name="target_band_gte_0"
            ),
        ]
        verbose_name = _("chỉ tiêu")
        verbose_name_plural = _("chỉ tiêu")

    def __str__(self):
        return self.name

    @property
    def is_rank(self) -> bool:
        return self.comparator == self.Comparator.LTE

    @property
    def goal_text(self) -> str:
        """The goal as Vietnamese write it: "≥ 98%" or "≤ 15/63"."""
        value = f"{self.threshold.normalize():f}".replace(".", ",")
        if self.is_rank:
            return gettext("Nhóm %(rank)s/63") % {"rank": value}
        return f"{self.get_comparator_display()} {value}%"

    @property
    def short_label(self) -> str:
        """The indicator's short name, with the level when the plan splits the indicator into
        one target per level: "Hồ sơ công việc trên mạng (cấp huyện)"."""
        if self.code != self.indicator.code and len(self.levels) == 1:
            return f"{self.indicator.short_name} ({str(Level(self.levels[0]).label).lower()})"
        return self.indicator.short_name

    def applies_to_level(self, level: str) -> bool:
        return level in self.levels
