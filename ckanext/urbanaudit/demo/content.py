"""Demonstration content for `make demo`: departments and inventory records of Kielce.

Every record here is SYNTHETIC: invented to show the portal, describing no
real data set of the city. Each carries ``synthetic = true`` (shown as a
notice on its page) and a title suffix, and the demo configuration turns on
the site-wide banner. The Kielce boundary is the real one shipped in
ckanext.urbanaudit.schemas/geo (from PRG via shared/fixtures/geo).
"""
from __future__ import annotations

import json
import logging
from importlib.resources import files

import ckan.plugins.toolkit as tk
from ckan import model
from ckanext.harvest import queue
from ckanext.harvest.logic import HarvestJobExists
from ckanext.harvest.model import HarvestGatherError, HarvestJob, HarvestObject, HarvestObjectError

from ckanext.urbanaudit.utils import EU

log = logging.getLogger(__name__)

SUFFIX = " [dane syntetyczne]"
# synthetic sample files served by the portal itself (ckanext/urbanaudit/public/demo)
DEMO_FILES = "http://127.0.0.1:5000/demo/"
# an https address for the record that qualifies for dane.gov.pl: a reserved domain (RFC 2606), labelled synthetic
SYNTHETIC_HTTPS = "https://dane-syntetyczne.example.com/kielce/"

DEPARTMENTS = [
    {"name": "wydzial-geodezji", "title": "Wydział Geodezji, Kartografii i Katastru", "unit_code": "GKK",
     "unit_type": "department"},
    {"name": "wydzial-srodowiska", "title": "Wydział Środowiska", "unit_code": "SR", "unit_type": "department"},
    {"name": "zarzad-transportu-miejskiego", "title": "Zarząd Transportu Miejskiego w Kielcach",
     "unit_code": "ZTM", "unit_type": "municipal_unit"},
]


def _point_box(lon: float, lat: float, d: float = 0.01) -> str:
    ring = [[lon - d, lat - d], [lon + d, lat - d], [lon + d, lat + d], [lon - d, lat + d], [lon - d, lat - d]]
    return json.dumps({"type": "Polygon", "coordinates": [ring]})


def kielce_boundary() -> str:
    text = (files("ckanext.urbanaudit.schemas") / "geo" / "kielce_city_boundary.geojson").read_text("utf-8")
    data = json.loads(text)
    geometry = data["features"][0]["geometry"] if data.get("type") == "FeatureCollection" else data
    return json.dumps(geometry)


def datasets() -> list[dict]:
    city = kielce_boundary()
    return [
        {"name": "demo-rejestr-drzew", "owner_org": "wydzial-srodowiska",
         "title": "Rejestr drzew na terenach miejskich" + SUFFIX,
         "notes": "Inwentaryzacja drzew w pasach drogowych i parkach miejskich. Rekord demonstracyjny.",
         "tag_string": "drzewa,zieleń miejska", "theme": [EU + "data-theme/ENVI"],
         "frequency": EU + "frequency/ANNUAL", "access_rights": EU + "access-right/PUBLIC",
         "license_id": "cc-by", "spatial": city,
         # the one demo record that qualifies for dane.gov.pl: published, with every field publication needs
         # and an https resource (dane.gov.pl takes no other scheme) at a reserved, never-resolving address
         "publication_status": "published", "data_steward": "Wydział Środowiska (dane syntetyczne)",
         "contact": [{"name": "Wydział Środowiska (dane syntetyczne)", "email": "dane-syntetyczne@example.com"}],
         "legal_basis": "Rekord demonstracyjny, bez podstawy prawnej (dane syntetyczne).", "personal_data": "no",
         "spatial_resolution": "city",
         "resources": [{"name": "Rejestr drzew (CSV)", "url": DEMO_FILES + "drzewa.csv", "format": "CSV"},
                       {"name": "Rejestr drzew (CSV, adres przykładowy)" + SUFFIX,
                        "url": SYNTHETIC_HTTPS + "drzewa.csv", "format": "CSV",
                        "description": "Adres przykładowy dla dane.gov.pl: plik syntetyczny w domenie "
                                       "zarezerwowanej (RFC 2606), pod którą nie ma danych."}]},
        {"name": "demo-przystanki-komunikacji", "owner_org": "zarzad-transportu-miejskiego",
         "title": "Przystanki komunikacji miejskiej" + SUFFIX,
         "notes": "Lokalizacje przystanków autobusowych z numerami słupków. Rekord demonstracyjny.",
         "tag_string": "transport,przystanki", "theme": [EU + "data-theme/TRAN"],
         "frequency": EU + "frequency/MONTHLY", "access_rights": EU + "access-right/PUBLIC",
         "license_id": "cc-by", "spatial": _point_box(20.628, 50.870, 0.05),
         "resources": [{"name": "Przystanki (GeoJSON)", "url": DEMO_FILES + "przystanki.geojson",
                        "format": "GeoJSON"}]},
        {"name": "demo-ewidencja-gruntow", "owner_org": "wydzial-geodezji",
         "title": "Ewidencja gruntów i budynków" + SUFFIX,
         "notes": "Baza ewidencji gruntów i budynków miasta, udostępniana na wniosek. Rekord demonstracyjny.",
         "tag_string": "geodezja,kataster", "theme": [EU + "data-theme/REGI"],
         "frequency": EU + "frequency/CONT", "access_rights": EU + "access-right/RESTRICTED",
         "license_id": "other-closed", "spatial": city, "resources": []},
        {"name": "demo-pomiary-halasu", "owner_org": "wydzial-srodowiska",
         "title": "Pomiary hałasu drogowego" + SUFFIX,
         "notes": "Wyniki pomiarów hałasu przy głównych ulicach. Rekord demonstracyjny.",
         "tag_string": "hałas,środowisko", "theme": [EU + "data-theme/ENVI", EU + "data-theme/HEAL"],
         "frequency": EU + "frequency/BIENNIAL", "access_rights": EU + "access-right/PUBLIC",
         "license_id": "cc-by", "spatial": _point_box(20.61, 50.87, 0.02),
         "resources": [{"name": "Pomiary (CSV)", "url": DEMO_FILES + "halas.csv", "format": "CSV"}]},
    ]


# The population indicator with real harvested values in the demo (Eurostat urb_cpop1, see README)
POPULATION = "EUROSTAT:urb_cpop1:DE1001V"


def analyses() -> list[dict]:
    """Two synthetic analyses (dataset type ``analysis``) using demo data sets and catalogue indicators: a city
    report and a joint project with a university. Politechnika Świętokrzyska is a real university of Kielce;
    the project, its authors and results are invented for the demonstration, and say so."""
    return [
        {"type": "analysis", "name": "demo-raport-dostepnosc-przystankow", "owner_org": "zarzad-transportu-miejskiego",
         "title": "Dostępność przystanków komunikacji miejskiej a liczba mieszkańców" + SUFFIX,
         "analysis_kind": "report", "authors": ["Anna Przykładowa", "Jan Testowy"],
         "institution": "Zarząd Transportu Miejskiego w Kielcach (dane syntetyczne)",
         "notes": "Raport demonstracyjny: zestawia lokalizacje przystanków z liczbą mieszkańców miasta i "
                  "zielenią przy ulicach. Wpis wymyślony na potrzeby demonstracji; autorzy i wyniki są fikcyjne.",
         "issued": "2025-03-14", "license_id": "cc-by",
         "uses_datasets": ["demo-przystanki-komunikacji", "demo-rejestr-drzew"],
         "uses_indicators": [POPULATION, "UA:population_change"],
         "resources": [{"name": "Raport (PDF, adres przykładowy)" + SUFFIX, "format": "PDF",
                        "url": SYNTHETIC_HTTPS + "raport-dostepnosc-przystankow.pdf",
                        "description": "Adres przykładowy w domenie zarezerwowanej (RFC 2606): raportu nie ma."}]},
        {"type": "analysis", "name": "demo-projekt-halas-i-zielen", "owner_org": "wydzial-srodowiska",
         "title": "Hałas drogowy a zieleń miejska w Kielcach – wspólny projekt badawczy" + SUFFIX,
         "analysis_kind": "joint_project", "authors": ["Ewa Przykładowa", "Piotr Demonstracyjny"],
         "institution": "Politechnika Świętokrzyska",
         "notes": "Projekt demonstracyjny: czy szpalery drzew obniżają hałas drogowy przy głównych ulicach. "
                  "Projekt jest wymyślony na potrzeby demonstracji – Politechnika Świętokrzyska (prawdziwa uczelnia "
                  "w Kielcach) takiego projektu z portalem nie prowadzi; autorzy i wyniki są fikcyjne.",
         "issued": "2025-06-30", "license_id": "cc-by",
         "uses_datasets": ["demo-pomiary-halasu", "demo-rejestr-drzew"],
         "uses_indicators": ["ISO37120:2014:8.7"],
         "resources": [{"name": "Sprawozdanie z projektu (adres przykładowy)" + SUFFIX, "format": "PDF",
                        "url": SYNTHETIC_HTTPS + "projekt-halas-i-zielen.pdf",
                        "description": "Adres przykładowy w domenie zarezerwowanej (RFC 2606): sprawozdania nie ma."}]},
    ]


def _upsert(action: str, context: dict, data: dict) -> dict:
    try:
        existing = tk.get_action(action + "_show")(dict(context), {"id": data["name"]})
    except tk.ObjectNotFound:
        return tk.get_action(action + "_create")(dict(context), data)
    data = {**data, "id": existing["id"]}
    if "resources" in data:  # the same resources again, not new ones: a second run keeps their ids
        by_url = {r.get("url"): r["id"] for r in existing.get("resources") or []}
        data["resources"] = [{**r, "id": by_url[r["url"]]} if r.get("url") in by_url else r
                             for r in data["resources"]]
    return tk.get_action(action + "_update")(dict(context), data)


def ensure_admin(name: str, password: str, email: str) -> dict:
    site_user = tk.get_action("get_site_user")({"ignore_auth": True}, {})
    context = {"user": site_user["name"], "ignore_auth": True}
    try:
        user = tk.get_action("user_show")(dict(context), {"id": name})
    except tk.ObjectNotFound:
        user = tk.get_action("user_create")(
            dict(context), {"name": name, "password": password, "email": email, "sysadmin": True}
        )
    else:
        user = tk.get_action("user_patch")(dict(context), {"id": user["id"], "sysadmin": True})
    return user


def load(admin: str) -> dict:
    """Create or update the demo departments and records; returns the counts."""
    context = {"user": admin, "ignore_auth": True}
    for org in DEPARTMENTS:
        _upsert("organization", context, {**org, "users": [{"name": admin, "capacity": "admin"}]})
    records = datasets()
    for record in records:
        _upsert("package", context, {**record, "synthetic": "true"})
    works = analyses()
    for work in works:
        _upsert("package", context, {**work, "synthetic": "true"})
    return {"departments": len(DEPARTMENTS), "datasets": len(records), "analyses": len(works)}


# The harvest sources `make demo` runs: only those whose answers for the demo's cities are recorded in
# shared/fixtures (demo.sources says what is served and why the others are not run).
HARVESTED = ["kielce-eurostat-urban-audit"]


def harvest(source: str, user: str) -> dict:
    """Run one harvest job of ``source`` now, in this process: gather, fetch and import, then finish the job
    (what the gather and fetch consumers do, without the queues). Returns the finished job with its gather
    and object error messages. `make demo-data` runs it before the demo's consumers and scheduler start, so a job
    it finds unfinished was left by a demo that was stopped: one left waiting ("New") is the one run, one left
    "Running" (its consumers are gone) is aborted, as `ckan harvester job-abort` would, and a new one run."""
    context = {"user": user}
    found = tk.get_action("harvest_source_show")(dict(context), {"id": source})
    waiting = model.Session.query(HarvestJob.id).filter_by(source_id=found["id"], status="New").scalar()
    stale = [job_id for (job_id,) in model.Session.query(HarvestJob.id).filter_by(source_id=found["id"],
                                                                                   status="Running")]
    for job_id in stale:  # ckanext-harvest's abort: the job Finished, its unfinished objects in ERROR
        log.warning("demo harvest: aborting job %s of %s left running by a stopped demo", job_id, source)
        tk.get_action("harvest_job_abort")({**context, "ignore_auth": True}, {"id": job_id})
    if waiting is not None:
        job_id = waiting
    else:
        try:
            job_id = tk.get_action("harvest_job_create")(dict(context), {"source_id": found["id"],
                                                                        "run": False})["id"]
        except HarvestJobExists:
            raise ValueError(f"harvest source {source} already has a job waiting or running") from None
    job = HarvestJob.get(job_id)
    job.status = "Running"
    job.save()
    harvester = queue.get_harvester(found["source_type"])
    object_ids = queue.gather_stage(harvester, job)
    for object_id in object_ids if isinstance(object_ids, list) else []:
        queue.fetch_and_import_stages(harvester, HarvestObject.get(object_id))
    tk.get_action("harvest_jobs_run")(dict(context), {"source_id": found["id"]})
    finished = tk.get_action("harvest_job_show")(dict(context), {"id": job.id})
    finished["gather_error_messages"] = [
        e.message for e in model.Session.query(HarvestGatherError).filter_by(harvest_job_id=job.id)]
    finished["object_error_messages"] = [
        e.message for e in model.Session.query(HarvestObjectError).join(HarvestObject)
        .filter(HarvestObject.harvest_job_id == job.id)]
    return finished
