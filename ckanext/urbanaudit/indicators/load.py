"""``ckan urbanaudit indicators load``: the catalogue becomes CKAN datasets of type ``indicator``.

Idempotent: a dataset whose fields already match its catalogue entry is left untouched; changed entries are
updated in place; entries dropped from the catalogue are not deleted (their values may still be referenced) but
reported. The owning department is ``owner`` (default: the portal city's organization), or per theme.
"""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk
from ckan import model

from ckanext.urbanaudit import bulk
from ckanext.urbanaudit import config as ua_config
from ckanext.urbanaudit.cities.model import City
from ckanext.urbanaudit.indicators.catalogue import catalogue, dataset_fields


class IndicatorLoadError(ValueError):
    pass


def default_owner() -> str:
    city = City.get(ua_config.city())
    org = (city.config or {}).get("organization") if city else None
    if not org:
        raise IndicatorLoadError(
            f"The portal's city '{ua_config.city()}' is not loaded: run `ckan urbanaudit city load` first, "
            "or name the owning organization with --owner.")
    return org


def _org_id(name: str) -> str:
    org = model.Group.get(name)
    if org is None or not org.is_organization or org.state != "active":
        raise IndicatorLoadError(f"No active organization '{name}'.")
    return org.id


def _same(existing: dict[str, Any], wanted: dict[str, Any]) -> bool:
    for key, value in wanted.items():
        if key == "tags":
            if sorted(t["name"] for t in existing.get("tags") or []) != sorted(t["name"] for t in value):
                return False
        elif key == "iso37120_theme":
            if list(existing.get(key) or []) != list(value):
                return False
        elif (existing.get(key) or "") != (value or ""):
            return False
    return True


def _create(records: list[dict[str, Any]], user: str) -> int:
    """The new indicator datasets, as package_create would make them (its access check and validation per
    record), written in one bulk write and one commit: all of them or, if one is refused, none."""
    context = {"user": user}
    validated = [bulk.checked(context, record) for record in records]
    try:
        bulk.create(dict(context), validated)
        model.repo.commit()
    except Exception:
        model.Session.rollback()
        raise
    return len(validated)


def load(owner: str | None = None, theme_owners: dict[str, str] | None = None,
         user: str | None = None, codes: list[str] | None = None) -> dict[str, int]:
    """Create or update the indicator datasets (all, or those of ``codes``); returns counts."""
    owner_id = _org_id(owner or default_owner())
    theme_ids = {theme: _org_id(org) for theme, org in (theme_owners or {}).items()}
    user = user or tk.get_action("get_site_user")({"ignore_auth": True}, {})["name"]
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    new: list[dict[str, Any]] = []
    for ind in catalogue().indicators:
        if codes and ind.code not in codes:
            continue
        wanted = dict(dataset_fields(ind), owner_org=theme_ids.get(ind.theme or "", owner_id))
        context = {"user": user}
        try:
            existing = tk.get_action("package_show")(dict(context), {"id": wanted["name"]})
        except tk.ObjectNotFound:
            new.append(wanted)
            continue
        if existing.get("type") != "indicator":
            raise IndicatorLoadError(f"The URL name '{wanted['name']}' of {ind.code} is taken by a "
                                     f"{existing.get('type')} dataset.")
        if existing.get("state") == "active" and _same(existing, wanted):
            counts["unchanged"] += 1
            continue
        # keep what the catalogue does not set (e.g. private, resources)
        tk.get_action("package_update")(dict(context), {**existing, **wanted, "state": "active"})
        counts["updated"] += 1
    counts["created"] = _create(new, user)
    names = {i.slug for i in catalogue().indicators}
    counts["not_in_catalogue"] = model.Session.query(model.Package).filter(
        model.Package.type == "indicator", model.Package.state == "active",
        model.Package.name.notin_(names)).count()
    return counts
