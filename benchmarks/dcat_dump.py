"""The whole DCAT catalogue streamed (/catalog/all.ttl, ckanext/urbanaudit/dcat/dump.py) against ckanext-dcat's
stock way of getting it in one answer: its DCAT-AP 3 profile (``euro_dcat_ap_3``) serializing every record in one
graph (``serialize_catalog``, what /catalog.ttl does when ``ckanext.dcat.datasets_per_page`` is raised to the
size of the catalogue), on the same records, in the same process.

Fills the database named by CKAN_SQLALCHEMY_URL (a benchmark database of its own with its own CKAN_SITE_ID, as
benchmarks/portal_pages.py, whose synthetic catalogue it reuses: records ``bench-NNNNN``, every one marked
synthetic) up to ``--records`` (default 10 000), then for 1 000 and for all of them:

* time: ``--runs`` dumps each way (p50 and p95 of the runs; ours reads the catalogue in batches from the search
  index as the endpoint does, the stock way reads every record in one search, as ckanext-dcat's catalogue does);
* memory: tracemalloc's peak during one dump each way, in runs of their own (tracemalloc slows Python).

    export CKAN_SQLALCHEMY_URL=postgresql://ckan_default:ckan_default@127.0.0.1:5432/urbanaudit_bench_home \\
           CKAN_SITE_ID=urbanaudit_bench_home CKAN_REDIS_URL=redis://127.0.0.1:6379/7
    .venv/bin/python benchmarks/dcat_dump.py [--records 10000] [--runs 3]
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Any

from _support import INI

STOCK_PROFILE = "euro_dcat_ap_3"


def subset(n: int) -> str:
    """A filter selecting the first ``n`` synthetic records (bench-00000 ...), n a power of ten up to 100 000."""
    digits = len(str(n)) - 1
    return f"+name:bench-{'0' * (5 - digits)}*" if n < 100_000 else "+name:bench-*"


def ours(fq: str) -> int:
    from ckanext.urbanaudit.dcat import dump

    return sum(len(part) for part in dump.Dump("ttl", None).parts(fq))


def stock(fq: str, n: int) -> int:
    import ckan.plugins.toolkit as tk
    from ckanext.dcat.processors import RDFSerializer

    records = tk.get_action("package_search")({"user": ""}, {"q": "*:*", "fq": fq, "rows": n, "sort": "id asc"})
    return len(RDFSerializer(profiles=[STOCK_PROFILE]).serialize_catalog({}, records["results"], _format="ttl"))


def timed(runs: int, call) -> dict[str, float]:
    seconds = []
    size = 0
    for _ in range(runs):
        started = time.perf_counter()
        size = call()
        seconds.append(time.perf_counter() - started)
    seconds.sort()
    return {"p50": statistics.median(seconds), "p95": seconds[max(int(len(seconds) * 0.95) - 1, 0)],
            "mb": size / 1e6}


def peak(call) -> float:
    tracemalloc.start()
    try:
        call()
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--ways", default="ours,stock", help="which dumps to measure (default: ours,stock)")
    parser.add_argument("--measure", default="time,memory", help="time, memory or both (default: time,memory)")
    args = parser.parse_args()
    ways, measures = set(args.ways.split(",")), set(args.measure.split(","))
    if "CKAN_SQLALCHEMY_URL" not in os.environ or "CKAN_SITE_ID" not in os.environ:
        sys.exit("Set CKAN_SQLALCHEMY_URL (a benchmark database), CKAN_SITE_ID and CKAN_REDIS_URL first.")
    # the synthetic catalogue, made by portal_pages in a process of its own (one CKAN app per process)
    subprocess.run([sys.executable, "-c", f"import portal_pages as p; p.migrate(dict(p.os.environ)); "
                    f"p.prepare({args.records})"], cwd=Path(__file__).parent, check=True)
    from ckan.cli import load_config
    from ckan.config.middleware import make_app

    config = load_config(str(INI))
    config["ckan.search.rows_max"] = str(args.records)  # the stock way reads every record in one search
    app = make_app(config)
    sizes = [n for n in (1_000, args.records) if n <= args.records]
    rows = []
    with app._wsgi_app.test_request_context("/catalog/all.ttl"):
        for n in sizes:
            fq = subset(n)
            calls = {"ours": lambda fq=fq: ours(fq), "stock": lambda fq=fq, n=n: stock(fq, n)}
            figures: dict[str, Any] = {}
            for way in ("ours", "stock"):
                if way in ways and "time" in measures:
                    figures[way] = timed(args.runs, calls[way])
                    print(f"{n} records, {way}: {figures[way]}", flush=True)
            for way in ("ours", "stock"):
                if way in ways and "memory" in measures:
                    figures[f"{way} peak"] = peak(calls[way])
                    print(f"{n} records, {way}: peak {figures[f'{way} peak']:.1f} MiB", flush=True)
            rows.append((n, figures))
    if len(rows) == 2 and "memory" in measures:
        (small, at_small), (large, at_large) = rows
        print(f"\npeak at {large} records / peak at {small}: " + ", ".join(
            f"{way} {at_large[f'{way} peak'] / at_small[f'{way} peak']:.2f}x" for way in ("ours", "stock")
            if f"{way} peak" in at_small) + " (flat: 1.0x)")
    if ways == {"ours", "stock"} and measures == {"time", "memory"}:
        print(f"\nTurtle of the whole catalogue, {args.runs} runs each (seconds), tracemalloc peak of one dump "
              "(MiB)\n")
        print(f"{'records':>8} {'ours p50':>9} {'ours p95':>9} {'stock p50':>10} {'stock p95':>10} "
              f"{'p95 ratio':>10} {'ours MB':>8} {'stock MB':>9} {'ours peak':>10} {'stock peak':>11}")
        for n, figures in rows:
            mine, theirs = figures["ours"], figures["stock"]
            print(f"{n:8d} {mine['p50']:9.1f} {mine['p95']:9.1f} {theirs['p50']:10.1f} {theirs['p95']:10.1f} "
                  f"{mine['p95'] / theirs['p95']:10.2f} {mine['mb']:8.1f} {theirs['mb']:9.1f} "
                  f"{figures['ours peak']:10.1f} {figures['stock peak']:11.1f}")
    print("ours: /catalog/all.ttl's code (profile urbanaudit_dcat_ap, a superset of DCAT-AP 3, so more triples per "
          f"record); stock: ckanext-dcat's {STOCK_PROFILE} in one graph")


if __name__ == "__main__":
    main()
