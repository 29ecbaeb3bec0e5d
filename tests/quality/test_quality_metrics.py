"""The MQA metrics, bands, best-distribution rule and audit dimensions on crafted records."""
from __future__ import annotations

import copy
from datetime import date, timedelta

import pytest

from ckanext.urbanaudit.quality import metrics

EU = "http://publications.europa.eu/resource/authority/"
TODAY = date(2026, 11, 28)
ACCESS = "https://dane.kielce.eu/drzewa"
DOWNLOAD = "https://dane.kielce.eu/drzewa.csv"


@pytest.fixture(autouse=True)
def _load_plugins():
    """Pure functions: no plugins to load for each of these many cases."""


def ok_links(*urls, status=200):
    return {u: metrics.LinkResult(u, status, None) for u in urls}


LINKS = ok_links(ACCESS, DOWNLOAD)


def record(**changes) -> dict:
    pkg = {
        "id": "p1", "name": "rejestr-drzew", "title": "Rejestr drzew", "notes": "Drzewa w pasach drogowych.",
        "owner_org": "org-1", "tags": [{"name": "drzewa"}, {"name": "zieleń"}],
        "theme": [EU + "data-theme/ENVI"], "spatial_coverage": [{"text": "Kielce"}],
        "temporal_coverage": [{"start": "2020-01-01", "end": "2025-12-31"}],
        "access_rights": EU + "access-right/PUBLIC", "license_id": "cc-by",
        "contact": [{"name": "Wydział Środowiska", "email": "srodowisko@um.kielce.pl"}],
        "publisher": [{"name": "Urząd Miasta Kielce"}], "frequency": EU + "frequency/ANNUAL",
        "issued": "2020-01-01", "modified": "2026-06-01",
        "metadata_created": "2024-01-01T10:00:00", "metadata_modified": "2026-06-02T10:00:00",
        "resources": [{"id": "r1", "url": ACCESS, "download_url": DOWNLOAD, "format": "CSV", "mimetype": "text/csv",
                       "size": 2048, "rights": "Uznanie autorstwa", "license": ""}],
    }
    for key, value in changes.items():
        if key.startswith("res_"):
            pkg["resources"][0][key[4:]] = value
        else:
            pkg[key] = value
    return pkg


def points(result, metric_id):
    (m,) = [m for m in result.metrics if m["id"] == metric_id]
    return m["points"], m["max"]


def test_a_complete_record_gets_all_405_points_and_each_metric_explains_itself(voc):
    result = metrics.assess(record(), voc, LINKS, TODAY)
    assert result.score == 405
    assert result.band == "excellent"
    for m in result.metrics:
        assert m["why"], m
        assert m["points"] <= m["max"]
        if m["points"] < m["max"]:
            assert m["fix"], m
    dims = result.as_dict()["dimensions"]
    assert {d: dims[d]["max"] for d in metrics.MQA_DIMENSIONS} == {
        "findability": 100, "accessibility": 100, "interoperability": 110, "reusability": 75, "contextuality": 20}


# (metric, change making it absent / wrong, points expected, points possible)
CASES = [
    ("keyword", {"tags": []}, 0, 30),
    ("theme", {"theme": []}, 0, 30),
    ("spatial", {"spatial_coverage": []}, 0, 20),
    ("spatial", {"spatial_coverage": [], "spatial": '{"type": "Point", "coordinates": [20.6, 50.9]}'}, 20, 20),
    ("temporal", {"temporal_coverage": []}, 0, 20),
    ("temporal", {"temporal_coverage": [{"start": "", "end": ""}]}, 0, 20),
    ("download_url", {"res_download_url": ""}, 0, 20),
    ("download_url_status", {"res_download_url": ""}, 0, 30),
    ("access_url_status", {"res_url": ""}, 0, 50),
    ("format", {"res_format": ""}, 0, 20),
    ("media_type", {"res_mimetype": ""}, 0, 10),
    # format from vocabulary: present and in the EU list / present and not in it / only the media type in it
    ("format_vocabulary", {"res_format": "geojson"}, 10, 10),
    ("format_vocabulary", {"res_format": "CSVX", "res_mimetype": "text/x-unknown"}, 0, 10),
    ("format_vocabulary", {"res_format": "CSVX", "res_mimetype": "text/csv"}, 10, 10),
    ("format", {"res_format": "CSVX"}, 20, 20),
    ("non_proprietary", {"res_format": "XLSX"}, 0, 20),
    ("non_proprietary", {"res_format": "ODS"}, 20, 20),
    ("non_proprietary", {"res_format": "CSVX"}, 0, 20),
    ("machine_readable", {"res_format": "PDF"}, 0, 20),
    ("machine_readable", {"res_format": "XLSX"}, 20, 20),
    ("licence", {"license_id": ""}, 0, 20),
    ("licence", {"license_id": "notspecified"}, 0, 20),
    ("licence", {"license_id": "", "res_license": "cc-by-sa"}, 20, 20),
    ("licence_vocabulary", {"license_id": "my-own-licence"}, 0, 10),
    ("licence", {"license_id": "my-own-licence"}, 20, 20),
    ("licence_vocabulary", {"license_id": "", "res_license": "http://www.opendefinition.org/licenses/cc-by"}, 10, 10),
    ("access_rights", {"access_rights": ""}, 0, 10),
    ("access_rights_vocabulary", {"access_rights": ""}, 0, 5),
    ("access_rights", {"access_rights": "otwarty"}, 10, 10),
    ("access_rights_vocabulary", {"access_rights": "otwarty"}, 0, 5),
    ("contact_point", {"contact": []}, 0, 20),
    ("contact_point", {"contact": [{"name": "", "email": ""}]}, 0, 20),
    ("publisher", {"publisher": []}, 10, 10),  # the DCAT output names the owning department
    ("publisher", {"publisher": [], "owner_org": None}, 0, 10),
    ("rights", {"res_rights": ""}, 0, 5),
    ("byte_size", {"res_size": None}, 0, 5),
    ("issued", {"issued": "", "metadata_created": None}, 0, 5),
    ("issued", {"issued": ""}, 5, 5),  # the DCAT output falls back to the record's creation date
    ("modified", {"modified": "", "metadata_modified": None}, 0, 5),
    ("dcat_ap", {"notes": ""}, 0, 30),
    ("dcat_ap", {"theme": ["Środowisko"]}, 0, 30),
    ("dcat_ap", {"frequency": "co roku"}, 0, 30),
    ("dcat_ap", {"issued": "w zeszłym roku"}, 0, 30),
]


@pytest.mark.parametrize(("metric_id", "change", "expected", "possible"), CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_each_mqa_metric_scores_present_absent_and_vocabulary_values(voc, metric_id, change, expected, possible):
    full = metrics.assess(record(), voc, LINKS, TODAY)
    result = metrics.assess(record(**change), voc, LINKS, TODAY)
    assert points(result, metric_id) == (expected, possible)
    assert points(full, metric_id) == (possible, possible)
    (m,) = [m for m in result.metrics if m["id"] == metric_id]
    if expected < possible:
        assert m["fix"]


def test_link_metrics_come_from_stored_checks(voc):
    unchecked = metrics.assess(record(), voc, {}, TODAY)
    assert points(unchecked, "access_url_status") == (0, 50)
    assert points(unchecked, "download_url_status") == (0, 30)
    (m,) = [m for m in unchecked.metrics if m["id"] == "access_url_status"]
    assert metrics.text(m["why"], m["params"], str) == f"Not checked yet: {ACCESS}"
    broken = metrics.assess(record(), voc, ok_links(ACCESS, DOWNLOAD, status=404), TODAY)
    assert points(broken, "access_url_status") == (0, 50)
    why = next(m for m in broken.metrics if m["id"] == "download_url_status")
    assert "404" in metrics.text(why["why"], why["params"], str)
    assert broken.score == 405 - 80


def test_the_best_distribution_counts_not_the_best_of_each_metric(voc):
    pdf_with_everything = {"id": "pdf", "url": ACCESS, "download_url": DOWNLOAD, "format": "PDF",
                           "mimetype": "application/pdf", "size": 10, "rights": "r"}
    bare_csv = {"id": "csv", "url": "https://dane.kielce.eu/surowe.csv", "format": "CSV"}
    pkg = record(resources=[bare_csv, pdf_with_everything])
    result = metrics.assess(pkg, voc, LINKS, TODAY)
    # PDF: 50+20+30 +20+10+10+20(open)+0 +20+10 +5+5 = 200; bare CSV (not checked): 0+0+0 +20+0+10+20+20 +20+10 = 100
    assert result.best_distribution == "pdf"
    assert points(result, "machine_readable") == (0, 20)  # the CSV's machine-readability does not add up
    assert points(result, "download_url") == (20, 20)
    only_csv = metrics.assess(record(resources=[bare_csv]), voc, LINKS, TODAY)
    assert result.score - only_csv.score == 100
    none = metrics.assess(record(resources=[]), voc, LINKS, TODAY)
    assert points(none, "format") == (0, 20)
    assert none.best_distribution is None


@pytest.mark.parametrize(("score", "band"), [
    (0, "bad"), (120, "bad"), (121, "sufficient"), (220, "sufficient"), (221, "good"), (350, "good"),
    (351, "excellent"), (405, "excellent")])
def test_band_boundaries(score, band):
    assert metrics.band(score) == band


def test_band_boundaries_on_records(voc):
    # 405 - 50 (access URL not answering) - 5 (no rights) = 350: good; + rights = 355: excellent
    assert metrics.assess(record(res_rights=""), voc, ok_links(DOWNLOAD), TODAY).score == 350
    assert metrics.assess(record(res_rights=""), voc, ok_links(DOWNLOAD), TODAY).band == "good"
    assert metrics.assess(record(), voc, ok_links(DOWNLOAD), TODAY).band == "excellent"


@pytest.mark.parametrize(("code", "allowed"), [
    ("CONT", 1), ("DAILY", 1), ("WEEKLY", 7), ("MONTHLY", 31), ("QUARTERLY", 92), ("BIANNUAL", 183),
    ("ANNUAL", 366), ("BIENNIAL", 731)])
def test_timeliness_for_each_regular_frequency(code, allowed):
    def at(age):
        pkg = record(frequency=EU + "frequency/" + code, modified=(TODAY - timedelta(days=age)).isoformat())
        return metrics.timeliness(pkg, TODAY)["points"]

    assert at(0) == 100
    assert at(allowed) == 100
    assert at(allowed + 1) == 50
    assert at(2 * allowed) == 50
    assert at(2 * allowed + 1) == 0


def test_timeliness_for_irregular_unknown_never_and_missing():
    old = (TODAY - timedelta(days=5000)).isoformat()
    assert metrics.timeliness(record(frequency=EU + "frequency/NEVER", modified=old), TODAY)["points"] == 100
    for code in ("IRREG", "UNKNOWN"):
        m = metrics.timeliness(record(frequency=EU + "frequency/" + code, modified=TODAY.isoformat()), TODAY)
        assert (m["points"], m["max"]) == (0, 100)
        assert m["fix"]
    assert metrics.timeliness(record(frequency=""), TODAY)["points"] == 0
    # no data date: the record's own modification date stands in
    recent = record(modified="", metadata_modified=(TODAY - timedelta(days=3)).isoformat())
    assert metrics.timeliness(recent, TODAY)["points"] == 100
    assert metrics.timeliness(record(modified="", metadata_modified=None), TODAY)["points"] == 0


def test_completeness_counts_required_and_recommended_inventory_fields(voc):
    result = metrics.assess(record(), voc, LINKS, TODAY)
    required = points(result, "completeness_required")
    assert "data_steward" in voc.required_fields and "legal_basis" in voc.required_fields
    (m,) = [m for m in result.metrics if m["id"] == "completeness_required"]
    assert "data_steward" in m["params"]["missing"]
    filled = record(data_steward="Jan Kowalski", legal_basis="art. 83a", personal_data="no",
                    spatial_resolution="city")
    assert points(metrics.assess(filled, voc, LINKS, TODAY), "completeness_required") == (required[1], required[1])
    assert points(metrics.assess(filled, voc, LINKS, TODAY), "completeness_recommended")[0] > 0


@pytest.mark.parametrize(("change", "stars"), [
    ({}, 3),
    ({"res_format": "XLSX"}, 2),
    ({"res_format": "PDF"}, 1),
    ({"res_format": "JSON_LD"}, 4),
    ({"res_format": "RDF_TURTLE", "openness_level": "5"}, 5),
    ({"license_id": "other-closed"}, 0),
    ({"res_url": ""}, 0),
])
def test_five_star_openness(voc, change, stars):
    m = metrics.openness(record(**change), voc)
    assert m["params"]["stars"] == stars
    assert m["points"] == stars * 20


def test_audit_dimensions_stay_outside_the_405(voc):
    stale = record(modified="2000-01-01", license_id="other-closed")
    result = metrics.assess(stale, voc, LINKS, TODAY)
    fresh = metrics.assess(record(license_id="other-closed"), voc, LINKS, TODAY)
    assert result.score == fresh.score
    assert result.dimension("timeliness") == (0, 100)
    assert copy.deepcopy(result.as_dict())["dimensions"]["openness"] == {"points": 0, "max": 100}
