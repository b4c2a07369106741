from django.urls import path

from indicators import report_views

urlpatterns = [
    path("", report_views.report_page, name="report"),
    path("pdf/", report_views.report_pdf, name="report-pdf"),
    path("excel/", report_views.report_excel, name="report-excel"),
]
