"""Server-rendered pages of the portal shell: the home page per role and a health check."""

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from . import selectors


@login_required
def home(request):
    return render(request, "portal/home.html", selectors.home_panels(request.user))


@require_GET
def healthz(request):
    """For load balancers and compose health checks: the database answers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
