"""One line of the entry grid as HTML (issue #7).

The grid shows up to ``paging.PAGE_SIZE`` agencies at once (the 156 communes of An Giang on one
page), each with two inputs, the rate, its status, the workflow status and last period's figure.
Written as a Django template partial, the lines took about 70 ms of a 105 ms page on the
benchmark machine (some 40 variable lookups and tags a line), and ``format_html`` was not much
faster (its lazy-string checks on every argument); written here as f-strings in which every value
passes through ``_e`` (``html.escape``, the same escaping as the template's), they take a few
milliseconds. The page
itself and the rest of the grid stay in ``templates/entry/grid.html``; the htmx answer to saving
one line is this same function's output, so there is one definition of a line.
"""

from __future__ import annotations

from html import escape as _escape

from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from indicators.entry_forms import EntryRow
from indicators.formatting import format_number


def _e(value) -> str:
    """``value`` as escaped text: what ``{{ value }}`` prints (None as "")."""
    return "" if value is None else _escape(str(value))


def _n(value) -> str:
    """A count in Vietnamese notation (1.234), in either interface language, since that is
    what ``measurements.parse_count`` reads back; typed text (after a POST) as it was typed."""
    if value is None:
        return ""
    return format_number(value) if isinstance(value, int) else _escape(str(value))


def grid_row_html(row: EntryRow, links: dict) -> SafeString:
    """The ``<tr>`` of ``row``. ``links`` holds what every line shares (see
    ``entry._grid_row_links``): the URL prefixes, the query string and the labels.
    Every value goes through ``_e``/``_n`` (escaped); nothing typed is emitted raw.

    A row with typed values that are not saved (refused) is marked ``data-dirty`` and says
    "Chưa lưu", so that ``entry.js`` saves it again when it is left and warns before the page
    is left; a sent row says that an edit is sent again."""
    errors = row.grid_errors
    disabled = row.disabled
    agency = row.agency
    prefix = _e(row.prefix)
    name = _e(agency.name)
    status = row.status
    unsaved = row.unsaved
    css = ""
    if errors or row.problem:
        css = ' class="row-invalid"'
    elif unsaved:
        css = ' class="row-unsaved"'
    elif row.saved:
        css = ' class="row-saved"'
    post = ""
    if not disabled:
        post = (
            f' data-hx-post="{_e(links["row_url"])}{_e(agency.code)}/{_e(links["row_query"])}"'
            ' data-hx-trigger="row-left" data-hx-include="this" data-hx-target="this" data-hx-swap="outerHTML"'
        )
    if unsaved:
        post += ' data-dirty="1"'
    inputs = []
    labels = (links["numerator_label"], links["denominator_label"])
    extra = " disabled" if disabled else ""
    for field, label in zip(row.grid_inputs, labels, strict=True):
        invalid = f' aria-invalid="true" aria-describedby="gerr-{prefix}"' if field.invalid else ""
        inputs.append(
            '<td class="grid-input"><input type="text" inputmode="numeric" autocomplete="off"'
            f' name="{_e(field.name)}" id="{_e(field.id)}" value="{_n(field.value)}"'
            f' aria-label="{_e(label)} – {name}"{extra}{invalid}></td>'
        )
    note = ""
    note_field = row.grid_note
    if note_field is not None:
        invalid = ' aria-invalid="true"' if note_field.invalid else ""
        if errors or row.problem:  # the row's messages (``_problems``)
            invalid += f' aria-describedby="gerr-{prefix}"'
        note = (
            f'<div class="grid-note"><label for="{_e(note_field.id)}">'
            f"{_e(links['note_label'])}</label>"
            f' <input type="text" autocomplete="off" maxlength="2000"'
            f' name="{_e(note_field.name)}" id="{_e(note_field.id)}"'
            f' value="{_e(note_field.value)}"{extra}{invalid}>'
            "</div>"
        )
    state = ""
    if unsaved or errors or row.problem:
        state = f' <span class="unsaved-mark">{_e(links["unsaved"])}</span>'
    elif row.saved:
        state = f' <span class="saved-mark" role="status">✓ {_e(links["saved"][row.saved])}</span>'
    if row.sent and not disabled:
        state += f' <small class="resend-note">{_e(links["resend"])}</small>'
    saved_note = (
        f' <small class="muted">{_e(links["saved_figure"])}</small>' if row.showing_saved else ""
    )
    return mark_safe(
        f'<tr id="grow-{prefix}" data-grid-row{css}{post}>'
        f'<th scope="row"><span class="grid-agency">{name}</span>'
        f' <small class="muted">{_e(agency.code)}</small></th>'
        + "".join(inputs)
        + '<td class="grid-result">'
        f'<input type="hidden" name="{prefix}-version" value="{_e(row.grid_version)}">'
        f' <span class="entry-rate">{_e(row.value_text)}</span>{saved_note}'
        f' <span class="status status-{_e(status)}">{_e(status.label)}</span>'
        f"{note}{_problems(row, errors)}</td>"
        f"<td data-row-state>{_workflow(row, links)}{state}</td>"
        f'<td class="num muted">{_e(row.previous_text)}</td></tr>'
    )


def _problems(row: EntryRow, errors: list[str]) -> str:
    """The line's messages: its form's, then a refused save's (with the figure saved meanwhile)."""
    if not errors and not row.problem:
        return ""
    lines = [f"<p>{_e(message)}</p>" for message in errors]
    if row.problem:
        current = ""
        if row.conflict is not None:
            c = row.conflict
            current = f" ({_e(_('hiện tại'))}: {_n(c.numerator)} / {_n(c.denominator)})"
        lines.append(f"<p>{_e(row.problem)}{current}</p>")
    return (
        f'<div class="field-error" id="gerr-{_e(row.prefix)}" role="alert">{"".join(lines)}</div>'
    )


def _workflow(row: EntryRow, links: dict) -> str:
    """The saved figure's workflow status, linked to its page; "Chưa nhập" before a save."""
    if row.current is None:
        return f'<span class="wf wf-none">{_e(links["not_entered"])}</span>'
    c = row.current
    return (
        f'<a href="{_e(links["figure_url"])}{c.pk}/" class="wf wf-{_e(c.status)}">'
        f"{_e(row.workflow_label)}</a>"
    )
