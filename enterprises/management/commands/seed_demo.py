"""`manage.py seed_demo`: load the demo registry and users, then print how to sign in."""

import os
import time

from django.core.management.base import BaseCommand, CommandError

from portal import demo


class Command(BaseCommand):
    help = (
        "Load the demo data (Hangzhou districts, 10 spectra, enterprises, liaisons, resident "
        "officers, one user per role) and print the demo logins. Safe to run again."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--enterprises",
            type=int,
            default=demo.DEFAULT_ENTERPRISES,
            help=f"how many demo enterprises (default {demo.DEFAULT_ENTERPRISES})",
        )

    def handle(self, *args, enterprises, **options):
        if enterprises < len(demo.SPECTRA):
            raise CommandError(f"--enterprises must be at least {len(demo.SPECTRA)}")
        password = demo.demo_password()
        started = time.monotonic()
        result = demo.seed(enterprises=enterprises, password=password)
        elapsed = time.monotonic() - started

        created = ", ".join(f"{count} {name}" for name, count in result.created.items())
        if any(result.created.values()):
            message = f"Demo data loaded in {elapsed:.1f} s: {created}."
            self.stdout.write(self.style.SUCCESS(message))
        else:
            self.stdout.write(f"Demo data already in place ({elapsed:.1f} s); nothing new written.")
        self.print_logins(result, password, generated=not os.environ.get("DEMO_PASSWORD"))

    def print_logins(self, result, password, *, generated):
        sees = {
            "admin": "everything; the Django admin at /admin/",
            "inspector": "read-only: every enterprise, filing and the journal",
            "liaison": (
                f"family liaison of {result.liaison_spectrum}: "
                f"its {result.liaison_enterprises} enterprises"
            ),
            "labor_officer": "trips and workers of 钱塘区",
            "supply_officer": "enterprises and stock of 钱塘区",
            "enterprise": f"member of {result.story_enterprise} only",
        }
        rows = [(plan.username, plan.role, sees[plan.username]) for plan in demo.ROLE_USERS]
        liaisons = sorted(p.username for p in result.users if p.username.startswith("liaison_"))
        officers = sorted(p.username for p in result.users if p.username.startswith("officer_"))
        if liaisons:
            rows.append(
                (
                    f"{liaisons[0]} … {liaisons[-1]}",
                    "liaison",
                    f"{len(liaisons)} more family liaisons, 3–5 per spectrum",
                )
            )
        if officers:
            rows.append(
                (
                    f"{officers[0]} … {officers[-1]}",
                    "liaison",
                    "resident officers (驻厂员) of the key-project enterprises",
                )
            )
        width_user = max(len(row[0]) for row in rows)
        width_role = max(len(row[1]) for row in rows)
        width_password = max(len(password), len("password"))
        line = f"{{:<{width_user}}}  {{:<{width_role}}}  {{:<{width_password}}}  {{}}"
        port = os.environ.get("PORT", "8000")
        self.stdout.write("")
        self.stdout.write(f"Demo logins for http://127.0.0.1:{port}/")
        self.stdout.write(line.format("username", "role", "password", "sees"))
        for username, role, what in rows:
            self.stdout.write(line.format(username, role, password, what))
        if generated:
            self.stdout.write("(password generated for this run; set DEMO_PASSWORD to choose one)")
