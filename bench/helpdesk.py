"""The admin help-request changelist (the officials' triage) with 100k requests against the
same changelist with 100, as a family liaison and as an administrator.

Targets: the queries of a page are the same in both worlds and at most 10; the median time
to render page 1 and a filtered page (open and overdue) with 100k requests is at most 1.5
times the time with 100. Two databases hold the two worlds (the same 4,450 enterprises in 10
spectra with 4 liaisons each; only the requests differ); the connection switches between
them so the passes interleave, and a noisy machine moves both sides together. The 100
requests fill the same pages as the 100k do (all of them in the liaison's spectrum, 60 open
and overdue), so both worlds render 50 rows a page and the ratio is the cost of the other
99,900 rows alone.
Rendering runs in process through Django's test client (the view, the queries, the
template), as a logged-in user.
"""

import datetime
import os
import random
import time

from bench import common

LARGE = int(os.environ.get("BENCH_HELPDESK_REQUESTS", "100000"))
SMALL = 100
ENTERPRISES = 4450
SPECTRA = 10
LIAISONS_PER_SPECTRUM = 4
MAX_RATIO = 1.5
MAX_QUERIES = 10
PASSES = int(os.environ.get("BENCH_HELPDESK_PASSES", "7"))
REPEAT = 3
PAGES = {
    "page 1": "/admin/liaisons/helprequest/",
    "open & overdue": "/admin/liaisons/helprequest/?status__exact=open&due=overdue",
}
PREFIX = "portal_bench_helpdesk"
TITLE = "基准请求 v2"


def _ensure_database(name: str) -> None:
    import dj_database_url
    import psycopg2

    config = dj_database_url.parse(os.environ["DATABASE_URL"])
    admin = psycopg2.connect(
        dbname="postgres", user=config["USER"], password=config["PASSWORD"] or None,
        host=config["HOST"], port=config["PORT"] or 5432,
    )
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone() is None:
            cursor.execute(f'CREATE DATABASE "{name}"')
    admin.close()


def _switch(name: str) -> None:
    """Point Django's default connection at database `name` (created and migrated if
    missing)."""
    from django.core.management import call_command
    from django.db import connection

    _ensure_database(name)
    connection.close()
    connection.settings_dict["NAME"] = name
    call_command("migrate", verbosity=0)


def _populate(requests: int) -> dict:
    """The registry, the officials and `requests` help requests, unless already there.
    Rows are bulk-inserted without the journal: the changelist never reads it."""
    from django.contrib.auth.models import Group
    from django.db import connection, transaction
    from django.utils import timezone

    from enterprises.models import District, Enterprise, Industry, Spectrum
    from enterprises.reference import load_districts
    from enterprises.validators import credit_code_check_char
    from liaisons.models import Assignment, HelpRequest
    from portal.models import User
    from portal.roles import Role, sync_role_groups

    if (HelpRequest.objects.count() == requests and Enterprise.objects.count() == ENTERPRISES
            and HelpRequest.objects.filter(title=f"{TITLE} 0").exists()):
        return _people()
    common.truncate_registry()
    sync_role_groups()
    load_districts(codes_under=("33",))
    rng = random.Random(2020)
    with transaction.atomic():
        HelpRequest.objects.all().delete()
        Assignment.objects.all().delete()
        Spectrum.objects.all().delete()
        User.objects.filter(username__startswith="bench-").delete()
        county = District.objects.filter(level=District.Level.COUNTY).order_by("code").first()
        district_codes = list(District.objects.filter(parent=county).values_list("code",
                                                                                   flat=True))
        district_codes = district_codes or [county.code]
        industries = list(Industry.objects.filter(level=Industry.Level.CLASS)
                          .values_list("code", flat=True)[:200])
        spectra = Spectrum.objects.bulk_create(
            [Spectrum(name=f"基准谱系{n + 1}", district=county) for n in range(SPECTRA)])
        enterprises = []
        for serial in range(1, ENTERPRISES + 1):
            body = f"91{county.code}{serial:08d}X"
            enterprises.append(Enterprise(
                credit_code=body + credit_code_check_char(body), name=f"基准企业{serial}有限公司",
                legal_representative="王明", industry_id=rng.choice(industries),
                district_id=rng.choice(district_codes), address=f"某街道{serial}号",
                contact_name="李先生", contact_phone=f"13{rng.randrange(10**9):09d}",
                employee_count=rng.randrange(1, 3000), is_key_project=serial % 50 == 0,
                spectrum=spectra[serial % SPECTRA],
            ))
        enterprises = Enterprise.objects.bulk_create(enterprises, batch_size=2000)
        liaison_group = Group.objects.get(name=Role.LIAISON)
        admin = User.objects.create_user("bench-admin", is_staff=True, is_superuser=False)
        admin.groups.add(Group.objects.get(name=Role.ADMIN))
        officials = {}
        for index, spectrum in enumerate(spectra):
            for number in range(LIAISONS_PER_SPECTRUM):
                user = User.objects.create_user(f"bench-liaison-{index}-{number}",
                                                is_staff=True)
                user.groups.add(liaison_group)
                officials.setdefault(spectrum.pk, []).append(user)
                Assignment.objects.create(official=user, kind="family_liaison",
                                          spectrum=spectrum,
                                          active_from=datetime.date(2020, 2, 10))
        now = timezone.now()
        statuses = (["open"] * 3 + ["in_progress"] * 2 + ["resolved"] * 2 + ["closed"] * 6
                    + ["rejected"])
        batch = []
        small = requests <= SMALL
        home = [e for e in enterprises if e.spectrum_id == spectra[0].pk]
        for number in range(requests):
            pool = home if small else enterprises
            enterprise = pool[rng.randrange(len(pool))]
            status = "open" if small and number < 60 else rng.choice(statuses)
            hours = -rng.uniform(1, 24 * 14) if small and number < 60 else rng.uniform(-24 * 14,
                                                                                      72)
            due = now + datetime.timedelta(hours=hours)
            assignee = (None if number % 40 == 0
                        else rng.choice(officials[enterprise.spectrum_id]))
            batch.append(HelpRequest(
                enterprise=enterprise, category=rng.choice(HelpRequest.Category.values),
                priority=rng.choice(HelpRequest.Priority.values), title=f"{TITLE} {number}",
                description="", status=status, assignee=assignee, due_at=due,
            ))
            if len(batch) >= 5000:
                HelpRequest.objects.bulk_create(batch)
                batch = []
        HelpRequest.objects.bulk_create(batch)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return _people()


def _people() -> dict:
    from portal.models import User

    return {"liaison": User.objects.get(username="bench-liaison-0-0"),
            "admin": User.objects.get(username="bench-admin")}


def _measure(client, path: str) -> tuple[float, int]:
    """(seconds, queries) of one GET of `path`, which must answer 200."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        start = time.perf_counter()
        response = client.get(path)
        seconds = time.perf_counter() - start
    if response.status_code != 200:
        raise RuntimeError(f"GET {path}: {response.status_code}")
    return seconds, len(queries.captured_queries)


def run() -> list[tuple]:
    common.setup_django()
    from django.db import connection
    from django.test import Client

    original = connection.settings_dict["NAME"]
    worlds = {"100": f"{PREFIX}_small", f"{LARGE // 1000}k": f"{PREFIX}_large"}
    sizes = dict(zip(worlds, (SMALL, LARGE), strict=True))
    try:
        clients = {}
        for world, name in worlds.items():
            started = time.perf_counter()
            _switch(name)
            people = _populate(sizes[world])
            for role, user in people.items():
                client = Client(HTTP_HOST="localhost")
                client.force_login(user)
                for path in PAGES.values():
                    _measure(client, path)  # warm caches: permissions, templates, plans
                clients[(world, role)] = client
            print(f"helpdesk: {world} world ready in {time.perf_counter() - started:.0f} s")
        times: dict[tuple, list[float]] = {}
        queries: dict[tuple, int] = {}
        for _pass in range(PASSES):
            for world, name in worlds.items():
                connection.close()
                connection.settings_dict["NAME"] = name
                for (client_world, role), client in clients.items():
                    if client_world != world:
                        continue
                    for page, path in PAGES.items():
                        best = min(_measure(client, path) for _n in range(REPEAT))
                        times.setdefault((world, role, page), []).append(best[0])
                        queries[(world, role, page)] = best[1]
    finally:
        connection.close()
        connection.settings_dict["NAME"] = original
    small, large = worlds
    rows = []
    for role in ("liaison", "admin"):
        for page in PAGES:
            few = common.median(times[(small, role, page)])
            many = common.median(times[(large, role, page)])
            ratio = many / few
            counted = (queries[(small, role, page)], queries[(large, role, page)])
            same = counted[0] == counted[1] and max(counted) <= MAX_QUERIES
            rows.append((f"{role}, {page}: queries {small} / {large}",
                         f"{counted[0]} / {counted[1]}", f"equal, <= {MAX_QUERIES}",
                         "PASS" if same else "FAIL"))
            rows.append((f"{role}, {page}: median ms {small} / {large}",
                         f"{few * 1000:.1f} / {many * 1000:.1f} ({ratio:.2f}x)",
                         f"<= {MAX_RATIO}x", "PASS" if ratio <= MAX_RATIO else "FAIL"))
    return rows
