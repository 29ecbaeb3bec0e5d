"""Load benchmark of the audit's pages against CKAN's dataset page, in the same run.

Fills the database named by CKAN_SQLALCHEMY_URL (a benchmark database of its own, with its own CKAN_SITE_ID)
with ``portal_pages.prepare`` (synthetic inventory records and indicator values, every one labelled synthetic),
then a complete reporting year 2024 for Kielce: a synthetic value (flag ``synthetic``) of every ISO 37120:2014
indicator, and targets for 20 of them; starts the portal and **stock CKAN** (core plugins only) with
gunicorn (benchmarks/_support.py: start_server) and measures with 20 concurrent clients:

* portal ``/city/2661011/iso37120/2024``  the ISO 37120 report (100 indicators, level, counts)
* portal ``/city/2661011/leadership``     the leadership page (themes, off-track targets, gaps)
* portal ``/dataset/<id>``                a dataset page of the portal
* stock  ``/dataset/<id>``                the same dataset page on CKAN as it ships (the baseline)

    export CKAN_SQLALCHEMY_URL=postgresql://ckan_default:ckan_default@127.0.0.1:5432/urbanaudit_bench_audit \\
           CKAN_SITE_ID=urbanaudit_bench_audit CKAN_REDIS_URL=redis://127.0.0.1:6379/7
    .venv/bin/python benchmarks/audit_pages.py [--datasets 300] [--requests 200] [--clients 20]
"""
from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
from pathlib import Path

from _support import free_port, measure, print_table, start_server, stop_server
from portal_pages import INI, derived_ini, migrate, prepare, stock_ini

YEAR = 2024


def audit_year() -> None:
    """A synthetic value of every ISO 37120:2014 indicator for Kielce in YEAR, and 20 targets."""
    from ckan.cli import load_config
    from ckan.config.middleware import make_app

    app = make_app(load_config(str(INI)))
    with app._wsgi_app.test_request_context():
        import ckan.plugins.toolkit as tk

        from ckanext.urbanaudit.indicators.catalogue import catalogue

        site = tk.get_action("get_site_user")({"ignore_auth": True}, {})["name"]
        rng = random.Random(37120)
        codes = [i.code for i in catalogue().indicators if i.standard == "ISO 37120:2014"]
        values = [{"city": "2661011", "indicator_code": code, "period": str(YEAR),
                   "value": round(rng.uniform(1, 90), 1), "source": "city", "flags": ["synthetic"]}
                  for code in codes]
        tk.get_action("urbanaudit_indicator_value_upsert")({"user": site}, {"values": values})
        for code in codes[:20]:
            tk.get_action("urbanaudit_target_set")({"user": site}, {
                "city": "2661011", "indicator_code": code, "target_value": 50, "target_year": 2030,
                "baseline_value": 40, "baseline_year": 2020, "policy_name": "Strategia (syntetyczna)"})
        print(f"audit: {len(values)} synthetic ISO 37120:2014 values of Kielce for {YEAR}, 20 targets", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--datasets", type=int, default=300)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--clients", type=int, default=20)
    args = parser.parse_args()
    if "CKAN_SQLALCHEMY_URL" not in os.environ or "CKAN_SITE_ID" not in os.environ:
        sys.exit("Set CKAN_SQLALCHEMY_URL (a benchmark database), CKAN_SITE_ID and CKAN_REDIS_URL first.")
    env = dict(os.environ, CKAN___CKANEXT__URBANAUDIT__INDICATORS__COMPUTE_AFTER_UPSERT="false")
    migrate(env)
    dataset = prepare(args.datasets)
    audit_year()
    results: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        servers = []
        try:
            ports = {"portal": free_port(), "stock": free_port()}
            servers.append(start_server(derived_ini(Path(tmp), "portal.ini", ""), ports["portal"], env))
            servers.append(start_server(stock_ini(Path(tmp)), ports["stock"], env))
            portal, stock = (f"http://127.0.0.1:{ports[k]}" for k in ("portal", "stock"))
            baseline = "stock CKAN /dataset/<id> (baseline)"
            targets = [
                (baseline, f"{stock}/dataset/{dataset}"),
                ("portal /dataset/<id>", f"{portal}/dataset/{dataset}"),
                (f"portal ISO 37120 report {YEAR}", f"{portal}/city/2661011/iso37120/{YEAR}"),
                ("portal leadership page", f"{portal}/city/2661011/leadership"),
            ]
            for label, url in targets:
                results[label] = measure(url, args.requests, args.clients)
        finally:
            for server in servers:
                stop_server(server)
    print(f"\n{args.clients} concurrent clients, {args.requests} requests per target, gunicorn (2 x cores + 1 workers) "
          f"(one process each) on loopback\n")
    print_table(results, baseline, width=38)
    base = results[baseline]["p95"]
    for label in list(results)[1:]:
        print(f"p95 ratio {label}: {results[label]['p95'] / base:.2f}")
    print("\nratio = target / stock CKAN's dataset page (target: p95 ratio ≤ 1.0)")


if __name__ == "__main__":
    main()
