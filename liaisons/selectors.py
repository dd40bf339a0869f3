"""Reads about liaison service: who serves an enterprise now (every app asks), what waits
for an official, the caseloads of all of them, and the help-request figures."""

from __future__ import annotations

import datetime
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.roles import Role

from .models import Assignment, HelpRequest, Task, Visit


def liaisons_of(enterprise):
    """Officials with an active assignment to `enterprise` or to its spectrum: they hear
    about its filings, requests and workers."""
    target = models.Q(enterprise_id=enterprise.pk)
    if enterprise.spectrum_id:
        target |= models.Q(spectrum_id=enterprise.spectrum_id)
    return get_user_model().objects.filter(
        pk__in=Assignment.objects.active().filter(target).values("official"),
        is_active=True,
        groups__name=Role.LIAISON,
    ).distinct()


# --- an official's work ---------------------------------------------------------------------


def stale_days() -> int:
    """After how many days without a visit an enterprise is listed as not visited."""
    from django.conf import settings

    return int(getattr(settings, "LIAISON_VISIT_STALE_DAYS", 14))


def week_start(day=None) -> datetime.date:
    """The Monday of `day`'s week (today in Asia/Shanghai by default)."""
    day = day or timezone.localdate()
    return day - datetime.timedelta(days=day.weekday())


def _local_midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def my_requests(user):
    """The pending requests `user` answers for: assigned to them, or unassigned in their
    scope."""
    return (HelpRequest.objects.visible_to(user).pending()
            .filter(models.Q(assignee=user) | models.Q(assignee__isnull=True)))


def not_visited(user, *, days: int | None = None, search: str = ""):
    """The enterprises in `user`'s scope with no visit in the last `days` days (never
    visited first, then the longest unvisited), annotated with `last_visit`."""
    from enterprises.models import Enterprise

    days = stale_days() if days is None else days
    cutoff = timezone.now() - datetime.timedelta(days=days)
    last = (Visit.objects.filter(enterprise=models.OuterRef("pk")).order_by("-visited_at")
            .values("visited_at")[:1])
    return (
        Enterprise.objects.visible_to(user).search(search)
        .annotate(last_visit=models.Subquery(last))
        .filter(models.Q(last_visit__isnull=True) | models.Q(last_visit__lt=cutoff))
        .select_related("district")
        .order_by(models.F("last_visit").asc(nulls_first=True), "name", "pk")
    )


@dataclass
class Work:
    """What waits for an official: overdue, due today and new requests, done tasks to
    verify, enterprises not visited lately."""

    overdue: int
    due_today: int
    new: int
    tasks_to_verify: int
    not_visited: int
    stale_days: int


def work_of(user) -> Work:
    now = timezone.now()
    mine = my_requests(user)
    counts = mine.aggregate(
        overdue=models.Count("pk", filter=models.Q(due_at__lt=now)),
        new=models.Count("pk", filter=models.Q(status=HelpRequest.Status.OPEN,
                                               first_response_at__isnull=True)),
    )
    days = stale_days()
    return Work(
        overdue=counts["overdue"],
        due_today=mine.due_today(now).count(),
        new=counts["new"],
        tasks_to_verify=Task.objects.visible_to(user).filter(status=Task.Status.DONE).count(),
        not_visited=not_visited(user, days=days).count(),
        stale_days=days,
    )


# --- caseloads (administrators) --------------------------------------------------------------


@dataclass
class Caseload:
    key: int | None
    label: str
    kinds: str = ""
    enterprises: int = 0
    liaisons: int = 0
    open: int = 0
    overdue: int = 0
    visits_this_week: int = 0
    open_tasks: int = 0


def caseloads(*, search: str = "") -> tuple[list[Caseload], list[Caseload], dict]:
    """Per official with an active assignment and per spectrum: enterprises served, open
    and overdue requests, visits this week, open tasks. A handful of grouped queries
    whatever the number of officials. Also the totals and the unassigned queue."""
    from enterprises.models import Enterprise, Spectrum

    now = timezone.now()
    since = _local_midnight(week_start())
    sizes = dict(Enterprise.objects.values_list("spectrum").annotate(n=models.Count("pk"))
                 .values_list("spectrum", "n"))
    spectrum_of = {}
    served_spectra: dict[int, set[int]] = defaultdict(set)
    served_directly: dict[int, set[int]] = defaultdict(set)
    kinds: dict[int, set[str]] = defaultdict(set)
    officials = {}
    assignments = Assignment.objects.active().filter(official__is_active=True).select_related(
        "official", "enterprise")
    if search:
        assignments = assignments.filter(
            models.Q(official__username__icontains=search)
            | models.Q(official__display_name__icontains=search)
        )
    for assignment in assignments:
        officials[assignment.official_id] = assignment.official
        kinds[assignment.official_id].add(assignment.get_kind_display())
        if assignment.spectrum_id:
            served_spectra[assignment.official_id].add(assignment.spectrum_id)
        else:
            served_directly[assignment.official_id].add(assignment.enterprise_id)
            spectrum_of[assignment.enterprise_id] = assignment.enterprise.spectrum_id
    pending = HelpRequest.objects.pending()
    overdue = models.Count("pk", filter=models.Q(due_at__lt=now))
    load = {row["assignee"]: row for row in pending.filter(assignee__in=officials)
            .values("assignee").annotate(open=models.Count("pk"), overdue=overdue)}
    visits = dict(Visit.objects.filter(visited_at__gte=since, official__in=officials)
                  .values("official").annotate(n=models.Count("pk")).values_list("official", "n"))
    tasks = dict(Task.objects.pending().filter(official__in=officials).values("official")
                 .annotate(n=models.Count("pk")).values_list("official", "n"))
    people = []
    for pk, official in officials.items():
        spectra = served_spectra[pk]
        direct = [e for e in served_directly[pk] if spectrum_of.get(e) not in spectra]
        row = load.get(pk, {})
        people.append(Caseload(
            key=pk, label=str(official), kinds=", ".join(sorted(kinds[pk])),
            enterprises=sum(sizes.get(s, 0) for s in spectra) + len(direct),
            open=row.get("open", 0), overdue=row.get("overdue", 0),
            visits_this_week=visits.get(pk, 0), open_tasks=tasks.get(pk, 0),
        ))
    people.sort(key=lambda c: (-c.overdue, -c.open, c.label))

    by_spectrum = {row["enterprise__spectrum"]: row for row in pending
                   .values("enterprise__spectrum").annotate(open=models.Count("pk"),
                                                            overdue=overdue)}
    spectrum_visits = dict(Visit.objects.filter(visited_at__gte=since)
                           .values("enterprise__spectrum").annotate(n=models.Count("pk"))
                           .values_list("enterprise__spectrum", "n"))
    liaisons = dict(Assignment.objects.active().filter(kind=Assignment.Kind.FAMILY_LIAISON)
                    .values("spectrum").annotate(n=models.Count("official", distinct=True))
                    .values_list("spectrum", "n"))
    spectrum_tasks = dict(Task.objects.pending().values("enterprise__spectrum")
                          .annotate(n=models.Count("pk"))
                          .values_list("enterprise__spectrum", "n"))
    spectra = []
    for spectrum in Spectrum.objects.order_by("name"):
        row = by_spectrum.get(spectrum.pk, {})
        spectra.append(Caseload(
            key=spectrum.pk, label=spectrum.name, enterprises=sizes.get(spectrum.pk, 0),
            liaisons=liaisons.get(spectrum.pk, 0), open=row.get("open", 0),
            overdue=row.get("overdue", 0), visits_this_week=spectrum_visits.get(spectrum.pk, 0),
            open_tasks=spectrum_tasks.get(spectrum.pk, 0),
        ))
    totals = pending.aggregate(open=models.Count("pk"), overdue=overdue,
                               unassigned=models.Count("pk",
                                                       filter=models.Q(assignee__isnull=True)))
    totals["visits_this_week"] = Visit.objects.filter(visited_at__gte=since).count()
    totals["week_start"] = week_start()
    return people, spectra, totals


# --- figures ---------------------------------------------------------------------------------


@dataclass
class FigureRow:
    key: Any
    label: str
    raised: int = 0
    solved: int = 0
    pending: int = 0
    overdue: int = 0
    first_response: list = field(default_factory=list)
    resolution: list = field(default_factory=list)

    @staticmethod
    def _hours(values) -> float | None:
        return round(statistics.median(values) / 3600, 1) if values else None

    @property
    def median_first_response_hours(self) -> float | None:
        return self._hours(self.first_response)

    @property
    def median_resolution_hours(self) -> float | None:
        return self._hours(self.resolution)

    def as_json(self) -> dict:
        return {
            "key": None if self.key is None else str(self.key), "label": self.label,
            "raised": self.raised, "solved": self.solved, "pending": self.pending,
            "overdue": self.overdue,
            "median_first_response_hours": self.median_first_response_hours,
            "median_resolution_hours": self.median_resolution_hours,
        }


@dataclass
class Figures:
    since: datetime.date | None
    until: datetime.date | None
    total: FigureRow
    by_official: list[FigureRow]
    by_spectrum: list[FigureRow]
    by_category: list[FigureRow]
    by_week: list[FigureRow]

    DIMENSIONS = ("by_official", "by_spectrum", "by_category", "by_week")

    def as_json(self) -> dict:
        return {
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat() if self.until else None,
            "total": self.total.as_json(),
            **{name: [row.as_json() for row in getattr(self, name)]
               for name in self.DIMENSIONS},
        }

    def csv_rows(self):
        """Header, then one row per dimension and group (the total first)."""
        yield ["dimension", "key", "label", "raised", "solved", "pending", "overdue",
               "median_first_response_hours", "median_resolution_hours"]
        for name, rows in (("total", [self.total]),
                           *((name, getattr(self, name)) for name in self.DIMENSIONS)):
            for row in rows:
                data = row.as_json()
                yield [name.removeprefix("by_"), data["key"] or "", data["label"],
                       data["raised"], data["solved"], data["pending"], data["overdue"],
                       data["median_first_response_hours"] or "",
                       data["median_resolution_hours"] or ""]


def help_request_figures(user, *, since: datetime.date | None = None,
                         until: datetime.date | None = None) -> Figures:
    """Figures over the help requests in `user`'s scope raised between `since` and `until`
    (dates, inclusive): how many were raised and solved (resolved or closed), how many
    wait and are overdue, the median hours to the first response and to the resolution;
    in total and by official (the assignee), spectrum, category and week of raising.

    Medians are taken in Python over one narrow query, the same on PostgreSQL and SQLite."""
    from enterprises.models import Spectrum

    requests = HelpRequest.objects.visible_to(user)
    if since:
        requests = requests.filter(created_at__gte=_local_midnight(since))
    if until:
        requests = requests.filter(created_at__lt=_local_midnight(
            until + datetime.timedelta(days=1)))
    now = timezone.now()
    solved_states = {HelpRequest.Status.RESOLVED, HelpRequest.Status.CLOSED}
    pending_states = set(HelpRequest.PENDING)
    total = FigureRow(None, _("All requests"))
    groups: dict[str, dict[Any, FigureRow]] = {name: {} for name in Figures.DIMENSIONS}
    rows = requests.values_list("assignee_id", "enterprise__spectrum_id", "category", "status",
                                "created_at", "first_response_at", "resolved_at", "due_at")
    for assignee, spectrum, category, status, created, first, resolved, due in rows.iterator(
            chunk_size=5000):
        week = week_start(timezone.localtime(created).date())
        keys = {"by_official": assignee, "by_spectrum": spectrum, "by_category": category,
                "by_week": week}
        targets = [total] + [
            groups[name].setdefault(key, FigureRow(key, "")) for name, key in keys.items()
        ]
        for target in targets:
            target.raised += 1
            if status in solved_states and resolved is not None:
                target.solved += 1
                target.resolution.append((resolved - created).total_seconds())
            if status in pending_states:
                target.pending += 1
                if due < now:
                    target.overdue += 1
            if first is not None:
                target.first_response.append((first - created).total_seconds())
    users = {u.pk: str(u) for u in get_user_model().objects.filter(pk__in=[
        key for key in groups["by_official"] if key is not None])}
    spectra = dict(Spectrum.objects.filter(pk__in=[
        key for key in groups["by_spectrum"] if key is not None]).values_list("pk", "name"))
    categories = dict(HelpRequest.Category.choices)
    for key, row in groups["by_official"].items():
        row.label = users.get(key, str(_("unassigned")))
    for key, row in groups["by_spectrum"].items():
        row.label = spectra.get(key, str(_("no spectrum")))
    for key, row in groups["by_category"].items():
        row.label = str(categories.get(key, key))
    for key, row in groups["by_week"].items():
        row.label = key.isoformat()

    def ranked(rows):
        return sorted(rows.values(), key=lambda r: (-r.solved, -r.raised, r.label))

    return Figures(
        since=since, until=until, total=total,
        by_official=ranked(groups["by_official"]), by_spectrum=ranked(groups["by_spectrum"]),
        by_category=ranked(groups["by_category"]),
        by_week=sorted(groups["by_week"].values(), key=lambda r: r.key),
    )
