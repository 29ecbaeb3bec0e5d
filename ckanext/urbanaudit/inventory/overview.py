"""The inventory overview: what the city (or one department) has declared and what is missing.

Counts come from the records the viewer may see (package_search applies CKAN's
permission labels, so private records count only for members of their department).
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import ckan.plugins.toolkit as tk
from ckanext.scheming.helpers import scheming_field_by_name, scheming_get_dataset_schema

from ckanext.urbanaudit import utils, vocabularies
from ckanext.urbanaudit.inventory.fields import publication_required_fields

# counted fields and the vocabulary (or schema choices) naming their values
COUNTED = {
    "theme": "data-theme",
    "iso37120_theme": "iso37120-theme",
    "access_rights": "access-right",
    "publication_status": None,
}
# recommended for a useful inventory record, beyond what publication requires
RECOMMENDED = ["spatial", "temporal_coverage", "issued", "modified", "iso37120_theme", "source_system",
               "storage_location", "openness_level", "known_quality_issues", "documentation"]
PAGE = 1000


def _records(context: dict, owner_org: str | None) -> Iterator[dict]:
    fq = "+dataset_type:dataset"
    if owner_org:
        fq += f' +owner_org:"{owner_org}"'
    yield from utils.search_all(context, {"fq": fq, "include_private": True, "include_drafts": False}, rows=PAGE)


def _filled(value: Any) -> bool:
    if isinstance(value, list):
        return any(_filled(v) for v in value)
    if isinstance(value, dict):
        return any(_filled(v) for v in value.values())
    return value not in (None, "")


def _label(field: str, value: str, lang: str) -> str:
    vocabulary = COUNTED.get(field)
    choices = vocabularies.choices(vocabulary) if vocabulary else _schema_choices(field)
    for choice in choices:
        if str(choice["value"]) == value:
            label = choice["label"]
            return label.get(lang) or label.get("pl") if isinstance(label, dict) else label
    return value


def _schema_field(field: str) -> dict:
    return scheming_field_by_name(scheming_get_dataset_schema("dataset")["dataset_fields"], field) or {}


def _schema_choices(field: str) -> list[dict]:
    return _schema_field(field).get("choices", [])


def _field_label(field: str, lang: str) -> str:
    label = _schema_field(field).get("label", field)
    return label.get(lang) or label.get("pl") if isinstance(label, dict) else label


def overview(context: dict, owner_org: str | None = None, lang: str = "pl") -> dict[str, Any]:
    """Counts per theme / ISO 37120 theme / access level / status, the most-missed fields, silent departments."""
    wanted = [f["field_name"] for f in publication_required_fields()] + RECOMMENDED
    counts: dict[str, Counter] = {field: Counter() for field in COUNTED}
    missing: Counter = Counter()
    per_org: Counter = Counter()
    total = 0
    for record in _records(context, owner_org):
        total += 1
        per_org[record.get("owner_org")] += 1
        for field in COUNTED:
            value = record.get(field)
            for item in value if isinstance(value, list) else [value]:
                if item:
                    counts[field][str(item)] += 1
        for field in wanted:
            value = record.get("tags") if field == "tag_string" else record.get(field)
            if not _filled(value):
                missing[field] += 1
    result = {
        "total": total,
        "counts": {field: [{"value": v, "label": _label(field, v, lang), "count": n}
                           for v, n in counter.most_common()] for field, counter in counts.items()},
        "missing": [{"field": f, "label": _field_label(f, lang), "count": n, "share": n / total}
                    for f, n in missing.most_common() if n],
    }
    if owner_org is None:
        organizations = tk.get_action("organization_list")(dict(context), {"all_fields": True, "limit": 1000})
        result["silent_departments"] = [o for o in organizations if not per_org.get(o["id"])]
        result["departments"] = sorted(
            ({"name": o["name"], "title": o["title"], "count": per_org.get(o["id"], 0)} for o in organizations),
            key=lambda d: (-d["count"], d["title"]))
    return result
