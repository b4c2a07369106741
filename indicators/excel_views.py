"""Excel round trip in the browser (issue #4): download a prefilled template, upload it back,
preview every change (old → new) and every error, then confirm to write all rows at once."""

from __future__ import annotations

import contextlib
import time
import uuid
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from indicators import access, excel
from indicators.entry import HtmxHttpRequest, default_period
from indicators.entry_forms import (
    ImportConfirmForm,
    ImportUploadForm,
    TemplateDownloadForm,
    plan_targets_for,
)
from indicators.imports import ImportConflict, ImportFileError, apply_import
from indicators.models import Measurement

UPLOAD_DIR = "imports"


def _require_enter(user) -> None:
    access.require_entry_section(user)
    if not access.can_enter(user):
        raise PermissionDenied(_("Bạn chỉ có quyền xem số liệu."))


@require_GET
def excel_home(request: HtmxHttpRequest) -> HttpResponse:
    """The Excel page: a template download form and an upload form."""
    _require_enter(request.user)
    period = default_period()
    download = TemplateDownloadForm(initial={"period": period.code if period else None})
    return render(request, "entry/excel.html", {"download": download, "upload": ImportUploadForm()})


@require_GET
def excel_template(request: HtmxHttpRequest) -> HttpResponse:
    """An .xlsx template for a period and a level (the user's agencies of it) or one agency."""
    _require_enter(request.user)
    form = TemplateDownloadForm(request.GET)
    if not form.is_valid():
        return render(
            request,
            "entry/excel.html",
            {"download": form, "upload": ImportUploadForm()},
            status=400,
        )
    period = form.cleaned_data["period"]
    agencies = access.enterable_agencies(request.user)
    if form.cleaned_data["agency"]:
        agency = access.get_agency_for_user(request.user, form.cleaned_data["agency"])
        access.require_enter(request.user, agency)
        agencies = agencies.filter(pk=agency.pk)
    else:
        agencies = agencies.filter(level=form.cleaned_data["level"])
    agencies = list(agencies.order_by("parent__order", "order", "code"))
    pairs = []
    for agency in agencies:
        pairs += [(agency, t) for t in plan_targets_for(agency, period)[1]]
    existing = {
        (m.agency_id, m.indicator_id): m
        for m in Measurement.objects.filter(period=period, agency__in=agencies)
    }
    scope = form.cleaned_data["agency"] or form.cleaned_data["level"]
    response = HttpResponse(
        excel.template_workbook(period, pairs, existing), content_type=excel.XLSX
    )
    response["Content-Disposition"] = f'attachment; filename="mau-nhap-{period.code}-{scope}.xlsx"'
    return response


def _stored(token: str) -> Path:
    return Path(settings.MEDIA_ROOT) / UPLOAD_DIR / f"{token}.bin"


# A preview nobody confirmed is abandoned after a day; its file is removed at the next upload.
PREVIEW_LIFETIME_SECONDS = 24 * 3600


def _forget_abandoned_previews(folder: Path) -> None:
    cutoff = time.time() - PREVIEW_LIFETIME_SECONDS
    for path in folder.glob("*.bin"):
        with contextlib.suppress(FileNotFoundError):  # a concurrent upload may remove it first
            if path.stat().st_mtime < cutoff:
                path.unlink()


def _deadline() -> float:
    return time.monotonic() + settings.IMPORT_MAX_SECONDS


def _plan(request, data: bytes, filename: str, submit: bool):
    return excel.plan_upload(
        data,
        filename,
        request.user,
        settings.IMPORT_MAX_UPLOAD_ROWS,
        submit=submit,
        deadline=_deadline(),
    )


def _preview(request, plan, token: str, filename: str, status: int = 200) -> HttpResponse:
    """The preview of ``plan``, remembered with its token: what it showed (the fingerprint)
    and the choice it was planned for, which the confirm must match."""
    request.session[f"import-{token}"] = {
        "name": filename,
        "fingerprint": excel.fingerprint(plan),
        "submit": plan.submit,
    }
    context = {
        "plan": plan,
        "token": token,
        "filename": filename,
        "confirm": ImportConfirmForm(initial={"token": token, "submit": plan.submit}),
    }
    return render(request, "entry/excel_preview.html", context, status=status)


@require_POST
def excel_upload(request: HtmxHttpRequest) -> HttpResponse:
    """Check an uploaded file and show what would change, each status change included, for
    the choice made with the file (send, or save as drafts); nothing is written."""
    _require_enter(request.user)
    form = ImportUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return render(
            request,
            "entry/excel.html",
            {"download": TemplateDownloadForm(), "upload": form},
            status=400,
        )
    upload = form.cleaned_data["file"]
    data = upload.read()
    try:
        plan = _plan(request, data, upload.name, form.cleaned_data["submit"])
    except ImportFileError as exc:
        form.add_error("file", str(exc))
        return render(
            request,
            "entry/excel.html",
            {"download": TemplateDownloadForm(), "upload": form},
            status=400,
        )
    token = uuid.uuid4().hex
    path = _stored(token)
    path.parent.mkdir(parents=True, exist_ok=True)
    _forget_abandoned_previews(path.parent)
    path.write_bytes(data)
    return _preview(request, plan, token, upload.name, status=200 if plan.ok else 400)


@require_POST
def excel_confirm(request: HtmxHttpRequest) -> HttpResponse:
    """Write every previewed change in one transaction, if the plan is still what the preview
    showed: the same choice (send or draft), the same changes from the same versions. With
    ``replan``, show the preview again for the choice posted instead; nothing is written."""
    _require_enter(request.user)
    form = ImportConfirmForm(request.POST)
    saved = request.session.get(f"import-{form.data.get('token')}") if form.is_valid() else None
    if saved is None or not _stored(form.cleaned_data["token"]).exists():
        messages.error(
            request, _("Phiên tải lên đã hết hạn hoặc không hợp lệ, vui lòng tải tệp lên lại.")
        )
        return redirect("excel-home")
    token = form.cleaned_data["token"]
    submit = form.cleaned_data["submit"]
    data = _stored(token).read_bytes()
    try:
        plan = _plan(request, data, saved["name"], submit)
    except ImportFileError as exc:  # read once already; only the clock can refuse it now
        messages.error(request, str(exc))
        return redirect("excel-home")
    if form.cleaned_data["replan"]:
        return _preview(request, plan, token, saved["name"], status=200 if plan.ok else 400)
    if submit != saved.get("submit"):
        messages.error(
            request,
            _(
                "Lựa chọn gửi luôn hay lưu nháp đã khác với bản xem trước: vui lòng kiểm tra "
                "bản xem trước mới dưới đây rồi xác nhận."
            ),
        )
        return _preview(request, plan, token, saved["name"], status=409)
    if not plan.ok or excel.fingerprint(plan) != saved["fingerprint"]:
        messages.error(
            request,
            _("Số liệu đã thay đổi kể từ khi xem trước: vui lòng kiểm tra lại trước khi xác nhận."),
        )
        return _preview(request, plan, token, saved["name"], status=409)
    try:
        apply_import(plan, user=request.user)
    except ImportConflict as exc:  # changed between this check and the write: show it afresh
        messages.error(
            request, f"{exc} " + _("Vui lòng xem lại bản xem trước mới rồi xác nhận lại.")
        )
        try:
            plan = _plan(request, data, saved["name"], submit)
        except ImportFileError as error:
            messages.error(request, str(error))
            return redirect("excel-home")
        return _preview(request, plan, token, saved["name"], status=409)
    _stored(token).unlink(missing_ok=True)
    del request.session[f"import-{token}"]
    messages.success(request, plan.summary())
    return redirect("excel-home")
