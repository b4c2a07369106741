"""Template helpers for the printed report."""

from django import template

from indicators.attainment import Status
from indicators.svg_charts import attainment_bars, trend_grid

register = template.Library()

LETTERS = {Status.MET: "Đ", Status.NEAR: "G", Status.MISSED: "C", Status.NO_DATA: ""}


@register.simple_tag
def attainment_chart(report):
    return attainment_bars(report.applicable)


@register.simple_tag
def trend_chart(report):
    applicable = {r.target.pk for r in report.applicable}
    return trend_grid({pk: rs for pk, rs in report.trend.items() if pk in applicable})


@register.filter
def get_item(mapping, key):
    return mapping.get(key)


@register.filter
def status_letter(status):
    return LETTERS[Status(status)]
