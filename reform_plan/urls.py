from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.i18n import set_language

from indicators import dashboards
from reform_plan import lockout
from targets import views as target_views

admin.site.site_header = _("Quản trị Chỉ số CCHC An Giang")
admin.site.site_title = _("Chỉ số CCHC An Giang")
admin.site.index_title = _("Quản trị hệ thống")

urlpatterns = [
    path("", dashboards.overview, name="home"),
    path("ke-hoach/", target_views.plan_detail, name="plan-detail"),
    path("dang-nhap/", auth_views.LoginView.as_view(), name="login"),
    path("dang-xuat/", auth_views.LogoutView.as_view(), name="logout"),
    # One's own password: change it (logged in), or reset it by e-mail (README, "Bảo mật").
    path("doi-mat-khau/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "doi-mat-khau/xong/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("quen-mat-khau/", auth_views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "quen-mat-khau/da-gui/",
        auth_views.PasswordResetDoneView.as_view(
            extra_context={"reset_hours": settings.PASSWORD_RESET_TIMEOUT // 3600}
        ),
        name="password_reset_done",
    ),
    path(
        "quen-mat-khau/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "quen-mat-khau/xong/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("khoa-dang-nhap/", lockout.lockouts, name="lockouts"),
    # Switching language must work on the login page too.
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("quan-tri/", admin.site.urls),
    path("", include("indicators.urls")),
]

# Error pages of the site, in Vietnamese (reform_plan/error_pages.py); a lost database
# connection answers 503 "Hệ thống tạm gián đoạn" (reform_plan/outage.py).
handler400 = "reform_plan.error_pages.bad_request"
handler403 = "reform_plan.error_pages.permission_denied"
handler404 = "reform_plan.error_pages.page_not_found"
handler500 = "reform_plan.outage.server_error"
