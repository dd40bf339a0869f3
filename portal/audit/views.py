"""The inspectors' pages (read-only): the journal with filters, one object's timeline, the
CSV export, the integrity status and the signed checkpoints. Every request is itself
journaled (who looked at what)."""

from __future__ import annotations

import re
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseBadRequest, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal import checkpoints
from portal.models import JournalCheckpoint, JournalEntry

from . import selectors, services
from .filters import JournalEntryFilterSet

PERMISSION = "portal.view_journalentry"
_SEQ = re.compile(r"[0-9]{1,18}")


def inspector_only(view):
    """Signed in (else the login page), and allowed to read the journal (else 403)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.has_perm(PERMISSION):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return login_required(wrapper)


def _seq_param(request, name: str) -> int | None:
    # ASCII digits only, and within a bigint: str.isdigit() also accepts "²", which int()
    # refuses, and int() refuses more than 4300 digits.
    value = request.GET.get(name, "")
    return int(value) if _SEQ.fullmatch(value) else None


def _max_length(name: str) -> int:
    return JournalEntry._meta.get_field(name).max_length


def _filterset(request) -> JournalEntryFilterSet:
    return JournalEntryFilterSet(request.GET, queryset=JournalEntry.objects.all())


def _query_without(request, *names: str) -> str:
    """The current query string minus paging parameters, for links that keep the filters."""
    params = request.GET.copy()
    for name in names:
        params.pop(name, None)
    return params.urlencode()


@inspector_only
@require_GET
def journal_list(request):
    filterset = _filterset(request)
    before, after = _seq_param(request, "before"), _seq_param(request, "after")
    if filterset.is_valid():
        page = selectors.journal_page(filterset.qs, before=before, after=after)
    else:
        page = selectors.JournalPage(entries=[])
    data = {"filters": filterset.applied(), "rows": len(page.entries)}
    if before is not None:
        data["before"] = before
    if after is not None:
        data["after"] = after
    services.audit_event_record(
        action=services.VIEWED, actor=request.user, object_id="journal", data=data
    )
    return render(request, "audit/journal_list.html", {
        "filterset": filterset,
        "page": page,
        "query": _query_without(request, "before", "after"),
    })


@inspector_only
@require_GET
def object_timeline(request, object_type: str, object_id: str):
    # An address longer than the journal's columns names no object (and PostgreSQL would
    # refuse to compare it with them).
    if len(object_type) > _max_length("object_type") or len(object_id) > _max_length("object_id"):
        raise Http404
    after = _seq_param(request, "after")
    steps, more_after = selectors.object_timeline(object_type, object_id, after=after)
    data = {"rows": len(steps)}
    if after is not None:
        data["after"] = after
    services.audit_event_record(
        action=services.TIMELINE_VIEWED, actor=request.user,
        object_id=f"{object_type}:{object_id}", data=data,
    )
    return render(request, "audit/object_timeline.html", {
        "object_type": object_type,
        "object_id": object_id,
        "steps": steps,
        "more_after": more_after,
    })


@inspector_only
@require_GET
def journal_export(request):
    """The filtered journal as CSV, streamed, up to the head at the moment of the request:
    the journal records the filters, that head and the row count, so the file can be
    reproduced exactly later."""
    filterset = _filterset(request)
    if not filterset.is_valid():
        errors = "; ".join(
            f"{name}: {' '.join(messages_)}" for name, messages_ in filterset.errors.items()
        )
        return HttpResponseBadRequest(errors, content_type="text/plain; charset=utf-8")
    through = selectors.head_seq()
    queryset = filterset.qs.filter(seq__lte=through)
    services.audit_event_record(
        action=services.EXPORTED, actor=request.user, object_id="journal",
        data={"filters": filterset.applied(), "rows": queryset.count(), "through_seq": through},
    )
    response = StreamingHttpResponse(
        selectors.export_lines(queryset), content_type="text/csv; charset=utf-8"
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    response["Content-Disposition"] = f'attachment; filename="journal-{stamp}.csv"'
    return response


@inspector_only
@require_http_methods(["GET", "POST"])
def integrity(request):
    """The chain's state; a POST verifies now (in the request, or queued when it is long)."""
    if request.method == "POST":
        verification = services.journal_verification_request(actor=request.user)
        if verification is None:
            messages.info(request, _("The verification has been queued; reload this page later."))
        elif verification.ok:
            messages.success(request, _("Verification finished: the journal is intact."))
        else:
            messages.error(request, _("Verification failed: %(problem)s") % {
                "problem": verification.first_problem,
            })
        return redirect("audit:integrity")
    status = selectors.integrity_status()
    services.audit_event_record(
        action=services.VIEWED, actor=request.user, object_id="integrity",
        data={"head_seq": status.head.seq if status.head else 0},
    )
    return render(request, "audit/integrity.html", {
        "status": status, "checkpoints": checkpoints.overview(),
    })


@inspector_only
@require_POST
def checkpoint_sign(request):
    """"Sign a checkpoint now": the head signed and sent to the inspectors (queued when many
    entries need verifying first)."""
    try:
        checkpoint = checkpoints.checkpoint_request(actor=request.user)
    except ImproperlyConfigured as error:  # no key (SigningKeyMissing) or an unreadable one
        messages.error(request, _("No checkpoint signed: %(reason)s") % {"reason": error})
    except checkpoints.CheckpointRefused as refused:
        messages.error(request, _(
            "Checkpoint refused: the journal does not verify since the newest checkpoint: "
            "%(problem)s") % {"problem": refused.problem})
    else:
        if checkpoint is None:
            messages.info(request, _("The checkpoint has been queued; reload this page later."))
        else:
            messages.success(request, _(
                "Checkpoint #%(seq)s signed and sent to the inspectors.") % {
                    "seq": checkpoint.seq})
    return redirect(reverse("audit:integrity") + "#checkpoints")


@inspector_only
@require_GET
def checkpoint_download(request, pk: int):
    """One signed checkpoint as the small JSON file inspectors keep outside the portal."""
    checkpoint = get_object_or_404(JournalCheckpoint, pk=pk)
    services.audit_event_record(
        action=services.EXPORTED, actor=request.user, object_id=f"checkpoint:{checkpoint.pk}",
        data={"seq": checkpoint.seq},
    )
    response = HttpResponse(checkpoints.file_text(checkpoint),
                            content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{checkpoints.file_name(checkpoint)}"'
    return response


@inspector_only
@require_GET
def checkpoint_key(request):
    """The public key checkpoints are verified against, as PEM."""
    try:
        key = checkpoints.current_key()
    except ImproperlyConfigured:
        key = None
    if key is None:
        raise Http404
    response = HttpResponse(checkpoints.public_pem(key.public),
                            content_type="application/x-pem-file")
    response["Content-Disposition"] = (
        f'attachment; filename="journal-key-{key.key_id}.pem"'
    )
    return response
