"""Benchmark: harvesting N records from a CKAN-API-shaped local source, ours against ckanext-harvest's stock one.

    ckan -c bench.ini db upgrade && ckan -c bench.ini db pending-migrations --apply
    .venv/bin/python benchmarks/harvest_10k.py -c bench.ini [--records 10000]

``bench.ini`` is a config of its own (``use = config:test.ini`` with its own ``sqlalchemy.url``, ``ckan.site_id``
and ``ckan.redis.url``): the benchmark empties the harvest queues and the catalogue of that site.

The source is a local HTTP server (127.0.0.1) answering CKAN API 3 ``package_search`` with N SYNTHETIC
records ("[syntetyczne]" titles; nothing real) in 100/1000-row pages, honouring ``fq=metadata_modified:[X TO *]``
as a real CKAN does. Both harvesters read it through real harvest jobs (gather and fetch queues in Redis,
package_create/update, Solr indexing), one source each, in this one process:

  ours      urbanaudit_ckan (harvesters/ckanportal.py on harvesters/base.py): content-hash comparison in
            gather, so an unchanged record makes no harvest object, no fetch, no validation and no re-index;
            between full comparisons (every 24 h by default) a job asks only for metadata_modified since
            the last job minus one hour, as the stock incremental mode does
  ours-full the same with "full_compare_hours": 0: every job a full comparison (reads and hashes every
            record; the job that finds deletions)
  stock     ckanext-harvest's ``ckan`` harvester on stock CKAN indexing (ckanext.urbanaudit.indexing
            uninstalled for its phases), in two modes: ``force_all`` (every record compared on
            each run, the only mode that sees every change) and its default incremental mode (asks the
            source only for datasets modified since the last job, minus one hour)

Figures: seconds and records/s of a first harvest and of an unchanged re-harvest for each, the ratios,
the process's peak RSS after each phase (ru_maxrss, monotonic) and tracemalloc's peak during one more
unchanged re-harvest of ours (run the script with two --records values to see whether it grows with N).
"""
from __future__ import annotations

import argparse
import importlib.util
import resource
import sys
import tempfile
import time
import tracemalloc
import uuid
from pathlib import Path

from _support import reset_site_db

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests import harvest_jobs

ROOT = Path(__file__).resolve().parents[1]

MODIFIED = "2025-01-15T10:00:00.000000"
GROUPS = ["transport", "srodowisko", "edukacja", "gospodarka", "zdrowie", "kultura", "demografia"]

CITY = """
slug: benchowo
name: Benchowo (synthetic)
teryt: "2661011"
organization: {{name: um-benchowo, title: Urząd Benchowa (syntetyczny)}}
harvest_sources:
  - {{name: bench-ours, type: urbanaudit_ckan, url: "{url}/a", frequency: MANUAL}}
  - {{name: bench-ours-full, type: urbanaudit_ckan, url: "{url}/d", frequency: MANUAL,
     config: {{full_compare_hours: 0}}}}
  - {{name: bench-stock-all, type: ckan, url: "{url}/b", frequency: MANUAL, config: {{force_all: true}}}}
  - {{name: bench-stock-incremental, type: ckan, url: "{url}/c", frequency: MANUAL}}
"""


def synthetic_package(i: int, copy: str) -> dict:
    """Record i of one copy of the source (each harvest source reads its own copy: the stock harvester keeps
    the remote ids and names, so two stock sources reading the same records would share packages)."""
    pid = str(uuid.uuid5(uuid.NAMESPACE_URL, f"urbanaudit-bench-{copy}-{i}"))
    group = GROUPS[i % len(GROUPS)]
    return {
        "id": pid, "name": f"bench-{copy}-{i:05d}", "title": f"[syntetyczne] Zbiór testowy {i}", "type": "dataset",
        "notes": f"Rekord syntetyczny nr {i} do pomiaru wydajności harvestera.", "state": "active",
        "private": False, "license_id": "cc-by", "metadata_created": MODIFIED, "metadata_modified": MODIFIED,
        "maintainer": "Biuro syntetyczne", "maintainer_email": "bench@example.invalid", "version": "",
        "tags": [{"name": group}, {"name": f"bench-{i % 50}"}],
        "groups": [{"name": group, "title": group}],
        "extras": [{"key": "Kontakt", "value": "bench@example.invalid"}],
        "resources": [{"id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"urbanaudit-bench-{copy}-{i}-{r}")),
                       "url": f"https://dane.example.invalid/{i}/{r}.csv", "name": f"Plik {r}",
                       "format": "CSV", "description": "", "mimetype": "text/csv", "size": None}
                      for r in range(1 + i % 2)],
    }


def run_job(source_id: str, context: dict) -> dict:
    """Gather and fetch/import through the Redis queues, as the harvest consumers do; the finished job."""
    return harvest_jobs.run_job(source_id, context["user"])


def rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:  # noqa: PLR0915
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-c", "--config", required=True, help="an ini with its own database, site_id and Redis db")
    parser.add_argument("--records", type=int, default=10000)
    parser.add_argument("--only", choices=["ours", "ours-full", "stock-all", "stock-incremental"], action="append",
                        help="run only these harvesters (repeatable; default: all four)")
    args = parser.parse_args()

    from ckan.cli import load_config
    from ckan.config.middleware import make_app

    app = make_app(load_config(args.config))
    with app._wsgi_app.test_request_context():
        import ckan.plugins.toolkit as tk
        from ckan.lib.search import clear_all
        from ckanext.harvest import queue

        from ckanext.urbanaudit import indexing
        from ckanext.urbanaudit.cities.city_file import load
        # the tests' local HTTP server (by path: another distribution may own the top-level name "tests")
        spec = importlib.util.spec_from_file_location("urbanaudit_source_server", ROOT / "tests" / "source_server.py")
        source_server = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(source_server)
        SourceServer = source_server.SourceServer

        site = tk.config["ckan.site_id"]
        if site in ("urbanaudit_test", "urbanaudit_demo"):
            sys.exit(f"refusing to run on site {site}: give the benchmark a database and site_id of its own")
        queue.purge_queues()
        reset_site_db()  # this site's own database, then the harvest and urbanaudit tables, as the tests do
        clear_all()

        n = args.records
        server = SourceServer()
        for copy in ("a", "b", "c", "d"):
            server.route(f"/{copy}/api/3/action/package_search",
                         source_server.ckan_package_search([synthetic_package(i, copy) for i in range(n)]))
        server.start()
        try:
            with tempfile.TemporaryDirectory() as tmp:
                (Path(tmp) / "benchowo.yaml").write_text(CITY.format(url=server.url), "utf-8")
                load(Path(tmp) / "benchowo.yaml")
            user = tk.get_action("get_site_user")({"ignore_auth": True}, {})["name"]
            context = {"user": user, "ignore_auth": True}
            sources = {name: tk.get_action("harvest_source_show")(dict(context), {"id": name})["id"]
                       for name in ("bench-ours", "bench-ours-full", "bench-stock-all", "bench-stock-incremental")}

            print(f"{n} SYNTHETIC records on a local CKAN-API-shaped source ({server.url})", flush=True)
            results = {}
            wanted = set(args.only or ["ours", "ours-full", "stock-all", "stock-incremental"])
            for label, source in (("ours", "bench-ours"), ("ours full comparison", "bench-ours-full"),
                                  ("stock force_all", "bench-stock-all"),
                                  ("stock incremental", "bench-stock-incremental")):
                if source.removeprefix("bench-") not in wanted:
                    continue
                # stock CKAN indexes each dataset by itself (twice when new); ours, one Solr update per commit
                if label.startswith("ours"):
                    indexing.install()
                else:
                    indexing.uninstall()
                for run in ("first", "re-harvest"):
                    started = time.perf_counter()
                    job = run_job(sources[source], context)
                    seconds = time.perf_counter() - started
                    stats = {k: job["stats"].get(k, 0) for k in ("added", "updated", "deleted", "errored")}
                    results[(label, run)] = seconds
                    print(f"{label:20s} {run:10s} {seconds:8.1f} s  {n / seconds:8.1f} records/s  {stats}  "
                          f"peak RSS so far {rss_mib():.0f} MiB", flush=True)
                if label == "ours":
                    tracemalloc.start()
                    run_job(sources[source], context)
                    peak = tracemalloc.get_traced_memory()[1] / 2**20
                    tracemalloc.stop()
                    print(f"ours unchanged re-harvest, tracemalloc peak: {peak:.1f} MiB", flush=True)
            for ours in ("ours", "ours full comparison"):
                for baseline in ("stock force_all", "stock incremental"):
                    if (baseline, "first") not in results or (ours, "first") not in results:
                        continue
                    first = results[(baseline, "first")] / results[(ours, "first")]
                    again = results[(baseline, "re-harvest")] / results[(ours, "re-harvest")]
                    print(f"ratio {baseline} / {ours}: first harvest {first:.1f}x, unchanged re-harvest {again:.1f}x")
            print("targets (issue 16): first harvest >= 5x stock force_all; unchanged re-harvest >= 1.0x stock "
                  "incremental")
        finally:
            server.stop()


if __name__ == "__main__":
    main()
