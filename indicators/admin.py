from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import User
from simple_history.admin import SimpleHistoryAdmin

from indicators.models import Agency, Measurement, Period, Profile


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "unit_type", "parent", "active"]
    list_filter = ["level", "unit_type", "active"]
    search_fields = ["code", "name"]
    list_select_related = ["parent"]
    actions = None  # units are deactivated, never deleted

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Period)
class PeriodAdmin(admin.ModelAdmin):
    list_display = ["code", "year", "quarter", "start", "end", "deadline"]
    list_filter = ["year"]


@admin.register(Measurement)
class MeasurementAdmin(SimpleHistoryAdmin):
    list_display = [
        "period",
        "agency",
        "indicator",
        "numerator",
        "denominator",
        "rank",
        "status",
        "version",
        "is_demo",
    ]
    list_filter = ["period", "status", "indicator", "agency__level", "is_demo"]
    search_fields = ["agency__name", "agency__code"]
    list_select_related = ["period", "agency", "indicator"]
    raw_id_fields = ["agency"]
    readonly_fields = ["version", "entered_at", "entered_by"]


class ProfileInline(admin.StackedInline):
    model = Profile
    can_delete = True
    raw_id_fields = ["agency"]


admin.site.unregister(User)


@admin.register(User)
class ReformUserAdmin(UserAdmin):
    inlines = [ProfileInline]
