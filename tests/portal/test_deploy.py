"""Production settings pass Django's deployment checks and refuse to start without secrets."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_manage(*args, **env):
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PORTAL_"))}
    base.pop("FIELD_ENCRYPTION_KEY", None)
    base.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=base, capture_output=True,
        text=True, timeout=120,
    )


def test_check_deploy_has_no_warnings_with_production_settings():
    result = run_manage(
        "check", "--deploy", "--fail-level", "WARNING",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50), FIELD_ENCRYPTION_KEY=secrets.token_urlsafe(32),
        ALLOWED_HOSTS="portal.example.gov.cn", DJANGO_SETTINGS_MODULE="portal.settings",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    result = run_manage("check", DJANGO_SETTINGS_MODULE="portal.settings")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_code_generating_commands_run_without_production_secrets():
    """`makemigrations --check` must work on a checkout with no environment."""
    result = run_manage("makemigrations", "--check", "--dry-run",
                        DJANGO_SETTINGS_MODULE="portal.settings")
    assert result.returncode == 0, result.stderr
    assert "No changes detected" in result.stdout
