"""Pages of the liaison service, readable on a phone. For enterprises: ask for help, follow
the answers, confirm or reopen; browse the policy library; see their task list and report
tasks done. For officials: their day's work, and the figures; for administrators, the
caseloads."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import models
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from enterprises.models import Enterprise, Membership
from portal.exceptions import PreconditionFailed
from portal.exports import csv_writer, export_record
from portal.roles import Role

from . import selectors, services
from .api.views import photo_response
from .forms import CommentForm, FiguresForm, HelpRequestForm, ReasonForm, TaskCloseForm
from .models import HelpRequest, HelpRequestComment, PolicyNote, Task, Visit, VisitPhoto


def _problem(request, error) -> None:
    text = "; ".join(error.messages) if isinstance(error, ValidationError) else str(error)
    messages.error(request, text)


def _member_enterprises(user):
    return Enterprise.objects.filter(
        pk__in=Membership.objects.filter(user=user).values("enterprise")
    ).order_by("name")


@login_required
def help_request_list(request):
    """The user's requests (those of the enterprises in their scope), newest first, and a
    form to ask for help for an enterprise they belong to."""
    requests = (HelpRequest.objects.visible_to(request.user)
                .select_related("enterprise").order_by("-id"))
    status = request.GET.get("status", "")
    if status in HelpRequest.Status.values:
        requests = requests.filter(status=status)
    page = Paginator(requests, 20).get_page(request.GET.get("page"))
    enterprises = list(_member_enterprises(request.user))
    form = HelpRequestForm(enterprises=enterprises)
    if request.method == "POST":
        form = HelpRequestForm(request.POST, enterprises=enterprises)
        if form.is_valid():
            data = form.cleaned_data
            enterprise = next(e for e in enterprises if e.pk == data.pop("enterprise"))
            try:
                created = services.help_request_create(actor=request.user,
                                                       enterprise=enterprise, **data)
            except (ValidationError, PermissionDenied) as error:
                _problem(request, error)
            else:
                due = timezone.localtime(created.due_at).strftime("%Y-%m-%d %H:%M")
                messages.success(request, _("Your request was sent; it is due by %(due)s.")
                                 % {"due": due})
                return redirect("liaisons:help-request", created.pk)
    return render(request, "liaisons/help_request_list.html", {
        "page": page, "form": form if enterprises else None, "status": status,
        "statuses": HelpRequest.Status.choices,
    })


@login_required
def help_request_detail(request, pk):
    help_request = get_object_or_404(
        HelpRequest.objects.visible_to(request.user).select_related("enterprise", "assignee"),
        pk=pk,
    )
    comments = (HelpRequestComment.objects.filter(help_request=help_request)
                .select_related("author", "policy_note").order_by("id"))
    member = Membership.objects.filter(user=request.user,
                                       enterprise=help_request.enterprise).exists()
    return render(request, "liaisons/help_request_detail.html", {
        "help_request": help_request, "comments": comments, "member": member,
        "comment_form": CommentForm(), "reason_form": ReasonForm(),
    })


def _act(request, pk, call):
    help_request = get_object_or_404(HelpRequest.objects.visible_to(request.user), pk=pk)
    try:
        call(help_request)
    except (ValidationError, PermissionDenied, PreconditionFailed) as error:
        _problem(request, error)
    return redirect("liaisons:help-request", help_request.pk)


@login_required
@require_POST
def help_request_comment(request, pk):
    form = CommentForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Write a message."))
        return redirect("liaisons:help-request", pk)
    return _act(request, pk, lambda r: services.help_request_comment(
        help_request=r, actor=request.user, text=form.cleaned_data["text"]))


@login_required
@require_POST
def help_request_confirm(request, pk):
    return _act(request, pk, lambda r: services.help_request_confirm(
        help_request=r, actor=request.user))


@login_required
@require_POST
def help_request_reopen(request, pk):
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why the request is not solved."))
        return redirect("liaisons:help-request", pk)
    return _act(request, pk, lambda r: services.help_request_reopen(
        help_request=r, actor=request.user, reason=form.cleaned_data["reason"]))


@login_required
def policy_library(request):
    """The policy library: search by words; notes past their validity are marked."""
    query = (request.GET.get("q") or "")[:100]
    notes = (PolicyNote.objects.visible_to(request.user).search(query)
             .select_related("district").order_by("-valid_from", "id"))
    page = Paginator(notes, 20).get_page(request.GET.get("page"))
    return render(request, "liaisons/policy_library.html", {"page": page, "q": query})


# --- an official's work, caseloads and figures -------------------------------------------------


def _require_role(user, *roles) -> None:
    if not user.has_role(*roles):
        raise PermissionDenied(_("This page is for officials."))


def _page_query(request, drop: str = "page") -> str:
    """The query string of this page without the `drop` parameter (a pager's links add
    their own)."""
    params = request.GET.copy()
    params.pop(drop, None)
    return params.urlencode()


@login_required
def work(request):
    """A liaison's or resident officer's day: overdue, due today and new requests (theirs
    and the unassigned ones of their enterprises), done tasks to verify, and the enterprises
    not visited for `LIAISON_VISIT_STALE_DAYS` days, searchable and paged."""
    _require_role(request.user, Role.LIAISON, Role.ADMIN)
    user = request.user
    now = timezone.now()
    mine = selectors.my_requests(user).select_related("enterprise", "assignee")
    query = (request.GET.get("q") or "").strip()[:100]
    if query:
        mine = mine.filter(models.Q(title__icontains=query)
                           | models.Q(enterprise__name__icontains=query)
                           | models.Q(enterprise__credit_code__istartswith=query))
    lists = {
        "overdue": mine.filter(due_at__lt=now).order_by("due_at", "pk"),
        "today": mine.due_today(now).order_by("due_at", "pk"),
        "new": mine.filter(status=HelpRequest.Status.OPEN, first_response_at__isnull=True,
                           due_at__gte=now).order_by("-created_at", "-pk"),
    }
    show = request.GET.get("show", "overdue")
    show = show if show in lists else "overdue"
    requests_page = Paginator(lists[show], 15).get_page(request.GET.get("page"))
    tasks = (Task.objects.visible_to(user).filter(status=Task.Status.DONE)
             .select_related("enterprise").order_by("done_at", "pk")[:10])
    stale = Paginator(selectors.not_visited(user, search=query), 15).get_page(
        request.GET.get("stale_page"))
    return render(request, "liaisons/work.html", {
        "work": selectors.work_of(user), "show": show, "requests_page": requests_page,
        "tasks": tasks, "stale": stale, "q": query, "now": now,
        "query_string": _page_query(request), "stale_query": _page_query(request, "stale_page"),
    })


@login_required
def caseloads(request):
    """Administrators' view of the service: per official and per spectrum, enterprises
    served, open and overdue requests, visits this week, open tasks."""
    _require_role(request.user, Role.ADMIN, Role.INSPECTOR)
    query = (request.GET.get("q") or "").strip()[:100]
    people, spectra, totals = selectors.caseloads(search=query)
    page = Paginator(people, 25).get_page(request.GET.get("page"))
    return render(request, "liaisons/caseloads.html", {
        "page": page, "spectra": spectra, "totals": totals, "q": query,
        "query_string": _page_query(request),
    })


def _figures_window(request):
    form = FiguresForm(request.GET or None)
    if form.is_bound and form.is_valid():
        return form, form.cleaned_data.get("since"), form.cleaned_data.get("until")
    return form, None, None


@login_required
def figures(request):
    """Requests solved and the median first-response and resolution times, by official,
    spectrum, category and week, as tables and charts (ECharts, from static/vendor)."""
    _require_role(request.user, Role.LIAISON, Role.ADMIN)
    form, since, until = _figures_window(request)
    result = selectors.help_request_figures(request.user, since=since, until=until)
    return render(request, "liaisons/figures.html", {
        "form": form, "figures": result, "chart_data": result.as_json(),
        "chart_labels": {
            "requests": _("requests"), "hours": _("hours"), "raised": _("raised"),
            "solved": _("solved"), "pending": _("waiting"),
            "first_response": _("median hours to first response"),
            "resolution": _("median hours to resolve"),
        },
        "tables": [
            (_("By official"), result.by_official, "official"),
            (_("By spectrum"), result.by_spectrum, "spectrum"),
            (_("By category"), result.by_category, "category"),
            (_("By week raised"), result.by_week, "week"),
        ],
        "query_string": _page_query(request),
    })


@login_required
def figures_csv(request):
    """The figures as CSV (UTF-8 with a BOM, for spreadsheets); the export is journaled."""
    _require_role(request.user, Role.LIAISON, Role.ADMIN)
    form, since, until = _figures_window(request)
    result = selectors.help_request_figures(request.user, since=since, until=until)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="help-request-figures.csv"'
    response.write("\ufeff")
    rows = list(result.csv_rows())
    csv_writer(response).writerows(rows)
    export_record(actor=request.user, model_label="liaisons.helprequest", rows=len(rows) - 1,
                  filters={key: value for key, value in request.GET.items()},
                  fields=[str(name) for name in rows[0]], file_format="csv")
    return response


# --- the enterprise's task list and visits ------------------------------------------------------


@login_required
def task_list(request):
    """The tasks set for the user's enterprises (任务清单), open first, and the visits
    officials made there; the owner reports a task done here."""
    tasks = (Task.objects.visible_to(request.user)
             .select_related("enterprise", "official", "visit")
             .order_by(models.Case(models.When(status=Task.Status.OPEN, then=0),
                                   models.When(status=Task.Status.DONE, then=1), default=2),
                       "due_date", "pk"))
    status = request.GET.get("status", "")
    if status in Task.Status.values:
        tasks = tasks.filter(status=status)
    page = Paginator(tasks, 20).get_page(request.GET.get("page"))
    visits = (Visit.objects.visible_to(request.user).select_related("enterprise", "official")
              .prefetch_related("photos").order_by("-visited_at", "-pk")[:10])
    member_of = set(Membership.objects.filter(user=request.user)
                    .values_list("enterprise_id", flat=True))
    return render(request, "liaisons/task_list.html", {
        "page": page, "status": status, "statuses": Task.Status.choices, "visits": visits,
        "member_of": member_of, "close_form": TaskCloseForm(), "today": timezone.localdate(),
        "query_string": _page_query(request),
    })


@login_required
@require_POST
def task_close(request, pk):
    task = get_object_or_404(Task.objects.visible_to(request.user), pk=pk)
    form = TaskCloseForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        services.task_close(task=task, actor=request.user, note=note)
    except (ValidationError, PermissionDenied, PreconditionFailed) as error:
        _problem(request, error)
    else:
        messages.success(request, _("Reported done: the officials will verify it."))
    return redirect(f"{reverse('liaisons:tasks')}#task-{task.pk}")


@login_required
def visit_photo(request, pk, photo_id):
    """One photo of a visit, for whoever may see the visit."""
    visit = get_object_or_404(Visit.objects.visible_to(request.user), pk=pk)
    return photo_response(get_object_or_404(VisitPhoto, pk=photo_id, visit=visit))
