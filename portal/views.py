"""Server-rendered pages of the portal shell: the home page per role and a health check."""

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from . import notifications, selectors
from .models import Notification


@login_required
def home(request):
    return render(request, "portal/home.html", selectors.home_panels(request.user))


@require_GET
def healthz(request):
    """For load balancers and compose health checks: the database answers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


@login_required
def inbox(request):
    """The user's notifications; a POST marks them all read."""
    items = list(Notification.objects.visible_to(request.user)[:100])
    if request.method == "POST":
        notifications.mark_read(user=request.user)
        return redirect("inbox")
    return render(request, "portal/inbox.html", {"items": items})


def unread_notifications(request):
    """Context processor: the unread count shown in the header."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notifications": Notification.objects.visible_to(user).unread().count()}
