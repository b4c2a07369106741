from django.shortcuts import render

from targets.plans import current_plan, targets_by_focus_area


def plan_detail(request):
    """The plan shown: its document facts and its targets grouped by focus area."""
    plan = current_plan()
    return render(
        request,
        "targets/plan_detail.html",
        {"plan": plan, "groups": targets_by_focus_area(plan) if plan else []},
    )
