"""Inventory records used by several tests: a fully described published record
and a minimal draft, both as a steward would enter them."""
from __future__ import annotations

import json

EU = "http://publications.europa.eu/resource/authority/"
KIELCE_BOX = {"type": "Polygon", "coordinates": [[[20.52, 50.80], [20.72, 50.80], [20.72, 50.91],
                                                    [20.52, 50.91], [20.52, 50.80]]]}


def full_record(org_id: str, **overrides) -> dict:
    record = {
        "name": "rejestr-drzew",
        "title": "Rejestr drzew na terenach miejskich",
        "notes": "Inwentaryzacja drzew w pasach drogowych i parkach; gatunek, obwód, stan zdrowotny.",
        "identifier": "KIELCE-SR-001",
        "owner_org": org_id,
        "tag_string": "drzewa,zieleń miejska,środowisko",
        "theme": [EU + "data-theme/ENVI", EU + "data-theme/REGI"],
        "iso37120_theme": ["8", "21"],
        "urban_audit_domain": ["environment"],
        "publication_status": "published",
        "data_steward": "Anna Nowak",
        "data_steward_email": "anna.nowak@um.kielce.pl",
        "contact": [{"name": "Wydział Środowiska", "email": "srodowisko@um.kielce.pl",
                     "url": "https://www.kielce.eu"}],
        "legal_basis": "Art. 83a ustawy z dnia 16 kwietnia 2004 r. o ochronie przyrody",
        "applicable_legislation": ["http://data.europa.eu/eli/reg_impl/2023/138/oj"],
        "source_system": "System ewidencji zieleni",
        "software": "PostgreSQL/PostGIS",
        "storage_location": "Serwer Urzędu Miasta",
        "access_rights": EU + "access-right/PUBLIC",
        "license_id": "cc-by",
        "personal_data": "no",
        "openness_level": "3",
        "frequency": EU + "frequency/ANNUAL",
        "issued": "2021-03-01",
        "modified": "2025-11-15",
        "temporal_coverage": [{"start": "2020-01-01", "end": "2025-12-31"}],
        "spatial_resolution": "point",
        "spatial_reference_unit": "punkt adresowy",
        "spatial": json.dumps(KIELCE_BOX),
        "inspire_theme": "http://inspire.ec.europa.eu/theme/lc",
        "language": [EU + "language/POL"],
        "known_quality_issues": "Część drzew w parkach bez pomiaru obwodu.",
        "version": "2025.1",
        "documentation": ["https://www.kielce.eu/zielen/dokumentacja"],
        "url": "https://www.kielce.eu/zielen",
        "resources": [
            {"name": "Rejestr drzew (CSV)", "url": "https://dane.kielce.eu/drzewa.csv",
             "download_url": "https://dane.kielce.eu/drzewa.csv", "format": "CSV", "mimetype": "text/csv",
             "size": 120345, "issued": "2021-03-01", "modified": "2025-11-15",
             "description": "Plik CSV w kodowaniu UTF-8."},
            {"name": "Rejestr drzew (GeoJSON)", "url": "https://dane.kielce.eu/drzewa.geojson",
             "format": "GeoJSON"},
        ],
    }
    record.update(overrides)
    return record


def minimal_draft(org_id: str, **overrides) -> dict:
    record = {"name": "szkic", "title": "Szkic rekordu", "notes": "Opis w przygotowaniu.", "owner_org": org_id}
    record.update(overrides)
    return record

# an extent far from Kielce (near Szczecin): records that must not match a map search of the city
ELSEWHERE = {"type": "Polygon", "coordinates": [[[14.0, 53.0], [14.2, 53.0], [14.2, 53.1], [14.0, 53.1],
                                                  [14.0, 53.0]]]}


def without(value, keys: set[str]):
    """``value`` (a record, a search result) without these keys, at any depth."""
    if isinstance(value, dict):
        return {k: without(v, keys) for k, v in value.items() if k not in keys}
    if isinstance(value, list):
        return [without(v, keys) for v in value]
    return value
