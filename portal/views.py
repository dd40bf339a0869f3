"""Server-rendered pages of the portal shell: the home page per role and a health check."""

import logging

from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from . import notifications, selectors
from .models import Notification

logger = logging.getLogger(__name__)


@login_required
def home(request):
    return render(request, "portal/home.html", selectors.home_panels(request.user))


def _database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _cache() -> None:
    key = "healthz"
    cache.set(key, "ok", timeout=10)
    if cache.get(key) != "ok":
        raise RuntimeError("the cache did not keep a value")


def _broker() -> None:
    from portal.celery import app

    with app.connection_for_write() as broker:
        broker.ensure_connection(max_retries=1, interval_start=0, timeout=2)


HEALTH_CHECKS = {"database": _database, "cache": _cache, "broker": _broker}


@require_GET
def healthz(request):
    """For load balancers and compose health checks: the database, the cache and the broker,
    each on its own. 503 when the database is down (nothing works without it); with only the
    cache or the broker down the portal still serves ("degraded": sign-in throttles in the
    process, notifications wait for the sweep), so the answer is 200."""
    components = {}
    for name, check in HEALTH_CHECKS.items():
        try:
            check()
        except Exception as error:  # whatever the client library raises: the component is down
            logger.warning("healthz: %s is down: %r", name, error)
            components[name] = {"status": "down", "error": type(error).__name__}
        else:
            components[name] = {"status": "ok"}
    if components["database"]["status"] != "ok":
        overall, code = "down", 503
    elif all(component["status"] == "ok" for component in components.values()):
        overall, code = "ok", 200
    else:
        overall, code = "degraded", 200
    return JsonResponse({"status": overall, "components": components}, status=code)


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
