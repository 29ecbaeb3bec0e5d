"""dane.gov.pl harvester (API 1.4, JSON:API): the datasets and resources of one institution.

``{base}/institutions/{id}/datasets?page=1&per_page=100`` and ``{base}/datasets/{id}/resources``, both paged
by ``links.next``; each dataset becomes an inventory record (guid ``danegovpl:<id>``) owned by the harvest
source's organization. Attributes are read defensively (``attributes.title``/``notes``/``tags``/
``categories``/``update_frequency``/``modified``/``license_name``; resource ``title``/``format``/``link``/
``download_url``): no verbatim 1.4 answer was available to check the names against (see the test's note).
A record whose remote metadata lacks a field the inventory requires for publication is kept as a *draft*
with the gap listed in "known quality issues", rather than refused.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import islice
from typing import Any

from ckanext.urbanaudit.harvesters.base import EU, Record, UrbanauditHarvester, published_defaults
from ckanext.urbanaudit.harvesters.http import SourceClient

from ckanext.urbanaudit import vocabularies
from ckanext.urbanaudit.cities.model import City

PER_PAGE = 100
MAX_RESOURCES = 1000  # resources kept per dataset (a record holds them all in memory and in its content)
FREQUENCY = {"daily": "DAILY", "weekly": "WEEKLY", "monthly": "MONTHLY", "quarterly": "QUARTERLY",
             "everyHalfYear": "BIANNUAL", "yearly": "ANNUAL", "irregular": "IRREG", "notPlanned": "NEVER"}


class DaneGovPlHarvester(UrbanauditHarvester):
    source_key = "danegovpl"
    title = "dane.gov.pl"
    description = "Datasets and resources of an institution on the national open-data portal dane.gov.pl."

    def check_config(self, config: dict[str, Any], city: City) -> None:
        if not _institution(city, config):
            raise ValueError('Set the dane.gov.pl institution id: danegovpl.institution_id in the city file or '
                             '"institution_id" in this configuration')

    def records(self, client: SourceClient, city: City, config: dict[str, Any]) -> Iterable[Record]:
        institution = _institution(city, config)
        for item in _pages(client, f"institutions/{institution}/datasets"):
            resources = list(islice(_pages(client, f"datasets/{item['id']}/resources"), MAX_RESOURCES + 1))
            yield _record(item, resources[:MAX_RESOURCES], cut=len(resources) > MAX_RESOURCES)


def _pages(client: SourceClient, path: str) -> Iterator[dict]:
    return client.follow_next(path, {"page": 1, "per_page": PER_PAGE}, "data")


def _text(value: Any) -> str:
    if isinstance(value, dict):  # translated attributes: {"pl": ..., "en": ...}
        value = value.get("pl") or next(iter(value.values()), "")
    return " ".join(str(value or "").split())


def _record(item: dict, resources: list[dict], cut: bool = False) -> Record:
    attributes = item.get("attributes") or {}
    themes = {c["value"].rsplit("/", 1)[-1]: c["value"] for c in vocabularies.choices("data-theme")}
    categories = attributes.get("categories") or ([attributes["category"]] if attributes.get("category") else [])
    theme = [themes[c.get("code")] for c in categories if isinstance(c, dict) and c.get("code") in themes]
    tags = [_text(t.get("name") if isinstance(t, dict) else t) for t in attributes.get("tags") or []]
    frequency = FREQUENCY.get(str(attributes.get("update_frequency") or ""))
    title = _text(attributes.get("title")) or f"dane.gov.pl {item['id']}"
    dataset = published_defaults(
        title=title,
        name=f"danegovpl-{item['id']}",
        notes=_text(attributes.get("notes")) or title,
        identifier=f"danegovpl:{item['id']}",
        tag_string=",".join(t for t in tags if t),
        theme=theme,
        frequency=EU + f"frequency/{frequency}" if frequency else None,
        modified=str(attributes.get("modified") or "")[:10] or None,
        license_id="cc-by" if "CC BY" in str(attributes.get("license_name") or "").upper() else None,
        url=(item.get("links") or {}).get("self"),
        source_system="dane.gov.pl API 1.4",
        resources=[{
            "url": (r.get("attributes") or {}).get("link") or (r.get("attributes") or {}).get("download_url") or "",
            "download_url": (r.get("attributes") or {}).get("download_url"),
            "name": _text((r.get("attributes") or {}).get("title")),
            "description": _text((r.get("attributes") or {}).get("description")),
            "format": str((r.get("attributes") or {}).get("format") or "").upper(),
        } for r in resources],
    )
    missing = [label for label, present in (
        ("kategoria UE", theme), ("słowa kluczowe", dataset["tag_string"]), ("częstotliwość", frequency),
        ("licencja", dataset["license_id"]), ("opiekun danych", False), ("podstawa prawna", False),
        ("punkt kontaktowy", False)) if not present]
    if missing:
        dataset["publication_status"] = "draft"
        dataset["known_quality_issues"] = "Brak w metadanych dane.gov.pl: " + ", ".join(missing)
    if cut:
        dataset["known_quality_issues"] = "\n".join(filter(None, [
            dataset.get("known_quality_issues"), f"Zapisano tylko pierwsze {MAX_RESOURCES} zasobów z dane.gov.pl"]))
    return Record(guid=f"danegovpl:{item['id']}", dataset={k: v for k, v in dataset.items() if v is not None})


def _institution(city: City, config: dict[str, Any]) -> str | None:
    value = config.get("institution_id") or ((city.config or {}).get("danegovpl") or {}).get("institution_id")
    return str(value) if value else None
