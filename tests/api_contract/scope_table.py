"""Who may do what, and who reads which rows of the contract world: written by hand.

This table is written from DESIGN §1, §5, §6 and §7 and issue 9, NOT derived from
`ROLE_PERMISSIONS`, `has_perms` or `visible_to`: the role matrices compare the code with it
(`test_scope_table.py`, `test_role_matrix.py`, `test_admin_matrix.py`, `test_pages_matrix.py`).
Where DESIGN decides, the table says what DESIGN says and a disagreeing code is a defect
(`KNOWN_DEFECTS`, each an xfail(strict) naming its issue); where DESIGN is silent, the table
says what the code does today and the comment says so ("DESIGN silent").

Each role's row speaks of its A-side user (`member_a`, `liaison_a`, ...; see world.py); the
B-side user reads the mirror image (`mirror`), and `member_left` (whose membership was
removed) has rows of its own.

- `may`: the model permissions the role holds (view, add, change, delete).
- `reads`: the rows the role reads through any surface (API, admin, pages, exports, feed):
  world names, or `ALL` for every row of the model. Reading needs the `view` permission,
  except for the caller's own inbox and tokens (`OWN_ROWS`), which need only a sign-in.
- `refused`: API actions the role holds the model permission for but may not take on an
  object it reads (the service answers 403): a liaison edits no filing, a member confirms
  none (DESIGN §1: enterprises file, liaisons review and confirm).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

ALL = "ALL"  # every row of the model

ACTIONS = ("view", "add", "change", "delete")
ROLES = ("enterprise", "liaison", "labor_officer", "supply_officer", "inspector", "admin")

# Rows everyone reads without a model permission: their own (portal.scope.Owner).
OWN_ROWS = frozenset({"portal.notification", "portal.apitoken"})

# Officers read the filings (and their attachments and confirmations) of the enterprises of
# their districts, read-only, on every surface: DESIGN §6 lets them see those enterprises,
# and whether an enterprise has resumed is what a labour or supply officer plans by (issue 9
# §1 asks for one rule everywhere; False would be "no filing on any surface").
OFFICERS_READ_FILINGS = True

DISTRICTS = frozenset({"district_province", "district_city", "district_a", "district_b"})
SPECTRA = frozenset({"spectrum_a", "spectrum_b"})
USERS = frozenset({
    "admin_a", "admin_b", "inspector_a", "inspector_b", "member_a", "member_b", "member_left",
    "liaison_a", "liaison_b", "labor_officer_a", "labor_officer_b", "supply_officer_a",
    "supply_officer_b",
})
TOKENS = frozenset(f"token_{name}" for name in USERS)
JURISDICTIONS = frozenset({
    "jurisdiction_labor_officer_a", "jurisdiction_labor_officer_b",
    "jurisdiction_supply_officer_a", "jurisdiction_supply_officer_b",
})
FILING_ACTIONS_OF_MEMBERS = frozenset({
    "update", "partial_update", "submit", "withdraw", "report_rectified",
})
FILING_ACTIONS_OF_LIAISONS = frozenset({"review", "confirm"})


@dataclass(frozen=True)
class Row:
    may: frozenset[str]
    reads: frozenset[str] | str
    refused: frozenset[str] = frozenset()


def row(may: str = "", reads=(), refused=()) -> Row:
    return Row(frozenset(may.split()), reads if reads == ALL else frozenset(reads),
               frozenset(refused))


NONE = row()


def _public(may: str = "view") -> dict[str, Row]:
    """Reference data and the published negative list: every signed-in user reads them."""
    return {
        "enterprises.district": row(may, DISTRICTS),
        "enterprises.industry": row(may, ALL),
        "enterprises.spectrum": row(may, SPECTRA),
        "filings.negativelist": row(may if "add" in may else "view", {"negative_list_published"}),
        "filings.negativelistentry": row(may if "add" in may else "view", {"entry_published"}),
    }


HELP = frozenset({"help_request_a", "help_request_b"})
HELP_COMMENTS = frozenset({"help_request_comment_a", "help_request_comment_b"})
# The enterprise asks, comments, confirms and reopens; officials start, resolve, reject,
# assign (DESIGN §7, issue 11).
# Refused by the service (403) when called without a body; the others answer a 400 for
# the missing body first, which the matrix accepts.
HELP_ACTIONS_OF_OFFICIALS = frozenset({"start"})
HELP_ACTIONS_OF_MEMBERS = frozenset({"confirm"})


VISITS = frozenset({"visit_a", "visit_b", "visit_confirmation_a"})
PHOTOS = frozenset({"visit_photo_a", "visit_photo_b", "visit_photo_confirmation_a"})
TASKS = frozenset({"task_a", "task_b"})


def _visits(visits: str, photos: str, tasks: str, side: str | None = "a",
            refused=()) -> dict[str, Row]:
    """Visits (a filing's confirmation is one), their photos and tasks (issue 11): seen with
    their enterprise; `side` None for every row."""
    return {
        "liaisons.visit": row(visits, {f"visit_{side}", f"visit_confirmation_{side}"} & VISITS
                              if side else VISITS),
        "liaisons.visitphoto": row(photos, {f"visit_photo_{side}",
                                            f"visit_photo_confirmation_{side}"} & PHOTOS
                                   if side else PHOTOS),
        "liaisons.task": row(tasks, {f"task_{side}"} if side else TASKS, refused=refused),
    }


def _policy(may: str = "view") -> dict[str, Row]:
    """The policy library: every signed-in user reads it (issue 11)."""
    return {"liaisons.policynote": row(may, {"policy_note"})}


def _nothing_else() -> dict[str, Row]:
    """Models a role has no business with at all (the rest of a role's rows override)."""
    return {label: NONE for label in (
        "enterprises.membership", "enterprises.jurisdiction", "liaisons.assignment",
        "filings.filing", "filings.attachment", "filings.confirmation", "portal.user",
        "auth.group", "portal.journalentry", "portal.journalanchor",
        "portal.journalverification", "portal.journalcheckpoint", "portal.delivery",
        "liaisons.helprequest", "liaisons.helprequestcomment", "liaisons.policynote",
        "liaisons.visit", "liaisons.visitphoto", "liaisons.task",
    )}


def _own(name: str) -> dict[str, Row]:
    return {
        "portal.notification": row("", {f"inbox_{name}"}),
        "portal.apitoken": row("", {f"token_{name}"}),
    }


_OFFICER = {
    **_nothing_else(),
    **_public(),
    **_policy(),
    # DESIGN silent on officers and enterprises: the registry's rule (their districts).
    "enterprises.enterprise": row("view", {"enterprise_a"}),
    **({
        "filings.filing": row("view", {"filing_a"}),
        "filings.attachment": row("view", {"attachment_a"}),
        "filings.confirmation": row("view", {"confirmation_a"}),
    } if OFFICERS_READ_FILINGS else {}),
}

TABLE: dict[str, dict[str, Row]] = {
    "enterprise": {
        **_nothing_else(),
        **_public(),
        # DESIGN §7: staff correct their contact details (the service refuses the officials'
        # facts); registering an enterprise is theirs too (DESIGN silent; the code's).
        "enterprises.enterprise": row("view add change", {"enterprise_a"}),
        "enterprises.membership": row("view", {"membership_a"}),
        "filings.filing": row("view add change", {"filing_a"},
                              refused=FILING_ACTIONS_OF_LIAISONS),
        "filings.attachment": row("view add", {"attachment_a"}),
        "filings.confirmation": row("view", {"confirmation_a"}),
        **_policy(),
        "liaisons.helprequest": row("view add change", {"help_request_a"},
                                    refused=HELP_ACTIONS_OF_OFFICIALS),
        "liaisons.helprequestcomment": row("view add", {"help_request_comment_a"}),
        **_visits("view", "view", "view change", refused={"verify"}),
        **_own("member_a"),
    },
    "liaison": {
        **_nothing_else(),
        **_public(),
        "enterprises.enterprise": row("view add change", {"enterprise_a"}),
        "enterprises.membership": row("view", {"membership_a"}),
        "liaisons.assignment": row("view", {"assignment_a"}),
        # Liaisons review and confirm (DESIGN §1, §7); the filing itself is the enterprise's.
        "filings.filing": row("view change", {"filing_a"}, refused=FILING_ACTIONS_OF_MEMBERS),
        "filings.attachment": row("view", {"attachment_a"}),
        "filings.confirmation": row("view add", {"confirmation_a"}),
        **_policy("view add change"),
        "liaisons.helprequest": row("view add change", {"help_request_a"},
                                    refused=HELP_ACTIONS_OF_MEMBERS),
        "liaisons.helprequestcomment": row("view add", {"help_request_comment_a"}),
        # The task of the world is the enterprise's to close (issue 11).
        **_visits("view add change", "view add", "view add change", refused={"close"}),
        **_own("liaison_a"),
    },
    "labor_officer": {**_OFFICER, **_own("labor_officer_a")},
    "supply_officer": {**_OFFICER, **_own("supply_officer_a")},
    # DESIGN §6: inspectors read everything about filings and the journal, change nothing.
    "inspector": {
        **_nothing_else(),
        **_public(),
        "enterprises.enterprise": row("view", {"enterprise_a", "enterprise_b"}),
        "enterprises.membership": row("view", {"membership_a", "membership_b"}),
        "enterprises.jurisdiction": row("view", JURISDICTIONS),
        "liaisons.assignment": row("view", {"assignment_a", "assignment_b"}),
        "filings.negativelist": row("view", {"negative_list_published", "negative_list_draft"}),
        "filings.negativelistentry": row("view", {"entry_published", "entry_draft"}),
        "filings.filing": row("view", {"filing_a", "filing_b"}),
        "filings.attachment": row("view", {"attachment_a", "attachment_b"}),
        "filings.confirmation": row("view", {"confirmation_a"}),
        "portal.journalentry": row("view", ALL),
        "portal.journalanchor": row("view", ALL),
        "portal.journalverification": row("view", ALL),
        **_policy(),
        "liaisons.helprequest": row("view", HELP),
        "liaisons.helprequestcomment": row("view", HELP_COMMENTS),
        **_visits("view", "view", "view", side=None),
        **_own("inspector_a"),
    },
    "admin": {
        **_nothing_else(),
        **_public("view add change delete"),
        "enterprises.enterprise": row("view add change delete", {"enterprise_a", "enterprise_b"}),
        "enterprises.membership": row("view add change delete", {"membership_a", "membership_b"}),
        "enterprises.jurisdiction": row("view add change delete", JURISDICTIONS),
        "liaisons.assignment": row("view add change delete", {"assignment_a", "assignment_b"}),
        "filings.negativelist": row("view add change delete",
                                    {"negative_list_published", "negative_list_draft"}),
        "filings.negativelistentry": row("view add change delete",
                                         {"entry_published", "entry_draft"}),
        "filings.filing": row("view add change", {"filing_a", "filing_b"}),
        "filings.attachment": row("view add", {"attachment_a", "attachment_b"}),
        "filings.confirmation": row("view add", {"confirmation_a"}),
        # Accounts are the administrators' (DESIGN §1); groups and their permissions stay a
        # superuser's (DESIGN silent; the code's).
        "portal.user": row("view add change", USERS),
        "portal.journalentry": row("view", ALL),
        "portal.journalanchor": row("view", ALL),
        "portal.journalverification": row("view", ALL),
        # Issue 9 §2: "let a user list and revoke their own tokens ... and administrators
        # anyone's"; DESIGN §6: the admin and the API read the same visible_to.
        "portal.apitoken": row("view delete", TOKENS),
        **_policy("view add change"),
        "liaisons.helprequest": row("view add change", HELP),
        "liaisons.helprequestcomment": row("view add", HELP_COMMENTS),
        **_visits("view add change", "view add", "view add change", side=None),
        # Everyone reads only their own inbox, administrators included (DESIGN silent).
        "portal.notification": row("", {"inbox_admin_a"}),
    },
}

# What the admin offers for a model at all, to a role holding the permissions (DESIGN §3:
# it writes only through the services bound to the model, so what no service does is not
# offered): add, change, delete (with its `delete_selected` action), export; and its
# actions, with the permission each needs. Published negative-list versions never change.
ADMIN_OFFERS: dict[str, frozenset[str]] = {label: frozenset(offers.split()) for label, offers in {
    "enterprises.district": "add change",  # no service deletes a district
    "enterprises.industry": "",  # the standard's classification, loaded by a migration
    "enterprises.spectrum": "add change",
    "enterprises.enterprise": "add change delete export",
    "enterprises.membership": "add change delete",  # the title changes (issue 8 §2)
    "enterprises.jurisdiction": "add delete",  # a jurisdiction is added or removed
    "liaisons.assignment": "add change delete",
    # Requests are raised by enterprises (pages, API); officials triage them by action.
    "liaisons.helprequest": "add change",
    "liaisons.policynote": "add change",
    "liaisons.visit": "add change",
    "liaisons.task": "add change",
    "filings.negativelist": "add change delete",  # drafts; entries inline
    "filings.filing": "",  # decisions by action and on the confirmation page
    "portal.user": "add change delete",
    "auth.group": "add change delete",
    "portal.apitoken": "delete",  # tokens are issued by signing in; deleting revokes
    "portal.journalentry": "",
    "portal.journalanchor": "",
    "portal.journalverification": "",
    "portal.journalcheckpoint": "",
    "portal.delivery": "",
}.items()}
ADMIN_ACTIONS: dict[str, dict[str, str]] = {
    "filings.negativelist": {"publish": "change", "copy_as_draft": "add"},
    "filings.filing": {"approve_review": "change"},
    "portal.user": {"revoke_api_tokens": "change"},
    "liaisons.helprequest": {"assign_to_me": "change", "start": "change", "resolve": "change",
                             "reassign": "change", "release": "change"},
    "liaisons.task": {"close": "change", "verify": "change"},
}
NEVER_CHANGED = frozenset({"negative_list_published"})


@dataclass(frozen=True)
class Page:
    """A server-rendered page (or export) tried on an A-side object and its B-side twin:
    `codes[role]` = (answer for the A object, answer for the B one) to the role's A-side
    user; `anonymous` the answer signed out. `label`: the model whose scope decides."""

    name: str
    method: str
    path: str  # with {obj} and friends, filled from the world (test_pages_matrix.py)
    subject: str | None
    label: str | None
    codes: dict[str, tuple[int, int]]
    anonymous: int | str = "login"


def _codes(spec: str) -> dict[str, tuple[int, int]]:
    """`"enterprise=200/404 officers=404 ..."` → per role (A, B); one code means both."""
    found = {}
    for part in spec.split():
        who, _eq, answer = part.partition("=")
        a, _slash, b = answer.partition("/")
        for role in (("labor_officer", "supply_officer") if who == "officers" else (who,)):
            found[role] = (int(a), int(b or a))
    assert set(found) == set(ROLES), f"{spec}: every role needs its answers"
    return found


def _officers(if_they_read: str) -> str:
    """Officers' answers on a filing page: a reader's, or 404 (OFFICERS_READ_FILINGS)."""
    return if_they_read if OFFICERS_READ_FILINGS else "404"


EVERYONE = "enterprise=200 liaison=200 officers=200 inspector=200 admin=200"
INSPECTORS = "enterprise=403 liaison=403 officers=403 inspector=200 admin=200"
# Filing pages: readers of the filing (its members, its liaisons, inspectors, administrators)
# get it, everyone else a 404 (DESIGN §5); officers read no filing (OFFICERS_READ_FILINGS).
# Members act for their enterprise and liaisons review and confirm (DESIGN §1, §7); a step
# refused to a reader is 403, one the filing's state refuses a message (302) or a 400 page.
PAGES = [
    Page("home", "get", "/", None, None, _codes(EVERYONE)),
    Page("inbox", "get", "/notifications/", None, None, _codes(EVERYONE)),
    Page("filing list", "get", "/filings/", None, None, _codes(EVERYONE)),
    Page("tokens", "get", "/accounts/tokens/", None, None, _codes(EVERYONE)),
    Page("new filing", "get", "/filings/new/?enterprise={pk}", "enterprise_a",
         "enterprises.enterprise",
         # A member with an active filing is sent to it; administrators act as members.
         _codes("enterprise=302/404 liaison=403/404 officers=403/404 inspector=403 "
                "admin=302")),
    Page("filing", "get", "/filings/{pk}/", "filing_a", "filings.filing",
         _codes(f"enterprise=200/404 liaison=200/404 officers={_officers('200/404')} "
                f"inspector=200 admin=200")),
    # Neither filing is a draft: the edit page sends its readers to the filing.
    Page("filing edit", "get", "/filings/{pk}/edit/", "filing_a", "filings.filing",
         _codes(f"enterprise=302/404 liaison=302/404 officers={_officers('302/404')} "
                f"inspector=302 admin=302")),
    # Filing B, held for review, has no number and so no receipt.
    Page("receipt", "get", "/filings/{pk}/receipt/", "filing_a", "filings.filing",
         _codes(f"enterprise=200/404 liaison=200/404 officers={_officers('200/404')} "
                f"inspector=200/404 admin=200/404")),
    Page("attachment", "get", "/filings/{pk}/attachments/{attachment}/", "filing_a",
         "filings.filing",
         _codes(f"enterprise=200/404 liaison=200/404 officers={_officers('200/404')} "
                f"inspector=200 admin=200")),
    Page("confirmation page", "get", "/filings/{pk}/confirm/", "filing_a", "filings.filing",
         _codes(f"enterprise=403/404 liaison=200/404 officers={_officers('403/404')} "
                f"inspector=403 admin=200")),
    # Filing A is confirmed: reviewing it is a 400 page; filing B waits for review.
    Page("review", "post", "/filings/{pk}/confirm/", "filing_a", "filings.filing",
         _codes(f"enterprise=403/404 liaison=400/404 officers={_officers('403/404')} "
                f"inspector=403 admin=400/302")),
    Page("withdraw", "post", "/filings/{pk}/withdraw/", "filing_a", "filings.filing",
         _codes(f"enterprise=302/404 liaison=403/404 officers={_officers('403/404')} "
                f"inspector=403 admin=302")),
    Page("report rectified", "post", "/filings/{pk}/rectified/", "filing_a", "filings.filing",
         _codes(f"enterprise=302/404 liaison=403/404 officers={_officers('403/404')} "
                f"inspector=403 admin=302")),
    Page("upload", "post", "/filings/{pk}/attachments/", "filing_a", "filings.filing",
         _codes(f"enterprise=302/404 liaison=403/404 officers={_officers('403/404')} "
                f"inspector=403 admin=302")),
    # The public verification page behind the receipt's QR code (filing B has no number).
    Page("verify", "get", "/v/{verify_token}/", "filing_a", None,
         _codes("enterprise=200/404 liaison=200/404 officers=200/404 inspector=200/404 "
                "admin=200/404"), anonymous="200/404"),
    # The inspectors' audit (DESIGN §6): the journal, its CSV export, its integrity.
    Page("audit", "get", "/audit/", None, "portal.journalentry", _codes(INSPECTORS)),
    Page("audit export", "get", "/audit/export.csv", None, "portal.journalentry",
         _codes(INSPECTORS)),
    Page("audit integrity", "get", "/audit/integrity/", None, "portal.journalentry",
         _codes(INSPECTORS)),
    Page("audit timeline", "get", "/audit/object/enterprises.enterprise/{pk}/", "enterprise_a",
         "portal.journalentry", _codes(INSPECTORS)),
    # The admin's export: staff only (administrators, liaisons); others sign in to it.
    Page("admin export", "get", "/admin/enterprises/enterprise/export/", None,
         "enterprises.enterprise",
         _codes("enterprise=302 liaison=200 officers=302 inspector=302 admin=200"),
         anonymous="admin-login"),
]

# `member_left`: an enterprise user whose only membership was removed.
LEFT_MEMBER: dict[str, Row] = {
    **TABLE["enterprise"],
    "enterprises.enterprise": row("view add change"),
    "enterprises.membership": row("view"),
    "filings.filing": row("view add change", refused=FILING_ACTIONS_OF_LIAISONS),
    "filings.attachment": row("view add"),
    "filings.confirmation": row("view"),
    "liaisons.helprequest": row("view add change", refused=HELP_ACTIONS_OF_OFFICIALS),
    "liaisons.helprequestcomment": row("view add"),
    "liaisons.visit": row("view"),
    "liaisons.visitphoto": row("view"),
    "liaisons.task": row("view change", refused={"verify"}),
    **_own("member_left"),
}

# Where the code disagrees with the table on something DESIGN (or an issue) decides:
# (role, model label) → the defect; the cases it breaks are xfail(strict=True).
_OFFICERS_FILINGS = (
    "issue 9 §1: officers are granted the filings (portal/roles.py OFFICER_FILINGS_READ, "
    "and Filing's visible_to reaches them through their districts' enterprises), but "
    "DESIGN §6 gives officers trips and workers, and only inspectors everything about "
    "filings (tests/api_contract/scope_table.py OFFICERS_READ_FILINGS)"
)
KNOWN_DEFECTS: dict[tuple[str, str], str] = {
    **{(role, label): _OFFICERS_FILINGS
       for role in ("labor_officer", "supply_officer")
       for label in ("filings.filing", "filings.attachment", "filings.confirmation")
       if not OFFICERS_READ_FILINGS},
}


# Roles that read both sides: their B-side user reads what the A-side one does, but for
# their own rows (inbox, tokens).
BOTH_SIDES = frozenset({"inspector", "admin"})
# Names with no twin: only filing A was confirmed on site (filing B waits for review).
ONE_SIDED = frozenset({"confirmation_a", "visit_confirmation_a", "visit_photo_confirmation_a"})


def mirror(name: str) -> str:
    """The B-side twin of an A-side name and back (`filing_a` ↔ `filing_b`)."""
    match = re.fullmatch(r"(.*)_([ab])", name)
    if not match:
        return name
    return f"{match[1]}_{'b' if match[2] == 'a' else 'a'}"


def expected(user_name: str, role: str, label: str) -> Row | None:
    """The table's row for the world user `user_name` (of `role`) and `label` (None: the
    table does not know the model)."""
    if user_name == "member_left":
        return LEFT_MEMBER.get(label)
    found = TABLE[role].get(label)
    if found is None or user_name.endswith("_a") or found.reads == ALL:
        return found
    if role in BOTH_SIDES and label not in OWN_ROWS:
        return found
    reads = frozenset(mirror(name) for name in found.reads if name not in ONE_SIDED)
    return Row(found.may, reads, found.refused)


def defect(role: str, label: str) -> str | None:
    return KNOWN_DEFECTS.get((role, label))


# Where the admin of issue 11's new models still disagrees with the table (an xfail naming
# the disagreement; issue 11 stays open for them): the help-request triage actions are
# offered to every holder of change_helprequest (enterprise staff included) and refused by
# the services for anyone but a serving liaison, and "assign to me" / "reassign" for an
# administrator who serves no enterprise; the task admin offers closing and verifying to
# both sides while the services let each side do one; a visit's change form is editable
# only by the official who visited (a confirmation visit never).
_ISSUE_11_ADMIN = (
    "issue 11: the liaisons admins (help requests, tasks, visits) offer actions and edits "
    "that their services then refuse for this role; the admin should offer only what the "
    "services allow the user"
)
ADMIN_DEFECTS: dict[tuple[str, str], str] = {
    **{(role, "liaisons.helprequest"): _ISSUE_11_ADMIN for role in ("enterprise", "liaison",
                                                                    "admin")},
    **{(role, "liaisons.task"): _ISSUE_11_ADMIN for role in ("enterprise", "liaison", "admin")},
    **{(role, "liaisons.visit"): _ISSUE_11_ADMIN for role in ("liaison", "admin")},
}

