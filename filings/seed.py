"""The shipped negative list: Hangzhou's of 28 February 2020, mapped to GB/T 4754-2017."""

from __future__ import annotations

import csv
import datetime
from pathlib import Path

from django.db import transaction

from enterprises.models import District, Industry

from . import services
from .models import NegativeList

DATA_DIR = Path(__file__).resolve().parent / "data"
HANGZHOU_FILE = DATA_DIR / "negative_list_hangzhou_2020-02-28.csv"
HANGZHOU_TITLE = "杭州市企业复工负面清单"
HANGZHOU_DATE = datetime.date(2020, 2, 28)
HANGZHOU_NOTE = (
    "杭州市新冠肺炎疫情防控期间企业复工负面清单（2020年2月28日）：影剧院、棋牌室、游戏厅、网吧、"
    "歌舞厅、酒吧、KTV、线下培训机构等人员密集场所暂不复工；清单外企业在线备案即可复工。"
)


def read_entries(path: Path = HANGZHOU_FILE) -> list[dict]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@transaction.atomic
def seed_negative_list(*, actor=None) -> NegativeList | None:
    """Create and publish version 1 (the Hangzhou list) unless a version 1 exists already.
    Returns the version created, or None when there was nothing to do."""
    if NegativeList.objects.filter(number=1).exists():
        return None
    rows = read_entries()
    industries = Industry.objects.in_bulk({row["industry"] for row in rows})
    districts = District.objects.in_bulk({row["district"] for row in rows if row["district"]})
    missing = sorted(
        {row["industry"] for row in rows} - set(industries)
        | {row["district"] for row in rows if row["district"]} - set(districts)
    )
    if missing:
        raise LookupError(f"reference data missing for the negative list: {missing}")
    draft = services.negative_list_create(
        actor=actor, number=1, title=HANGZHOU_TITLE, note=HANGZHOU_NOTE,
        effective_from=HANGZHOU_DATE,
    )
    for row in rows:
        services.negative_list_entry_add(
            negative_list=draft, actor=actor, industry=industries[row["industry"]],
            name=row["name"], reason=row["reason"],
            district=districts.get(row["district"]) if row["district"] else None,
        )
    return services.negative_list_publish(negative_list=draft, actor=actor).negative_list
