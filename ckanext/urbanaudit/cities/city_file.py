"""City files (schemas/cities/*.yaml): one YAML per city, turned into the city row, its
organizations and its harvest sources by ``ckan urbanaudit city load FILE``.

Loading is idempotent: what already matches the file is left untouched, so a second run changes nothing.
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import ckan.plugins.toolkit as tk
import yaml
from ckan import model

from ckanext.urbanaudit import config as ua_config
from ckanext.urbanaudit.cities.model import City
from ckanext.urbanaudit.utils import utcnow

TERYT = re.compile(r"^\d{7}$")
BDL_UNIT = re.compile(r"^\d{12}$")
URBAN_AUDIT = re.compile(r"^[A-Z]{2}\d{3}[CKF]\d?$")
SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]{1,99}$")
FREQUENCIES = {"MANUAL", "MONTHLY", "WEEKLY", "BIWEEKLY", "DAILY", "ALWAYS"}
# harvest source types whose URL defaults to the configured base URL of an API
API_SOURCES = {
    "urbanaudit_bdl": "bdl",
    "urbanaudit_eurostat": "eurostat",
    "urbanaudit_gios": "gios",
    "urbanaudit_danegovpl": "danegovpl",
}
ORG_FIELDS = ("title", "description", "unit_type", "unit_code", "contact_email")


class CityFileError(ValueError):
    """The city file cannot be loaded; the message lists every problem found."""


def read(path: str | Path) -> dict[str, Any]:
    """Parse and check a city file; raises CityFileError naming the file and each problem."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text("utf-8"))
    except OSError as e:
        raise CityFileError(f"{path}: cannot read the file ({e.strerror})") from None
    except yaml.YAMLError as e:
        raise CityFileError(f"{path}: not valid YAML: {e}") from None
    if not isinstance(data, dict):
        raise CityFileError(f"{path}: a city file is a YAML mapping (slug, name, teryt, ...)")
    problems = _check_codes(data) + _check_organizations(data) + _check_sources(data)
    if problems:
        raise CityFileError(f"{path}:\n  - " + "\n  - ".join(problems))
    data["_path"] = path
    return data


def _check_codes(data: dict) -> list[str]:
    problems = []
    for key, pattern, what, required in (
        ("slug", SLUG, "a lowercase slug, e.g. kielce", True),
        ("teryt", TERYT, 'a 7-digit TERYT code in quotes, e.g. "2661011"', True),
        ("bdl_unit_id", BDL_UNIT, "a 12-digit BDL unit id in quotes", False),
        ("urban_audit_code", URBAN_AUDIT, "an Urban Audit city code, e.g. PL012C", False),
    ):
        value = data.get(key)
        if value is None:
            if required:
                problems.append(f"'{key}' is missing ({what})")
            continue
        data[key] = str(value)
        if not pattern.match(data[key]):
            problems.append(f"'{key}' = {value!r} is not {what}")
    if not str(data.get("name") or "").strip():
        problems.append("'name' is missing")
    peers = data.setdefault("peers", [])
    if not isinstance(peers, list) or not all(isinstance(p, str) and SLUG.match(p) for p in peers):
        problems.append("'peers' must be a list of city-file slugs, e.g. [lublin, bialystok]")
    return problems


def _check_organizations(data: dict) -> list[str]:
    problems = []
    org = data.get("organization")
    if not isinstance(org, dict) or not SLUG.match(str(org.get("name", ""))):
        problems.append("'organization' needs a 'name' (lowercase slug) and a 'title'")
    departments = data.setdefault("departments", [])
    if not isinstance(departments, list) or not all(
        isinstance(d, dict) and SLUG.match(str(d.get("name", ""))) for d in departments
    ):
        problems.append("'departments' must be a list of organizations, each with a 'name' slug")
    return problems


def _check_sources(data: dict) -> list[str]:
    sources = data.setdefault("harvest_sources", [])
    if not isinstance(sources, list):
        return ["'harvest_sources' must be a list"]
    problems = []
    for i, source in enumerate(sources):
        where = f"harvest_sources[{i}]"
        if not isinstance(source, dict):
            problems.append(f"{where} must be a mapping")
            continue
        if not SLUG.match(str(source.get("name", ""))):
            problems.append(f"{where}: 'name' must be a lowercase slug")
        if not source.get("type"):
            problems.append(f"{where}: 'type' is missing (e.g. urbanaudit_eurostat, ckan, dcat_rdf, csw)")
        elif source["type"] not in API_SOURCES and not source.get("url"):
            problems.append(f"{where}: a '{source['type']}' source needs a 'url'")
        source["frequency"] = str(source.get("frequency") or "MANUAL").upper()
        if source["frequency"] not in FREQUENCIES:
            problems.append(f"{where}: 'frequency' must be one of {', '.join(sorted(FREQUENCIES))}")
        if not isinstance(source.setdefault("config", {}), dict):
            problems.append(f"{where}: 'config' must be a mapping")
    return problems


def _counts() -> dict[str, int]:
    return {"created": 0, "updated": 0, "unchanged": 0}


def _upsert_city(data: dict, peers: list[str], counts: dict) -> City:
    fields = {
        "slug": data["slug"],
        "name": str(data["name"]).strip(),
        "bdl_unit_id": data.get("bdl_unit_id"),
        "urban_audit_code": data.get("urban_audit_code"),
        "peers": peers,
        "config": {
            "organization": data["organization"]["name"],
            "gios": data.get("gios") or {},
            "danegovpl": data.get("danegovpl") or {},
        },
    }
    city = model.Session.get(City, data["teryt"])
    if city is None:
        city = City(teryt=data["teryt"], **fields)
        model.Session.add(city)
        counts["created"] += 1
    elif any(getattr(city, k) != v for k, v in fields.items()):
        for k, v in fields.items():
            setattr(city, k, v)
        city.updated_at = utcnow()
        counts["updated"] += 1
    else:
        counts["unchanged"] += 1
    return city


def _upsert_org(context: dict, spec: dict, counts: dict) -> dict:
    wanted = {k: str(spec[k]) for k in ORG_FIELDS if spec.get(k) is not None}
    try:
        org = tk.get_action("organization_show")(dict(context), {"id": spec["name"]})
    except tk.ObjectNotFound:
        counts["created"] += 1
        return tk.get_action("organization_create")(dict(context), {"name": spec["name"], **wanted})
    if org.get("state") == "active" and all(str(org.get(k) or "") == v for k, v in wanted.items()):
        counts["unchanged"] += 1
        return org
    counts["updated"] += 1
    return tk.get_action("organization_patch")(dict(context), {"id": org["id"], "state": "active", **wanted})


def _upsert_source(context: dict, city: City, spec: dict, orgs: dict[str, dict], counts: dict) -> None:
    owner = spec.get("owner") or city.config["organization"]
    if owner not in orgs:
        raise CityFileError(f"harvest source {spec['name']}: owner '{owner}' is not the city's organization "
                            f"or one of its departments")
    url = spec.get("url") or ua_config.source_url(API_SOURCES[spec["type"]])
    source_config = {"city": city.teryt, **spec["config"]}
    wanted = {
        "title": spec.get("title") or spec["name"],
        "url": url,
        "source_type": spec["type"],
        "frequency": spec["frequency"],
        "owner_org": orgs[owner]["id"],
    }
    try:
        existing = tk.get_action("harvest_source_show")(dict(context), {"id": spec["name"]})
    except tk.ObjectNotFound:
        tk.get_action("harvest_source_create")(
            dict(context), {"name": spec["name"], "config": json.dumps(source_config, ensure_ascii=False), **wanted}
        )
        counts["created"] += 1
        return
    same = all(existing.get(k) == v for k, v in wanted.items())
    same = same and json.loads(existing.get("config") or "{}") == source_config and existing.get("state") == "active"
    if same:
        counts["unchanged"] += 1
        return
    tk.get_action("harvest_source_update")(
        dict(context),
        {"id": existing["id"], "name": spec["name"], "state": "active",
         "config": json.dumps(source_config, ensure_ascii=False), **wanted},
    )
    counts["updated"] += 1


def load(path: str | Path, user: str | None = None) -> dict[str, dict[str, int]]:
    """Create or update the city of ``path``, its peers' rows, its organizations and harvest sources."""
    data = read(path)
    folder = data["_path"].parent
    peer_files = []
    for slug in data["peers"]:
        peer_path = folder / f"{slug}.yaml"
        if not peer_path.is_file():
            raise CityFileError(f"{data['_path']}: peer '{slug}' has no city file {peer_path}")
        peer_files.append(read(peer_path))
    user = user or tk.get_action("get_site_user")({"ignore_auth": True}, {})["name"]
    context = {"user": user}
    report = {"cities": _counts(), "organizations": _counts(), "harvest_sources": _counts()}
    try:
        for peer in peer_files:
            existing = model.Session.get(City, peer["teryt"])
            # a peer row keeps the peers its own file gives once that file is loaded
            peer_peers = existing.peers if existing is not None else []
            _upsert_city(peer, peer_peers, report["cities"])
        city = _upsert_city(data, [p["teryt"] for p in peer_files], report["cities"])
        model.Session.commit()
        orgs = {}
        for spec in [data["organization"], *data["departments"]]:
            orgs[spec["name"]] = _upsert_org(context, spec, report["organizations"])
        for spec in data["harvest_sources"]:
            _upsert_source(context, city, spec, orgs, report["harvest_sources"])
    except tk.ValidationError as e:
        model.Session.rollback()
        raise CityFileError(f"{data['_path']}: {e.error_summary}") from None
    return report
