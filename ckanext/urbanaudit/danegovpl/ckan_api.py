"""The CKAN API path of dane.gov.pl: ``current_package_list_with_resources``.

dane.gov.pl's CKAN harvester (mcod ``DatasetSchema``) calls the action with no
parameters, expects every dataset in one answer, and maps: id (extIdent, at
most 36 characters), name, title, notes, metadata_created, metadata_modified,
organization, license_id (cc-zero, cc-by, cc-by-sa, cc-nc accepted), tags
(id, name) and resources (id, name, description, url — https only —, format,
created, last_modified). A record missing from the answer is deleted there.

CKAN 2.11's core action asks Solr for ``rows=limit`` (so, without a limit, 10
records), lets a sysadmin's call include private records, and sorts by score
then modification time with no tie-breaker. This module fixes all three and
answers with exactly the records the XML feed publishes.
"""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk

from ckanext.urbanaudit.danegovpl import mapping

BATCH = 500


def eligible_fq() -> str:
    """The Solr filter of ``mapping.classify``'s "published" outcome (kept equal by tests)."""
    categories = " OR ".join(mapping.CATEGORIES)
    closed = " OR ".join(sorted({"notspecified", *mapping.CLOSED}))
    return " ".join([
        "+dataset_type:dataset", "+capacity:public", "+publication_status:published",
        f'-access_rights:"{mapping.NON_PUBLIC}"', f'-access_rights:"{mapping.RESTRICTED}"',
        "-personal_data:yes", "+license_id:[* TO *]", f"-license_id:({closed})",
        f"+extras_theme:({categories})", "+tags:[* TO *]", r"+res_url:https\://*",
    ])


def _int(data_dict: dict, key: str, default: int | None) -> int | None:
    value = data_dict.get(key)
    if value in (None, ""):
        return default
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise tk.ValidationError({key: [tk._("Must be a whole number.")]}) from None
    if number < 0:
        raise tk.ValidationError({key: [tk._("Must be zero or more.")]})
    return number


def _iso(value: Any) -> str | None:
    text = mapping._date(value)
    return f"{text}T00:00:00" if text else None


def shape(pkg: dict) -> dict:
    """A record as dane.gov.pl's CKAN harvester reads it: no null where it wants a string,
    only the https resources it accepts, resource names and data-update dates filled."""
    pkg = dict(pkg)
    pkg["notes"] = pkg.get("notes") or ""
    resources = []
    for original in pkg.get("resources") or []:
        url = mapping.https_url(original)
        if not url:
            continue
        res = dict(original)
        fmt = (res.get("format") or "").strip()
        res["format"] = fmt
        if not (res.get("name") or "").strip():
            res["name"] = url.rstrip("/").rsplit("/", 1)[-1] or f"{pkg.get('title')} ({fmt or url})"
        res["description"] = res.get("description") or ""
        if not res.get("last_modified"):
            res["last_modified"] = _iso(res.get("modified"))
        resources.append(res)
    pkg["resources"] = resources
    pkg["num_resources"] = len(resources)
    return pkg


def package_list(context: dict, data_dict: dict) -> list[dict]:
    limit = _int(data_dict, "limit", None)
    offset = _int(data_dict, "offset", None)
    if offset is None:
        page = _int(data_dict, "page", None)
        offset = (page - 1) * limit if (page and limit) else 0
    search = tk.get_action("package_search")
    results: list[dict] = []
    start = offset
    while limit is None or len(results) < limit:
        rows = BATCH if limit is None else min(BATCH, limit - len(results))
        if rows == 0:
            break
        page_result = search({**context, "ignore_auth": True}, {
            "q": "*:*", "fq": eligible_fq(), "sort": "metadata_modified desc, id asc",
            "rows": rows, "start": start, "include_private": False,
        })
        batch = page_result["results"]
        results.extend(shape(pkg) for pkg in batch)
        start += len(batch)
        if len(batch) < rows or start >= page_result["count"]:
            break
    return results
