"""A catalogue for the dane.gov.pl tests, created through the Action API (real PostgreSQL and Solr)."""
from __future__ import annotations

from ckan.tests import factories, helpers

EU = "http://publications.europa.eu/resource/authority/"
HVD = "http://data.europa.eu/eli/reg_impl/2023/138/oj"


def published(org: dict, name: str, **fields) -> dict:
    """A record with every field publication needs; ``fields`` override or add."""
    data = {
        "name": name, "owner_org": org["id"], "title": f"Zbiór {name}", "notes": "Opis zbioru.",
        "tag_string": "dane", "theme": [EU + "data-theme/GOVE"], "frequency": EU + "frequency/ANNUAL",
        "access_rights": EU + "access-right/PUBLIC", "license_id": "cc-by", "publication_status": "published",
        "data_steward": "Wydział Informatyki", "contact": [{"name": "Biuro", "email": "biuro@example.com"}],
        "legal_basis": "art. 9 ustawy o otwartych danych", "personal_data": "no", "spatial_resolution": "city",
        "resources": [{"url": f"https://dane.example.com/{name}.csv", "format": "CSV", "name": f"{name}.csv"}],
    }
    data.update(fields)
    return helpers.call_action("package_create", **data)


def build() -> dict[str, dict]:
    """Every kind of record the feed must handle; returns them by role."""
    org = factories.Organization(name="wydzial-srodowiska", title="Wydział Środowiska")
    records = {"org": org}
    records["full"] = published(
        org, "rejestr-drzew",
        title="Rejestr drzew: zieleń miejska w Kielcach (żółć, gęś, źdźbło)",
        notes="Inwentaryzacja drzew: gatunek, pierśnica, wysokość i stan zdrowotny. " * 30,
        tag_string="drzewa,zieleń miejska,środowisko", identifier="KIELCE-SR-001",
        theme=[EU + "data-theme/ENVI", EU + "data-theme/REGI", EU + "data-theme/OP_DATPRO"],
        iso37120_theme=[], frequency=EU + "frequency/CONT", license_id="cc-by-sa",
        applicable_legislation=[HVD], issued="2020-01-15", modified="2026-03-01", url="https://zielen.example.pl/drzewa",
        version="2.1", language=[EU + "language/POL"], openness_level="3",
        resources=[
            {"url": "https://dane.example.com/drzewa.csv", "name": "Drzewa (CSV)", "format": "CSV",
             "description": "Jeden wiersz na drzewo; współrzędne w układzie PL-2000.", "modified": "2026-03-01",
             "size": 123456, "mimetype": "text/csv"},
            {"url": "https://dane.example.com/drzewa.geojson", "format": "GeoJSON"},
            {"url": "http://stary.example.com/drzewa.xls", "name": "Stara wersja", "format": "XLS"},
        ])
    records["minimal"] = published(org, "minimalny", title="Ł", notes="Ż", tag_string="łą", license_id="cc-zero")
    records["odbl"] = published(org, "odbl", license_id="odc-odbl", frequency=EU + "frequency/BIENNIAL")
    records["private"] = published(org, "prywatny", private=True)
    records["internal"] = published(org, "wewnetrzny", access_rights=EU + "access-right/NON_PUBLIC")
    records["draft"] = helpers.call_action(
        "package_create", name="szkic", owner_org=org["id"], title="Szkic", notes="W przygotowaniu.")
    records["withdrawn"] = published(org, "wycofany", publication_status="withdrawn")
    records["http_only"] = published(
        org, "tylko-http", resources=[{"url": "http://dane.example.com/x.csv", "format": "CSV"}])
    records["deleted"] = published(org, "usuniety")
    helpers.call_action("package_delete", id=records["deleted"]["id"])
    deleted_draft = helpers.call_action(
        "package_create", name="usuniety-szkic", owner_org=org["id"], title="Usunięty szkic", notes="x")
    helpers.call_action("package_delete", id=deleted_draft["id"])
    records["deleted_draft"] = deleted_draft
    return records
