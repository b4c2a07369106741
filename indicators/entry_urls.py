"""Data entry, review and Excel round trip (issue #4), mounted at /nhap-lieu/."""

from django.urls import path

from indicators import (
    entry,
    excel_views,
    review,
    text_input,  # noqa: F401 (registers the <code:…> converter)
)

urlpatterns = [
    path("", entry.entry_start, name="entry-start"),
    path("tinh-hinh/", review.completeness, name="completeness"),
    path("tinh-hinh/excel/", review.completeness_xlsx, name="completeness-xlsx"),
    path("lich-su/", review.history_search, name="entry-history"),
    path("excel/", excel_views.excel_home, name="excel-home"),
    path("excel/mau/", excel_views.excel_template, name="excel-template"),
    path("excel/tai-len/", excel_views.excel_upload, name="excel-upload"),
    path("excel/xac-nhan/", excel_views.excel_confirm, name="excel-confirm"),
    path("so-lieu/<int:pk>/", review.measurement_detail, name="measurement-detail"),
    path("so-lieu/<int:pk>/duyet/", review.measurement_review, name="measurement-review"),
    path("so-lieu/<int:pk>/tai-lieu/", review.evidence_upload, name="evidence-upload"),
    path("tai-lieu/<int:pk>/", review.evidence_download, name="evidence-download"),
    path("tai-lieu/<int:pk>/xoa/", review.evidence_delete, name="evidence-delete"),
    path("bang/<code:period_code>/<slug:indicator_code>/", entry.entry_grid, name="entry-grid"),
    path(
        "bang/<code:period_code>/<slug:indicator_code>/<code:agency_code>/",
        entry.grid_row,
        name="grid-row",
    ),
    path("<code:period_code>/<code:agency_code>/", entry.entry_form, name="entry-form"),
    path("<code:period_code>/<code:agency_code>/kiem-tra/", entry.entry_check, name="entry-check"),
]
