"""Every change to filings and the negative list: validated, journaled, announced."""

from .attachment import attachment_add, attachment_remove
from .filing import (
    filing_confirm,
    filing_create,
    filing_report_rectified,
    filing_review,
    filing_submit,
    filing_update,
    filing_withdraw,
    missing_items,
)
from .negative_list import (
    Publication,
    filing_redecide,
    negative_list_create,
    negative_list_delete,
    negative_list_entry_add,
    negative_list_entry_remove,
    negative_list_entry_update,
    negative_list_publish,
    negative_list_update,
)

__all__ = [
    "Publication",
    "attachment_add",
    "attachment_remove",
    "filing_confirm",
    "filing_create",
    "filing_redecide",
    "filing_report_rectified",
    "filing_review",
    "filing_submit",
    "filing_update",
    "filing_withdraw",
    "missing_items",
    "negative_list_create",
    "negative_list_delete",
    "negative_list_entry_add",
    "negative_list_entry_remove",
    "negative_list_entry_update",
    "negative_list_publish",
    "negative_list_update",
]
