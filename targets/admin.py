from django.contrib import admin

from targets.models import FocusArea, Indicator, Plan, Target


class FocusAreaInline(admin.TabularInline):
    model = FocusArea
    extra = 0


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    list_display = ["number", "year", "issued_on", "issuer"]
    inlines = [FocusAreaInline]


@admin.register(Indicator)
class IndicatorAdmin(admin.ModelAdmin):
    list_display = ["code", "short_name", "kind", "aggregation", "unit"]
    search_fields = ["code", "name"]


@admin.register(Target)
class TargetAdmin(admin.ModelAdmin):
    list_display = ["code", "plan", "name", "comparator", "threshold", "commitment", "levels"]
    list_filter = ["plan", "focus_area", "commitment"]
    search_fields = ["code", "name"]
