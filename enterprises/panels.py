"""The registry's panel on the home page: the enterprises in the user's scope."""

from .models import Enterprise


def home(user) -> dict:
    enterprises = Enterprise.objects.visible_to(user)
    return {
        "template": "enterprises/home_panel.html",
        "enterprise_count": enterprises.count(),
        "enterprises": list(
            enterprises.select_related("district", "industry").order_by("name")[:10]
        ),
    }
