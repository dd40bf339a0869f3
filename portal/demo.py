"""Demo data for `make run`: the shared context, the role users, and the seeding of every app.

The core knows no domain. Each app that has demo data names its module in its AppConfig
(`demo = "enterprises.demo"`); the module exposes `seed(demo: Demo)` and, optionally,
`add_arguments(parser)` for options of `manage.py seed_demo`. `seed` runs the portal's own
part (one user per role) and then every app's, in INSTALLED_APPS order, which is the
dependency order: an app finds in `demo.things` what the apps before it put there (the
enterprise registry puts its spectra and the story's company, the liaisons read them).

Everything tracked is written through the services (or the journaled bulk helper), so
`verify_journal` reconciles a freshly seeded database. The data is generated from a fixed
seed: running it again finds everything in place and writes nothing.
"""

from __future__ import annotations

import os
import random
import secrets
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import import_module
from typing import Any, TextIO

from django.apps import apps
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import transaction

from portal.models import User
from portal.roles import Role

RANDOM_SEED = 2020


class DemoError(ValueError):
    """An app cannot seed with the options given; `seed_demo` shows it as a command error."""


# --- names and numbers that look real, for every app's people -------------------------------

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦方白邹孟熊秦邱江尹薛段雷侯龙史陶贺顾毛郝龚邵钱"
)
GIVEN_MALE = "伟强磊军勇杰涛明超刚建国志文斌浩宇俊峰鹏辉昊天林海波宏亮"
GIVEN_FEMALE = "芳娜敏静丽艳娟秀霞桂英玉兰萍红晨欣然雨婷佳琪慧莉倩颖雪梅"
MOBILE_PREFIXES = (
    "130 131 132 133 135 136 137 138 139 150 151 152 153 155 156 157 158 159 166 173 177 180 "
    "181 182 183 185 186 187 188 189 191 198 199"
).split()


def person_name(rng: random.Random) -> str:
    pool = GIVEN_MALE if rng.random() < 0.5 else GIVEN_FEMALE
    given = rng.choice(pool) + (rng.choice(pool) if rng.random() < 0.7 else "")
    return rng.choice(SURNAMES) + given


def mobile(rng: random.Random) -> str:
    return rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"


# --- users ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class UserPlan:
    username: str
    display_name: str
    role: str
    is_staff: bool = False
    is_superuser: bool = False


# The demo users named after their role (DESIGN §8), with what each sees until an app that
# gives the role its scope says more precisely (`Demo.login`).
ROLE_USERS: tuple[UserPlan, ...] = (
    UserPlan("admin", "系统管理员", Role.ADMIN, is_staff=True, is_superuser=True),
    UserPlan("inspector", "纪委监委 周敏", Role.INSPECTOR, is_staff=True),
    UserPlan("liaison", "张弛", Role.LIAISON, is_staff=True),
    UserPlan("labor_officer", "人社局 吴建国", Role.LABOR_OFFICER),
    UserPlan("supply_officer", "物资保障组 沈丽", Role.SUPPLY_OFFICER),
    UserPlan("enterprise", "董叶明", Role.ENTERPRISE),
)
ROLE_SEES = {
    "admin": "everything; the Django admin at /admin/",
    "inspector": "read-only: every enterprise, filing and the journal",
    "liaison": "the enterprises assigned to them",
    "labor_officer": "trips and workers of their districts",
    "supply_officer": "enterprises and stock of their districts",
    "enterprise": "the enterprises they are a member of",
}


def demo_password() -> str:
    """The demo users' password: DEMO_PASSWORD, or a fresh random one."""
    return os.environ.get("DEMO_PASSWORD") or secrets.token_urlsafe(9)


@dataclass(frozen=True)
class Login:
    """One line of the printed logins: a username (or a range of them), its role, its scope."""

    username: str
    role: str
    sees: str


# --- the context every app's seeder receives --------------------------------------------------


@dataclass
class Demo:
    """What the seeders share: the password, the users, the options and what earlier apps made.

    `things` is where an app leaves what later apps need (the enterprise registry puts
    "spectra", "story_spectrum" and "story_enterprise"); `created` counts what this run wrote,
    by kind; `logins` are the lines `seed_demo` prints, in the order they were added.
    """

    password: str
    # Each app plans from its own generator seeded from this (random.Random(random_seed + k)),
    # so one app's plan never shifts another's.
    random_seed: int = RANDOM_SEED
    options: dict[str, Any] = field(default_factory=dict)
    stdout: TextIO | None = None
    verbosity: int = 1
    users: dict[str, User] = field(default_factory=dict)
    things: dict[str, Any] = field(default_factory=dict)
    created: dict[str, int] = field(default_factory=dict)
    logins: dict[str, Login] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    _password_hash: str | None = field(default=None, repr=False)

    def log(self, message: str, *, level: int = 1) -> None:
        if self.stdout is not None and self.verbosity >= level:
            self.stdout.write(message + "\n")

    def count(self, kind: str, number: int) -> None:
        self.created[kind] = self.created.get(kind, 0) + int(number)

    def login(self, username: str, role: str, sees: str) -> None:
        """Add a line to the printed logins (a username, or a range of them)."""
        self.logins[username] = Login(username, role, sees)

    def describe(self, username: str, sees: str) -> None:
        """Say what a user already on the logins sees, now that an app gave it its scope."""
        self.logins[username] = Login(username, self.logins[username].role, sees)

    def add_users(self, plans: Iterable[UserPlan]) -> dict[str, User]:
        """Create the demo users that are missing, put each in its role's group and give it
        the demo password. Returns them by username (also kept in `users`)."""
        plans = list(plans)
        if not plans:
            return {}
        groups = {group.name: group for group in Group.objects.all()}
        users = {
            user.username: user
            for user in User.objects.filter(username__in=[plan.username for plan in plans])
        }
        created = 0
        for plan in plans:
            user = users.get(plan.username)
            if user is None:
                user = User.objects.create_user(
                    plan.username,
                    display_name=plan.display_name,
                    is_staff=plan.is_staff,
                    is_superuser=plan.is_superuser,
                )
                users[plan.username] = user
                created += 1
            user.groups.add(groups[plan.role])
            user.forget_roles()
        self.count("users", created)
        ordered = [users[plan.username] for plan in plans]
        self._set_password(ordered)
        self.users.update(users)
        return users

    def _set_password(self, users: list[User]) -> None:
        """Give `users` the demo password, hashed once for all the users of the run.

        Hashing it per user would take most of the start-up time (the default hasher is slow
        on purpose); reusing the stored hash when it already matches keeps existing sessions
        valid.
        """
        if self._password_hash is None:
            reference = users[0]
            reference.refresh_from_db(fields=["password"])
            self._password_hash = (
                reference.password
                if reference.check_password(self.password)
                else make_password(self.password)
            )
        User.objects.filter(pk__in=[user.pk for user in users]).exclude(
            password=self._password_hash
        ).update(password=self._password_hash)


# --- seeding ----------------------------------------------------------------------------------


def seed_role_users(demo: Demo) -> None:
    """The portal's own part: one user per role, before any app's."""
    demo.add_users(ROLE_USERS)
    for plan in ROLE_USERS:
        demo.login(plan.username, plan.role, ROLE_SEES[plan.username])


def demo_modules() -> list[tuple[str, Any]]:
    """(label, module) of every installed app that names a demo module, in INSTALLED_APPS
    order."""
    modules = []
    for config in apps.get_app_configs():
        path = getattr(config, "demo", None)
        if path and path != __name__:
            modules.append((config.label, import_module(path)))
    return modules


def add_arguments(parser) -> None:
    """Let every app's demo module add its options to `seed_demo`."""
    for _label, module in demo_modules():
        hook = getattr(module, "add_arguments", None)
        if hook is not None:
            hook(parser)


def seed(
    *,
    password: str,
    random_seed: int = RANDOM_SEED,
    stdout: TextIO | None = None,
    verbosity: int = 1,
    options: dict[str, Any] | None = None,
    **more_options: Any,
) -> Demo:
    """Load every app's demo data, all or nothing; on a seeded database it writes nothing new.

    The apps read their options (those their `add_arguments` declared) from `options`, the
    command's, and `more_options`: `seed(password=..., enterprises=60)`.
    """
    demo = Demo(
        password=password,
        random_seed=random_seed,
        options={**(options or {}), **more_options},
        stdout=stdout,
        verbosity=verbosity,
    )
    steps = [("portal", seed_role_users)]
    steps += [(label, module.seed) for label, module in demo_modules()]
    with transaction.atomic():
        for label, step in steps:
            started = time.monotonic()
            step(demo)
            demo.timings[label] = time.monotonic() - started
            demo.log(f"  {label}: {demo.timings[label]:.1f} s", level=2)
    return demo
