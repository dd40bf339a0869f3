"""Reference data shipped with the portal: GB/T 4754-2017 industries and GB/T 2260 districts."""

import csv
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"


def read_rows(name: str) -> list[dict]:
    with open(DATA_DIR / name, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def load_industries(Industry) -> int:
    """Insert or refresh every industry class (parents first). Returns the rows written.

    Takes the model as an argument so data migrations can pass their historical model.
    """
    rows = read_rows("gbt4754_2017.csv")
    existing = set(Industry.objects.values_list("code", flat=True))
    new, changed = [], []
    for row in rows:
        obj = Industry(
            code=row["code"],
            name=row["name"],
            level=row["level"],
            parent_id=row["parent"] or None,
            name_en=row.get("name_en", ""),
        )
        (changed if obj.code in existing else new).append(obj)
    Industry.objects.bulk_create(new, batch_size=1000)
    Industry.objects.bulk_update(changed, ["name", "level", "parent", "name_en"], batch_size=1000)
    return len(rows)


def load_districts(*, actor=None, codes_under: tuple[str, ...] = ()) -> int:
    """Create the shipped districts that are missing, through the journaled service."""
    from .models import District
    from .services import district_create

    existing = set(District.objects.values_list("code", flat=True))
    parents = {}
    created = 0
    for row in read_rows("districts.csv"):
        if codes_under and not any(row["code"].startswith(p) for p in codes_under):
            continue
        if row["code"] in existing:
            continue
        parent = None
        if row["parent"]:
            parent = (
                parents.get(row["parent"]) or District.objects.filter(code=row["parent"]).first()
            )
        district = district_create(
            actor=actor,
            code=row["code"],
            name=row["name"],
            level=row["level"],
            parent=parent,
            name_en=row.get("name_en", ""),
        )
        parents[district.code] = district
        created += 1
    return created
