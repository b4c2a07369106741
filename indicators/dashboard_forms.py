"""The dashboards' filters (period, cumulative or per quarter, level, district, sort, CSV).

Views read only ``cleaned_data``; an unknown value makes the form invalid and the view answers
400 with the form's Vietnamese message, never a 500. A parameter the form does not know is
ignored: it reaches neither the links (``query``) nor a cache key (``data_version.key_of``).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django import forms
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from indicators import paging
from indicators.models import Agency, Measurement, Period
from indicators.text_input import RejectControlCharacters
from targets.models import Level, Plan

MODE_CHOICES = [("luy-ke", _("Lũy kế từ đầu năm")), ("quy", _("Từng quý"))]
LEVEL_CHOICES = [
    ("", _("Tất cả các cấp")),
    (Level.TINH, _("Cấp tỉnh")),
    (Level.HUYEN, _("Cấp huyện")),
    (Level.XA, _("Cấp xã")),
]
WHOLE_PROVINCE = _("Toàn tỉnh")
SORT_CHOICES = [("", _("Theo thứ tự đơn vị")), ("chua-dat", _("Nhiều chỉ tiêu chưa đạt trước"))]
# The choices a page's figures depend on (not ``csv``, which picks a table of the same figures,
# nor ``trang``): the figures' cache key (``data_version.key_of(form, fields=FILTERS)``).
FILTERS = ("period", "mode", "level", "district", "sort")


def default_period(periods: list[Period], with_data: set[int]) -> Period | None:
    """The period a dashboard opens on: the latest *quarter* with any counted figure; when that
    quarter is the fourth and the year's annual period exists, the year instead (it holds the
    same cumulative figures plus the four indices). Without any counted figure, the latest
    period of a planned year. ``periods`` are in chronological order."""
    quarters = [p for p in periods if p.quarter and p.pk in with_data]
    if not quarters:
        annual = [p for p in periods if p.is_annual and p.pk in with_data]
        return (annual or periods or [None])[-1]
    latest = quarters[-1]
    if latest.quarter == 4:
        return next((p for p in periods if p.is_annual and p.year == latest.year), latest)
    return latest


@dataclass
class FilterChoices:
    """What the filters may choose from; four queries, whatever the number of years."""

    periods: list[Period]
    with_data: set[int]
    plans: dict[int, Plan]
    districts: list[Agency]

    @classmethod
    def load(cls) -> FilterChoices:
        plans = {p.year: p for p in Plan.objects.all()}
        # One EXISTS per period (answered from the (period, status) index), not a DISTINCT
        # over every figure of every year, which grows with the data.
        counted = Measurement.objects.filter(period=OuterRef("pk"), status__in=Measurement.COUNTED)
        periods = list(
            Period.objects.filter(year__in=list(plans)).annotate(has_data=Exists(counted))
        )
        with_data = {p.pk for p in periods if p.has_data}
        districts = list(Agency.objects.active().filter(level=Level.HUYEN))
        return cls(periods, with_data, plans, districts)

    @property
    def default(self) -> Period | None:
        return default_period(self.periods, self.with_data)


class DashboardFilterForm(RejectControlCharacters, forms.Form):
    period = forms.ChoiceField(label=_("Kỳ báo cáo"), required=False)
    mode = forms.ChoiceField(label=_("Cách tính"), choices=MODE_CHOICES, required=False)
    level = forms.ChoiceField(label=_("Cấp"), choices=LEVEL_CHOICES, required=False)
    district = forms.ChoiceField(label=_("Huyện, thị xã, thành phố"), required=False)
    sort = forms.ChoiceField(label=_("Sắp xếp"), choices=SORT_CHOICES, required=False)
    csv = forms.SlugField(required=False, widget=forms.HiddenInput)
    trang = forms.IntegerField(
        min_value=1,
        required=False,
        widget=forms.HiddenInput,
        error_messages={
            "invalid": _("Số trang phải là một số nguyên dương."),
            "min_value": _("Số trang phải là một số nguyên dương."),
        },
    )

    def __init__(self, data, *, choices: FilterChoices, district_blank=WHOLE_PROVINCE):
        data = data.copy()
        if not data.get("period") and choices.default is not None:
            # the default shows as chosen, and links carry it
            data["period"] = choices.default.code
        super().__init__(data)
        self.choices = choices
        no_data = gettext("%(period)s (chưa có số liệu)")
        self.fields["period"].choices = [
            (p.code, p.label if p.pk in choices.with_data else no_data % {"period": p.label})
            for p in reversed(choices.periods)
        ]
        blank = [("", district_blank)] if district_blank else []
        self.fields["district"].choices = blank + [(d.code, d.name) for d in choices.districts]
        self.fields["period"].error_messages["invalid_choice"] = _(
            "Không có kỳ báo cáo “%(value)s”. Hãy chọn một kỳ trong danh sách."
        )
        self.fields["district"].error_messages["invalid_choice"] = _(
            "Không có huyện, thị xã, thành phố mã “%(value)s”."
        )
        for name in ("mode", "level", "sort"):
            self.fields[name].error_messages["invalid_choice"] = _(
                "Giá trị “%(value)s” không hợp lệ cho ô lọc này."
            )

    def clean_period(self) -> Period | None:
        code = self.cleaned_data["period"]
        if not code:
            return self.choices.default
        return next(p for p in self.choices.periods if p.code == code)

    def clean_mode(self) -> bool:
        """True for cumulative figures (the default), False for each quarter alone."""
        return self.cleaned_data["mode"] != "quy"

    def clean_district(self) -> Agency | None:
        code = self.cleaned_data["district"]
        return next((d for d in self.choices.districts if d.code == code), None)

    def clean(self):
        data = super().clean()
        if "period" in data and data["period"] is None:
            raise forms.ValidationError(_("Chưa có kỳ báo cáo nào để hiển thị."))
        return data

    @property
    def plan(self) -> Plan:
        return self.choices.plans[self.cleaned_data["period"].year]

    def clean_trang(self) -> int | None:
        """The page asked for; a page past the last of every active agency is that last page,
        so that the pages a URL can name are few (each would be computed and cached apart).
        One query, only for a page after the first."""
        page = self.cleaned_data["trang"]
        if page is None or page == 1:
            return page
        return min(page, max(1, -(-Agency.objects.active().count() // paging.PAGE_SIZE)))

    def query(self, **changes) -> str:
        """The current choices as a query string, with ``changes`` applied (for links and the
        cached bodies holding them). Written from the validated choices only, each one way (a
        default left out, the period always named): a parameter the form does not know never
        reaches a link, and two spellings of the same choices give the same links."""
        data = self.cleaned_data
        params = {
            "period": data["period"].code,
            "mode": "" if data["mode"] else "quy",
            "level": data["level"],
            "district": data["district"].code if data["district"] else "",
            "sort": data["sort"],
        }
        params.update(changes)
        return urlencode({k: v for k, v in params.items() if v})
