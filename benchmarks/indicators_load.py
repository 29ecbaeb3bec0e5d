"""Load benchmark of the indicator page and the values API against CKAN's own dataset page.

Fills the database named by CKAN_SQLALCHEMY_URL (use a test database: it adds 300 synthetic cities
"99xxxxx" with 20 yearly values each of ISO37120:2018:8.2, one inventory record and the indicator dataset),
starts the portal under gunicorn on a free loopback port in a subprocess, and measures under 20 concurrent clients:

* /indicator/<code>?city=kielce                (the indicator page: the city and its peers)
* urbanaudit_indicator_values for 300 cities x 20 periods (6 000 values, one API call)
* /dataset/<id>                                 (CKAN's own dataset page, the baseline of the same run)

and prints p50/p95 latency, throughput and the ratio to the baseline.

    export CKAN_SQLALCHEMY_URL=... CKAN_SITE_ID=... CKAN_REDIS_URL=...   (see the team brief)
    .venv/bin/python benchmarks/indicators_load.py [--requests 200] [--clients 20]
"""
from __future__ import annotations

import argparse
import os
import random
import sys
from pathlib import Path

import requests
from _support import free_port, measure, print_table, start_server, stop_server

ROOT = Path(__file__).resolve().parents[1]
INI = ROOT / "test.ini"
CODE = "ISO37120:2018:8.2"


def prepare() -> str:
    """Data for the run; returns the inventory record's name (the baseline page)."""
    from ckan.cli import load_config
    from ckan.config.middleware import make_app

    app = make_app(load_config(str(INI)))
    with app._wsgi_app.test_request_context():
        import ckan.plugins.toolkit as tk
        from ckan import model

        from ckanext.urbanaudit.cities.model import City
        from ckanext.urbanaudit.indicators.load import load

        site = tk.get_action("get_site_user")({"ignore_auth": True}, {})["name"]
        context = {"user": site}
        try:
            org = tk.get_action("organization_show")(dict(context), {"id": "um-kielce"})
        except tk.ObjectNotFound:
            org = tk.get_action("organization_create")(dict(context), {"name": "um-kielce",
                                                                         "title": "Urząd Miasta Kielce"})
        peers = ["0663011", "2061011"]
        for teryt, slug, name, city_peers in (("2661011", "kielce", "Kielce", peers),
                                              ("0663011", "lublin", "Lublin", []),
                                              ("2061011", "bialystok", "Białystok", [])):
            if model.Session.get(City, teryt) is None:
                model.Session.add(City(teryt=teryt, slug=slug, name=name, peers=city_peers,
                                       config={"organization": "um-kielce"}))
        for n in range(297):
            teryt = f"99{n:05d}"
            if model.Session.get(City, teryt) is None:
                model.Session.add(City(teryt=teryt, slug=f"bench-{n}", name=f"Synthetic city {n}", peers=[],
                                       config={"organization": "um-kielce"}))
        model.Session.commit()
        teryts = [t for (t,) in model.Session.query(City.teryt)]
        rng = random.Random(37120)
        values = [{"city": t, "indicator_code": CODE, "period": str(2005 + y), "value": round(rng.uniform(10, 45), 1),
                   "source": "gios", "flags": ["synthetic"]} for t in teryts for y in range(20)]
        for start in range(0, len(values), 5000):
            tk.get_action("urbanaudit_indicator_value_upsert")(dict(context), {"values": values[start:start + 5000]})
        load(owner="um-kielce", codes=[CODE])
        sys.path.insert(0, str(ROOT))
        from tests.inventory_records import full_record

        record = full_record(org["id"], name="benchmark-record", identifier="BENCH-001", title="Benchmark record")
        try:
            tk.get_action("package_show")(dict(context), {"id": "benchmark-record"})
        except tk.ObjectNotFound:
            tk.get_action("package_create")(dict(context), record)
        print(f"data: {len(teryts)} cities × 20 periods of {CODE}; baseline dataset benchmark-record", flush=True)
        return "benchmark-record"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--clients", type=int, default=20)
    args = parser.parse_args()
    if "CKAN_SQLALCHEMY_URL" not in os.environ:
        sys.exit("Set CKAN_SQLALCHEMY_URL (a test database), CKAN_SITE_ID and CKAN_REDIS_URL first.")
    baseline = prepare()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = dict(os.environ, CKAN___CKANEXT__URBANAUDIT__INDICATORS__COMPUTE_AFTER_UPSERT="false")
    server = start_server(INI, port, env)
    try:
        targets = [
            ("CKAN /dataset/<id> (baseline)", f"{base}/dataset/{baseline}"),
            ("/indicator/<code>", f"{base}/indicator/iso37120-2018-8-2?city=kielce"),
            ("urbanaudit_indicator_values 300×20", f"{base}/api/3/action/urbanaudit_indicator_values"
                                                   f"?indicator_code={CODE}&limit=10000"),
        ]
        results = {}
        for label, url in targets:
            results[label] = measure(url, args.requests, args.clients)
        print(f"\n{args.clients} concurrent clients, {args.requests} requests per target, gunicorn on loopback\n")
        print_table(results, targets[0][0])
        size = len(requests.get(targets[2][1], timeout=60).json()["result"])
        print(f"\nvalues per API answer: {size}; ratio = target / CKAN dataset page (p50 ratio ≤ 1 meets the target)")
    finally:
        stop_server(server)


if __name__ == "__main__":
    main()
