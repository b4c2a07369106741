"""Template filters for numbers as Vietnamese write them, wrapping ``indicators.formatting``.

Rates are rounded down, so a missed target never reads as met. Years are not numbers: print
them with ``|stringformat:"d"`` or a period label, never with these filters.
"""

from django import template

from indicators import formatting

register = template.Library()


@register.filter
def vn_number(value, places=0):
    """1234567 → '1.234.567'; 98.56 with places=1 → '98,5'."""
    return formatting.format_number(value, int(places))


@register.filter
def vn_percent(value, places=1):
    """98.56 → '98,5%' (rounded down); None → '–'."""
    return formatting.format_percent(value, int(places))


@register.filter
def vn_signed(value, places=1):
    """A gap with its sign: '+1,2' or '−0,1'."""
    return formatting.format_signed(value, int(places))
