"""The sync feed carries filings to their enterprise and published lists to everyone."""

import pytest

from portal.roles import Role
from tests.factories import user_with

from . import factories

pytestmark = pytest.mark.django_db


def types_and_ids(client):
    rows = client.get("/api/v1/changes/?after=0&limit=1000").json()["results"]
    return {(row["type"], row["id"]) for row in rows}


def test_feed_scopes_filings_and_shows_only_published_lists(client_for):
    published = factories.negative_list([("8760", "电影院", None)])
    draft = factories.negative_list([("9013", "网吧", None)], publish=False)
    enterprise, member = factories.member_enterprise()
    mine = factories.filed(enterprise, member)
    other, other_member = factories.member_enterprise()
    theirs = factories.filed(other, other_member)
    seen = types_and_ids(client_for(member))
    assert ("filings.filing", str(mine.pk)) in seen
    assert ("filings.filing", str(theirs.pk)) not in seen
    assert ("filings.negativelist", str(published.pk)) in seen
    assert ("filings.negativelist", str(draft.pk)) not in seen
    entries = {row_id for kind, row_id in seen if kind == "filings.negativelistentry"}
    assert entries == {str(published.entries.get().pk)}
    inspector = types_and_ids(client_for(user_with(Role.INSPECTOR)))
    assert ("filings.filing", str(theirs.pk)) in inspector
