"""Where a write's milliseconds go: one `package_create` of an inventory record and one row of an imported
questionnaire, with stock CKAN's search indexing and with the per-commit batch (ckanext.urbanaudit.indexing).

    .venv/bin/python benchmarks/write_profile.py [--calls 30] [--rows 300]

With WRITE_PROFILE_STATS=<directory> each phase's cProfile statistics are also written there
(<indexing>-<write>.prof).

Needs the services of `make services`; uses its own database (urbanaudit_bench) and Solr site id. Each of the
four phases (stock or batched, create or import) runs in a fresh subprocess on a freshly reset database. Per phase:
wall time per record without the profiler (after 10 warm-up creates), then the same work again under cProfile
for the shares (indexing, package_show, validation), and counts per record: SQL statements, Solr requests,
package_show calls and dataset validations. Time and profile are separate runs: cProfile slows Python itself.
"""
from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from questionnaire_import import ENV, ROOT, records, reset, rows, xlsx

SHARES = {  # cumulative time of these functions, as a share of the phase's wall time under the profiler
    "search indexing": ("ckan/lib/search/index.py", "index_package"),
    "package_show": ("ckan/logic/action/get.py", "package_show"),
    "validation": ("ckan/lib/plugins.py", "plugin_validate"),
    "Solr HTTP": ("pysolr.py", "_send_request"),
}


def _table(n: int, prefix: str, start: int) -> list[list[str]]:
    """n questionnaire rows with identifiers of their own (prefix and number)."""
    return [[f"{prefix}{start + i:05d}", *row[1:]] for i, row in enumerate(rows(n))]


class _Counts:
    """SQL statements, Solr requests and dataset validations, counted while the process runs."""

    def __init__(self) -> None:
        import pysolr
        from ckan.lib import plugins as lib_plugins
        from sqlalchemy import event
        from sqlalchemy.engine import Engine

        self.counts: Counter[str] = Counter()
        event.listen(Engine, "before_cursor_execute", lambda *a, **k: self.counts.update(["sql"]))
        send, validate = pysolr.Solr._send_request, lib_plugins.plugin_validate

        def counted_send(solr, method, path="", *args, **kwargs):
            self.counts.update(["solr update" if "update" in path else "solr other"])
            return send(solr, method, path, *args, **kwargs)

        def counted_validate(*args, **kwargs):
            self.counts.update(["validation"])
            return validate(*args, **kwargs)

        pysolr.Solr._send_request = counted_send
        lib_plugins.plugin_validate = counted_validate


def phase(indexing_mode: str, what: str, calls: int, n_rows: int) -> dict:
    from ckan.cli import load_config
    from ckan.config.middleware import make_app
    from ckan.plugins import toolkit as tk

    from ckanext.urbanaudit import indexing

    app = make_app(load_config(str(ROOT / "test.ini")))
    if indexing_mode == "stock":
        indexing.uninstall()
    counter = _Counts()
    with app._wsgi_app.test_request_context():
        site_user = tk.get_action("get_site_user")({"ignore_auth": True}, {})["name"]
        context = {"user": site_user}
        tk.get_action("organization_create")(dict(context), {"name": "wydzial-testowy", "title": "Wydział testowy"})
        for record in records(_table(10, "P", 90000)):        # warm-up: caches, connections, compiled queries
            tk.get_action("package_create")(dict(context), record)

        def work(start: int) -> int:
            if what == "create":
                for record in records(_table(calls, "P", start)):
                    tk.get_action("package_create")(dict(context), record)
                return calls
            report = tk.get_action("urbanaudit_inventory_import")(
                dict(context), {"filename": "p.xlsx", "content": xlsx(_table(n_rows, "Q", start))})
            assert report["imported"] and len(report["created"]) == n_rows, report.get("errors", [])[:3]
            return n_rows

        counter.counts.clear()
        started = time.perf_counter()
        done = work(0)
        per_record_ms = (time.perf_counter() - started) * 1000 / done
        counts = {k: v / done for k, v in counter.counts.items()}
        profile = cProfile.Profile()
        started = time.perf_counter()
        profile.enable()
        work(50000)
        profile.disable()
        profiled_s = time.perf_counter() - started
    if os.environ.get("WRITE_PROFILE_STATS"):  # a directory: each phase's profile, for pstats or snakeviz
        profile.dump_stats(str(Path(os.environ["WRITE_PROFILE_STATS"]) / f"{indexing_mode}-{what}.prof"))
    stats = pstats.Stats(profile).stats  # type: ignore[attr-defined]
    shares = {}
    for label, (file_end, function) in SHARES.items():
        cumulative = [ct for (file, _, name), (_, _, _, ct, callers) in stats.items()
                      if file.endswith(file_end) and name == function
                      and not any(c[0].endswith(file_end) and c[2] == function for c in callers)]
        shares[label] = sum(cumulative) / profiled_s
    return {"mode": indexing_mode, "what": what, "records": done, "ms_per_record": per_record_ms,
            "profiled_ms_per_record": profiled_s * 1000 / done, "counts": counts, "shares": shares}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=30)
    parser.add_argument("--rows", type=int, default=300)
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        mode, what = args.phase.split(":")
        print(json.dumps(phase(mode, what, args.calls, args.rows)))
        return
    results = []
    for mode in ("stock", "batched"):
        for what in ("create", "import"):
            reset()
            out = subprocess.run([sys.executable, __file__, "--phase", f"{mode}:{what}", "--calls", str(args.calls),
                                  "--rows", str(args.rows)], env=ENV, check=True, capture_output=True, text=True)
            results.append(json.loads(out.stdout.strip().splitlines()[-1]))
    print(f"write profile: package_create × {args.calls}, questionnaire import of {args.rows} rows "
          "(each phase on a fresh database; counts and ms per record)")
    keys = ["sql", "solr update", "solr other", "validation"]
    print(f"{'indexing':<9}{'write':<8}{'ms':>8}{'ms prof.':>10}" + "".join(f"{k:>13}" for k in keys)
          + "".join(f"{k:>17}" for k in SHARES))
    for r in results:
        print(f"{r['mode']:<9}{r['what']:<8}{r['ms_per_record']:8.1f}{r['profiled_ms_per_record']:10.1f}"
              + "".join(f"{r['counts'].get(k, 0):13.2f}" for k in keys)
              + "".join(f"{r['shares'][k]:16.0%} " for k in SHARES))
    by = {(r["mode"], r["what"]): r["ms_per_record"] for r in results}
    for what in ("create", "import"):
        print(f"{what}: stock/batched time per record = {by[('stock', what)] / by[('batched', what)]:.2f}x")


if __name__ == "__main__":
    main()
