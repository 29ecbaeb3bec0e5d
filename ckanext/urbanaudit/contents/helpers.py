"""Template helpers of the data itself (collected by helpers.py)."""
from __future__ import annotations

import ckan.plugins.toolkit as tk

from ckanext.urbanaudit.contents import checks, jobs
from ckanext.urbanaudit.quality import metrics


def urbanaudit_content_check(resource_id: str) -> dict | None:
    """The latest content check of a resource (its report), or None before the first."""
    row = jobs.latest(resource_id)
    return row.as_dict() if row else None


def urbanaudit_content_kind_label(kind: str) -> str:
    return tk._(checks.KIND_LABELS.get(kind, kind))


def urbanaudit_content_problem(found: dict) -> str:
    """One problem of a content report in the page's language (the type name it names translated too)."""
    params = dict(found.get("params") or {})
    type_name = params.get("type")
    if type_name in checks.TYPE_NAMES.values():
        params["type"] = tk._(type_name)
    return metrics.text(found["message"], params, tk._)
