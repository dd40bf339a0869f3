"""The portal's URLs plus the sync feed benchmark's baseline: a bare dump of enterprise rows."""

import json

from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse
from django.urls import path

from enterprises.models import Enterprise
from portal.urls import urlpatterns as portal_urlpatterns


def raw_enterprises(request):
    """`json.dumps(list(Enterprise.objects.values()))`, keyset pages: no auth, no journal."""
    after = int(request.GET.get("after", 0))
    limit = int(request.GET.get("limit", 1000))
    rows = list(Enterprise.objects.filter(pk__gt=after).order_by("pk").values()[:limit])
    return HttpResponse(json.dumps(rows, cls=DjangoJSONEncoder), content_type="application/json")


urlpatterns = [path("bench/raw-enterprises/", raw_enterprises), *portal_urlpatterns]
