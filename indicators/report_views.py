"""The printable report for the steering committee: HTML (print), PDF and Excel.

The report is an official Vietnamese administrative document: it is always written in
Vietnamese, whatever language the user chose for the interface (the page's own controls follow
the user's language; the document inside is rendered under ``{% language "vi" %}``).
"""

import functools
from dataclasses import dataclass
from urllib.parse import urlencode

from django.contrib.auth.decorators import permission_required
from django.contrib.staticfiles import finders
from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET

from indicators.attainment import Scope
from indicators.dashboard_data import scope_key
from indicators.data_version import key_of, remember
from indicators.models import Period
from indicators.report import Report, build_report, latest_period_with_data
from indicators.report_excel import report_workbook
from indicators.report_forms import ReportOptionsForm
from targets.models import Plan
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


@dataclass(frozen=True)
class ReportOptions:
    """What a report is of: enough for the page around it and the file name. The report itself
    is built (or read from the cache) only when a document that is not cached needs it: a
    national-scale report object is large, and unpickling it on every request cost more than
    serving the cached document."""

    plan: Plan
    period: Period
    scope: Scope
    annex: bool

    @property
    def key(self) -> tuple:
        """The cache key of everything made from these options: validated and resolved values
        (the default period named), never the request's query string."""
        return key_of(self.plan, self.period, scope_key(self.scope), self.annex)

    @property
    def query(self) -> str:
        """These options as a query string, for the PDF and Excel links."""
        scope = self.scope.agency.code if self.scope.kind == "district" else ""
        params = {"period": self.period.code, "scope": scope, "annex": "on" if self.annex else ""}
        return urlencode({k: v for k, v in params.items() if v})

    def build(self) -> Report:
        return remember(
            "report",
            self.key,
            lambda: build_report(self.plan, self.period, self.scope, annex=self.annex),
        )


def _report_or_error(request):
    """(options, form, None) for valid options, or (None, form, error response)."""
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
    options = ReportOptions(
        plan, period, form.report_scope(), form.cleaned_data.get("annex", False)
    )
    return options, form, None


def _filename(options: ReportOptions, ext: str) -> str:
    scope = "toan-tinh" if options.scope.kind == "province" else options.scope.agency.code
    return f"bao-cao-cchc-{options.period.code}-{scope}.{ext}"


@require_GET
@permission_required("indicators.view_report", raise_exception=True)
def report_page(request):
    options, form, error = _report_or_error(request)
    if error:
        return error

    def document() -> str:
        with translation.override("vi"):
            return render_to_string("report/_document.html", {"report": options.build()}, request)

    # the official document is the same for everyone allowed to see it: kept per data version
    html = remember("report-document", options.key, document)
    context = {"report": options, "form": form, "query": options.query}
    return render(request, "report/report_page.html", {**context, "document_html": mark_safe(html)})


@require_GET
@permission_required("indicators.view_report", raise_exception=True)
@in_vietnamese
def report_pdf(request):
    """The same report as a PDF made on the server by WeasyPrint (selectable text, vector
    charts). WeasyPrint needs the Pango library; see the README."""
    options, form, error = _report_or_error(request)
    if error:
        return error

    def make_pdf() -> bytes:
        # imported only to make a PDF: it needs Pango, and its first import in a worker takes
        # half a second, which a PDF served from the cache should not pay
        from weasyprint import CSS, HTML

        context = {"report": options.build()}
        html = render_to_string("report/report_pdf.html", context, request=request)
        stylesheet = CSS(filename=finders.find("css/report.css"))
        # the document links to nothing and loads nothing (its stylesheet is given here), so it
        # needs no base URL, and the request's host and port stay out of the cache key
        return HTML(string=html).write_pdf(stylesheets=[stylesheet])

    # the same document for every user allowed to see it: cached per data version and options
    pdf = remember("report-pdf", options.key, make_pdf)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{_filename(options, "pdf")}"'
    return response


@require_GET
@permission_required("indicators.view_report", raise_exception=True)
@in_vietnamese
def report_excel(request):
    options, form, error = _report_or_error(request)
    if error:
        return error
    response = HttpResponse(
        report_workbook(options.build()),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{_filename(options, "xlsx")}"'
    return response
