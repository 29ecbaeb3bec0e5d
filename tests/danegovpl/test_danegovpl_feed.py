"""The dane.gov.pl XML feed (harvester format 1.10): valid, complete, and only what may go out."""
from __future__ import annotations

import hashlib
import io

import pytest
from ckan.tests import helpers
from lxml import etree

from ckanext.urbanaudit.cli import urbanaudit
from ckanext.urbanaudit.danegovpl import feed, mapping
from tests import danegovpl_catalogue as catalogue

NS = {"d": "urn:otwarte-dane:harvester:1.10"}


def _parse(data: bytes) -> etree._ElementTree:
    return etree.parse(io.BytesIO(data))


def _export() -> tuple[etree._ElementTree, feed.Report, bytes]:
    out = io.BytesIO()
    report = feed.write(out)
    return _parse(out.getvalue()), report, out.getvalue()


def _by_ident(tree) -> dict[str, etree._Element]:
    return {d.findtext("d:extIdent", namespaces=NS): d for d in tree.getroot().findall("d:dataset", NS)}


@pytest.mark.usefixtures("clean_db", "clean_index")
def test_feed_validates_against_the_xsd_and_holds_only_what_may_go_out():
    records = catalogue.build()
    tree, report, raw = _export()

    xsd = feed.schema()
    assert xsd.validate(tree), [e.message for e in xsd.error_log]
    assert xsd.error_log.last_error is None

    sent = _by_ident(tree)
    # deleted (published before or not): left out, so dane.gov.pl deletes it too (see test_danegovpl_hardening)
    for role in ("private", "internal", "draft", "http_only", "deleted", "deleted_draft"):
        assert records[role]["id"] not in sent, role
    assert {sent[records[r]["id"]].get("status") for r in ("full", "minimal", "odbl")} == {"published"}
    # withdrawn here -> "draft", which dane.gov.pl hides; resources follow
    element = sent[records["withdrawn"]["id"]]
    assert element.get("status") == "draft"
    assert {r.get("status") for r in element.iterfind("d:resources/d:resource", NS)} == {"draft"}
    assert (report.published, report.withdrawn) == (3, 1)
    excluded = {e["name"]: e["reasons"] for e in report.excluded}
    assert excluded == {"prywatny": ["private"], "wewnetrzny": ["internal"], "tylko-http": ["no_resources"],
                        "szkic": ["draft", "no_licence", "no_category", "no_tags", "no_resources"]}
    assert "(żółć, gęś, źdźbło)".encode() in raw  # UTF-8 text, not character references


@pytest.mark.usefixtures("clean_db", "clean_index")
def test_full_record_is_mapped_field_by_field():
    records = catalogue.build()
    tree, report, _ = _export()
    full = _by_ident(tree)[records["full"]["id"]]

    def text(path: str, element=full) -> str | None:
        return element.findtext(path, namespaces=NS)

    assert text("d:title/d:polish") == "Rejestr drzew: zieleń miejska w Kielcach (żółć, gęś, źdźbło)"
    # the schema has no English text: the optional <english> is left out rather than faked
    assert full.find("d:title/d:english", NS) is None and full.find("d:description/d:english", NS) is None
    description = text("d:description/d:polish")
    assert len(description) <= 1000 and description.endswith("…")
    assert description.startswith("Inwentaryzacja drzew: gatunek, pierśnica")
    assert text("d:url") == "https://zielen.example.pl/drzewa"
    assert text("d:updateFrequency") == "daily"  # EU CONT: the most frequent value the XSD has
    assert [c.text for c in full.iterfind("d:categories/d:category", NS)] == ["ENVI", "REGI"]
    assert text("d:conditions/d:dbOrCopyrightedLicenseChosen") == "CC BY-SA 4.0"
    assert (text("d:conditions/d:source"), text("d:conditions/d:modification")) == ("true", "true")
    assert sorted(t.text for t in full.iterfind("d:tags/d:tag", NS)) == ["drzewa", "zieleń miejska", "środowisko"]
    assert {t.get("lang") for t in full.iterfind("d:tags/d:tag", NS)} == {"pl"}
    assert (text("d:hasHighValueData"), text("d:hasDynamicData")) == ("true", "true")

    resources = full.findall("d:resources/d:resource", NS)
    assert [text("d:url", r) for r in resources] == [
        "https://dane.example.com/drzewa.csv", "https://dane.example.com/drzewa.geojson"]  # http one not sent
    first, second = resources
    assert text("d:title/d:polish", first) == "Drzewa (CSV)"
    assert text("d:description/d:polish", first) == "Jeden wiersz na drzewo; współrzędne w układzie PL-2000."
    assert text("d:dataDate", first) == "2026-03-01"
    assert text("d:hasHighValueData", first) == "true"
    # no name and no description: a file name and a generated, marked description
    assert text("d:title/d:polish", second) == "drzewa.geojson"
    assert text("d:description/d:polish", second).startswith("Zasób „drzewa.geojson” zbioru danych „Rejestr drzew")
    warnings = {w["name"]: w["warnings"] for w in report.warnings}
    assert set(warnings["rejestr-drzew"]) >= {
        "shortened_description", "generated_resource_description", "skipped_http_resource"}
    assert report.without_english == 4


@pytest.mark.usefixtures("clean_db", "clean_index")
def test_minimal_and_unusual_records_map_honestly():
    records = catalogue.build()
    tree, _, _ = _export()
    sent = _by_ident(tree)
    minimal = sent[records["minimal"]["id"]]
    assert minimal.findtext("d:title/d:polish", namespaces=NS) == "Ł"
    assert minimal.find("d:conditions", NS) is None  # CC0: re-use without conditions
    assert minimal.findtext("d:url", namespaces=NS) == "http://test.ckan.net/dataset/minimalny"
    odbl = sent[records["odbl"]["id"]]
    assert odbl.findtext("d:updateFrequency", namespaces=NS) == "notApplicable"  # biennial: nothing rarer than yearly
    assert odbl.findtext("d:conditions/d:source", namespaces=NS) == "true"
    assert odbl.find("d:conditions/d:dbOrCopyrightedLicenseChosen", NS) is None


def test_bilingual_fields_carry_both_languages_where_the_record_has_them():
    """Where a schema carries ckanext-dcat's ``*_translated`` fields, both languages go out;
    a missing language falls back to the plain field (Polish) or is left out (English)."""
    pkg = {
        "id": "8a5b3c2e-0000-4000-8000-000000000001", "name": "dwujezyczny", "title": "Rejestr",
        "title_translated": {"pl": "Rejestr drzew", "en": "Tree register"},
        "notes": "Opis", "notes_translated": {"en": "Description only in English"},
        "tags": [{"name": "drzewa"}], "theme": [catalogue.EU + "data-theme/ENVI"], "license_id": "cc-by",
        "publication_status": "published", "access_rights": catalogue.EU + "access-right/PUBLIC",
        "resources": [{"id": "8a5b3c2e-0000-4000-8000-000000000002", "url": "https://x.example.com/a.csv",
                       "name_translated": {"pl": "Plik", "en": "File"}, "description": "Plik CSV"}],
    }
    decision = mapping.classify(pkg)
    assert decision.status == "published"
    element = mapping.dataset_element(pkg, decision, site_url="https://kielce.example.pl")
    document = etree.Element(f"{{{mapping.NS}}}datasets", nsmap={None: mapping.NS})
    document.append(element)
    assert feed.schema().validate(etree.ElementTree(document))
    assert element.findtext("d:title/d:polish", namespaces=NS) == "Rejestr drzew"
    assert element.findtext("d:title/d:english", namespaces=NS) == "Tree register"
    assert element.findtext("d:description/d:polish", namespaces=NS) == "Opis"
    assert element.findtext("d:description/d:english", namespaces=NS) == "Description only in English"
    resource = element.find("d:resources/d:resource", NS)
    assert resource.findtext("d:title/d:english", namespaces=NS) == "File"
    assert resource.find("d:description/d:english", NS) is None
    assert "no_english" not in decision.warnings


@pytest.mark.usefixtures("clean_db", "clean_index")
def test_served_feed_matches_its_md5_and_follows_catalogue_changes(app):
    records = catalogue.build()
    first = app.get("/dane-gov-pl.xml")
    assert first.status_code == 200
    assert first.headers["Content-Type"].startswith("application/xml")
    md5 = app.get("/dane-gov-pl.md5").get_data(as_text=True).strip()
    assert hashlib.md5(first.data).hexdigest() == md5  # what dane.gov.pl checks before importing
    assert feed.schema().validate(_parse(first.data))

    helpers.call_action("package_patch", id=records["full"]["id"], publication_status="withdrawn")
    second = app.get("/dane-gov-pl.xml")
    assert hashlib.md5(second.data).hexdigest() == app.get("/dane-gov-pl.md5").get_data(as_text=True).strip()
    assert _by_ident(_parse(second.data))[records["full"]["id"]].get("status") == "draft"


@pytest.mark.usefixtures("clean_db", "clean_index")
def test_cli_export_writes_a_valid_file(cli, tmp_path):
    catalogue.build()
    target = tmp_path / "dane-gov-pl.xml"
    result = cli.invoke(urbanaudit, ["danegovpl", "export", str(target)])
    assert result.exit_code == 0, result.output
    assert "3 published, 1 withdrawn" in result.output
    assert "0 errors" in result.output
    assert feed.validate(target) == (True, [])


@pytest.mark.usefixtures("clean_db", "clean_index")
def test_cli_export_of_an_empty_catalogue_says_it_is_invalid(cli, tmp_path):
    target = tmp_path / "empty.xml"
    result = cli.invoke(urbanaudit, ["danegovpl", "export", str(target)])
    assert result.exit_code != 0
    assert "not valid" in result.output
