"""The bulk write path (ckanext.urbanaudit.bulk) writes what package_create writes: the same record shown, found
and listed the same way, with the same views and quality; a batch that fails leaves nothing behind."""
from __future__ import annotations

import copy

import pytest
import sqlalchemy.exc
from ckan import model
from ckan.lib import search
from ckan.plugins import toolkit as tk
from ckan.tests import factories, helpers

from ckanext.urbanaudit import bulk
from tests.inventory_records import full_record, without

# what differs between two records by construction
_OWN = {"id", "name", "identifier", "metadata_created", "metadata_modified", "title", "package_id", "created",
        "last_modified", "position"}


def _bulk_create(user: str, records: list[dict]) -> list[str]:
    validated = []
    for record in records:
        data, errors = bulk.validate({"user": user}, record)
        assert not errors
        validated.append(data)
    ids = bulk.create({"user": user}, validated)
    model.repo.commit()
    return ids


def _search_document(package_id: str) -> dict:
    [doc] = search.make_connection().search(q=f"id:{package_id}", fq=f"+site_id:{tk.config['ckan.site_id']}").docs
    return {k: v for k, v in doc.items() if k not in {"id", "name", "index_id", "_version_", "data_dict",
                                                      "validated_data_dict", "title", "title_string", "identifier",
                                                      "metadata_created", "metadata_modified", "indexed_ts",
                                                      "urls", "res_url", "name_ngram", "extras_identifier"}}


@pytest.mark.usefixtures("clean_db", "clean_index")
def test_a_bulk_written_record_is_shown_found_and_viewed_as_the_same_record_made_by_package_create():
    user = factories.Sysadmin()
    org = factories.Organization()
    made = helpers.call_action("package_create", {"user": user["name"]},
                               **full_record(org["id"], name="przez-package-create", identifier="A-1"))
    [bulk_id] = _bulk_create(user["name"], [full_record(org["id"], name="przez-bulk", identifier="A-2")])

    shown = helpers.call_action("package_show", id=bulk_id)
    expected = helpers.call_action("package_show", id=made["id"])
    assert shown["name"] == "przez-bulk" and shown["identifier"] == "A-2"
    assert shown["creator_user_id"] == user["id"] and shown["organization"]["id"] == org["id"]
    assert [r["url"] for r in shown["resources"]] == ["https://dane.kielce.eu/drzewa.csv",
                                                      "https://dane.kielce.eu/drzewa.geojson"]
    assert without(shown, _OWN) == without(expected, _OWN)
    assert _search_document(bulk_id) == _search_document(made["id"])
    assert helpers.call_action("package_search", fq=f"organization:{org['name']}")["count"] == 2
    made_views = []
    for mine, theirs in zip(shown["resources"], expected["resources"], strict=True):   # the default views
        views = [{k: v[k] for k in ("view_type", "title", "description")}
                 for v in helpers.call_action("resource_view_list", id=mine["id"])]
        assert views == [{k: v[k] for k in ("view_type", "title", "description")}
                         for v in helpers.call_action("resource_view_list", id=theirs["id"])]
        made_views += views
    assert "geojson_view" in {v["view_type"] for v in made_views}   # the GeoJSON file's map view
    assert helpers.call_action("organization_show", id=org["id"])["package_count"] == 2
    members = helpers.call_action("member_list", id=org["id"], object_type="package")
    assert sorted(members) == sorted([(made["id"], "package", "organization"), (bulk_id, "package", "organization")])
    assert len(helpers.call_action("package_list")) == 2


@pytest.mark.usefixtures("clean_db", "clean_index")
def test_records_of_one_batch_share_a_new_tag_and_a_record_with_groups_joins_them():
    user = factories.Sysadmin()
    org = factories.Organization()
    group = factories.Group()
    records = [full_record(org["id"], name=f"rekord-{n}", identifier=f"B-{n}", tag_string="nowy-znacznik,drzewa")
               for n in range(3)]
    records[2]["groups"] = [{"name": group["name"]}]     # written by CKAN's own dictization, in the same batch
    ids = _bulk_create(user["name"], records)
    assert model.Session.query(model.Tag).filter_by(name="nowy-znacznik").count() == 1
    found = helpers.call_action("package_search", fq="tags:nowy-znacznik", rows=10)
    assert sorted(r["id"] for r in found["results"]) == sorted(ids)
    assert [g["name"] for g in helpers.call_action("package_show", id=ids[2])["groups"]] == [group["name"]]
    assert helpers.call_action("package_show", id=ids[0])["groups"] == []


@pytest.mark.usefixtures("clean_db", "clean_index")
def test_a_deleted_record_gives_up_its_name_and_a_taken_name_fails_the_whole_batch_leaving_nothing():
    user = factories.Sysadmin()
    org = factories.Organization()
    gone = factories.Dataset(name="usuniety", owner_org=org["id"])
    helpers.call_action("package_delete", id=gone["id"])
    [reborn] = _bulk_create(user["name"], [full_record(org["id"], name="usuniety", identifier="C-1")])
    assert helpers.call_action("package_show", id="usuniety")["id"] == reborn
    assert model.Package.get(gone["id"]).name == gone["id"]

    batch = []
    for n, name in enumerate(["pierwszy-z-partii", "usuniety"]):   # valid when validated, taken by the write
        data, errors = bulk.validate({"user": user["name"]}, full_record(org["id"], name=f"x-{n}",
                                                                          identifier=f"D-{n}"))
        assert not errors
        batch.append({**data, "name": name})
    before = model.Session.query(model.Package).count()
    with pytest.raises(sqlalchemy.exc.IntegrityError):
        bulk.create({"user": user["name"]}, copy.deepcopy(batch))
    model.Session.rollback()
    assert model.Session.query(model.Package).count() == before
    assert helpers.call_action("package_search", q="name:pierwszy-z-partii")["count"] == 0
    assert helpers.call_action("package_show", id="usuniety")["id"] == reborn
