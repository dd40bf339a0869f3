"""Filing pages for enterprises on a phone (file, see the result, print the receipt), the
liaison's on-site confirmation page, and the public verification page behind the QR code."""

from __future__ import annotations

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from enterprises.models import Enterprise, Membership
from portal.exceptions import PreconditionFailed
from portal.roles import Role

from . import commitment, services
from .api.views import attachment_response
from .forms import AttachmentForm, ConfirmForm, FilingForm, RectifiedForm, ReviewForm
from .models import Attachment, Filing


def _visible_filing(user, pk) -> Filing:
    return get_object_or_404(
        Filing.objects.visible_to(user).select_related(
            "enterprise__district", "matched_entry", "negative_list"
        ),
        pk=pk,
    )


def _is_member(user, enterprise) -> bool:
    return user.has_role(Role.ADMIN) or Membership.objects.filter(
        user=user, enterprise=enterprise
    ).exists()


def _problem(request, error) -> None:
    text = "; ".join(error.messages) if isinstance(error, ValidationError) else str(error)
    messages.error(request, text)


@login_required
def filing_list(request):
    """The user's filing history, per enterprise, with a way to file for each."""
    enterprises = list(Enterprise.objects.visible_to(request.user).order_by("name")[:50])
    filings = (
        Filing.objects.visible_to(request.user)
        .filter(enterprise__in=[e.pk for e in enterprises])
        .order_by("-id")
    )
    by_enterprise: dict[int, list[Filing]] = {}
    for filing in filings:
        by_enterprise.setdefault(filing.enterprise_id, []).append(filing)
    member_of = set(
        Membership.objects.filter(user=request.user).values_list("enterprise_id", flat=True)
    )
    groups = []
    for enterprise in enterprises:
        rows = by_enterprise.get(enterprise.pk, [])
        groups.append({
            "enterprise": enterprise,
            "filings": rows,
            "active": next((f for f in rows if f.is_active), None),
            "may_file": enterprise.pk in member_of,
        })
    return render(request, "filings/list.html", {"groups": groups})


@login_required
def filing_new(request):
    enterprise_id = request.GET.get("enterprise") or request.POST.get("enterprise")
    if not str(enterprise_id or "").isdigit():
        raise Http404
    enterprise = get_object_or_404(Enterprise.objects.visible_to(request.user), pk=enterprise_id)
    if not _is_member(request.user, enterprise):
        raise PermissionDenied
    active = Filing.objects.filter(enterprise=enterprise).active().first()
    if active is not None:
        messages.info(request, _("This enterprise already has an active filing."))
        target = "filings:edit" if active.status == Filing.Status.DRAFT else "filings:detail"
        return redirect(target, pk=active.pk)
    return _form_page(request, enterprise, None)


@login_required
def filing_edit(request, pk):
    filing = _visible_filing(request.user, pk)
    if filing.status != Filing.Status.DRAFT:
        return redirect("filings:detail", pk=filing.pk)
    if not _is_member(request.user, filing.enterprise):
        raise PermissionDenied
    return _form_page(request, filing.enterprise, filing)


def _form_page(request, enterprise, filing):
    if request.method != "POST":
        form = FilingForm(initial=FilingForm.initial_for(filing))
        return _render_form(request, form, enterprise, filing)
    form = FilingForm(request.POST)
    if not form.is_valid():
        return _render_form(request, form, enterprise, filing)
    fields = form.service_fields()
    try:
        if filing is None:
            filing = services.filing_create(actor=request.user, enterprise=enterprise, **fields)
        else:
            filing = services.filing_update(
                filing=filing, actor=request.user, fields=fields,
                expected_version=form.cleaned_data.get("version"),
            )
    except ValidationError as error:
        form.add_service_errors(error)
        return _render_form(request, form, enterprise, filing)
    except PreconditionFailed as error:
        form.add_error(None, str(error))
        return _render_form(request, form, enterprise, filing)
    if request.POST.get("action") != "submit":
        messages.success(request, _("Draft saved."))
        return redirect("filings:edit", pk=filing.pk)
    try:
        filing = services.filing_submit(filing=filing, actor=request.user)
    except ValidationError as error:
        # The draft is saved; show what is still missing next to each field.
        data = request.POST.copy()
        data["version"] = str(filing.version)
        form = FilingForm(data)
        form.is_valid()
        form.add_service_errors(error)
        messages.info(request, _("Draft saved, but it cannot be filed yet: see the marked fields."))
        return _render_form(request, form, enterprise, filing, status=400)
    return redirect("filings:detail", pk=filing.pk)


def _render_form(request, form, enterprise, filing, status=None):
    if status is None:
        status = 400 if form.is_bound and form.errors else 200
    action = (
        reverse("filings:edit", args=[filing.pk]) if filing
        else f"{reverse('filings:new')}?enterprise={enterprise.pk}"
    )
    return render(request, "filings/form.html", {
        "form": form,
        "enterprise": enterprise,
        "filing": filing,
        "action": action,
        "commitment_text": commitment.text(),
        "commitment_version": commitment.COMMITMENT_VERSION,
        "attachments": list(filing.attachments.all()) if filing else [],
        "attachment_form": AttachmentForm(),
        "may_attach": filing is not None,
    }, status=status)


@login_required
def filing_detail(request, pk):
    """The instant result: filed (number, what next), rejected (which entry, why), in review."""
    filing = _visible_filing(request.user, pk)
    member = _is_member(request.user, filing.enterprise)
    return render(request, "filings/detail.html", {
        "filing": filing,
        "enterprise": filing.enterprise,
        "is_member": member,
        "attachments": list(filing.attachments.all()),
        "confirmations": list(filing.confirmations.select_related("confirmed_by")),
        "attachment_form": AttachmentForm(),
        "rectified_form": RectifiedForm(),
        "may_attach": member and filing.status not in services.attachment.CLOSED,
        "may_withdraw": member and filing.status in {
            Filing.Status.DRAFT, Filing.Status.FILED, Filing.Status.NEEDS_REVIEW,
            Filing.Status.RECTIFYING,
        },
        "may_confirm": request.user.has_role(Role.LIAISON, Role.ADMIN) and filing.status in {
            Filing.Status.FILED, Filing.Status.RECTIFYING, Filing.Status.NEEDS_REVIEW,
        },
    })


def _qr_svg(url: str) -> str:
    return segno.make(url, error="m").svg_inline(scale=4, border=2)


@login_required
def filing_receipt(request, pk):
    """The printable filing receipt (备案回执) with a QR code of the public verify URL."""
    filing = _visible_filing(request.user, pk)
    if not filing.number:
        raise Http404
    verify_url = request.build_absolute_uri(reverse("filing-verify", args=[filing.verify_token]))
    return render(request, "filings/receipt.html", {
        "filing": filing,
        "enterprise": filing.enterprise,
        "verify_url": verify_url,
        "qr_svg": _qr_svg(verify_url),
    })


def verify(request, token):
    """Public (no sign-in): only the enterprise's name, the number, status and validity."""
    filing = get_object_or_404(
        Filing.objects.select_related("enterprise").exclude(number=None), verify_token=token
    )
    response = render(request, "filings/verify.html", {
        "name": filing.enterprise.name,
        "number": filing.number,
        "status": filing.status,
        "status_label": filing.get_status_display(),
        "valid": filing.is_valid,
        "revoked": filing.status == Filing.Status.REVOKED,
    })
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex"
    return response


@login_required
@require_POST
def filing_withdraw(request, pk):
    filing = _visible_filing(request.user, pk)
    try:
        services.filing_withdraw(filing=filing, actor=request.user)
        messages.success(request, _("The filing was withdrawn."))
    except ValidationError as error:
        _problem(request, error)
    return redirect("filings:detail", pk=filing.pk)


@login_required
@require_POST
def filing_report_rectified(request, pk):
    filing = _visible_filing(request.user, pk)
    form = RectifiedForm(request.POST)
    form.is_valid()
    try:
        services.filing_report_rectified(
            filing=filing, actor=request.user, report=form.cleaned_data.get("report", "")
        )
        messages.success(request, _("Reported as fixed; your liaison will check again."))
    except ValidationError as error:
        _problem(request, error)
    return redirect("filings:detail", pk=filing.pk)


@login_required
@require_POST
def attachment_upload(request, pk):
    filing = _visible_filing(request.user, pk)
    form = AttachmentForm(request.POST, request.FILES)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, "; ".join(errors))
    else:
        try:
            services.attachment_add(filing=filing, actor=request.user,
                                    upload=form.cleaned_data["file"])
            messages.success(request, _("Attachment added."))
        except ValidationError as error:
            _problem(request, error)
    target = "filings:edit" if filing.status == Filing.Status.DRAFT else "filings:detail"
    return redirect(target, pk=filing.pk)


@login_required
def attachment_download(request, pk, attachment_id):
    filing = _visible_filing(request.user, pk)
    return attachment_response(get_object_or_404(Attachment, pk=attachment_id, filing=filing))


@login_required
def filing_confirm(request, pk):
    """The liaison's page on a phone: review a held filing, or confirm one on site."""
    filing = _visible_filing(request.user, pk)
    if not request.user.has_role(Role.LIAISON, Role.ADMIN):
        raise PermissionDenied
    # The checklist starts from the last on-site check, never from the enterprise's answers.
    last_confirmation = filing.confirmations.order_by("-id").first()
    confirm_form = ConfirmForm(initial=ConfirmForm.initial_for(last_confirmation))
    review_form = ReviewForm()
    status = 200
    if request.method == "POST":
        try:
            if request.POST.get("form") == "review":
                review_form = ReviewForm(request.POST)
                if review_form.is_valid():
                    data = review_form.cleaned_data
                    services.filing_review(
                        filing=filing, actor=request.user,
                        approve=data["decision"] == "approve", reason=data["reason"],
                    )
                    messages.success(request, _("Review recorded."))
                    return redirect("filings:detail", pk=filing.pk)
            else:
                confirm_form = ConfirmForm(request.POST)
                if confirm_form.is_valid():
                    services.filing_confirm(filing=filing, actor=request.user,
                                            **confirm_form.service_fields())
                    messages.success(request, _("Confirmation recorded."))
                    return redirect("filings:detail", pk=filing.pk)
        except ValidationError as error:
            form = review_form if request.POST.get("form") == "review" else confirm_form
            if hasattr(form, "add_service_errors"):
                form.add_service_errors(error)
            else:
                _problem(request, error)
        status = 400
    return render(request, "filings/confirm.html", {
        "filing": filing,
        "enterprise": filing.enterprise,
        "confirm_form": confirm_form,
        "review_form": review_form,
        "last_confirmation": last_confirmation,
    }, status=status)
