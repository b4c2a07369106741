from django.urls import path

from indicators import (
    dashboards,
    text_input,  # noqa: F401 (registers the <code:…> converter)
)

urlpatterns = [
    path("chi-tieu/<slug:code>/", dashboards.target_detail, name="dashboard-target"),
    path("don-vi/<code:code>/", dashboards.agency_detail, name="dashboard-agency"),
    path("huyen/", dashboards.district, name="dashboard-district"),
    path("ban-do-nhiet/", dashboards.heatmap, name="dashboard-heatmap"),
]
