"""Long tables a page at a time: the heatmap, the grid of communes, the completeness page.

A page holds ``PAGE_SIZE`` rows (200: the 156 communes of An Giang fit on one page); its number
is ``trang`` in the URL, so every page can be bookmarked and the links work without JavaScript.
Totals and sorting are computed over every row before the page is cut, so they do not change
from page to page.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.db.models import QuerySet

PAGE_SIZE = 200
PARAM = "trang"


@dataclass(frozen=True)
class PageLinks:
    """Which rows one page shows, and the query string of every page."""

    number: int
    count: int
    first_row: int
    last_row: int
    total: int
    links: list[tuple[int, str]]


def page_number(value) -> int:
    """The page asked for in the URL; anything but a positive whole number is page 1."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return 1
    return max(number, 1)


def paginate(rows: list | QuerySet, number: int | None, query: str, size: int | None = None):
    """(the rows of page ``number``, PageLinks); past the last page, the last page. ``query``
    is the page's query string without ``trang``. A QuerySet is counted and cut in the
    database (two queries), so only one page of rows is ever loaded."""
    size = size or PAGE_SIZE
    total = rows.count() if isinstance(rows, QuerySet) else len(rows)
    count = max(1, -(-total // size))
    number = min(max(number or 1, 1), count)
    start = (number - 1) * size
    shown = list(rows[start : start + size])
    sep = "&" if query else ""
    links = [(n, f"{query}{sep}{PARAM}={n}" if n > 1 else query) for n in range(1, count + 1)]
    return shown, PageLinks(number, count, start + 1, start + len(shown), total, links)


def query_without_page(params) -> str:
    """A QueryDict as a query string, without the page number."""
    return urlencode([(k, v) for k, vs in params.lists() if k != PARAM for v in vs])
