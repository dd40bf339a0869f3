"""Settings of the Celery worker that the integration tests start: the production settings
(not the eager test ones), with a queue private to the test run, mail written to files the test
reads, and a delivery sweep as often as PORTAL_IT_SWEEP_SECONDS says."""

import os

from portal.settings import *  # noqa: F403

CELERY_TASK_DEFAULT_QUEUE = os.environ["PORTAL_IT_QUEUE"]
EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
EMAIL_FILE_PATH = os.environ["PORTAL_IT_MAIL_DIR"]
CELERY_BEAT_SCHEDULE = {
    "delivery-sweep": {
        "task": "portal.tasks.delivery_sweep",
        "schedule": float(os.environ.get("PORTAL_IT_SWEEP_SECONDS", "60")),
    },
}
