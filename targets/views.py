from django.shortcuts import render
from django.views.decorators.http import require_GET

from targets.plans import current_plan, targets_by_focus_area


@require_GET
def plan_detail(request):
    """The plan shown: its document facts and its targets grouped by focus area."""
    plan = current_plan()
    return render(
        request,
        "targets/plan_detail.html",
        {"plan": plan, "groups": targets_by_focus_area(plan) if plan else []},
    )
