"""GUS BDL (Bank Danych Lokalnych) harvester.

For the city of the harvest source and its peers (their BDL unit ids from the city files), all years of the
configured variables (``variables``: ids, and/or ``subjects``: every variable of these subjects):

- one inventory record per BDL subject used (guid ``bdl:subject:<id>``) describing the subject and its
  variables, carrying the values as indicator values ``BDL:<variable id>``;
- requests: ``variables?subject-id=``, ``variables/{id}``, ``subjects/{id}``, ``data/by-unit/{unit}?var-id=...``,
  each paged with ``page`` (from 0), ``page-size`` (<= 100) and ``links.next``;
- quotas (documented by GUS): 5 requests/s, 100 per 15 min, 1000 per 12 h anonymous; 10 / 500 / 5000 with an
  ``X-ClientId`` (``ckanext.urbanaudit.source.bdl_client_id``).
"""
from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from typing import Any

from ckanext.urbanaudit.harvesters.base import EU, Record, UrbanauditHarvester, published_defaults
from ckanext.urbanaudit.harvesters.http import Quota, SourceClient

from ckanext.urbanaudit import config as ua_config
from ckanext.urbanaudit.cities.model import City
from ckanext.urbanaudit.indicators import public_statistics

ANONYMOUS = [Quota(5, 1), Quota(100, 15 * 60), Quota(1000, 12 * 3600)]
REGISTERED = [Quota(10, 1), Quota(500, 15 * 60), Quota(5000, 12 * 3600)]
MAX_PAGE_SIZE = 100
SUBJECT = re.compile(r"^[KGP]\d+$")
PLAIN_VALUE = 1  # attrId 1: an ordinary value; every other attribute is kept as a flag "bdl:<attrId>"


class BdlHarvester(UrbanauditHarvester):
    source_key = "bdl"
    title = "GUS Bank Danych Lokalnych"
    description = "GUS BDL variables for the city and its peer cities, all years, as indicator values; one " \
                  "inventory record per BDL subject used."

    def check_config(self, config: dict[str, Any], city: City) -> None:
        variables, subjects = config.get("variables", []), config.get("subjects", [])
        if not isinstance(variables, list) or not all(isinstance(v, int) for v in variables):
            raise ValueError('"variables" must be a list of BDL variable ids (numbers), e.g. [72305]')
        if not isinstance(subjects, list) or not all(isinstance(s, str) and SUBJECT.match(s) for s in subjects):
            raise ValueError('"subjects" must be a list of BDL subject ids, e.g. ["P2137"]')
        if not isinstance(config.get("mapped", False), bool):
            raise ValueError('"mapped" must be true or false (true: every verified variable of the public '
                             'statistics mapping)')
        if not variables and not subjects and not config.get("mapped"):
            raise ValueError('Give BDL "variables" or "subjects" to harvest, or "mapped": true')
        if not city.bdl_unit_id:
            raise ValueError(f"The city {city.name} has no BDL unit id in its city file")
        page_size = config.get("page_size", MAX_PAGE_SIZE)
        if not isinstance(page_size, int) or not 1 <= page_size <= MAX_PAGE_SIZE:
            raise ValueError(f'"page_size" must be a number from 1 to {MAX_PAGE_SIZE}')

    def client_options(self) -> dict[str, Any]:
        client_id = ua_config.bdl_client_id()
        return {"quotas": REGISTERED if client_id else ANONYMOUS,
                "headers": {"X-ClientId": client_id} if client_id else {}}

    def records(self, client: SourceClient, city: City, config: dict[str, Any]) -> Iterable[Record]:
        page_size = config.get("page_size", MAX_PAGE_SIZE)
        variables = self._variables(client, config, page_size)
        if not variables:
            return
        units = {c.bdl_unit_id: c for c in [city, *_peers(city)] if c.bdl_unit_id}
        data: dict[int, list[dict]] = defaultdict(list)
        for unit_id, place in sorted(units.items()):
            params = {"var-id": sorted(variables), "lang": "pl"}
            for result in _pages(client, f"data/by-unit/{unit_id}", params, page_size):
                variable = variables.get(int(result["id"]))
                if variable is None:
                    continue
                for row in result.get("values") or []:
                    data[variable["id"]].append(_value(place, variable, row))
        by_subject: dict[str, list[dict]] = defaultdict(list)
        for variable in variables.values():
            by_subject[variable["subjectId"]].append(variable)
        for subject_id in sorted(by_subject):
            subject = client.get_json(f"subjects/{subject_id}", {"lang": "pl"})
            subject_variables = sorted(by_subject[subject_id], key=lambda v: v["id"])
            values = sorted((v for var in subject_variables for v in data.get(var["id"], [])),
                            key=lambda v: (v["city"], v["indicator_code"], v["period"]))
            yield self._record(city, units, subject, variables=subject_variables, values=values, client=client)

    def _variables(self, client: SourceClient, config: dict[str, Any], page_size: int) -> dict[int, dict]:
        """The metadata of every variable to harvest, by id; a mapped variable whose metadata no longer matches
        the public statistics mapping is left out and reported."""
        variables: dict[int, dict] = {}
        for subject in config.get("subjects", []):
            for variable in _pages(client, "variables", {"subject-id": subject, "lang": "pl"}, page_size):
                variables[int(variable["id"])] = variable
        mapped = {int(v.id): v for v in public_statistics.load().verified_variables("bdl")}
        wanted = list(config.get("variables", []))
        if config.get("mapped"):
            wanted += list(mapped)
        wanted += [v for v in variables if v in mapped]
        for variable_id in dict.fromkeys(wanted):
            if variable_id not in variables or variable_id in mapped:
                # a mapped variable's metadata is always asked for itself (variables/{id}) and compared
                variables[variable_id] = client.get_json(f"variables/{variable_id}", {"lang": "pl"})
        for variable_id in [v for v in variables if v in mapped]:
            problem = _checked(mapped[variable_id], variables[variable_id])
            if problem:
                self.report(f"{self.title}: {problem}")
                del variables[variable_id]
        return variables

    @staticmethod
    def _record(city: City, units: dict[str, City], subject: dict, *, variables: list[dict], values: list[dict],
                client: SourceClient) -> Record:
        sid = subject["id"]
        name = " ".join(str(subject.get("name") or sid).split())
        lines = "\n".join(f"- {v['id']}: {_variable_name(v)} [{v.get('measureUnitName') or '-'}]" for v in variables)
        periods = sorted({v["period"] for v in values})
        places = ", ".join(sorted(c.name for c in units.values()))
        dataset = published_defaults(
            title=f"GUS BDL: {name} ({sid}) — {city.name}",
            name=f"bdl-{sid.lower()}-{city.slug}",
            notes=(f"Dane Banku Danych Lokalnych GUS, temat {sid} „{name}”, dla jednostek: {places}; "
                   f"wszystkie lata. Zmienne:\n{lines}"),
            identifier=f"bdl:{sid}:{city.teryt}",
            tag_string="GUS,BDL,statystyka publiczna",
            theme=[EU + "data-theme/REGI"],
            data_steward="Główny Urząd Statystyczny — Bank Danych Lokalnych",
            contact=[{"name": "Główny Urząd Statystyczny", "url": "https://bdl.stat.gov.pl"}],
            publisher=[{"name": "Główny Urząd Statystyczny"}],
            legal_basis="Ustawa z dnia 29 czerwca 1995 r. o statystyce publicznej",
            license_id="cc-by",
            frequency=EU + "frequency/ANNUAL",
            source_system="GUS BDL API v1",
            temporal_coverage=[{"start": periods[0], "end": periods[-1]}] if periods else [],
            resources=[{"url": client.url(f"data/by-unit/{unit}", {"var-id": [v["id"] for v in variables]}),
                        "name": f"Dane dla jednostki {place.name} (API BDL)", "format": "JSON",
                        "mimetype": "application/json"} for unit, place in sorted(units.items())],
        )
        return Record(guid=f"bdl:subject:{sid}", dataset=dataset, values=values)


def _checked(mapped: public_statistics.Variable, metadata: dict) -> str | None:
    """The mapping's name, unit and subject against BDL's own metadata of the variable (None: they agree)."""
    names = [metadata.get(f"n{i}") for i in range(1, 6)]
    return public_statistics.mismatch(mapped, name=[n for n in names if n], measure_unit=metadata.get(
        "measureUnitName"), subject=metadata.get("subjectId"))


def _pages(client: SourceClient, path: str, params: dict[str, Any], page_size: int) -> Iterator[dict]:
    """Every result of a paged BDL list: follows links.next from page 0."""
    params = {**params, "page": 0, "page-size": page_size, "format": "json"}
    return client.follow_next(path, params, "results")


def _variable_name(variable: dict) -> str:
    parts = [variable.get(f"n{i}") for i in range(1, 6)]
    return " / ".join(str(p) for p in parts if p) or str(variable["id"])


def _value(place: City, variable: dict, row: dict) -> dict:
    attribute = int(row.get("attrId", PLAIN_VALUE))
    return {
        "city": place.teryt,
        "indicator_code": f"BDL:{variable['id']}",
        "source_variable": f"{variable['subjectId']}/{variable['id']}: {_variable_name(variable)}",
        "period": str(row["year"]),
        "value": row.get("val"),
        "unit": variable.get("measureUnitName"),
        "source": "bdl",
        "method": f"GUS BDL, zmienna {variable['id']}",
        "flags": ([] if attribute == PLAIN_VALUE else [f"bdl:{attribute}"])
                 or ([] if row.get("val") is not None else ["bdl:missing"]),
    }


def _peers(city: City) -> list[City]:
    return [p for p in (City.get(t) for t in city.peers or []) if p is not None]
