"""Load benchmark of the portal's home and search pages against CKAN's stock pages, in the same run.

Fills the database named by CKAN_SQLALCHEMY_URL (use a benchmark database of its own, with its own
CKAN_SITE_ID: it migrates it and adds a synthetic catalogue) with

* 10 departments and ``--datasets`` inventory records (default 1 500), every one marked synthetic
  (``synthetic: true``; titles end in "(dane syntetyczne)"), with EU / ISO 37120 themes, formats, access
  levels, and their quality scores;
* the indicator catalogue as indicator datasets, Kielce and two peers, and 10 yearly synthetic values
  (flag ``synthetic``) of 40 computable indicators per city, their sources pointing at inventory records;

then starts two gunicorn servers (benchmarks/_support.py) on free loopback ports against the same database and
Solr core:
the portal (test.ini's plugins) and **stock CKAN** (the same ini with ``ckan.plugins`` emptied: core only), and
measures each target with 20 concurrent clients:

* portal ``/``                       the home page (themes, latest/best/most-used records, headline indicators)
* portal ``/dataset/?q=...&facets``  faceted search (q, EU theme, format) with our facets and quality sort
* portal ``/dataset/``               our search page, no query
* portal ``/dataset/<id>``           a dataset page (the baseline of benchmarks/indicators_load.py)
* portal ``urbanaudit_indicator_values``  one indicator's values for 300 cities x 20 periods (6 000 values, one call;
  297 synthetic cities added for it)
* stock  ``/dataset/``               CKAN's own search page, core plugins only (the baseline: ratios are to it)
* stock  ``/dataset/?q=...``         the same query on CKAN's own search page

The home page is measured twice: with the summary cache of anonymous visitors off (every request builds it)
and on (the shipped default). The targets take turns (``--rounds``, default 8: each round gives every target its
share of the requests, the first round after a warm-up), so that the machine's drift over the run falls on all of
them alike; each target's p50/p95 are of its pooled requests. (With 4 rounds, two runs of the same code 10 minutes
apart gave the home page without its cache 0.79x and 1.09x at p95: each turn lasted ~25 s, long enough for this
shared machine's speed to change within one.)

    export CKAN_SQLALCHEMY_URL=postgresql://ckan_default:ckan_default@127.0.0.1:5432/urbanaudit_bench_home \\
           CKAN_SITE_ID=urbanaudit_bench_home CKAN_REDIS_URL=redis://127.0.0.1:6379/7
    .venv/bin/python benchmarks/portal_pages.py [--datasets 1500] [--requests 200] [--clients 20]
"""
from __future__ import annotations

import argparse
import functools
import importlib.util
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

import requests
from _support import (
    INI,
    ROOT,
    ckan_command,
    derived_ini,
    free_port,
    print_table,
    run_load,
    start_server,
    stock_ini,
    stop_server,
    summarise,
)

EU = "http://publications.europa.eu/resource/authority/"
DEPARTMENTS = [
    ("wydzial-srodowiska", "Wydział Środowiska"), ("wydzial-transportu", "Wydział Transportu"),
    ("wydzial-edukacji", "Wydział Edukacji"), ("wydzial-finansow", "Wydział Finansów"),
    ("wydzial-urbanistyki", "Wydział Urbanistyki i Architektury"), ("wydzial-zdrowia", "Wydział Zdrowia"),
    ("wydzial-geodezji", "Wydział Geodezji i Katastru"), ("wydzial-kultury", "Wydział Kultury i Sportu"),
    ("wydzial-bezpieczenstwa", "Wydział Bezpieczeństwa"), ("wydzial-mieszkalnictwa", "Wydział Mieszkalnictwa"),
]
SUBJECTS = [
    ("Pomiary jakości powietrza", "ENVI", "8"), ("Rejestr drzew", "ENVI", "8"), ("Hałas drogowy", "ENVI", "8"),
    ("Rozkład jazdy komunikacji miejskiej", "TRAN", "19"), ("Natężenie ruchu", "TRAN", "19"),
    ("Ścieżki rowerowe", "TRAN", "19"), ("Szkoły podstawowe", "EDUC", "6"), ("Wyniki egzaminów", "EDUC", "6"),
    ("Budżet miasta", "ECON", "9"), ("Wydatki inwestycyjne", "ECON", "9"), ("Plan miejscowy", "REGI", "21"),
    ("Pozwolenia na budowę", "REGI", "21"), ("Przychodnie", "HEAL", "11"), ("Punkty szczepień", "HEAL", "11"),
    ("Ewidencja gruntów", "REGI", "21"), ("Obiekty sportowe", "EDUC", "17"), ("Imprezy kulturalne", "EDUC", "17"),
    ("Interwencje straży miejskiej", "JUST", "15"), ("Zdarzenia drogowe", "JUST", "15"),
    ("Mieszkania komunalne", "SOCI", "12"), ("Dodatki mieszkaniowe", "SOCI", "12"), ("Odpady komunalne", "ENVI", "16"),
    ("Zużycie wody", "ENVI", "23"), ("Oczyszczalnia ścieków", "ENVI", "22"), ("Oświetlenie uliczne", "ENER", "7"),
]
FORMATS = [("CSV", "text/csv"), ("XLSX", None), ("GeoJSON", None), ("PDF", "application/pdf"), ("JSON", None),
           ("SHP", None)]
ACCESS = ["PUBLIC"] * 7 + ["RESTRICTED"] * 2 + ["NON_PUBLIC"]
CITIES = (("2661011", "kielce", "Kielce", ["0663011", "2061011"]), ("0663011", "lublin", "Lublin", []),
          ("2061011", "bialystok", "Białystok", []))
VALUES_CODE = "ISO37120:2018:8.2"
QUERY = {"q": "powietrza", "vocab_theme": EU + "data-theme/ENVI", "res_format": "CSV"}


@functools.cache
def _inventory_records():
    """tests/inventory_records.py by path (after CKAN's app is made, ``tests`` names ckan.tests)."""
    spec = importlib.util.spec_from_file_location("inventory_records", ROOT / "tests" / "inventory_records.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def record(n: int, org_id: str, rng: random.Random) -> dict:
    full_record = _inventory_records().full_record

    subject, theme, clause = SUBJECTS[n % len(SUBJECTS)]
    year = 2010 + n % 16
    formats = rng.sample(FORMATS, rng.randint(1, 3))
    resources = [{"name": f"{subject} {year} ({fmt})", "url": f"https://dane.example.invalid/{n}/{i}.{fmt.lower()}",
                  "format": fmt, **({"mimetype": mime} if mime and rng.random() < 0.5 else {})}
                 for i, (fmt, mime) in enumerate(formats)]
    rec = full_record(
        org_id, name=f"bench-{n:05d}", identifier=f"BENCH-{n:05d}",
        title=f"{subject} {year}, część {n // len(SUBJECTS) + 1} (dane syntetyczne)",
        notes=f"{subject} w Kielcach za rok {year}. Rekord syntetyczny benchmarku, nie opisuje prawdziwego zbioru.",
        theme=[EU + f"data-theme/{theme}"], iso37120_theme=[clause], synthetic="true",
        access_rights=EU + f"access-right/{rng.choice(ACCESS)}", resources=resources,
        tag_string=",".join(subject.lower().split()[:2]))
    if rng.random() < 0.3:  # some poorer descriptions, so quality scores spread over the bands
        for key in ("temporal_coverage", "spatial", "documentation", "known_quality_issues", "version"):
            rec.pop(key, None)
    return rec


def migrate(env: dict[str, str]) -> None:
    for args in (["db", "upgrade"], ["db", "pending-migrations", "--apply"]):
        subprocess.run([ckan_command(), "-c", str(INI), *args], env=env, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def values_series(context: dict, org_name: str, rng: random.Random) -> None:
    """The values API's target: one indicator for 300 cities x 20 periods (297 synthetic cities besides CITIES)."""
    import ckan.plugins.toolkit as tk
    from ckan import model

    from ckanext.urbanaudit.cities.model import City

    for n in range(300 - len(CITIES)):
        if model.Session.get(City, f"99{n:05d}") is None:
            model.Session.add(City(teryt=f"99{n:05d}", slug=f"bench-{n}", name=f"Synthetic city {n}", peers=[],
                                   config={"organization": org_name}))
    model.Session.commit()
    series = [{"city": teryt, "indicator_code": VALUES_CODE, "period": str(2005 + y),
               "value": round(rng.uniform(10, 45), 1), "source": "gios", "flags": ["synthetic"]}
              for (teryt,) in model.Session.query(City.teryt) for y in range(20)]
    for start in range(0, len(series), 5000):  # the action's batch limit
        tk.get_action("urbanaudit_indicator_value_upsert")(dict(context), {"values": series[start:start + 5000]})
    print(f"values API: {len(series)} synthetic values of {VALUES_CODE}", flush=True)


def prepare(datasets: int) -> str:
    """The synthetic catalogue and indicator values; returns the name of one record (dataset page target)."""
    from ckan.cli import load_config
    from ckan.config.middleware import make_app

    app = make_app(load_config(str(INI)))
    with app._wsgi_app.test_request_context():
        import ckan.plugins.toolkit as tk
        from ckan import model
        from ckan.lib import search

        from ckanext.urbanaudit.cities.model import City
        from ckanext.urbanaudit.indicators.catalogue import NONE, catalogue
        from ckanext.urbanaudit.indicators.load import load
        from ckanext.urbanaudit.quality import store

        tk.config["ckanext.urbanaudit.indicators.compute_after_upsert"] = False
        site = tk.get_action("get_site_user")({"ignore_auth": True}, {})["name"]
        context = {"user": site}
        orgs = {}
        for name, title in DEPARTMENTS:
            try:
                orgs[name] = tk.get_action("organization_show")(dict(context), {"id": name})["id"]
            except tk.ObjectNotFound:
                orgs[name] = tk.get_action("organization_create")(dict(context), {"name": name, "title": title})["id"]
        have = model.Session.query(model.Package).filter(model.Package.name.like("bench-%"),
                                                         model.Package.state == "active").count()
        rng = random.Random(37120)
        started = time.perf_counter()
        if have < datasets:
            tk.config["ckan.search.solr_commit"] = False
            try:
                for n in range(have, datasets):
                    org = DEPARTMENTS[n % len(DEPARTMENTS)][0]
                    tk.get_action("package_create")(dict(context), record(n, orgs[org], rng))
            finally:
                tk.config["ckan.search.solr_commit"] = True
            search.commit()
            store.recompute(reindex="inline")
            search.commit()
        print(f"catalogue: {datasets} synthetic inventory records in {len(DEPARTMENTS)} departments "
              f"({datasets - have} created in {time.perf_counter() - started:.0f} s)", flush=True)
        for teryt, slug, name, peers in CITIES:
            if model.Session.get(City, teryt) is None:
                model.Session.add(City(teryt=teryt, slug=slug, name=name, peers=peers,
                                       config={"organization": DEPARTMENTS[0][0]}))
        model.Session.commit()
        cat = catalogue()
        if not model.Session.query(model.Package).filter(model.Package.type == "indicator").count():
            load(owner=DEPARTMENTS[0][0])
        codes = [i.code for i in cat.indicators if i.theme and i.kind != "variable" and i.availability != NONE][:40]
        ids = [i for (i,) in model.Session.query(model.Package.id).filter(model.Package.name.like("bench-%"))
               .order_by(model.Package.name).limit(60)]
        values = [{"city": teryt, "indicator_code": code, "period": str(2015 + y),
                   "value": round(rng.uniform(5, 500), 1), "source": "city", "flags": ["synthetic"],
                   "source_ref": ids[(k * 7 + y) % len(ids)]}
                  for teryt, *_ in CITIES for k, code in enumerate(codes) for y in range(10)]
        tk.get_action("urbanaudit_indicator_value_upsert")(dict(context), {"values": values})
        print(f"indicators: {len(cat.indicators)} indicator datasets; {len(values)} synthetic values "
              f"({len(codes)} indicators × 10 years × {len(CITIES)} cities)", flush=True)
        values_series(context, DEPARTMENTS[0][0], rng)
        return "bench-00000"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--datasets", type=int, default=1500)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=8,
                        help="the targets take turns: each round measures every target with requests/rounds requests")
    args = parser.parse_args()
    if "CKAN_SQLALCHEMY_URL" not in os.environ or "CKAN_SITE_ID" not in os.environ:
        sys.exit("Set CKAN_SQLALCHEMY_URL (a benchmark database), CKAN_SITE_ID and CKAN_REDIS_URL first.")
    env = dict(os.environ, CKAN___CKANEXT__URBANAUDIT__INDICATORS__COMPUTE_AFTER_UPSERT="false")
    migrate(env)
    dataset = prepare(args.datasets)
    query = urlencode(QUERY)
    results: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        servers = []
        try:
            ports = {"portal": free_port(), "nocache": free_port(), "stock": free_port()}
            # test.ini turns the home cache off for the tests: the portal server gets the shipped default back
            servers.append(start_server(derived_ini(Path(tmp), "portal.ini", "ckanext.urbanaudit.home.cache_seconds"
                                                    " = 300"), ports["portal"], env))
            servers.append(start_server(derived_ini(Path(tmp), "nocache.ini", "ckanext.urbanaudit.home.cache_seconds"
                                                    " = 0"), ports["nocache"], env))
            servers.append(start_server(stock_ini(Path(tmp)), ports["stock"], env))
            portal, nocache, stock = (f"http://127.0.0.1:{ports[k]}" for k in ("portal", "nocache", "stock"))
            stock_label = "stock CKAN /dataset/ (baseline)"
            targets = [
                (stock_label, f"{stock}/dataset/"),
                ("stock CKAN /dataset/?q=powietrza", f"{stock}/dataset/?q=powietrza"),
                ("portal /dataset/<id>", f"{portal}/dataset/{dataset}"),
                ("portal /dataset/", f"{portal}/dataset/"),
                ("portal /dataset/?q=..&theme&format", f"{portal}/dataset/?{query}"),
                ("portal / (home, cache off)", f"{nocache}/"),
                ("portal / (home, cache on: default)", f"{portal}/"),
                ("portal urbanaudit_indicator_values 300×20", f"{portal}/api/3/action/urbanaudit_indicator_values"
                                                             f"?indicator_code={VALUES_CODE}&limit=10000"),
            ]
            # the targets take turns, a share of the requests each round: a drift of the machine over the minutes
            # of the run (Solr's caches, the other processes) falls on every target alike, not on the last ones
            runs: dict[str, list] = {label: [] for label, _ in targets}
            for round_ in range(args.rounds):
                for label, url in targets:
                    runs[label].append(run_load(url, args.requests // args.rounds, args.clients,
                                            warmup=3 if round_ == 0 else 0))
            results.update({label: summarise(measured) for label, measured in runs.items()})
            found = requests.get(f"{portal}/api/3/action/package_search", params={
                "q": QUERY["q"], "fq": f'vocab_theme:"{QUERY["vocab_theme"]}" res_format:"CSV"', "rows": 0},
                timeout=60).json()["result"]["count"]
            home = requests.get(f"{portal}/", timeout=60).text
        finally:
            for server in servers:
                stop_server(server)
    print(f"\n{args.clients} concurrent clients, {args.requests} requests per target, gunicorn "
          f"(2 x cores + 1 workers each) on loopback; {args.datasets} synthetic records; "
          f"query {query} → {found} records\n")
    print_table(results, stock_label, width=44)
    print("\nratio = target / stock CKAN /dataset/ (p50 ratio ≤ 1: as fast as CKAN's own search page); "
          f"home page shows headline indicators: {'urbanaudit-headline' in home}")


if __name__ == "__main__":
    main()
