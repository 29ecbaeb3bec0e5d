"""What the inventory schema says about its fields, for every concern that reads records (quality, the
overview, the harvesters' mapping)."""
from __future__ import annotations

from ckanext.scheming.helpers import scheming_get_dataset_schema


def publication_required_fields(dataset_type: str = "dataset") -> list[dict]:
    """The fields a published record must carry (``publication_required`` in the scheming schema)."""
    schema = scheming_get_dataset_schema(dataset_type) or {}
    return [f for f in schema.get("dataset_fields", []) if f.get("publication_required")]
