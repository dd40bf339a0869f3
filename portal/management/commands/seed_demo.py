"""`manage.py seed_demo`: load every app's demo data and users, then print how to sign in."""

import os
import time

from django.core.management.base import BaseCommand, CommandError

from portal import demo


class Command(BaseCommand):
    help = (
        "Load the demo data of every app that names a demo module (Hangzhou districts, 10 "
        "spectra, enterprises, liaisons, resident officers, one user per role) and print the "
        "demo logins. Safe to run again."
    )

    def add_arguments(self, parser):
        demo.add_arguments(parser)

    def handle(self, *args, verbosity, **options):
        password = demo.demo_password()
        started = time.monotonic()
        try:
            result = demo.seed(
                password=password, stdout=self.stdout, verbosity=verbosity, options=options
            )
        except demo.DemoError as error:
            raise CommandError(str(error)) from error
        elapsed = time.monotonic() - started

        created = ", ".join(f"{count} {name}" for name, count in result.created.items())
        if any(result.created.values()):
            message = f"Demo data loaded in {elapsed:.1f} s: {created}."
            self.stdout.write(self.style.SUCCESS(message))
        else:
            self.stdout.write(f"Demo data already in place ({elapsed:.1f} s); nothing new written.")
        self.print_logins(result, password, generated=not os.environ.get("DEMO_PASSWORD"))

    def print_logins(self, result, password, *, generated):
        rows = [(login.username, login.role, login.sees) for login in result.logins.values()]
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
