"""Values every page needs: whether demo figures are present, and the user's role flags."""

from indicators.models import Measurement


def demo_data(request):
    """Demo figures must be labelled wherever they are shown; one cheap EXISTS per page."""
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {}
    return {"has_demo_data": Measurement.objects.filter(is_demo=True).exists()}
