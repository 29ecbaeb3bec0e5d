"""Harvester of other CKAN portals (e.g. Gdańsk's or Gdynia's open-data CKAN) into the inventory.

It reads what ckanext-harvest's stock ``ckan`` harvester reads — ``{url}/api/3/action/package_search`` paged
by ``rows``/``start``, sorted by id — but runs on our base (base.py): a record whose mapped content did not
change since the last import makes no harvest object at all, a record gone from the portal is withdrawn.
:func:`modify_package_dict` (the name of ckanext-harvest's hook for the same job) maps a remote CKAN dataset
into the inventory schema: keywords, EU and ISO 37120 themes from the portal's groups and tags, frequency
and GeoJSON extent from its extras, contact from its maintainer/author/"Kontakt" extras, resources; the
rules of upstream.py then give it its department, defaults and publication status.

Source configuration: ``{"city": "<TERYT>", "department": "<organization>", "defaults": {...}, "fq": "..."}``
(``fq`` filters the remote search, e.g. ``"organization:wydzial-srodowiska"``).

Between full comparisons (``ckanext.urbanaudit.harvest.full_compare_hours``, or ``"full_compare_hours"`` in the
source configuration) a job asks the portal only for ``metadata_modified:[since TO *]``, ``since`` being the
start of the source's last job minus one hour, and withdraws nothing; the full comparison reads everything and
withdraws what the portal no longer lists.
"""
from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from typing import Any

import ckan.plugins.toolkit as tk
from ckanext.harvest.model import HarvestObject
from ckanext.urbanaudit.harvesters import upstream
from ckanext.urbanaudit.harvesters.base import Record, UrbanauditHarvester
from ckanext.urbanaudit.harvesters.http import SourceClient

from ckanext.urbanaudit.cities.model import City

ROWS = 1000
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
SEARCH = "api/3/action/package_search"
FREQUENCY_KEYS = ("frequency", "update_frequency", "accrual_periodicity", "accrualPeriodicity",
                  "częstotliwość", "czestotliwosc", "Częstotliwość aktualizacji")
CONTACT_KEYS = ("Kontakt", "kontakt", "contact_email", "contact")


class CkanPortalHarvester(UrbanauditHarvester):
    source_key = "ckan"
    title = "CKAN portal"
    description = ("Datasets of another CKAN portal (CKAN API 3 package_search) mapped into the urban-audit "
                   "inventory; unchanged records are skipped by content hash.")
    reads_changes_since = True  # between full comparisons: fq=metadata_modified:[since TO *]

    def check_config(self, config: dict[str, Any], city: City) -> None:
        if "defaults" in config and not isinstance(config["defaults"], dict):
            raise ValueError('"defaults" must be an object of inventory fields')
        if "fq" in config and not isinstance(config["fq"], str):
            raise ValueError('"fq" must be a Solr filter query string')

    def records(self, client: SourceClient, city: City, config: dict[str, Any]) -> Iterable[Record]:
        base = client.base_url
        tally: dict[str, int] = {}
        fq = config.get("fq")
        if self.since is not None:  # an incremental gather: only what was modified since (Solr's UTC syntax)
            modified = f"metadata_modified:[{self.since.strftime('%Y-%m-%dT%H:%M:%S')}Z TO *]"
            fq = f"({fq}) AND {modified}" if fq else modified
        for package in search(client, fq, tally=tally):
            if package.get("private") or package.get("state", "active") != "active":
                continue
            yield Record(guid=f"ckan:{package['id']}", dataset=modify_package_dict(package, base))
        if tally["delivered"] < tally["count"]:  # the portal's own count says records are missing
            self.incomplete(tk._("{title}: {url} declares {count} datasets and delivered {delivered}").format(
                title=self.title, url=client.url(SEARCH), count=tally["count"], delivered=tally["delivered"]))

    def prepare(self, harvest_object: HarvestObject, dataset: dict[str, Any]) -> dict[str, Any]:
        return upstream.finish(dataset, harvest_object.source, "CKAN")


def search(client: SourceClient, fq: str | None = None, rows: int = ROWS,
           tally: dict[str, int] | None = None) -> Iterator[dict]:
    """Every dataset of the remote package_search, page by page; stops on an empty or repeated page. A dataset
    that shifted into the next page while paging is read once; only one page is held at a time. ``tally`` (if
    given) gets the number of datasets the portal declares (``count``) and the number ``delivered``."""
    tally = {} if tally is None else tally
    tally.update(count=0, delivered=0)
    start, previous_ids = 0, set()
    while True:
        params = {"rows": rows, "start": start, "sort": "id asc"}
        if fq:
            params["fq"] = fq
        result = client.get_json(SEARCH, params)["result"]
        page = [p for p in result["results"] if p["id"] not in previous_ids]
        count = int(result.get("count") or 0)
        tally.update(count=count, delivered=tally["delivered"] + len(page))
        if not page:
            return
        start += len(result["results"])
        previous_ids = {p["id"] for p in page}
        del result
        page.reverse()
        while page:  # handed out one by one, so the page is gone before the next one is asked for
            yield page.pop()
        if start >= count:
            return


def _extras(package: dict) -> dict[str, str]:
    return {str(e.get("key")): e.get("value") for e in package.get("extras") or [] if isinstance(e, dict)}


def _contact(package: dict, extras: dict[str, str]) -> list[dict[str, str]]:
    """One contact point: the first name and the first valid e-mail of maintainer, author and contact extras."""
    pairs = [(package.get(n), package.get(e)) for n, e in (("maintainer", "maintainer_email"),
                                                            ("author", "author_email"))]
    pairs += [(None, extras.get(key)) for key in CONTACT_KEYS]
    names, emails = [], []
    for raw_name, raw_email in pairs:
        name, email = str(raw_name or "").strip(), str(raw_email or "").strip()
        if email and not EMAIL.match(email):  # e.g. a department's name typed into the e-mail field
            name, email = name or email, ""
        names += [name] if name else []
        emails += [email] if email else []
    if not names and not emails:
        return []
    organization = package.get("organization") or {}
    return [{"name": next(iter(names), organization.get("title") or ""), "email": next(iter(emails), "")}]


def _spatial(value: Any) -> str | None:
    try:
        geometry = json.loads(value) if isinstance(value, str) else value
    except ValueError:
        return None
    return json.dumps(geometry) if isinstance(geometry, dict) and geometry.get("type") else None


def modify_package_dict(package: dict[str, Any], base_url: str) -> dict[str, Any]:
    """The inventory record of a remote CKAN dataset (``package_show`` shape)."""
    extras = _extras(package)
    groups = [g.get("name") or "" for g in package.get("groups") or []]
    groups += [g.get("title") or "" for g in package.get("groups") or []]
    tags = [t["name"] for t in package.get("tags") or [] if isinstance(t, dict) and t.get("name")]
    theme, iso37120 = upstream.subjects(groups + tags)
    frequency = next((upstream.frequency_uri(extras[k]) for k in FREQUENCY_KEYS if extras.get(k)), None)
    title = " ".join(str(package.get("title") or package["name"]).split())
    dataset = {
        "title": title,
        "name": f"ckan-{package['name']}",
        "notes": package.get("notes") or title,
        "tag_string": ",".join(tags),
        "theme": theme,
        "iso37120_theme": iso37120,
        "frequency": frequency,
        "spatial": _spatial(extras.get("spatial")),
        "license_id": package.get("license_id") or None,
        "access_rights": upstream.PUBLIC,  # the public API of a portal answers with public datasets only
        "contact": _contact(package, extras),
        "url": f"{base_url}/dataset/{package['name']}",
        "source_system": f"CKAN {base_url}",
        "issued": str(package.get("metadata_created") or "")[:10] or None,
        "modified": str(package.get("metadata_modified") or "")[:10] or None,
        "version": package.get("version") or None,
        "resources": [{
            "url": r.get("url") or "",
            "name": r.get("name") or "",
            "description": r.get("description") or "",
            "format": str(r.get("format") or "").upper(),
            "mimetype": r.get("mimetype") or None,
            "size": r.get("size") if isinstance(r.get("size"), int) else None,
        } for r in package.get("resources") or [] if r.get("url")],
    }
    dataset["resources"] = [{k: v for k, v in r.items() if v is not None} for r in dataset["resources"]]
    return {k: v for k, v in dataset.items() if v not in (None, [], "")}
