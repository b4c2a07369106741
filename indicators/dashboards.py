"""Attainment dashboards (issue 5): overview, target, agency, district and heatmap pages.

Each view checks access, parses the filters with ``DashboardFilterForm`` (unknown values: 400
page with the message), asks ``indicators.dashboard_data`` for the page, and renders either the
whole page or, for htmx requests, only its ``dashboard-body`` partial. ``?csv=<chart>`` with the
same filters downloads exactly the table of that chart.

Who sees what (``indicators.access`` decides which agencies a user may see):
- Staff and viewers (``access.VIEW_ALL``) see every page: the province-wide overview, target
  pages and heatmap, and every agency's and district's page.
- An agency officer sees, read-only, the pages of the agencies they may see: their own
  agency's page (with its place among the agencies of its level for each target), and a
  district officer also their district's page and its communes' pages. Another agency's or
  district's page answers 404, as data entry does; the province-wide pages answer 403. The
  overview ("Tổng quan") sends an officer to their agency's page, their home.
- The links on an officer's pages lead only to pages they may open (no target pages), so the
  cached page body is kept per audience (``_audience``), never shared with readers who see more.
"""

from __future__ import annotations

from functools import partial
from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers
from django_htmx.middleware import HtmxDetails

from indicators import access
from indicators import dashboard_data as pages
from indicators.charts import chart_csv
from indicators.dashboard_forms import FILTERS, DashboardFilterForm, FilterChoices
from indicators.data_version import key_of, remember
from indicators.models import Agency
from targets.models import Level, Target

# The filters an officer's home keeps when the overview sends them to their agency's page.
HOME_FILTERS = ("period", "mode")


def _sees_province(user) -> bool:
    """Staff and viewers: every dashboard, every agency."""
    return user.has_perm(access.VIEW_ALL)


def _check_access(request) -> None:
    """The province-wide pages (target, heatmap): staff and viewers only."""
    if not _sees_province(request.user):
        raise PermissionDenied


def _check_agency_pages(user) -> None:
    """Agency and district pages: staff, viewers, and officers (for what they may see)."""
    if not (_sees_province(user) or access.can_enter(user)):
        raise PermissionDenied


def _audience(user) -> tuple:
    """Plain values naming whom a page body is drawn for (part of its cache key): the same for
    everyone who sees the province; for an officer, their agency, which decides the agencies
    they may see and so the links and district choices in the body."""
    if _sees_province(user):
        return ("province",)
    agency = access.own_agency(user)
    return ("agency", agency.pk if agency is not None else None)


def _may_open_district(user, district: Agency | None) -> bool:
    """Whether the user may open ``district``'s page (a district-level unit with its communes)."""
    if district is None:
        return False
    return _sees_province(user) or access.visible_agencies(user).filter(pk=district.pk).exists()


def _filters(request, **options) -> DashboardFilterForm | HttpResponse:
    """The bound, valid filter form; or the 400 page listing what was wrong."""
    form = DashboardFilterForm(request.GET, choices=FilterChoices.load(), **options)
    if form.is_valid():
        return form
    return render(request, "dashboards/bad_filter.html", {"form": form}, status=400)


def _respond(request, template: str, outer: dict, data, filename: str) -> HttpResponse:
    """The CSV of one chart, the htmx partial, or the full page.

    ``data()`` gives the page's figures (cached per data version by the caller); ``outer`` the
    cheap context (form, the page's object). The ``dashboard-body`` partial is rendered once per
    data version, language, path and validated filters and kept: it holds nothing specific to
    the user (the permission is checked before), so it is the same HTML for everyone who may see
    it; a parameter the form does not know neither changes it nor makes a new entry.
    """
    form = outer["form"]
    outer = {
        **outer,
        "period": form.cleaned_data["period"],
        "plan": form.plan,
        "query": outer.get("query", form.query()),
    }
    wanted = form.cleaned_data["csv"]
    if wanted:
        chart = next((c for c in data()["charts"] if c.id == wanted), None)
        if chart is None:
            raise Http404("Không có bảng số liệu này.")
        return chart_csv(chart, f"{filename}-{form.cleaned_data['period'].code}")

    def body() -> str:
        context = {**data(), **outer}
        context["filter_fields"] = [form[name] for name in outer["fields"]]
        return render_to_string(f"{template}#dashboard-body", context, request)

    html = remember("body", key_of(template, request.path, form, _audience(request.user)), body)
    htmx: HtmxDetails = request.htmx
    if htmx and not htmx.history_restore_request:
        return HttpResponse(html)
    return render(request, template, {**outer, "body_html": mark_safe(html)})


@require_GET
@vary_on_headers("HX-Request")
def overview(request):
    """Home page: every target of the plan for the chosen period and scope. An officer's home
    is their agency's page (the province-wide overview is not theirs)."""
    if not _sees_province(request.user):
        agency = access.own_agency(request.user) if access.can_enter(request.user) else None
        if agency is None:
            raise PermissionDenied
        kept = urlencode({k: request.GET[k] for k in HOME_FILTERS if request.GET.get(k)})
        url = reverse("dashboard-agency", args=[agency.code])
        return redirect(f"{url}?{kept}" if kept else url)
    form = _filters(request)
    if isinstance(form, HttpResponse):
        return form
    data = form.cleaned_data
    scope = pages.scope_for(data["level"], data["district"])
    figures = partial(
        remember,
        "overview",
        key_of(form, fields=FILTERS),
        lambda: pages.overview_page(
            form.plan, data["period"], scope, cumulative=data["mode"], query=form.query()
        ),
    )
    outer = {"form": form, "scope": scope, "fields": ["period", "mode", "level", "district"]}
    return _respond(request, "dashboards/overview.html", outer, figures, "tong-quan")


@require_GET
@vary_on_headers("HX-Request")
def target_detail(request, code: str):
    _check_access(request)
    form = _filters(request)
    if isinstance(form, HttpResponse):
        return form
    data = form.cleaned_data
    target = get_object_or_404(
        Target.objects.select_related("indicator"), plan=form.plan, code=code
    )
    district = data["district"]
    figures = partial(
        remember,
        "target",
        key_of(target, form, fields=FILTERS),
        lambda: pages.target_page(
            form.plan,
            target,
            data["period"],
            level=data["level"],
            district=district,
            cumulative=data["mode"],
            query=form.query(),
        ),
    )
    fields = ["period", "mode"] if target.is_rank else ["period", "mode", "level", "district"]
    outer = {"form": form, "target": target, "fields": fields}
    return _respond(request, "dashboards/target.html", outer, figures, f"chi-tieu-{target.code}")


@require_GET
@vary_on_headers("HX-Request")
def agency_detail(request, code: str):
    """One agency's results and its place among the agencies of its level, per target."""
    _check_agency_pages(request.user)
    agency = access.get_agency_for_user(request.user, code)
    form = _filters(request)
    if isinstance(form, HttpResponse):
        return form
    data = form.cleaned_data
    links = _sees_province(request.user)  # target pages are province-wide
    figures = partial(
        remember,
        "agency",
        key_of(agency, form, links, fields=FILTERS),
        lambda: pages.agency_page(
            form.plan,
            agency,
            data["period"],
            cumulative=data["mode"],
            query=form.query(),
            target_links=links,
        ),
    )
    district = (
        agency
        if agency.level == Level.HUYEN
        else agency.parent
        if agency.level == Level.XA
        else None
    )
    outer = {
        "form": form,
        "agency": agency,
        "fields": ["period", "mode"],
        "district_page": district if _may_open_district(request.user, district) else None,
    }
    return _respond(request, "dashboards/agency.html", outer, figures, f"don-vi-{agency.code}")


@require_GET
@vary_on_headers("HX-Request")
def district(request):
    """A district with its communes: for staff and viewers any district, for a district
    officer their own (another district answers 404, the page itself 403 for other officers)."""
    user = request.user
    _check_agency_pages(user)
    form = _filters(request, district_blank=None)
    if isinstance(form, HttpResponse):
        return form
    data = form.cleaned_data
    links = _sees_province(user)
    allowed = form.choices.districts
    if not links:
        visible = set(access.visible_agencies(user).values_list("pk", flat=True))
        allowed = [d for d in allowed if d.pk in visible]
        if not allowed:
            raise PermissionDenied
        form.fields["district"].choices = [(d.code, d.name) for d in allowed]
    chosen = data["district"] or (allowed or [None])[0]
    if chosen is None:
        raise Http404("Chưa có huyện, thị xã, thành phố nào.")
    if chosen not in allowed:
        raise Http404(gettext("Không tìm thấy đơn vị."))
    query = form.query(district=chosen.code)
    figures = partial(
        remember,
        "district",
        key_of(chosen, form, links, fields=FILTERS),
        lambda: pages.district_page(
            form.plan,
            chosen,
            data["period"],
            cumulative=data["mode"],
            sort=data["sort"],
            query=query,
            target_links=links,
        ),
    )
    outer = {
        "form": form,
        "district": chosen,
        "query": query,
        "fields": ["district", "period", "mode", "sort"],
    }
    return _respond(request, "dashboards/district.html", outer, figures, f"huyen-{chosen.code}")


@require_GET
@vary_on_headers("HX-Request")
def heatmap(request):
    _check_access(request)
    form = _filters(request)
    if isinstance(form, HttpResponse):
        return form
    data = form.cleaned_data
    district = data["district"]
    page = None if data["csv"] else data["trang"] or 1  # the CSV holds every row
    figures = partial(
        remember,
        "heatmap",
        key_of(form, page, fields=FILTERS),
        lambda: pages.heatmap_page(
            form.plan,
            data["period"],
            level=data["level"],
            district=district,
            cumulative=data["mode"],
            sort=data["sort"],
            query=form.query(),
            page=page,
        ),
    )
    outer = {
        "form": form,
        "fields": ["period", "mode", "level", "district", "sort"],
        "level_label": Level(data["level"]).label if data["level"] else "",
    }
    return _respond(request, "dashboards/heatmap.html", outer, figures, "ban-do-nhiet")
