"""Demo liaison service for `seed_demo`: who serves the demo registry.

Each spectrum is served by 3–5 family liaisons (the demo `liaison` is one of the software
spectrum's); 45 resident officers (驻厂员) share the key-project enterprises. Needs the
"spectra" and "story_spectrum" the enterprise registry's demo left in `demo.things`.
"""

from __future__ import annotations

import random
from datetime import date

from enterprises.models import Enterprise, Spectrum
from portal.demo import RANDOM_SEED, ROLE_USERS, Demo, UserPlan, person_name
from portal.models import User
from portal.roles import Role

from . import demo_work, services
from .models import Assignment

RESIDENT_OFFICERS = 45
# Two of Harbin's resident officers served 28 companies between them.
SHARED_COMPANIES = 28
# The day Qiantang's family liaisons started visiting enterprises (February 2020).
SERVICE_START = date(2020, 2, 10)
DEMO_LIAISON = next(plan for plan in ROLE_USERS if plan.role == Role.LIAISON)


# --- the plan: pure, deterministic data -----------------------------------------------------


def plan_liaisons(spectra: int, home: int, *, seed: int = RANDOM_SEED) -> dict[int, list[UserPlan]]:
    """3–5 family liaisons for each of `spectra` spectra; the demo `liaison` is one of the
    `home` spectrum's."""
    rng = random.Random(seed + 1)
    plans = {}
    for index in range(spectra):
        size = rng.randint(3, 5)
        users = [DEMO_LIAISON] if index == home else []
        for number in range(1, size - len(users) + 1):
            users.append(
                UserPlan(
                    f"liaison_{index + 1:02d}_{number}",
                    person_name(rng),
                    Role.LIAISON,
                    is_staff=True,
                )
            )
        plans[index] = users
    return plans


def plan_officers(*, seed: int = RANDOM_SEED) -> list[UserPlan]:
    rng = random.Random(seed + 2)
    return [
        UserPlan(f"officer_{number:02d}", person_name(rng), Role.LIAISON, is_staff=True)
        for number in range(1, RESIDENT_OFFICERS + 1)
    ]


# --- writing it -----------------------------------------------------------------------------


def assignments_seed(
    spectra: list[Spectrum],
    liaisons: dict[int, list[UserPlan]],
    officers: list[UserPlan],
    users: dict[str, User],
) -> int:
    existing = set(
        Assignment.objects.filter(official__in=[u.pk for u in users.values()]).values_list(
            "official_id", "kind", "spectrum_id", "enterprise_id"
        )
    )
    created = 0
    family = Assignment.Kind.FAMILY_LIAISON
    for index, plans in liaisons.items():
        spectrum = spectra[index]
        for plan in plans:
            official = users[plan.username]
            if (official.pk, family, spectrum.pk, None) in existing:
                continue
            services.assignment_create(
                actor=None,
                official=official,
                kind=family,
                spectrum=spectrum,
                active_from=SERVICE_START,
            )
            created += 1
    # Harbin's 45 resident officers: two of them share 28 companies (the story's "2 officers
    # for 28 companies"); the others each look after a handful of the remaining key projects.
    resident = Assignment.Kind.RESIDENT_OFFICER
    key = list(
        Enterprise.objects.filter(is_key_project=True, spectrum__in=spectra).order_by("credit_code")
    )
    shared, rest = key[:SHARED_COMPANIES], key[SHARED_COMPANIES:]
    pair = [users[plan.username] for plan in officers[:2]]
    for enterprise in shared:
        for official in pair:
            if (official.pk, resident, None, enterprise.pk) in existing:
                continue
            services.assignment_create(
                actor=None, official=official, kind=resident, enterprise=enterprise,
                active_from=SERVICE_START, note="驻厂服务（2 名驻厂员服务 28 家企业）",
            )
            created += 1
    served = {enterprise_id for _o, kind, _s, enterprise_id in existing if kind == resident}
    others = officers[2:] if rest and len(officers) > 2 else officers
    for position, enterprise in enumerate(rest):
        official = users[others[position % len(others)].username]
        if enterprise.pk in served:
            continue
        services.assignment_create(
            actor=None,
            official=official,
            kind=resident,
            enterprise=enterprise,
            active_from=SERVICE_START,
            note="驻厂服务",
        )
        created += 1
    return created


def seed(demo: Demo) -> None:
    """Family liaisons for every spectrum, resident officers for the key projects; then
    their work (`demo_work`): policy notes, help requests, visits and task lists."""
    spectra = demo.things["spectra"]
    home = demo.things["story_spectrum"]
    liaisons = plan_liaisons(len(spectra), spectra.index(home), seed=demo.random_seed)
    officers = plan_officers(seed=demo.random_seed)
    extra = [plan for plans in liaisons.values() for plan in plans if plan not in ROLE_USERS]
    demo.add_users([*extra, *officers])
    demo.count("assignments", assignments_seed(spectra, liaisons, officers, demo.users))
    served = Enterprise.objects.filter(spectrum=home).count()
    names = sorted(plan.username for plan in extra)
    demo.login(
        f"{names[0]} … {names[-1]}",
        Role.LIAISON,
        f"{len(names)} more family liaisons, 3–5 per spectrum",
    )
    demo.login(
        f"{officers[0].username} … {officers[-1].username}",
        Role.LIAISON,
        f"resident officers (驻厂员) of the key-project enterprises; {officers[0].username} and "
        f"{officers[1].username} share {SHARED_COMPANIES} of them",
    )
    demo_work.seed(demo)
    demo.describe(DEMO_LIAISON.username, f"family liaison of {home.name}: its {served} "
                  "enterprises; overdue, due-today and new help requests waiting")
