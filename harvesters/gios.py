"""GIOŚ air-quality harvester (API v1, Polish JSON keys).

For the city of the harvest source (stations whose "Nazwa miasta" is the city file's ``gios.city_name``):

- one inventory record per station (guid ``gios:station:<id>``) with its point location and sensors;
- one record ``gios:air-quality:<TERYT>`` carrying the city's yearly mean concentrations of PM2.5, PM10 and
  NO2 as indicator values (ISO 37120:2018 8.1, 8.2 and ISO 37120:2014 8.4): the mean of the station means
  of the hourly measurements the API returns.

The v1 ``data/getData`` service returns only the latest days of hourly data, so these means are flagged
``partial`` and the method says so; GIOŚ's official annual statistics are published separately (their
service is not in the recorded fixtures and is not read here).
"""
from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from statistics import fmean
from typing import Any

import ckan.plugins.toolkit as tk
from ckanext.urbanaudit.harvesters.base import EU, Record, UrbanauditHarvester, published_defaults
from ckanext.urbanaudit.harvesters.http import PageGuard, SourceClient, SourceError

from ckanext.urbanaudit.cities.model import City

STATIONS = "Lista stacji pomiarowych"
SENSORS = "Lista stanowisk pomiarowych dla podanej stacji"
DATA = "Lista danych pomiarowych"
PAGE_SIZE = 500  # the API's maximum
INDICATORS = {
    "PM2.5": ("ISO37120:2018:8.1", "stężenie pyłu PM2.5"),
    "PM10": ("ISO37120:2018:8.2", "stężenie pyłu PM10"),
    "NO2": ("ISO37120:2014:8.4", "stężenie dwutlenku azotu (NO2)"),
}
LEGAL_BASIS = ("Ustawa z dnia 27 kwietnia 2001 r. Prawo ochrony środowiska; Państwowy Monitoring Środowiska "
               "(ustawa z dnia 20 lipca 1991 r. o Inspekcji Ochrony Środowiska)")


class GiosAirQualityHarvester(UrbanauditHarvester):
    source_key = "gios"
    title = "GIOŚ — jakość powietrza"
    description = "GIOŚ air-quality stations of the city (inventory records with a point location) and yearly " \
                  "mean PM2.5, PM10 and NO2 concentrations as indicator values."

    def check_config(self, config: dict[str, Any], city: City) -> None:
        if not _city_names(city, config):
            raise ValueError(f'No GIOŚ station filter: set gios.city_name in the city file of {city.name} '
                             f'or "city_name" in this configuration')

    def records(self, client: SourceClient, city: City, config: dict[str, Any]) -> Iterable[Record]:
        names = _city_names(city, config)
        stations, provider = [], {}
        page, total = 0, 1
        pages = PageGuard(client, client.url("station/findAll"))  # totalPages is not trusted: bounded
        while page < total:  # links.next is present even on the last page: stop on totalPages
            if page:
                pages.next_page()
            answer = client.get_json("station/findAll", {"page": page, "size": PAGE_SIZE})
            stations += pages.new_items(answer[STATIONS], key="Identyfikator stacji")
            provider = (answer.get("meta") or {}).get("schema:provider") or provider
            total = int(answer.get("totalPages") or 1)
            page += 1
            if not answer[STATIONS]:  # an empty page ends the list, whatever totalPages says
                break
        if len(stations) <= (total - 1) * PAGE_SIZE:  # only the last of the declared pages may be short
            self.incomplete(tk._("GIOŚ declares {pages} pages of {size} stations and listed {count}").format(
                pages=total, size=PAGE_SIZE, count=len(stations)))
        ours = sorted((s for s in stations if str(s.get("Nazwa miasta", "")).strip() in names),
                      key=lambda s: s["Identyfikator stacji"])
        known = self.imported_before("gios:station:")
        if not ours and not known:
            # no station of the city was ever found: a wrong gios.city_name, not a city whose stations all
            # closed; publishing a city record with no station would only mislead, so the job ends here
            raise SourceError(f"GIOŚ lists {len(stations)} stations, none in {' / '.join(sorted(names))}; "
                              "check gios.city_name in the city file")
        means: dict[tuple[str, str], list[float]] = defaultdict(list)  # (pollutant, year) -> station means
        notes: list[str] = []
        for station in ours:
            sensors = client.get_json(f"station/sensors/{station['Identyfikator stacji']}")[SENSORS]
            yield self._station_record(station, sensors, provider, client)
            for sensor in sensors:
                code = sensor.get("Wskaźnik - kod")
                if code not in INDICATORS:
                    continue
                for year, mean in self._sensor_means(client, station, sensor, notes).items():
                    means[(code, year)].append(mean)
        yield self._city_record(city, ours, means, notes, provider)

    @staticmethod
    def _sensor_means(client: SourceClient, station: dict, sensor: dict, notes: list[str]) -> dict[str, float]:
        answer = client.get_json(f"data/getData/{sensor['Identyfikator stanowiska']}",
                                 {"page": 0, "size": PAGE_SIZE})
        sensor_id = sensor["Identyfikator stanowiska"]
        where = f"{station['Kod stacji']} {sensor.get('Wskaźnik - kod')} (stanowisko {sensor_id})"
        if "error_code" in answer:  # manual-measurement sensors have no live data
            reason = answer.get("error_reason") or answer.get("error_result")
            notes.append(f"{where}: {answer.get('error_code')} — {reason}")
            return {}
        if int(answer.get("totalPages") or 1) > 1:
            notes.append(f"{where}: odczytano tylko pierwszą stronę pomiarów z {answer['totalPages']}")
        by_year: dict[str, list[float]] = defaultdict(list)
        for row in answer[DATA]:
            if row.get("Wartość") is not None:
                by_year[str(row["Data"])[:4]].append(float(row["Wartość"]))
        return {year: fmean(values) for year, values in by_year.items()}

    def _station_record(self, station: dict, sensors: list[dict], provider: dict, client: SourceClient) -> Record:
        sid = station["Identyfikator stacji"]
        point = {"type": "Point", "coordinates": [float(station["WGS84 λ E"]), float(station["WGS84 φ N"])]}
        codes = sorted({s["Wskaźnik - kod"] for s in sensors if s.get("Wskaźnik - kod")})
        sensor_lines = "\n".join(f"- {s['Identyfikator stanowiska']}: {s.get('Wskaźnik')} ({s.get('Wskaźnik - kod')})"
                                 for s in sorted(sensors, key=lambda s: s["Identyfikator stanowiska"]))
        dataset = published_defaults(
            title=f"Stacja pomiarowa jakości powietrza GIOŚ: {station['Nazwa stacji']} ({station['Kod stacji']})",
            name=f"gios-stacja-{sid}",
            notes=(f"Stacja Państwowego Monitoringu Środowiska {station['Kod stacji']}, "
                   f"{station.get('Ulica') or ''}, {station.get('Nazwa miasta')}.\n\nStanowiska pomiarowe:\n"
                   f"{sensor_lines}"),
            identifier=f"gios:station:{sid}",
            tag_string=",".join(["jakość powietrza", "GIOŚ", *codes]),
            theme=[EU + "data-theme/ENVI"],
            iso37120_theme=["8"],
            **_gios_contact(provider),
            frequency=EU + "frequency/CONT",
            spatial_resolution="point",
            spatial=json.dumps(point),
            spatial_reference_unit="stacja pomiarowa",
            source_system="GIOŚ API v1 (Państwowy Monitoring Środowiska)",
            temporal_resolution="PT1H",
            resources=[{"url": client.url(f"station/sensors/{sid}"), "name": "Stanowiska pomiarowe (API GIOŚ)",
                        "format": "JSON", "mimetype": "application/json"}],
        )
        return Record(guid=f"gios:station:{sid}", dataset=dataset)

    @staticmethod
    def _city_record(city: City, stations: list[dict], means: dict, notes: list[str], provider: dict) -> Record:
        method = ("Średnia ze średnich stacji miasta, liczonych z godzinnych pomiarów zwróconych przez API GIOŚ "
                  "v1 (dane/getData: ostatnie dni); wartość częściowa, nie roczna statystyka GIOŚ")
        values = []
        for (code, year), station_means in sorted(means.items()):
            indicator, _label = INDICATORS[code]
            values.append({"city": city.teryt, "indicator_code": indicator, "source_variable": f"GIOS:{code}",
                           "period": year, "value": round(fmean(station_means), 2), "unit": "µg/m3",
                           "source": "gios", "method": method, "flags": ["partial"]})
        station_list = ", ".join(f"{s['Kod stacji']} ({s['Nazwa stacji']})" for s in stations) or "brak"
        dataset = published_defaults(
            title=f"Jakość powietrza w mieście {city.name}: średnie stężenia PM2.5, PM10 i NO2 (GIOŚ)",
            name=f"gios-jakosc-powietrza-{city.slug}",
            notes=(f"Średnie stężenia pyłu PM2.5, PM10 i dwutlenku azotu w mieście {city.name} ze stacji GIOŚ: "
                   f"{station_list}. {method}."),
            identifier=f"gios:air-quality:{city.teryt}",
            tag_string="jakość powietrza,GIOŚ,PM2.5,PM10,NO2,ISO 37120",
            theme=[EU + "data-theme/ENVI"],
            iso37120_theme=["8"],
            **_gios_contact(provider),
            frequency=EU + "frequency/DAILY",
            known_quality_issues="\n".join(notes) or None,
            source_system="GIOŚ API v1 (Państwowy Monitoring Środowiska)",
        )
        return Record(guid=f"gios:air-quality:{city.teryt}", dataset=dataset, values=values)


def _gios_contact(provider: dict) -> dict[str, Any]:
    name = provider.get("name") or "Główny Inspektorat Ochrony Środowiska"
    contact = {"name": name}
    if provider.get("email"):
        contact["email"] = provider["email"]
    return {
        "data_steward": name,
        "contact": [contact],
        "publisher": [{"name": name}],
        "legal_basis": LEGAL_BASIS,
        "license_id": "other-at",
    }


def _city_names(city: City, config: dict[str, Any]) -> set[str]:
    names = config.get("city_name") or ((city.config or {}).get("gios") or {}).get("city_name") or []
    return {str(n).strip() for n in ([names] if isinstance(names, str) else names) if str(n).strip()}
