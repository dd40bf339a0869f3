"""The portal's URLs plus the benchmark's baselines: a bare endpoint doing one ORM insert, and
the peer filing API (bench/peer/) under /bench/peer/."""

from django.conf import settings
from django.http import JsonResponse
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from portal.models import Notification
from portal.urls import urlpatterns as portal_urlpatterns


@csrf_exempt
@require_POST
def bare_insert(request):
    """The cheapest useful write the same server can do: one INSERT, no auth, no journal."""
    row = Notification.objects.create(
        recipient_id=settings.BENCH_RECIPIENT_ID, kind="bench.bare", title="bench"
    )
    return JsonResponse({"id": row.pk}, status=201)


urlpatterns = [
    path("bench/bare/", bare_insert),
    path("bench/peer/", include("bench.peer.urls")),
    *portal_urlpatterns,
]
