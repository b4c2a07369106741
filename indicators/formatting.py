"""Numbers as Vietnamese write them: 1.234.567 and 98,5%.

Rates are rounded *towards the bad side* (down for "≥" goals) so that a missed target never
reads as reaching its threshold: 97,96% shows as 97,9%, never 98,0%.
"""

from decimal import ROUND_FLOOR, Decimal
from fractions import Fraction


def floor_decimal(value: Fraction | Decimal | int, places: int) -> Decimal:
    """``value`` rounded down (towards minus infinity) to ``places`` decimals, exactly."""
    quantum = Decimal(1).scaleb(-places)
    if isinstance(value, Fraction):
        scaled = value * 10**places
        return (Decimal(scaled.numerator // scaled.denominator) * quantum).quantize(quantum)
    return Decimal(value).quantize(quantum, rounding=ROUND_FLOOR)


def group_digits(digits: str) -> str:
    """'1234567' -> '1.234.567' (the sign, if any, stays in front)."""
    sign = "-" if digits.startswith("-") else ""
    digits = digits.lstrip("-")
    groups = []
    while len(digits) > 3:
        groups.insert(0, digits[-3:])
        digits = digits[:-3]
    groups.insert(0, digits)
    return sign + ".".join(groups)


def format_number(value: int | Decimal | Fraction | None, places: int = 0) -> str:
    """A number in Vietnamese notation, rounded down to ``places`` decimals."""
    if value is None:
        return "–"
    if places == 0 and isinstance(value, int):
        return group_digits(str(value))
    fixed = f"{floor_decimal(value, places):f}"
    whole, _, fraction = fixed.partition(".")
    if whole == "-0" and not fraction.strip("0"):
        whole = "0"
    return group_digits(whole) + ("," + fraction if fraction else "")


def format_percent(value: Fraction | Decimal | None, places: int = 1) -> str:
    """'98,5%' (rounded down); '–' when there is no value."""
    if value is None:
        return "–"
    return format_number(value, places) + "%"


def format_signed(value: Fraction | Decimal | None, places: int = 1, unit: str = "") -> str:
    """A gap with its sign: '+1,2' or '−0,1' (real minus sign), rounded down."""
    if value is None:
        return "–"
    text = format_number(value, places)
    if value > 0:
        text = "+" + text
    return text.replace("-", "−") + unit
