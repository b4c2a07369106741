"""Data entry in the browser (issue #4): the start page, the entry form for one agency and one
period, and its live check. Who may see or enter what is decided by ``indicators.access``."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.middleware import HtmxDetails

from indicators import access, paging, workflow
from indicators.entry_forms import (
    EntryRow,
    EntryStartForm,
    GridFilterForm,
    agencies_for_grid,
    bind_rows,
    build_grid_rows,
    build_rows,
    group_rows,
    posted_version,
)
from indicators.grid_html import grid_row_html
from indicators.models import Agency, Period
from targets.models import Level, Target


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


def default_period() -> Period | None:
    """The latest quarter that has started (the one being reported on), else any period."""
    today = timezone.localdate()
    started = Period.objects.filter(quarter__isnull=False, start__lte=today)
    return started.order_by("-year", "-quarter").first() or Period.objects.first()


@require_http_methods(["GET"])
def entry_start(request: HtmxHttpRequest) -> HttpResponse:
    """Pick a period and an agency: staff search all agencies, officers see their own."""
    access.require_entry_section(request.user)
    form = EntryStartForm(request.GET)
    data = form.cleaned_data if form.is_valid() else {}
    period = data.get("period") or default_period()
    if access.can_enter(request.user):
        agencies = access.enterable_agencies(request.user)
    else:
        agencies = access.visible_agencies(request.user).filter(active=True)
    if data.get("q"):
        agencies = agencies.filter(Q(name__icontains=data["q"]) | Q(code__iexact=data["q"]))
    if data.get("level"):
        agencies = agencies.filter(level=data["level"])
    context = {
        "form": form,
        "period": period,
        "periods": Period.objects.all(),
        "agencies": agencies.select_related("parent")[:60],
        "total": agencies.count(),
        "may_enter": access.can_enter(request.user),
        "may_approve": access.can_approve(request.user),
        "grid_links": _grid_links(request.user, period) if period else [],
    }
    template = "entry/start.html#agency-list" if request.htmx else "entry/start.html"
    return render(request, template, context)


def _grid_links(user, period: Period) -> list:
    """For each level the user enters more than one agency of: links to the grid of each
    indicator of that level."""
    levels = access.enterable_agencies(user).values("level").annotate(n=Count("pk"))
    many = {row["level"] for row in levels if row["n"] > 1}
    targets = Target.objects.filter(plan__year=period.year).select_related("indicator")
    links = []
    for value, label in Level.choices:
        mine = [t for t in targets if value in many and value in t.levels]
        mine = [t for t in mine if t.indicator.is_annual == period.is_annual]
        if mine:
            links.append(
                (
                    label,
                    [
                        (
                            t,
                            reverse("entry-grid", args=[period.code, t.indicator.code])
                            + f"?level={value}",
                        )
                        for t in mine
                    ],
                )
            )
    return links


@require_http_methods(["GET", "POST"])
def entry_form(request: HtmxHttpRequest, period_code: str, agency_code: str) -> HttpResponse:
    """Every indicator of one agency for one period: save a draft, submit, or (staff) approve.

    Submitting with some indicators still empty is allowed: agencies often have part of their
    figures before the rest (a survey that ends later), and a partial report sent on time is
    worth more than a complete one sent late. But it is never silent: beside the buttons the
    page lists the indicators still empty ("Còn 2/8 chỉ tiêu chưa nhập: …") before anything is
    sent, and the success message repeats what is missing. Messages count only figures that
    changed (saved, sent, or corrected and sent again), as ``workflow.entries_save`` reports.
    """
    access.require_entry_section(request.user)
    period = get_object_or_404(Period, code=period_code)
    agency = access.get_agency_for_user(request.user, agency_code)
    may_enter = access.may_enter_for(request.user, agency)
    rows = build_rows(agency, period)
    notice = ""
    if request.method == "POST":
        if not (may_enter or access.can_approve(request.user)):
            # Viewers may not post anything, whatever the action (403 before reading it).
            raise PermissionDenied(_("Bạn chỉ có quyền xem số liệu."))
        action = request.POST.get("action")
        if action == "approve_all":
            access.require_approve(request.user)
            notice = _approve_all(request, agency, period, rows)
            if isinstance(notice, HttpResponse):  # the confirmation step
                return notice
        elif action in ("save", "submit"):
            if not may_enter:
                raise PermissionDenied(_("Bạn chỉ có quyền xem số liệu."))
            saved = _save_rows(request, agency, period, rows, submit=action == "submit")
            if saved is not None and not request.htmx:
                messages.success(request, saved)
                return redirect("entry-form", period_code=period.code, agency_code=agency.code)
            if saved is not None:
                rows, notice = build_rows(agency, period), saved
        else:
            return HttpResponse(_("Thao tác không hợp lệ."), status=400)
    if not rows or rows[0].form is None or not rows[0].form.is_bound:
        bind_rows(rows)
    for row in rows:
        row.editable = may_enter
    may_approve = access.can_approve(request.user)
    submitted = [r.current for r in rows if r.current and r.current.status == "submitted"]
    context = {
        "period": period,
        "agency": agency,
        "groups": group_rows(rows),
        "rows": rows,
        "may_enter": may_enter,
        "may_approve": may_approve,
        # offered only when the reviewer may approve some of them (not only their own)
        "approvable": bool(
            may_approve and submitted and workflow.approval_plan(submitted, request.user).to_approve
        ),
        "notice": notice,
        "has_submitted": bool(submitted),
        "has_errors": any(r.form.is_bound and (r.form.errors or r.problem) for r in rows),
        "missing": _missing(rows),
        "periods": Period.objects.all(),
        "late": timezone.localdate() > period.deadline,
    }
    template = "entry/form.html#entry-sheet" if request.htmx else "entry/form.html"
    return render(request, template, context)


def _missing(rows: list[EntryRow]) -> list[EntryRow]:
    """The indicators with no figure saved and none typed."""
    return [
        row
        for row in rows
        if row.current is None and not (row.form is not None and row.form.has_input())
    ]


def _missing_text(rows: list[EntryRow]) -> str:
    missing = _missing(rows)
    if not missing:
        return ""
    return _("Còn %(n)s/%(total)s chỉ tiêu chưa nhập: %(names)s.") % {
        "n": len(missing),
        "total": len(rows),
        "names": "; ".join(row.indicator.short_name for row in missing),
    }


def _outcome_text(outcomes: list[str], *, submit: bool, grid: bool = False) -> str:
    """What a save did, counting only the figures (grid: rows) that changed."""
    sent = sum(o in (workflow.SENT, workflow.RESENT) for o in outcomes)
    drafts = sum(o == workflow.SAVED for o in outcomes)
    resent = sum(o == workflow.RESENT for o in outcomes)
    if submit:
        if not sent:
            return _("Không có dòng nào thay đổi.") if grid else _("Không có số liệu nào thay đổi.")
        text = _("Đã gửi %(n)s dòng.") if grid else _("Đã gửi %(n)s số liệu tới Sở Nội vụ.")
        return text % {"n": sent}
    parts = []
    if drafts:
        text = _("Đã lưu nháp %(n)s dòng.") if grid else _("Đã lưu nháp %(n)s số liệu.")
        parts.append(text % {"n": drafts})
    if resent:
        text = (
            _("Đã gửi lại %(n)s dòng đã gửi, với số liệu đã sửa.")
            if grid
            else _("Đã gửi lại %(n)s số liệu đã gửi, với số liệu đã sửa, tới Sở Nội vụ.")
        )
        parts.append(text % {"n": resent})
    if not parts:
        return _("Không có dòng nào thay đổi.") if grid else _("Không có số liệu nào thay đổi.")
    return " ".join(parts)


def _save_rows(request, agency: Agency, period: Period, rows: list[EntryRow], *, submit: bool):
    """Check every row that is saved (edited, or a draft being submitted), then save all or
    nothing. Returns a success message, or None when the rows now carry errors (to show beside
    their fields)."""
    bind_rows(rows, request.POST, submitting=submit)
    if not all([row.form.is_valid() for row in rows]):  # every row checked, none skipped
        return None
    todo = [row for row in rows if row.form.saves]
    if not todo and not any(row.current is not None or row.form.has_input() for row in rows):
        rows[0].form.add_error(None, _("Chưa nhập số liệu nào.")) if rows else None
        return None
    saved = workflow.entries_save(
        entries=[row.entry for row in todo],
        agency=agency,
        period=period,
        submit=submit,
        user=request.user,
    )
    if saved.problems:
        for row in rows:
            problem = saved.problems.get(row.prefix)
            if problem is not None:
                row.problem = str(problem)
                row.conflict = getattr(problem, "current", None)
        return None
    text = _outcome_text(list(saved.outcomes.values()), submit=submit)
    missing = _missing_text(rows) if submit else ""  # what is typed is now saved
    return f"{text} {missing}".strip()


def _approve_all(
    request, agency: Agency, period: Period, rows: list[EntryRow]
) -> str | HttpResponse:
    """Approve the submitted figures of the sheet, in two steps, so that nobody approves a
    sheet by a slip of the mouse.

    The first POST (without ``confirm``) writes nothing: it answers a confirmation listing how
    many figures of which agencies would be approved, with their current values (those changed
    since the reviewer opened the sheet marked), and those skipped because the reviewer entered
    or sent them (separation of duties, ``workflow.approval_refusal``). The second POST, with
    ``confirm=1``, approves exactly the figures and versions that the confirmation showed: a
    figure changed meanwhile is refused and named, a figure not shown is left alone, and the
    reviewer's own figures are skipped and counted. Works without JavaScript (a page) and with
    htmx (the sheet's place)."""
    posted = {}
    for row in rows:
        if row.current is not None and row.current.status == "submitted":
            if f"{row.prefix}-version" not in request.POST:
                continue
            version = posted_version(request.POST, row.prefix)
            posted[row.current.pk] = -1 if version is None else version  # -1 never matches
    if request.POST.get("confirm") != "1":
        by_pk = {row.current.pk: row for row in rows if row.current is not None}
        plan = workflow.approval_plan([row.current for row in by_pk.values()], request.user)
        context = {
            "agency": agency,
            "period": period,
            "plan": plan,
            "to_approve": [by_pk[m.pk] for m in plan.to_approve],
            "own": [by_pk[m.pk] for m in plan.own],
            # sent or changed since the sheet was opened: not the version the reviewer saw
            "changed": {m.pk for m in plan.to_approve if posted.get(m.pk) != m.version},
        }
        template = "entry/approve_confirm.html"
        return render(request, template + ("#approve-confirm" if request.htmx else ""), context)
    own = workflow.approval_plan(
        [row.current for row in rows if row.current is not None], request.user
    ).own
    result = workflow.approve_many(versions=posted, user=request.user)
    # the confirmation posted only what it offered: count the reviewer's own figures it skipped
    result.own = max(result.own, len(own))
    rows[:] = build_rows(agency, period)
    text = _("Đã duyệt %(n)s số liệu.") % {"n": result.approved}
    if result.own:
        text += " " + _(
            "Bỏ qua %(n)s số liệu do chính bạn nhập hoặc gửi: cần một chuyên viên khác duyệt."
        ) % {"n": result.own}
    return text + (" " + " ".join(result.problems) if result.problems else "")


@require_POST
def entry_check(request: HtmxHttpRequest, period_code: str, agency_code: str) -> HttpResponse:
    """Check one row as it is typed (htmx): its rate, status and field errors. Writes nothing."""
    access.require_entry_section(request.user)
    period = get_object_or_404(Period, code=period_code)
    agency = access.get_agency_for_user(request.user, agency_code)
    access.require_enter(request.user, agency)
    rows = [r for r in build_rows(agency, period) if r.prefix == request.POST.get("indicator")]
    if not rows:
        return HttpResponse(_("Chỉ số không áp dụng cho đơn vị này."), status=400)
    row = bind_rows(rows, request.POST)[0]
    row.form.is_valid()
    row.live = True
    return render(request, "entry/form.html#row-feedback", {"row": row, "live": True})


# --- Grid: one indicator, one period, many agencies ----------------------------------------------


def _grid_setup(request, period_code: str, indicator_code: str, data, *, with_rows: bool = True):
    """The period, the filter form, the target, the rows the user may enter in the grid (one
    page of ``paging.PAGE_SIZE`` agencies: the 156 communes of An Giang fit on one) and the
    page links; without ``with_rows`` (saving one row) no rows and no page links."""
    access.require_entry_section(request.user)
    period = get_object_or_404(Period, code=period_code)
    targets = Target.objects.filter(plan__year=period.year, indicator__code=indicator_code)
    targets = list(targets.select_related("indicator", "plan"))
    if not targets or targets[0].indicator.is_annual != period.is_annual:
        raise Http404(_("Chỉ số không nhập theo kỳ này."))
    form = GridFilterForm(data)
    if not form.is_valid():
        return period, form, None, [], None
    level, district = form.cleaned_data["level"], form.cleaned_data["district"]
    target = next((t for t in targets if level in t.levels), None)
    if target is None:
        form.add_error("level", _("Chỉ tiêu này không áp dụng cho cấp đã chọn."))
        return period, form, None, [], None
    if not with_rows:
        return period, form, target, [], None
    agencies, pages = paging.paginate(
        agencies_for_grid(request.user, level, district),
        paging.page_number(request.GET.get(paging.PARAM)),
        paging.query_without_page(request.GET),
    )
    return period, form, target, build_grid_rows(target, period, agencies), pages


@require_http_methods(["GET", "POST"])
def entry_grid(request: HtmxHttpRequest, period_code: str, indicator_code: str) -> HttpResponse:
    """A table of agencies for one indicator: rows save as they are left (htmx); without
    JavaScript the whole table is saved (or submitted) at once."""
    period, form, target, rows, pages = _grid_setup(
        request, period_code, indicator_code, request.GET
    )
    if request.method == "POST":
        if not access.can_enter(request.user):
            raise PermissionDenied(_("Bạn chỉ có quyền xem số liệu."))
        submit = request.POST.get("action") == "submit"
        message = _save_grid(request, period, rows, submit=submit)
        if message:
            messages.success(request, message)
            return redirect(request.get_full_path())
    links = _grid_row_links(period, target, form)
    context = {
        **links,
        "form": form,
        "rows": rows,
        "lines": [grid_row_html(row, links) for row in rows],
        "pages": pages,
        "has_errors": any(r.grid_errors or r.problem for r in rows),
    }
    status = 200 if form.is_valid() else 400
    return render(request, "entry/grid.html", context, status=status)


def _save_grid(request, period: Period, rows: list[EntryRow], *, submit: bool) -> str | None:
    """Save the rows that were edited in one transaction, or nothing (errors stay on their
    rows). A row nobody touched is neither checked nor saved; "Gửi" also sends the unsent figures
    the user entered (rows saved one by one as they were left, then sent together;
    ``workflow.sends_unchanged``)."""
    user = request.user
    for row in rows:
        row.send_unchanged = workflow.sends_unchanged(row.current, user, own_only=True)
    bind_rows(rows, request.POST, submitting=submit)
    if not all([row.form.is_valid() for row in rows]):  # every row checked, none skipped
        return None
    todo = [row for row in rows if row.form.saves]
    outcomes = []
    with transaction.atomic():
        for row in todo:
            saved = workflow.entries_save(
                entries=[row.entry], agency=row.agency, period=period, submit=submit, user=user
            )
            problem = saved.problems.get(row.indicator.code)
            if problem is not None:
                row.problem = str(problem)
                row.conflict = getattr(problem, "current", None)
            for outcome in saved.outcomes.values():
                if submit and outcome == workflow.UNCHANGED and row.form.edited:
                    # edited since the page was opened, and sent as the row was left: it is
                    # one of the rows this "Gửi" sends, as the person sees it
                    outcome = workflow.SENT
                outcomes.append(outcome)
        if any(row.problem for row in todo):
            transaction.set_rollback(True)
            return None
    return _outcome_text(outcomes, submit=submit, grid=True)


@require_POST
def grid_row(
    request: HtmxHttpRequest, period_code: str, indicator_code: str, agency_code: str
) -> HttpResponse:
    """Save one grid row when the user leaves it; answer the row re-rendered. An edited row is
    saved as a draft, or, if it was sent, sent again with its new values
    (``workflow.status_after_change``); an untouched one is not saved."""
    period, form, target, _rows, _pages = _grid_setup(
        request, period_code, indicator_code, request.GET, with_rows=False
    )
    agency = access.get_agency_for_user(request.user, agency_code)
    access.require_enter(request.user, agency)
    if target is None or agency.level not in target.levels:
        return HttpResponse(_("Chỉ tiêu không áp dụng cho đơn vị này."), status=400)
    row = build_grid_rows(target, period, [agency])[0]
    bind_rows([row], request.POST)
    if row.form.is_valid():
        outcome = ""
        if row.form.saves:
            saved = workflow.entries_save(
                entries=[row.entry], agency=agency, period=period, submit=False, user=request.user
            )
            problem = saved.problems.get(row.indicator.code)
            if problem is not None:
                row.problem = str(problem)
                row.conflict = getattr(problem, "current", None)
            outcome = saved.outcomes.get(row.indicator.code, "")
        if not row.problem:  # saved, or untouched: the figure as it is now
            row = build_grid_rows(target, period, [agency])[0]
            row.saved = "" if outcome == workflow.UNCHANGED else outcome
    if not request.htmx:
        return redirect(
            reverse("entry-grid", args=[period.code, indicator_code])
            + "?"
            + request.GET.urlencode()
        )
    return HttpResponse(grid_row_html(row, _grid_row_links(period, target, form)))


def _grid_row_links(period: Period, target, form) -> dict:
    """What every grid line shares (``grid_html.grid_row_html``): the period and target, the
    input labels, and the start of each line's two links, reversed once per page instead of
    twice per line: a line posts to ``row_url`` + its agency code + ``/`` + ``row_query`` (the
    ``grid-row`` route nests under ``entry-grid``), its figure is at ``figure_url`` + its id."""
    links = {
        "period": period,
        "target": target,
        "not_entered": _("Chưa nhập"),
        "note_label": _("Giải trình"),
        "unsaved": _("Chưa lưu"),
        "resend": _("Sửa sẽ gửi lại Sở Nội vụ"),
        "saved_figure": _("(số liệu đã lưu)"),
        "saved": {
            workflow.SAVED: _("Đã lưu nháp"),
            workflow.SENT: _("Đã gửi"),
            workflow.RESENT: _("Đã gửi lại"),
        },
    }
    if target is None or not form.is_valid():
        return links
    links["numerator_label"] = target.indicator.numerator_label
    links["denominator_label"] = target.indicator.denominator_label
    query = {"level": form.cleaned_data["level"]}
    if form.cleaned_data["district"]:
        query["district"] = form.cleaned_data["district"].code
    links["row_url"] = reverse("entry-grid", args=[period.code, target.indicator.code])
    links["row_query"] = "?" + urlencode(query)
    links["figure_url"] = reverse("measurement-detail", args=[0]).removesuffix("0/")
    return links
