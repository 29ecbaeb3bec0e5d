"""Eurostat Urban Audit harvester: ``urb_*`` city statistics (JSON-stat 2.0) for a city and its peers.

One inventory record per Eurostat dataset (guid ``eurostat:<dataset>``) and its values for every city of
the source's city file with an Urban Audit code (the city and its peers), all years. Request:
``{base}/data/{dataset}?format=JSON&lang=EN&cities=PL012C&cities=...[&indic_ur=...]``.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from ckanext.urbanaudit.harvesters.base import EU, Record, UrbanauditHarvester, published_defaults
from ckanext.urbanaudit.harvesters.http import SourceClient
from ckanext.urbanaudit.harvesters.jsonstat import decode, labels

from ckanext.urbanaudit import vocabularies
from ckanext.urbanaudit.cities.model import City
from ckanext.urbanaudit.indicators import public_statistics

DATASET = re.compile(r"^urb_[a-z0-9_]+$")
PERIOD = re.compile(r"^\d{4}$")
# dimensions that are not part of an indicator's identity
STRUCTURAL = {"freq", "indic_ur", "cities", "time"}
# ISO 37120 clause fed by a family of Urban Audit datasets
ISO_THEME = {"urb_cpop": "13", "urb_clivcon": "12", "urb_chealth": "11", "urb_ccrime": "15", "urb_clma": "5",
             "urb_cecfi": "5", "urb_ceduc": "6", "urb_cenv": "8", "urb_ctran": "19", "urb_ctour": "17"}


class EurostatUrbanAuditHarvester(UrbanauditHarvester):
    source_key = "eurostat"
    title = "Eurostat Urban Audit"
    description = "Eurostat Urban Audit (urb_*) city statistics for the city and its peers, as indicator values."

    def check_config(self, config: dict[str, Any], city: City) -> None:
        datasets = config.get("datasets")
        if not isinstance(datasets, list) or not datasets or not all(isinstance(d, str) and DATASET.match(d)
                                                                      for d in datasets):
            raise ValueError('"datasets" must list Eurostat Urban Audit datasets, e.g. ["urb_cpop1"]')
        if not isinstance(config.get("mapped", False), bool):
            raise ValueError('"mapped" must be true or false (true: ask each dataset for the verified codes of the '
                             'public statistics mapping)')
        if not city.urban_audit_code:
            raise ValueError(f"The city {city.name} has no Urban Audit code in its city file")

    def records(self, client: SourceClient, city: City, config: dict[str, Any]) -> Iterable[Record]:
        cities = {c.urban_audit_code: c for c in [city, *_peers(city)] if c.urban_audit_code}
        for dataset in config["datasets"]:
            params: dict[str, Any] = {"format": "JSON", "lang": "EN", "cities": sorted(cities)}
            codes = list(config.get("indicators") or [])
            if config.get("mapped"):
                codes += [v.id for v in public_statistics.load().verified_variables("eurostat")
                          if v.dataset == dataset and v.id not in codes]
            if codes:
                params["indic_ur"] = codes
            document = client.get_json(f"data/{dataset}", params)
            yield self._record(dataset, document, cities, city, client.url(f"data/{dataset}", params))

    def _record(self, dataset: str, document: dict, cities: dict[str, City], city: City, url: str) -> Record:
        indicator_labels = labels(document, "indic_ur")
        stopped = self._stopped(dataset, indicator_labels)
        status_labels = ((document.get("extension") or {}).get("status") or {}).get("label") or {}
        values, periods = [], set()
        for cell in decode(document):
            place = cities.get(cell.coordinates.get("cities", ""))
            period = cell.coordinates.get("time", "")
            if place is None or not PERIOD.match(period) or cell.coordinates.get("indic_ur") in stopped:
                continue
            extra = [cell.coordinates[d] for d in cell.coordinates if d not in STRUCTURAL]
            indicator = cell.coordinates.get("indic_ur", dataset)
            unit = cell.coordinates.get("unit")
            values.append({
                "city": place.teryt,
                "indicator_code": ":".join(["EUROSTAT", dataset, indicator, *extra]),
                "source_variable": f"{dataset}/{indicator}",
                "period": period,
                "value": cell.value,
                "unit": unit,
                "source": "eurostat",
                "method": f"Eurostat Urban Audit {dataset}: {indicator_labels.get(indicator, indicator)}",
                # a cell with no value keeps its status; one with neither is not produced by the decoder
                "flags": [cell.status] if cell.status else [],
            })
            periods.add(period)
        values.sort(key=lambda v: (v["city"], v["indicator_code"], v["period"]))
        label = " ".join(str(document.get("label") or dataset).split())
        domains = [c["value"] for c in vocabularies.choices("urban-audit-domain")
                   if dataset in (c.get("eurostat_datasets") or "").split()]
        theme = next((t for prefix, t in ISO_THEME.items() if dataset.startswith(prefix)), None)
        names = ", ".join(sorted(c.name for c in cities.values()))
        used_flags = sorted({f for v in values for f in v["flags"]})
        flags_note = "; ".join(f"{f} = {status_labels.get(f, f)}" for f in used_flags)
        dataset_dict = published_defaults(
            title=f"Eurostat Urban Audit: {label} ({dataset}) — {city.name}",
            name=f"eurostat-{dataset}-{city.slug}",
            notes=(f"Statystyki miejskie Eurostatu (Urban Audit, zbiór `{dataset}`: {label}) dla miast: {names}. "
                   f"Wartości wskaźników są zapisywane w tabeli wartości wskaźników portalu."),
            identifier=f"eurostat:{dataset}:{city.teryt}",
            tag_string="Eurostat,Urban Audit,statystyka",
            theme=[EU + "data-theme/REGI"],
            urban_audit_domain=domains,
            iso37120_theme=[theme] if theme else [],
            data_steward="Eurostat — Urban Audit (City statistics)",
            contact=[{"name": "Eurostat", "url": "https://ec.europa.eu/eurostat/web/cities"}],
            publisher=[{"name": "Eurostat", "uri": EU + "corporate-body/ESTAT"}],
            legal_basis="Rozporządzenie (WE) nr 223/2009 w sprawie statystyki europejskiej",
            license_id="cc-by",
            frequency=EU + "frequency/ANNUAL",
            source_system=f"Eurostat dissemination API, {dataset}",
            url=f"https://ec.europa.eu/eurostat/databrowser/view/{dataset}/default/table",
            modified=str(document.get("updated") or "")[:10] or None,
            temporal_coverage=[{"start": min(periods), "end": max(periods)}] if periods else [],
            known_quality_issues=f"Flagi Eurostatu w danych: {flags_note}" if flags_note else None,
            resources=[{"url": url, "name": f"{dataset} (JSON-stat 2.0)", "format": "JSON",
                        "mimetype": "application/json"}],
        )
        return Record(guid=f"eurostat:{dataset}", dataset=dataset_dict, values=values)


    def _stopped(self, dataset: str, indicator_labels: dict[str, str]) -> set[str]:
        """The mapped indicators of the answer whose label no longer matches the public statistics mapping: left
        out, and reported."""
        stats = public_statistics.load()
        stopped = set()
        for code, label in indicator_labels.items():
            mapped = stats.variables.get(f"EUROSTAT:{dataset}:{code}")
            problem = public_statistics.mismatch(mapped, name=label) if mapped and mapped.verified else None
            if problem:
                self.report(f"{self.title}: {problem}")
                stopped.add(code)
        return stopped


def _peers(city: City) -> list[City]:
    return [p for p in (City.get(t) for t in city.peers or []) if p is not None]
