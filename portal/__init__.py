"""The portal's site shell: settings, accounts, journal and API root."""

from .celery import app as celery_app

__all__ = ["celery_app"]
