"""Settings of the gunicorn server the filing benchmark starts: the production settings with a
URLconf that adds the bare baseline endpoint (the portal's own URLs stay untouched)."""

import os

from portal.settings import *  # noqa: F403

ROOT_URLCONF = "bench._filings_urls"
BENCH_RECIPIENT_ID = int(os.environ.get("BENCH_RECIPIENT_ID", "1"))
