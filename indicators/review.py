"""Reviewing figures (issue #4): one figure with its history and evidence; approve, return and
reopen; evidence files; the change history searchable by agency."""

from __future__ import annotations

import dataclasses
from functools import partial
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from indicators import access, excel, paging, workflow
from indicators.data_version import key_of, remember
from indicators.entry import HtmxHttpRequest, default_period
from indicators.entry_forms import (
    CompletenessForm,
    EntryRow,
    EvidenceForm,
    HistoryFilterForm,
    ReviewForm,
    plan_targets_for,
)
from indicators.models import Agency, Evidence, Measurement, Period
from targets.models import Level

ACTIONS = {
    "approve": workflow.measurement_approve,
    "return": workflow.measurement_return,
    "reopen": workflow.measurement_reopen,
}
DONE = {
    "approve": gettext_lazy("Đã duyệt số liệu."),
    "return": gettext_lazy("Đã trả lại số liệu."),
    "reopen": gettext_lazy("Đã mở lại số liệu."),
}


def _figure_row(measurement: Measurement) -> EntryRow | None:
    """The figure as a line of the entry form sees it: its rate (or rank), the target's goal,
    the attainment status, and the same figure of the previous period (None when no target of
    the plan applies to it, which the entry paths do not allow)."""
    targets, mine = plan_targets_for(measurement.agency, measurement.period)
    target = next((t for t in mine if t.indicator_id == measurement.indicator_id), None)
    if target is None:
        return None
    before = workflow.previous_period(measurement.period)
    previous = (
        Measurement.objects.filter(
            agency=measurement.agency, indicator=measurement.indicator, period=before
        ).first()
        if before
        else None
    )
    return EntryRow(
        target=target,
        agency=measurement.agency,
        period=measurement.period,
        targets=targets,
        current=measurement,
        previous=previous,
    )


def _detail(request, measurement: Measurement, **extra) -> dict:
    records = measurement.history.select_related("history_user")
    may_approve = access.can_approve(request.user)
    refusal = (
        workflow.approval_refusal(measurement, request.user)
        if may_approve and measurement.status == Measurement.Status.SUBMITTED
        else None
    )
    return {
        "m": measurement,
        "row": _figure_row(measurement),
        "score_text": workflow.shown_value("score", measurement.score),
        "history": workflow.history_entries(list(records)),
        "evidence": measurement.evidence.select_related("uploaded_by"),
        "may_approve": may_approve,
        "approve_refusal": refusal,
        "may_enter": access.may_enter_for(request.user, measurement.agency),
        "locked": workflow.locked_reason(measurement.period, measurement),
        "review_form": extra.pop("review_form", None)
        or ReviewForm(initial={"version": measurement.version}),
        "evidence_form": extra.pop("evidence_form", None) or EvidenceForm(),
        "max_mb": settings.EVIDENCE_MAX_BYTES // (1024 * 1024),
        **extra,
    }


@require_GET
def measurement_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """One figure: its values, status, review reason, evidence files and full history."""
    access.require_entry_section(request.user)
    measurement = access.get_measurement_for_user(request.user, pk)
    return render(request, "entry/measurement.html", _detail(request, measurement))


@require_POST
def measurement_review(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Approve, return (with a reason) or reopen (with a reason) one figure; staff only.
    Without JavaScript the answer is the page again; with htmx, the figure's card and, swapped
    out of band, its history with the new row."""
    measurement = access.get_measurement_for_user(request.user, pk)
    access.require_approve(request.user)
    form = ReviewForm(request.POST)
    if form.is_valid():
        action = form.cleaned_data["action"]
        kwargs = {
            "measurement": measurement,
            "version": form.cleaned_data["version"],
            "user": request.user,
        }
        if action != "approve":
            kwargs["reason"] = form.cleaned_data["reason"]
        try:
            ACTIONS[action](**kwargs)
        except workflow.SelfApproval:
            pass  # the page says why beside the (disabled) button: once is enough
        except workflow.WorkflowError as exc:
            form.add_error(None, str(exc))
        else:
            if not request.htmx:
                messages.success(request, DONE[action])
                return redirect("measurement-detail", pk=measurement.pk)
            measurement = access.get_measurement_for_user(request.user, pk)
            context = _detail(request, measurement, notice=DONE[action])
            # the figure and, out of band, its history with the new row
            return render(request, "entry/measurement.html#review-answer", context)
    context = _detail(request, measurement, review_form=form)
    template = "entry/measurement.html#review-answer" if request.htmx else "entry/measurement.html"
    return render(request, template, context)


@require_POST
def evidence_upload(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Attach a file to a figure (those who may enter for its agency, while it is not locked)."""
    measurement = access.get_measurement_for_user(request.user, pk)
    access.require_enter(request.user, measurement.agency)
    form = EvidenceForm(request.POST, request.FILES)
    reason = workflow.locked_reason(measurement.period, measurement)
    if reason:
        form.add_error(None, reason)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        Evidence.objects.create(
            measurement=measurement,
            file=upload,
            original_name=upload.name[-255:],
            size=upload.size,
            content_type=upload.detected_type,
            uploaded_by=request.user,
        )
        messages.success(request, _("Đã tải lên tài liệu kiểm chứng."))
        return redirect("measurement-detail", pk=measurement.pk)
    return render(
        request,
        "entry/measurement.html",
        _detail(request, measurement, evidence_form=form),
        status=400,
    )


def _evidence_for_user(user, pk: int) -> Evidence:
    evidence = get_object_or_404(Evidence.objects.select_related("measurement"), pk=pk)
    access.get_measurement_for_user(user, evidence.measurement_id)  # 404 if not visible
    return evidence


@require_GET
def evidence_download(request: HtmxHttpRequest, pk: int) -> FileResponse:
    """Serve an evidence file to those who may see its figure, as a download."""
    evidence = _evidence_for_user(request.user, pk)
    try:
        handle = evidence.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404(_("Tệp không còn trên máy chủ.")) from exc
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=evidence.original_name,
        content_type=evidence.content_type,
    )
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@require_POST
def evidence_delete(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Remove an evidence file (those who may enter for the agency, figure not locked)."""
    evidence = _evidence_for_user(request.user, pk)
    measurement = evidence.measurement
    access.require_enter(request.user, measurement.agency)
    reason = workflow.locked_reason(measurement.period, measurement)
    if reason:
        messages.error(request, reason)
    else:
        evidence.file.delete(save=False)
        evidence.delete()
        messages.success(request, _("Đã xóa tài liệu kiểm chứng."))
    return redirect("measurement-detail", pk=measurement.pk)


@require_GET
def history_search(request: HtmxHttpRequest) -> HttpResponse:
    """Every change to the figures the user may see, newest first, filtered by agency/period."""
    access.require_entry_section(request.user)
    form = HistoryFilterForm(request.GET)
    records = Measurement.history.filter(agency__in=access.visible_agencies(request.user))
    if form.is_valid():
        if form.cleaned_data["agency"]:
            text = form.cleaned_data["agency"]
            records = records.filter(Q(agency__name__icontains=text) | Q(agency__code__iexact=text))
        if form.cleaned_data["period"]:
            records = records.filter(period=form.cleaned_data["period"])
    records = records.select_related("history_user", "agency", "indicator", "period")
    page = Paginator(records.order_by("-history_date", "-history_id"), 50).get_page(
        request.GET.get("page")
    )
    earlier = (
        Measurement.history.filter(
            id__in={r.id for r in page},
            history_date__lte=max((r.history_date for r in page), default=None),
        ).select_related("history_user", "agency", "indicator", "period")
        if page.object_list
        else []
    )
    entries = workflow.history_entries(list(earlier))
    shown = {r.history_id for r in page}
    context = {
        "form": form,
        "page": page,
        "entries": [e for e in entries if e.record.history_id in shown],
    }
    template = "entry/history.html#history-table" if request.htmx else "entry/history.html"
    return render(request, template, context)


def _completeness(request):
    """The filter form, the period, the completeness report the user may see (a function:
    cached, built on demand) and what it depends on besides the data (shared by the page and
    its Excel export)."""
    access.require_entry_section(request.user)
    form = CompletenessForm(request.GET)
    period_form = HistoryFilterForm({"period": request.GET.get("period") or ""})
    if not form.is_valid() or not period_form.is_valid():
        raise BadFilter(form, period_form)
    period = period_form.cleaned_data["period"] or default_period()
    agencies = access.visible_agencies(request.user).filter(active=True)
    if period.is_annual:
        agencies = agencies.filter(level=Level.PROVINCE)
    if form.cleaned_data["level"]:
        agencies = agencies.filter(level=form.cleaned_data["level"])
    if form.cleaned_data["district"]:
        agencies = agencies.filter(pk__in=Agency.objects.in_district(form.cleaned_data["district"]))
    today = timezone.localdate()
    # what the report depends on besides the data, as validated values: the period, the level
    # and district chosen, the agencies this user may see, and the day
    key = key_of(period, form, _visible_key(request.user), today, fields=("level", "district"))
    report = partial(
        remember,
        "completeness",
        key,
        lambda: workflow.completeness_for(period, agencies, today=today),
    )
    return form, period, report, key


def _visible_key(user) -> tuple:
    """Which agencies the user may see, as plain values for a cache key: "all" when
    ``access.visible_agencies`` does not filter, else their primary keys (an officer's agency,
    and a district's communes: one small query)."""
    visible = access.visible_agencies(user)
    if not visible.query.has_filters():
        return ("all",)
    return tuple(visible.order_by("pk").values_list("pk", flat=True))


def _filtered(lines, data: dict) -> list:
    """The "chưa gửi" (not everything submitted) and "chờ duyệt" (awaiting review) filters."""
    if data["chua_gui"]:
        lines = [line for line in lines if not line.complete]
    if data["cho_duyet"]:
        lines = [line for line in lines if line.awaiting_review]
    return lines


class BadFilter(Exception):
    def __init__(self, *forms):
        self.forms = forms


@require_GET
def completeness(request: HtmxHttpRequest) -> HttpResponse:
    """Every agency's status per indicator for a period, late reports, reporting rates,
    counts per district, and a filter for those that have not submitted everything."""
    try:
        form, period, report, key = _completeness(request)
    except BadFilter as exc:
        errors = [e for f in exc.forms for errs in f.errors.values() for e in errs]
        # the messages quote what was typed in the address: escape it (issue #8)
        return HttpResponse(escape(_("Bộ lọc không hợp lệ:") + " " + " ".join(errors)), status=400)
    context = {
        "form": form,
        "period": period,
        "periods": Period.objects.all(),
        "districts": Agency.objects.filter(level=Level.HUYEN, active=True),
    }

    number = paging.page_number(request.GET.get(paging.PARAM))
    if number > 1:  # a page past the last is the last: one key for it, not one per number
        number = min(number, max(1, -(-len(report().lines) // paging.PAGE_SIZE)))
    # the page links carry the validated filters only, never what else the address held
    chosen = form.cleaned_data
    links = urlencode(
        [
            (name, value)
            for name, value in (
                ("period", period.code),
                ("level", chosen["level"]),
                ("district", chosen["district"].code if chosen["district"] else ""),
                ("chua_gui", "on" if chosen["chua_gui"] else ""),
                ("cho_duyet", "on" if chosen["cho_duyet"] else ""),
            )
            if value
        ]
    )

    def body() -> str:
        full = report()
        lines, pages = paging.paginate(_filtered(full.lines, form.cleaned_data), number, links)
        page = {**context, "report": full, "lines": lines, "pages": pages}
        return render_to_string("entry/completeness.html#completeness-body", page, request)

    # the rendered table, per data version, visible agencies, day and validated filters
    html = remember("completeness-body", (*key, key_of(form, number)), body)
    if request.htmx:
        return HttpResponse(html)
    return render(request, "entry/completeness.html", {**context, "body_html": mark_safe(html)})


@require_GET
def completeness_xlsx(request: HtmxHttpRequest) -> HttpResponse:
    """The completeness page as an Excel workbook (same filters)."""
    try:
        form, period, report, _key = _completeness(request)
    except BadFilter:
        return HttpResponse(_("Bộ lọc không hợp lệ."), status=400)
    full = report()  # may be the cached object: filter a copy
    report = dataclasses.replace(full, lines=_filtered(full.lines, form.cleaned_data))
    response = HttpResponse(excel.completeness_workbook(report), content_type=excel.XLSX)
    response["Content-Disposition"] = f'attachment; filename="tinh-hinh-bao-cao-{period.code}.xlsx"'
    return response
