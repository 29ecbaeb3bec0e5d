"""Time and peak memory of the dane.gov.pl XML feed: 10,000 records against a 1,000-record
baseline measured in the same process. Streaming means time grows with the records and
peak memory does not.

It EMPTIES the catalogue of the database it is pointed at: run it on a test database, e.g.

    export CKAN_SQLALCHEMY_URL=postgresql://ckan_default:ckan_default@127.0.0.1:5432/urbanaudit_test_NAME
    export CKAN_SITE_ID=urbanaudit_test_NAME CKAN_REDIS_URL=redis://127.0.0.1:6379/N
    .venv/bin/python benchmarks/danegovpl_feed.py --ini test.ini [--records 10000] [--baseline 1000]
"""
from __future__ import annotations

import argparse
import gc
import importlib.util
import os
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

from _support import reset_site_db

ROOT = Path(__file__).resolve().parents[1]


def measure(feed) -> dict:
    """One timed run (no tracing), then one traced run for the Python heap's peak."""
    with tempfile.NamedTemporaryFile(suffix=".xml") as out:
        gc.collect()
        started = time.perf_counter()
        report = feed.write(out.name)
        seconds = time.perf_counter() - started
        size = os.path.getsize(out.name)
        valid, errors = feed.validate(out.name)
    with tempfile.NamedTemporaryFile(suffix=".xml") as out:
        gc.collect()
        tracemalloc.start()
        feed.write(out.name)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return {"records": report.published, "seconds": seconds, "peak": peak, "size": size, "valid": valid,
            "errors": errors[:3]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ini", default=str(ROOT / "test.ini"))
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--baseline", type=int, default=1_000)
    args = parser.parse_args()

    from ckan.cli import load_config
    from ckan.config.middleware import make_app

    app = make_app(load_config(args.ini))
    with app._wsgi_app.test_request_context():
        from ckan.lib import search
        from ckan.plugins import toolkit as tk

        from ckanext.urbanaudit.danegovpl import feed
        spec = importlib.util.spec_from_file_location("danegovpl_catalogue", ROOT / "tests/danegovpl_catalogue.py")
        catalogue = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(catalogue)

        tk.config["ckan.search.solr_commit"] = False
        reset_site_db()
        search.clear_all()

        started = time.perf_counter()
        catalogue.bulk_published(args.baseline, prefix="baza")
        print(f"loaded {args.baseline} records in {time.perf_counter() - started:.1f} s")
        base = measure(feed)
        started = time.perf_counter()
        catalogue.bulk_published(args.records - args.baseline, prefix="reszta")
        print(f"loaded {args.records - args.baseline} more records in {time.perf_counter() - started:.1f} s")
        full = measure(feed)

    for label, run in (("baseline", base), ("full", full)):
        validity = "valid" if run["valid"] else f"INVALID {run['errors']}"
        print(f"{label:>8}: {run['records']:>6} records  {run['seconds']:7.2f} s  "
              f"{run['records'] / run['seconds']:8.0f} records/s  peak Python heap {run['peak'] / 2**20:6.1f} MiB  "
              f"feed {run['size'] / 2**20:6.1f} MiB  XSD {validity}")
    print(f"ratios full/baseline: records x{full['records'] / base['records']:.1f}, "
          f"time x{full['seconds'] / base['seconds']:.2f}, peak memory x{full['peak'] / base['peak']:.2f}")
    print(f"process max RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")
    return 0 if base["valid"] and full["valid"] else 1


if __name__ == "__main__":
    sys.exit(main())
