"""Validators of the analysis schema (schemas/analysis.yaml; registered by the blanket decorator): the data sets
and indicators an analysis uses must exist in the catalogue and be visible to the editor who names them."""
from __future__ import annotations

import json
from typing import Any

import ckan.plugins.toolkit as tk
from ckan import model
from ckan.types import Context, FlattenDataDict, FlattenErrorDict, FlattenKey

from ckanext.urbanaudit import utils
from ckanext.urbanaudit.indicators import visibility


def _given(value: Any) -> list[str]:
    """The values of a multi-valued field as a form (one string or several), the API (a list, JSON text or
    comma-separated text) or package_show's output gives them; duplicates dropped, order kept."""
    if value is tk.missing or value is None:
        return []
    if isinstance(value, str) and not value.strip().startswith("["):
        items = utils.comma_list(value)
    else:
        items = [str(v).strip() for v in utils.json_list(value) if str(v).strip()]
    return list(dict.fromkeys(items))


def _may_see(context: Context, package_id: str) -> bool:
    check = {"user": context.get("user"), "model": model, "ignore_auth": bool(context.get("ignore_auth"))}
    try:
        tk.check_access("package_show", check, {"id": package_id})  # type: ignore[arg-type]
    except tk.NotAuthorized:
        return False
    return True


def urbanaudit_uses_datasets(key: FlattenKey, data: FlattenDataDict, errors: FlattenErrorDict,
                             context: Context) -> None:
    """Names or ids of data sets of the inventory (type ``dataset``, active, visible to the editor); stored as
    a JSON list of ids, so that renaming a data set keeps the link."""
    ids = []
    for ref in _given(data.get(key)):
        pkg = model.Package.get(ref)
        if pkg is None or pkg.state != "active" or pkg.type != "dataset" or not _may_see(context, pkg.id):
            errors[key].append(tk._("No data set \"%s\" in the catalogue that you may see.") % ref)
            continue
        ids.append(pkg.id)
    data[key] = json.dumps(list(dict.fromkeys(ids)))


def urbanaudit_uses_indicators(key: FlattenKey, data: FlattenDataDict, errors: FlattenErrorDict,
                               context: Context) -> None:
    """Codes (or URL names) of indicators of the catalogue the editor may see; stored as a JSON list of codes."""
    given = _given(data.get(key))
    seen = visibility.for_context(dict(context)) if given else None
    codes = []
    for ref in given:
        ind = seen.indicator(ref) if seen else None
        if ind is None:
            errors[key].append(tk._("No indicator \"%s\" in the catalogue that you may see.") % ref)
            continue
        codes.append(ind.code)
    data[key] = json.dumps(list(dict.fromkeys(codes)))


def urbanaudit_json_list_output(value: Any) -> list[str]:
    """A stored JSON list as a list (nothing stored: an empty list)."""
    return [str(v) for v in utils.json_list(value) if v not in (None, "")]
