"""Settings of the gunicorn server the sync feed benchmark starts: the production settings
with a URLconf that adds the raw baseline endpoint (the portal's own URLs stay untouched)."""

from portal.settings import *  # noqa: F403

ROOT_URLCONF = "bench._changes_urls"
