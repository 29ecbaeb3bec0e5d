"""The quality score end to end: background job after a save, link checks, storage with history,
the Solr document, actions and their auth, CLI, dashboards, CSV report, harvest-job hook."""
from __future__ import annotations

import csv
import io
from collections import Counter
from datetime import UTC, datetime, timedelta

import ckan.plugins.toolkit as tk
import pytest
from ckan import model
from ckan.cli.cli import ckan as ckan_cli
from ckan.tests import factories, helpers
from ckanext.harvest.model import HarvestJob
from ckanext.harvest.tests import factories as harvest_factories

from ckanext.urbanaudit.cli import urbanaudit
from ckanext.urbanaudit.quality import metrics, report, store
from ckanext.urbanaudit.quality.model import LinkCheck, QualityScore
from tests.quality.link_server import BODY

EU = "http://publications.europa.eu/resource/authority/"


def dataset(org, **extra):
    data = {
        "owner_org": org["id"], "title": "Rejestr drzew", "notes": "Drzewa w pasach drogowych.",
        "tag_string": "drzewa,zieleń", "theme": [EU + "data-theme/ENVI"], "frequency": EU + "frequency/ANNUAL",
        "access_rights": EU + "access-right/PUBLIC", "license_id": "cc-by",
        "contact": [{"name": "Wydział Środowiska", "email": "srodowisko@um.kielce.pl"}],
        "temporal_coverage": [{"start": "2020-01-01"}], "spatial_coverage": [{"text": "Kielce"}],
        "modified": datetime.now(UTC).replace(tzinfo=None).date().isoformat(), "issued": "2020-01-01",
        "resources": [{"url": "https://dane.kielce.eu/drzewa", "format": "CSV", "mimetype": "text/csv",
                       "size": 10, "rights": "CC BY"}],
    }
    data.update(extra)
    return factories.Dataset(**data)


def run_jobs(cli):
    result = cli.invoke(ckan_cli, ["jobs", "worker", "--burst"])
    assert result.exit_code == 0, result.output


@pytest.mark.usefixtures("clean_db", "clean_index", "clean_redis")
@pytest.mark.ckan_config("ckanext.urbanaudit.quality.link_check_allow", "localhost")
@pytest.mark.ckan_config("ckanext.urbanaudit.quality.recompute_on_update", True)
def test_saving_a_dataset_scores_it_in_the_background_with_its_links_checked(cli, server, app):
    org = factories.Organization()
    pkg = dataset(org, resources=[{"url": server.url("/ok.csv"), "download_url": server.url("/nohead.csv"),
                                   "format": "CSV", "mimetype": "text/csv", "size": len(BODY), "rights": "CC BY"}])
    assert store.latest(pkg["id"]) is None  # not computed in the request
    run_jobs(cli)

    shown = helpers.call_action("urbanaudit_quality_show", id=pkg["name"])
    by_id = {m["id"]: m for m in shown["metrics"]}
    assert by_id["access_url_status"]["points"] == 50
    assert by_id["download_url_status"]["points"] == 30
    assert shown["score"] == 405 and shown["band"] == "excellent"
    checks = {c["url"]: c for c in shown["link_checks"]}
    assert checks[server.url("/ok.csv")]["status_code"] == 200
    assert checks[server.url("/ok.csv")]["content_type"] == "text/csv"
    assert checks[server.url("/nohead.csv")]["size"] == len(BODY)

    # the Solr document carries the band and the score
    found = helpers.call_action("package_search", fq="quality_band:excellent", **{"facet.field": '["quality_band"]'})
    assert [d["name"] for d in found["results"]] == [pkg["name"]]
    page = app.get("/dataset/" + pkg["name"]).get_data(as_text=True)
    assert "Doskonała · 405/405" in page


@pytest.mark.usefixtures("clean_db", "clean_index", "clean_redis")
@pytest.mark.ckan_config("ckanext.urbanaudit.quality.link_check_allow", "")
@pytest.mark.ckan_config("ckanext.urbanaudit.quality.recompute_on_update", True)
def test_a_steward_url_to_an_internal_address_is_refused_and_scores_no_points(cli, server):
    org = factories.Organization()
    pkg = dataset(org, resources=[{"url": f"http://127.0.0.1:{server.port}/ok.csv", "format": "CSV"},
                                  {"url": "http://169.254.169.254/latest/meta-data/", "format": "CSV"}])
    run_jobs(cli)
    assert server.requests == []
    shown = helpers.call_action("urbanaudit_quality_show", id=pkg["id"])
    assert {m["id"]: m["points"] for m in shown["metrics"]}["access_url_status"] == 0
    assert all(c["error"].startswith("refused") for c in shown["link_checks"])
    # the link checks ran (an empty list would pass the line above): each internal URL has a refused result,
    # both in the action's answer and in the stored link checks
    internal = [f"http://127.0.0.1:{server.port}/ok.csv", "http://169.254.169.254/latest/meta-data/"]
    checks = {c["url"]: c for c in shown["link_checks"]}
    assert len(shown["link_checks"]) == len(internal) and set(checks) == set(internal)
    stored = {r.url: r for r in model.Session.query(LinkCheck).filter(LinkCheck.url.in_(internal))}
    for url in internal:
        assert checks[url]["status_code"] is None and checks[url]["error"].startswith("refused"), checks[url]
        assert stored[url].status_code is None and stored[url].error.startswith("refused"), url


@pytest.mark.usefixtures("clean_db", "clean_index")
@pytest.mark.ckan_config("ckanext.urbanaudit.quality.recompute_on_update", False)
def test_search_facets_on_band_and_sorts_by_score():
    org = factories.Organization()
    rich = dataset(org, name="bogaty")
    poor = factories.Dataset(owner_org=org["id"], name="ubogi", title="Ubogi", notes="Mało opisany.")
    middle = dataset(org, name="sredni", tag_string="", theme=[])
    store.recompute(org=org["name"])
    scores = {n: store.latest(model.Package.get(n).id).score for n in ("bogaty", "ubogi", "sredni")}
    assert scores["ubogi"] < 100 < scores["sredni"] < scores["bogaty"]  # 2- and 3-digit scores: sort must be numeric
    ordered = helpers.call_action("package_search", sort="quality_score desc")["results"]
    assert [d["name"] for d in ordered] == ["bogaty", "sredni", "ubogi"]
    ordered = helpers.call_action("package_search", sort="quality_score asc")["results"]
    assert [d["name"] for d in ordered] == ["ubogi", "sredni", "bogaty"]
    found = helpers.call_action("package_search", **{"facet.field": '["quality_band"]'})
    facets = found["search_facets"]["quality_band"]
    assert {i["name"]: i["count"] for i in facets["items"]} == Counter(
        store.latest(p["id"]).band for p in (rich, poor, middle))


@pytest.mark.usefixtures("clean_db", "clean_index")
@pytest.mark.ckan_config("ckanext.urbanaudit.quality.recompute_on_update", False)
def test_the_streamed_record_scores_like_package_show():
    org = factories.Organization()
    pkg = dataset(org, publisher=[{"name": "UM Kielce"}], data_steward="Jan Kowalski",
                  resources=[{"url": "https://a.example/x", "download_url": "https://a.example/x.csv",
                              "format": "XLSX", "license": "cc-by-sa", "rights": "r", "size": 5},
                             {"url": "https://a.example/y", "format": "PDF"}])
    voc = store.vocabularies()
    shown = helpers.call_action("package_show", id=pkg["id"])
    streamed = store.load_datasets([pkg["id"]])[0]
    today = datetime.now(UTC).replace(tzinfo=None).date()
    a = metrics.assess(shown, voc, {}, today).as_dict()
    b = metrics.assess(streamed, voc, {}, today).as_dict()
    assert a == b
    assert a["score"] < 405


@pytest.mark.usefixtures("clean_db", "clean_index")
@pytest.mark.ckan_config("ckanext.urbanaudit.quality.recompute_on_update", False)
def test_history_keeps_a_row_per_change_and_the_trend_reads_it():
    org = factories.Organization()
    pkg = dataset(org)
    store.recompute(ids=[pkg["id"]])
    store.recompute(ids=[pkg["id"]])  # nothing changed: confirmed, no new row
    rows = model.Session.query(QualityScore).filter_by(package_id=pkg["id"]).all()
    assert len(rows) == 1
    first = rows[0].score
    # a week later the steward removes the keywords
    rows[0].computed_at = datetime.now(UTC).replace(tzinfo=None) - timedelta(days=8)
    model.Session.commit()
    helpers.call_action("package_patch", id=pkg["id"], tags=[])
    store.recompute(ids=[pkg["id"]])
    history = helpers.call_action("urbanaudit_quality_show", id=pkg["id"])["history"]
    assert [h["score"] for h in history] == [first, first - 30]

    trend = report.trend((), org["id"], weeks=2)
    assert [p["mean"] for p in trend] == [first, first - 30]


@pytest.mark.usefixtures("clean_db", "clean_index")
@pytest.mark.ckan_config("ckanext.urbanaudit.quality.recompute_on_update", False)
def test_recompute_is_for_sysadmins_and_the_departments_editors():
    org, other = factories.Organization(), factories.Organization()
    editor, member, outsider = factories.User(), factories.User(), factories.User()
    helpers.call_action("organization_member_create", id=org["id"], username=editor["name"], role="editor")
    helpers.call_action("organization_member_create", id=org["id"], username=member["name"], role="member")
    helpers.call_action("organization_member_create", id=other["id"], username=outsider["name"], role="editor")
    pkg = dataset(org)

    def allowed(user, **data):
        context = {"user": user["name"] if user else "", "ignore_auth": False}
        try:
            helpers.call_auth("urbanaudit_quality_recompute", context, **data)
        except tk.NotAuthorized:  # anything else (a crashing auth function) is raised, not taken as "denied"
            return False
        return True

    assert allowed(editor, id=pkg["id"]) and allowed(editor, owner_org=org["name"])
    assert not allowed(member, id=pkg["id"])
    assert not allowed(outsider, id=pkg["id"]) and not allowed(outsider, owner_org=org["name"])
    assert not allowed(None, id=pkg["id"])
    assert not allowed(editor, all=True)
    assert allowed(factories.Sysadmin(), all=True)
    result = helpers.call_action("urbanaudit_quality_recompute", {"user": editor["name"]}, id=pkg["id"])
    assert result["score"]["score"] == store.latest(pkg["id"]).score


@pytest.mark.usefixtures("clean_db", "clean_index")
@pytest.mark.ckan_config("ckanext.urbanaudit.quality.recompute_on_update", False)
def test_private_datasets_never_show_in_public_dashboards_lists_or_csv(app):
    org = factories.Organization(name="wydzial-srodowiska", title="Wydział Środowiska")
    member = factories.User()
    helpers.call_action("organization_member_create", id=org["id"], username=member["name"], role="member")
    dataset(org, name="jawny-rejestr", title="Jawny rejestr")
    dataset(org, name="tajny-rejestr", title="Tajny rejestr", private=True, tag_string="")
    store.recompute()

    for url in ("/quality", "/quality/wydzial-srodowiska", "/quality.csv"):
        body = app.get(url).get_data(as_text=True)
        assert "Jawny rejestr" in body or "jawny-rejestr" in body, url
        assert "Tajny" not in body and "tajny-rejestr" not in body, url
    rows = list(csv.reader(io.StringIO(app.get("/quality.csv").get_data(as_text=True))))
    assert rows[0][:6] == ["department", "dataset", "title", "score", "max", "band"]
    assert [r[1] for r in rows[1:]] == ["jawny-rejestr"]

    anonymous = helpers.call_action("urbanaudit_quality_list", {"user": ""})
    assert [r["name"] for r in anonymous["results"]] == ["jawny-rejestr"]
    assert {r["name"] for r in helpers.call_action("urbanaudit_quality_list", {"user": member["name"]})["results"]} \
        == {"jawny-rejestr", "tajny-rejestr"}
    # the department's own member sees its private data set on the department dashboard
    token = helpers.call_action("api_token_create", {"user": member["name"]}, user=member["name"], name="t")
    page = app.get("/quality/wydzial-srodowiska", headers={"Authorization": token["token"]})
    assert "Tajny rejestr" in page.get_data(as_text=True)
    # and the most-missed metric there is the keywords of the private set
    assert 'data-metric="keyword"' in page.get_data(as_text=True)


@pytest.mark.usefixtures("clean_db", "clean_index")
@pytest.mark.ckan_config("ckanext.urbanaudit.quality.recompute_on_update", False)
def test_cli_recompute_of_a_department_and_bad_input(cli):
    org = factories.Organization(name="ztm")
    dataset(org)
    dataset(factories.Organization())
    result = cli.invoke(urbanaudit, ["quality", "recompute", "--org", "ztm"])
    assert result.exit_code == 0, result.output
    assert "Scored 1 data sets" in result.output
    assert model.Session.query(QualityScore).count() == 1
    result = cli.invoke(urbanaudit, ["quality", "recompute", "--org", "no-such-department"])
    assert result.exit_code != 0 and "no-such-department" in result.output
    assert cli.invoke(urbanaudit, ["quality", "recompute"]).exit_code != 0
    assert model.Session.query(QualityScore).count() == 1  # nothing lost
    result = cli.invoke(urbanaudit, ["quality", "recompute", "--all"])
    assert "Scored 2 data sets" in result.output


@pytest.mark.usefixtures("clean_db", "clean_index", "clean_redis")
@pytest.mark.ckan_config("ckanext.urbanaudit.quality.recompute_on_update", False)
@pytest.mark.ckan_config("ckanext.urbanaudit.quality.link_check_allow", "localhost")
def test_a_finished_harvest_job_queues_the_recompute_of_its_datasets(cli, server):
    org = factories.Organization()
    harvested = dataset(org, resources=[{"url": server.url("/gone.csv"), "format": "CSV"}])
    source = harvest_factories.HarvestSourceObj(url="http://127.0.0.1:9/gdynia", source_type="ckan",
                                                owner_org=org["id"])
    job = harvest_factories.HarvestJobObj(source=source)
    job.status, job.gather_finished = "Running", datetime.now(UTC).replace(tzinfo=None)
    job.save()
    obj = harvest_factories.HarvestObjectObj(job=job, guid="g1")
    obj.package_id, obj.current, obj.state = harvested["id"], True, "COMPLETE"
    obj.import_finished = datetime.now(UTC).replace(tzinfo=None)
    obj.save()
    helpers.call_action("harvest_jobs_run", {"user": factories.Sysadmin()["name"]}, source_id=source.id)
    assert model.Session.query(HarvestJob).get(job.id).status == "Finished"
    assert store.latest(harvested["id"]) is None
    run_jobs(cli)
    assert store.latest(harvested["id"]) is not None
    assert model.Session.query(LinkCheck).filter_by(url=server.url("/gone.csv")).one().status_code == 404


@pytest.mark.usefixtures("clean_db")
def test_the_portal_builds_the_same_vocabularies_the_metric_tests_use(voc):
    assert store.vocabularies() == voc


@pytest.mark.usefixtures("clean_db", "clean_index", "clean_redis")
@pytest.mark.ckan_config("ckanext.urbanaudit.quality.recompute_on_update", False)
def test_the_scheduled_run_queues_the_full_recompute_for_the_worker(cli):
    org = factories.Organization()
    pkgs = [dataset(org), dataset(org, private=True)]
    result = cli.invoke(urbanaudit, ["quality", "recompute", "--all", "--background"])
    assert result.exit_code == 0, result.output
    assert "Queued the recompute of 2 data sets" in result.output
    assert all(store.latest(p["id"]) is None for p in pkgs)
    run_jobs(cli)
    assert all(store.latest(p["id"]) is not None for p in pkgs)
    assert helpers.call_action("package_search", fq="quality_band:[* TO *]", include_private=True)["count"] == 2
