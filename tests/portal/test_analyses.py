"""Analyses and research (issue 18 item 1): a record type of the catalogue (``analysis``, schemas/analysis.yaml)
linked to the data sets and indicators it uses — created through the API and the form, validated against what the
editor may see, shown as "used in" on the pages of what it uses, listed and searched on /dla-badaczy, kept off
/dataset, and in the DCAT output as the related resource DCAT-AP 3 allows. Real PostgreSQL/Solr, over HTTP."""
from __future__ import annotations

import pytest
import rdflib
from ckan.tests import factories, helpers

from ckanext.urbanaudit.indicators.catalogue import catalogue
from ckanext.urbanaudit.indicators.load import load
from tests.dcat.test_dcat_shacl import SHAPES, violations

POPULATION = "EUROSTAT:urb_cpop1:DE1001V"
NOISE = "ISO37120:2014:8.7"
DCT = rdflib.namespace.DCTERMS
DCAT = rdflib.Namespace("http://www.w3.org/ns/dcat#")


def _dataset(org_id: str, name: str, title: str, **extra) -> dict:
    admin = factories.Sysadmin()
    return helpers.call_action("package_create", {"user": admin["name"]}, name=name, title=title,
                               notes=f"{title}: opis.", owner_org=org_id, license_id="cc-by", **extra)


@pytest.fixture
def research(cities):
    """A university organization with a researcher (editor), two public data sets and one private data set of the
    city's departments."""
    researcher = factories.User(name="badaczka", fullname="Ewa Badaczka")
    university = factories.Organization(name="uczelnia-testowa", title="Uczelnia Testowa",
                                        users=[{"name": "badaczka", "capacity": "editor"}])
    env, other = cities["env"], cities["other"]
    trees = _dataset(env["id"], "rejestr-drzew", "Rejestr drzew")
    noise = _dataset(env["id"], "pomiary-halasu", "Pomiary hałasu")
    secret = _dataset(other["id"], "wyniki-egzaminow", "Wyniki egzaminów szkolnych", private=True)
    return {"researcher": researcher, "university": university, "trees": trees, "noise": noise,
            "secret": secret, **cities}


def _analysis(research: dict, **fields) -> dict:
    data = {"type": "analysis", "name": "halas-i-zielen", "title": "Hałas drogowy a zieleń miejska",
            "analysis_kind": "joint_project", "authors": ["Ewa Badaczka", "Jan Kowalski"],
            "institution": "Uczelnia Testowa", "notes": "Czy szpalery drzew obniżają hałas drogowy.",
            "owner_org": research["university"]["id"], "issued": "2025-06-30", "license_id": "cc-by",
            "uses_datasets": ["rejestr-drzew", "pomiary-halasu"], "uses_indicators": [POPULATION, NOISE],
            "resources": [{"name": "Artykuł", "url": "https://uczelnia.example.com/halas.pdf", "format": "PDF"}],
            **fields}
    return helpers.call_action("package_create", {"user": research["researcher"]["name"], "ignore_auth": False},
                               **data)


def _token(user: dict) -> dict:
    return {"Authorization": factories.APIToken(user=user["name"])["token"]}


def test_a_researcher_registers_an_analysis_through_the_api_and_its_links_are_kept_by_id_and_code(research):
    analysis = _analysis(research, uses_indicators=[catalogue().get(NOISE).slug, POPULATION])
    assert analysis["type"] == "analysis" and analysis["organization"]["name"] == "uczelnia-testowa"
    assert analysis["authors"] == ["Ewa Badaczka", "Jan Kowalski"]
    assert analysis["analysis_kind"] == "joint_project" and analysis["institution"] == "Uczelnia Testowa"
    # data sets are kept by id (a renamed data set keeps its link), indicators by code (a URL name is accepted)
    assert analysis["uses_datasets"] == [research["trees"]["id"], research["noise"]["id"]]
    assert analysis["uses_indicators"] == [NOISE, POPULATION]
    helpers.call_action("package_patch", id="rejestr-drzew", name="rejestr-drzew-miejskich")
    shown = helpers.call_action("package_show", id="halas-i-zielen")
    assert shown["uses_datasets"] == [research["trees"]["id"], research["noise"]["id"]]
    assert [r["url"] for r in shown["resources"]] == ["https://uczelnia.example.com/halas.pdf"]
    # the stock actions serve the type: search by type, update by the researcher
    found = helpers.call_action("package_search", fq="dataset_type:analysis")
    assert [d["name"] for d in found["results"]] == ["halas-i-zielen"]
    helpers.call_action("package_patch", {"user": "badaczka", "ignore_auth": False}, id="halas-i-zielen",
                        uses_indicators=[POPULATION])
    assert helpers.call_action("package_show", id="halas-i-zielen")["uses_indicators"] == [POPULATION]


def test_an_analysis_can_use_only_data_sets_and_indicators_of_the_catalogue_its_editor_may_see(research):
    cases = [
        ({"uses_datasets": ["rejestr-drzew", "nie-ma-takiego-zbioru"]}, "uses_datasets", "nie-ma-takiego-zbioru"),
        ({"uses_indicators": [POPULATION, "XX:no-such-indicator"]}, "uses_indicators", "XX:no-such-indicator"),
        # a private data set of another department: the university's editor may not see it
        ({"uses_datasets": ["wyniki-egzaminow"]}, "uses_datasets", "wyniki-egzaminow"),
        # an indicator record is no data set
        ({"uses_datasets": ["rejestr-drzew", catalogue().get(POPULATION).slug]}, "uses_datasets",
         catalogue().get(POPULATION).slug),
    ]
    load(owner="um-kielce", codes=[POPULATION])
    for fields, field, bad in cases:
        with pytest.raises(helpers.logic.ValidationError) as refused:
            _analysis(research, **fields)
        messages = refused.value.error_dict[field]
        assert any(bad in m for m in messages), (fields, messages)
        assert len(messages) == 1, messages  # the valid ones pass
    assert helpers.call_action("package_search", fq="dataset_type:analysis", include_private=True,
                               include_drafts=True)["count"] == 0

    # an indicator whose record is private to a department the editor is not in does not exist for the editor
    load(owner="um-kielce", codes=[NOISE])
    helpers.call_action("package_patch", id=catalogue().get(NOISE).slug, private=True)
    with pytest.raises(helpers.logic.ValidationError) as refused:
        _analysis(research, uses_indicators=[NOISE])
    assert NOISE in refused.value.error_dict["uses_indicators"][0]

    # the department's own editor may use its private data set (in an analysis of the department)
    steward = factories.User(name="redaktor-edukacji")
    helpers.call_action("organization_member_create", id=research["other"]["id"], username="redaktor-edukacji",
                        role="editor")
    own = helpers.call_action("package_create", {"user": steward["name"], "ignore_auth": False}, type="analysis",
                              name="egzaminy-2025",
                              title="Wyniki egzaminów 2025", analysis_kind="city_analysis", authors=["Anna Nowak"],
                              notes="Analiza wyników.", owner_org=research["other"]["id"],
                              uses_datasets=["wyniki-egzaminow"])
    assert own["uses_datasets"] == [research["secret"]["id"]]


def test_a_researcher_registers_an_analysis_through_the_form(app, research):
    headers = _token(research["researcher"])
    form = app.get("/analysis/new", headers=headers)
    assert form.status_code == 200
    body = form.get_data(as_text=True)
    # the selects offer the catalogue: the public data sets and the indicators, not another department's secret
    assert f'value="{research["trees"]["id"]}"' in body and f'value="{NOISE}"' in body
    assert research["secret"]["id"] not in body
    response = app.post("/analysis/new", headers=headers, follow_redirects=False, data={
        "title": "Zieleń a hałas", "name": "zielen-a-halas", "analysis_kind": "thesis",
        "authors": ["Ewa Badaczka"], "institution": "Uczelnia Testowa", "notes": "Praca magisterska.",
        "owner_org": research["university"]["id"], "issued": "2025-09-30", "license_id": "cc-by",
        "uses_datasets": [research["trees"]["id"], research["noise"]["id"]], "uses_indicators": NOISE,
        "_ckan_phase": "dataset_new_1", "pkg_name": "", "save": ""})
    assert response.status_code == 302, response.get_data(as_text=True)[-3000:]
    assert "/resource/new" in response.headers["Location"], response.headers["Location"]
    response = app.post("/analysis/zielen-a-halas/resource/new", headers=headers, follow_redirects=False,
                        data={"id": "", "url": "https://uczelnia.example.com/praca.pdf", "name": "Praca (PDF)",
                              "format": "PDF", "save": "go-metadata"})
    assert response.status_code == 302
    record = helpers.call_action("package_show", id="zielen-a-halas")
    assert record["state"] == "active" and record["type"] == "analysis"
    assert record["uses_datasets"] == [research["trees"]["id"], research["noise"]["id"]]
    assert record["uses_indicators"] == [NOISE]
    page = app.get("/analysis/zielen-a-halas").get_data(as_text=True)
    assert "Rejestr drzew" in page and "Pomiary hałasu" in page and NOISE in page and "Praca dyplomowa" in page

    # a data set the researcher may not see, posted by hand, is refused on the form with the field's message
    refused = app.post("/analysis/new", headers=headers, data={
        "title": "Egzaminy", "name": "egzaminy", "analysis_kind": "paper", "authors": ["Ewa Badaczka"],
        "notes": "Artykuł.", "owner_org": research["university"]["id"], "uses_datasets": research["secret"]["id"],
        "_ckan_phase": "dataset_new_1", "pkg_name": "", "save": ""})
    assert refused.status_code == 200
    assert "Brak w katalogu zbioru danych" in refused.get_data(as_text=True)
    assert helpers.call_action("package_search", q="name:egzaminy", include_drafts=True,
                               include_private=True)["count"] == 0


def test_the_data_set_and_indicator_pages_list_the_public_analyses_using_them(app, research):
    _analysis(research)
    _analysis(research, name="analiza-prywatna", title="Analiza jeszcze niepublikowana", private=True,
              uses_indicators=[NOISE])
    page = app.get("/dataset/pomiary-halasu").get_data(as_text=True)
    assert "Wykorzystano w" in page and "Hałas drogowy a zieleń miejska" in page and "/analysis/halas-i-zielen" in page
    assert "Analiza jeszcze niepublikowana" not in page  # private: not public record of use
    assert "Used in" in app.get("/en/dataset/pomiary-halasu").get_data(as_text=True)
    unused = _dataset(research["env"]["id"], "inny-zbior", "Inny zbiór")
    assert "Wykorzystano w" not in app.get(f"/dataset/{unused['name']}").get_data(as_text=True)

    indicator = app.get(f"/indicator/{catalogue().get(POPULATION).slug}?city=kielce").get_data(as_text=True)
    assert "Wykorzystano w" in indicator and "Hałas drogowy a zieleń miejska" in indicator
    assert "Wspólny projekt badawczy" in indicator and "Ewa Badaczka" in indicator
    other_indicator = app.get(f"/indicator/{catalogue().get('UA:population_change').slug}?city=kielce")
    assert "Wykorzystano w" not in other_indicator.get_data(as_text=True)


def test_the_researchers_page_lists_searches_and_filters_the_analyses_by_kind(app, research):
    _analysis(research)
    _analysis(research, name="przystanki-a-ludnosc", title="Przystanki a liczba mieszkańców",
              analysis_kind="report", notes="Raport o dostępności komunikacji miejskiej.",
              uses_datasets=["rejestr-drzew"], uses_indicators=[])
    page = app.get("/dla-badaczy").get_data(as_text=True)
    assert "Analizy i badania" in page and "Znalezione analizy: 2" in page
    assert "Hałas drogowy a zieleń miejska" in page and "Przystanki a liczba mieszkańców" in page
    assert "Wspólny projekt badawczy (1)" in page and "Raport (1)" in page

    searched = app.get("/dla-badaczy", query_string={"q": "komunikacji"}).get_data(as_text=True)
    assert "Znalezione analizy: 1" in searched and "Przystanki a liczba mieszkańców" in searched
    assert "Hałas drogowy a zieleń miejska" not in searched

    filtered = app.get("/dla-badaczy", query_string={"kind": "joint_project"}).get_data(as_text=True)
    assert "Znalezione analizy: 1" in filtered and "Hałas drogowy a zieleń miejska" in filtered
    assert "Przystanki a liczba mieszkańców" not in filtered
    english = app.get("/en/dla-badaczy").get_data(as_text=True)
    assert "Analyses and research" in english and "Joint research project (1)" in english


def test_analyses_are_kept_off_the_data_set_search_pages(app, research):
    _analysis(research)
    search = app.get("/dataset").get_data(as_text=True)
    assert "Rejestr drzew" in search and "Hałas drogowy a zieleń miejska" not in search
    assert "Hałas drogowy a zieleń miejska" not in app.get("/dataset", query_string={"q": "szpalery"}).get_data(
        as_text=True)
    assert "Hałas drogowy a zieleń miejska" not in app.get("/organization/uczelnia-testowa").get_data(as_text=True)
    # the API keeps CKAN's behaviour
    assert helpers.call_action("package_search", q="szpalery")["count"] == 1


@pytest.mark.parametrize("version", sorted(SHAPES))
def test_dcat_references_the_analysis_from_the_data_sets_it_uses_and_stays_valid(app, research, version):
    analysis = _analysis(research)
    site = "http://test.ckan.net"
    catalogue_ttl = app.get("/catalog.ttl").get_data(as_text=True)
    assert violations(catalogue_ttl, SHAPES[version]) == []
    graph = rdflib.Graph().parse(data=catalogue_ttl, format="turtle")
    ref = rdflib.URIRef(f"{site}/dataset/{analysis['id']}")
    datasets = set(graph.subjects(rdflib.RDF.type, DCAT.Dataset))
    assert ref not in datasets  # an analysis is no data set
    for used in (research["trees"], research["noise"]):
        assert (rdflib.URIRef(f"{site}/dataset/{used['id']}"), DCT.isReferencedBy, ref) in graph
    assert (ref, rdflib.RDF.type, rdflib.RDFS.Resource) in graph
    assert str(graph.value(ref, DCT.title)) == "Hałas drogowy a zieleń miejska"

    own = app.get(f"/dataset/{analysis['name']}.ttl")
    assert own.status_code == 200
    own_graph = rdflib.Graph().parse(data=own.get_data(as_text=True), format="turtle")
    assert violations(own.get_data(as_text=True), SHAPES[version]) == []
    assert {str(o) for o in own_graph.objects(ref, DCT.relation)} == {
        f"{site}/dataset/{research['trees']['id']}", f"{site}/dataset/{research['noise']['id']}"}
    assert str(own_graph.value(ref, DCT.type)) == "http://purl.org/dc/dcmitype/Text"
    creators = {str(own_graph.value(c, rdflib.namespace.FOAF.name)) for c in own_graph.objects(ref, DCT.creator)}
    assert creators == {"Ewa Badaczka", "Jan Kowalski"}
    assert str(own_graph.value(ref, rdflib.namespace.FOAF.page)) == "https://uczelnia.example.com/halas.pdf"


def test_the_analysis_form_names_an_analysis_in_the_page_language(app, research):
    """CKAN's generic phrases for a dataset type ("Create Analysis") read in the page's language."""
    headers = _token(research["researcher"])
    polish = app.get("/analysis/new", headers=headers).get_data(as_text=True)
    assert "Zgłoś analizę" in polish and ">Analizy</a>" in polish
    assert "Create Analysis" not in polish and ">Analysis</a>" not in polish
    english = app.get("/en/analysis/new", headers=headers).get_data(as_text=True)
    assert "Register an analysis" in english and ">Analyses</a>" in english and "Create Analysis" not in english
