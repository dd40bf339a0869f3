"""The portal's URLs plus the benchmark's baseline: a bare endpoint doing one ORM insert."""

from django.conf import settings
from django.http import JsonResponse
from django.urls import path
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


urlpatterns = [path("bench/bare/", bare_insert), *portal_urlpatterns]
