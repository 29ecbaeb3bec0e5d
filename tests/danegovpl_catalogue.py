"""A catalogue for the dane.gov.pl tests, created through the Action API (real PostgreSQL and Solr)."""
from __future__ import annotations

import datetime
import uuid

from ckan import model
from ckan.lib import search
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


def bulk_published(count: int, prefix: str = "zbior") -> set[str]:
    """``count`` published records written straight to the database (what package_create stores
    for our schema), all modified at the same instant: the worst case for paging."""
    org = factories.Organization()
    created = published(org, f"{prefix}-wzor")
    # the unvalidated dict, as `search-index rebuild` indexes it (scheming fields in extras)
    template = helpers.call_action("package_show", {"validate": False, "use_cache": False}, id=created["id"])
    extras = {e["key"]: e["value"] for e in template["extras"]}
    tag = model.Tag.by_name("dane")
    modified = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC).replace(tzinfo=None)
    packages, package_extras, package_tags, resources, pkg_dicts = [], [], [], [], [template]
    for i in range(count - 1):
        pkg_id, res_id = str(uuid.uuid4()), str(uuid.uuid4())
        packages.append({"id": pkg_id, "name": f"{prefix}-{i:05d}", "title": f"Zbiór {i}", "notes": "Opis.",
                         "owner_org": org["id"], "license_id": "cc-by", "type": "dataset", "state": "active",
                         "private": False, "metadata_created": modified, "metadata_modified": modified})
        package_extras += [{"id": str(uuid.uuid4()), "package_id": pkg_id, "key": k, "value": v, "state": "active"}
                           for k, v in extras.items()]
        package_tags.append({"id": str(uuid.uuid4()), "package_id": pkg_id, "tag_id": tag.id, "state": "active"})
        url = f"https://dane.example.com/{i}.csv"
        resources.append({"id": res_id, "package_id": pkg_id, "url": url, "format": "CSV", "position": 0,
                          "state": "active", "extras": "{}"})
        pkg_dicts.append({**template, "id": pkg_id, "name": f"{prefix}-{i:05d}", "title": f"Zbiór {i}",
                          "resources": [{**template["resources"][0], "id": res_id, "package_id": pkg_id, "url": url}]})
    # plain inserts (no ORM events: nothing is indexed twice), then one index call per record
    model.Session.execute(model.package_table.insert(), packages)
    model.Session.execute(model.package_extra_table.insert(), package_extras)
    model.Session.execute(model.package_tag_table.insert(), package_tags)
    model.Session.execute(model.resource_table.insert(), resources)
    model.Session.execute(model.package_table.update().values(metadata_modified=modified))
    model.Session.commit()
    index = search.index_for("Package")
    for pkg_dict in pkg_dicts:
        index.index_package({**pkg_dict, "metadata_modified": modified.isoformat()}, defer_commit=True)
    search.commit()
    ids = {d["id"] for d in pkg_dicts}
    return ids
