"""Settings of the Celery worker that the integration tests start: the production settings
(not the eager test ones), with a queue private to the test run, mail written to files the test
reads (or SMTP to PORTAL_IT_SMTP_PORT), and a delivery sweep as often as
PORTAL_IT_SWEEP_SECONDS says."""

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
# A real SMTP client aimed at a port of the test's choosing (a server that hangs, say).
if os.environ.get("PORTAL_IT_SMTP_PORT"):
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST, EMAIL_PORT = "127.0.0.1", int(os.environ["PORTAL_IT_SMTP_PORT"])
    EMAIL_USE_TLS = EMAIL_USE_SSL = False
    EMAIL_HOST_USER = EMAIL_HOST_PASSWORD = ""
