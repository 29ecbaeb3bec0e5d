"""Template helpers of the inventory forms."""
from __future__ import annotations

from typing import Any

from ckanext.urbanaudit import vocabularies


def urbanaudit_vocabulary_choices(field: dict[str, Any]) -> list[dict]:
    """scheming ``choices_helper``: the choices of the vocabulary the field names."""
    return vocabularies.choices(field["vocabulary"])
