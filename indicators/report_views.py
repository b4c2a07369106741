"""The printable report for the steering committee: HTML (print), PDF and Excel.

The report is an official Vietnamese administrative document: it is always written in
Vietnamese, whatever language the user chose for the interface (the page's own controls follow
the user's language; the document inside is rendered under ``{% language "vi" %}``).
"""

import functools

from django.contrib.auth.decorators import permission_required
from django.contrib.staticfiles import finders
from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET

from indicators.dashboard_data import scope_key
from indicators.data_version import remember
from indicators.report import build_report, latest_period_with_data
from indicators.report_excel import report_workbook
from indicators.report_forms import ReportOptionsForm
from targets.plans import current_plan


def in_vietnamese(view):
    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        with translation.override("vi"):
            response = view(request, *args, **kwargs)
            if hasattr(response, "render"):
                response.render()
            return response

    return wrapper


def _report_or_error(request):
    """(report, form, None) for valid options, or (None, form, error response)."""
    form = ReportOptionsForm(request.GET)  # every option is optional: empty means defaults
    if not form.is_valid():
        return None, form, render(request, "report/options_error.html", {"form": form}, status=400)
    period = form.period_or(latest_period_with_data())
    plan = current_plan(period.year) if period else None
    if period is None or plan is None:
        return (
            None,
            form,
            render(
                request, "report/options_error.html", {"form": form, "no_data": True}, status=200
            ),
        )
    scope, annex = form.report_scope(), form.cleaned_data.get("annex", False)
    report = remember(
        "report",
        (plan.pk, period.pk, scope_key(scope), annex),
        lambda: build_report(plan, period, scope, annex=annex),
    )
    return report, form, None


def _filename(report, ext: str) -> str:
    scope = "toan-tinh" if report.scope.kind == "province" else report.scope.agency.code
    return f"bao-cao-cchc-{report.period.code}-{scope}.{ext}"


@require_GET
@permission_required("indicators.view_report", raise_exception=True)
def report_page(request):
    report, form, error = _report_or_error(request)
    if error:
        return error

    def document() -> str:
        with translation.override("vi"):
            return render_to_string("report/_document.html", {"report": report}, request)

    # the official document is the same for everyone allowed to see it: kept per data version
    html = remember("report-document", (request.GET.urlencode(),), document)
    context = {"report": report, "form": form, "query": request.GET.urlencode()}
    return render(request, "report/report_page.html", {**context, "document_html": mark_safe(html)})


@require_GET
@permission_required("indicators.view_report", raise_exception=True)
@in_vietnamese
def report_pdf(request):
    """The same report as a PDF made on the server by WeasyPrint (selectable text, vector
    charts). WeasyPrint needs the Pango library; see the README."""
    report, form, error = _report_or_error(request)
    if error:
        return error
    from weasyprint import CSS, HTML  # imported lazily: only this view needs Pango

    def make_pdf() -> bytes:
        html = render_to_string("report/report_pdf.html", {"report": report}, request=request)
        stylesheet = CSS(filename=finders.find("css/report.css"))
        return HTML(string=html, base_url=base_url).write_pdf(stylesheets=[stylesheet])

    # the same document for every user allowed to see it: cached per data version and options
    base_url = request.build_absolute_uri("/")
    pdf = remember("report-pdf", (request.GET.urlencode(), base_url), make_pdf)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{_filename(report, "pdf")}"'
    return response


@require_GET
@permission_required("indicators.view_report", raise_exception=True)
@in_vietnamese
def report_excel(request):
    report, form, error = _report_or_error(request)
    if error:
        return error
    response = HttpResponse(
        report_workbook(report),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{_filename(report, "xlsx")}"'
    return response
