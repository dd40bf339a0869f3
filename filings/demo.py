"""Demo filings for `seed_demo`: the negative list, and the story's company filed.

Needs the "story_enterprise" the enterprise registry's demo left in `demo.things`.
"""

from __future__ import annotations

import datetime

from portal.demo import Demo

from . import services
from .models import MEASURES, Filing
from .seed import seed_negative_list

# 杭州平治信息技术有限公司 filed its commitment online on 21 February 2020 (the story).
STORY_FILING = {
    "planned_resume_date": datetime.date(2020, 2, 21),
    "employees_total": 230,
    "employees_returning": 180,
    "employees_from_outside": 35,
    "signer_name": "董叶明",
}


def seed(demo: Demo) -> None:
    """Publish the negative list and file for the story's enterprise, once."""
    story, member = demo.things["story_enterprise"], demo.users["enterprise"]
    demo.count("negative_lists", seed_negative_list() is not None)
    filed = 0
    if not Filing.objects.filter(enterprise=story).exists():
        draft = services.filing_create(
            actor=member, enterprise=story, commitment_accepted=True,
            **STORY_FILING, **dict.fromkeys(MEASURES, True),
        )
        services.filing_submit(filing=draft, actor=member)
        filed = 1
    demo.count("filings", filed)
