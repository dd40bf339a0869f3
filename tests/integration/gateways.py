"""An SMS gateway for the worker process of the integration tests: it fails while the file
PORTAL_IT_GATEWAY_DIR/down exists, and otherwise appends the message to .../sent.log."""

import os
from pathlib import Path


class FlagGateway:
    def send(self, notification):
        folder = Path(os.environ["PORTAL_IT_GATEWAY_DIR"])
        if (folder / "down").exists():
            raise ConnectionError("gateway down")
        with open(folder / "sent.log", "a", encoding="utf-8") as log:
            log.write(f"{notification.pk}\t{notification.title}\n")
