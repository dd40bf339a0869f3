"""The filings' panel on the home page: the user's own filings, or a liaison's queue."""

from . import selectors


def home(user) -> dict:
    return {
        "template": "filings/home_panel.html",
        "own": selectors.enterprise_filings(user),
        "liaison": selectors.liaison_queue(user),
    }
