from django.urls import include, path

urlpatterns = [
    path("", include("indicators.dashboard_urls")),
    path("nhap-lieu/", include("indicators.entry_urls")),
    path("bao-cao/", include("indicators.report_urls")),
]
