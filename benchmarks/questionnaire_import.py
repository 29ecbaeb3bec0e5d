"""Benchmark: importing an inventory questionnaire against creating the same records one by one.

    .venv/bin/python benchmarks/questionnaire_import.py [--rows 5000] [--memory-rows 1000,5000]

(--rows 0: memory only; --memory-rows "": time only.)

Needs the services of `make services`. Uses its own database (urbanaudit_bench, created
if missing) and Solr site id, so it never touches the test or demo data. Each phase runs
in a fresh subprocess on a freshly reset database, so its peak memory is its own:

* import   — `urbanaudit_inventory_import` of an XLSX questionnaire of N rows;
* baseline — `package_create` called N times with the same records (what a script
             looping over the Action API would do), with the portal's per-commit search indexing;
* stock    — the same loop with stock CKAN's search indexing (ckanext.urbanaudit.indexing
             uninstalled): the stack the issue's first figures were measured on.

Each phase runs inside a request signed in as the site's sysadmin, as an upload through the web page or the API
runs (CKAN's authorization finds the signed-in user without a query; a bare request context would look the user up
for every check, in both phases).

Time and memory are separate runs (tracemalloc slows Python itself): first both phases
for --rows without tracemalloc (rows/s, ratio import/baseline), then the import alone
under tracemalloc for each --memory-rows size (heap peak, and its ratio to the smallest).
"""
from __future__ import annotations

import argparse
import io
import json
import os
import resource
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CKAN = str(ROOT / ".venv" / "bin" / "ckan")
DB = "urbanaudit_bench"
ENV = {
    **os.environ,
    "CKAN_SQLALCHEMY_URL": f"postgresql://ckan_default:ckan_default@127.0.0.1:5432/{DB}",
    "CKAN_SITE_ID": DB,
    "CKAN_REDIS_URL": "redis://127.0.0.1:6379/7",
}
HEADER = ["Identyfikator [identifier]", "Tytuł [title]", "Opis [notes]", "Wydział (skrót adresu) [owner_org]",
          "Słowa kluczowe [tag_string]", "Kategoria (UE) [theme]", "Częstotliwość aktualizacji [frequency]",
          "Poziom dostępu [access_rights]", "Adres danych (URL) [resource_url]", "Format danych [resource_format]"]


def rows(n: int) -> list[list[str]]:
    return [[f"BENCH-{i:05d}", f"Zbiór testowy nr {i} – łąki i źródła", f"Opis zbioru {i}.", "wydzial-testowy",
             "benchmark,łąki", "Środowisko", "co roku", "publiczny (otwarty)",
             f"https://dane.example.invalid/{i}.csv", "CSV"] for i in range(n)]


def xlsx(table: list[list[str]]) -> bytes:
    """The questionnaire file of these rows."""
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(HEADER)
    for row in table:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def records(table: list[list[str]]) -> list[dict]:
    """The same rows as the dataset dicts a script would give package_create."""
    from ckanext.urbanaudit.inventory import questionnaire as q

    found = [r.data for r in q.parse_rows([HEADER, *table])]
    for record in found:
        resource_ = record.pop("__resource")
        record.update(name=record["identifier"].lower(), owner_org="wydzial-testowy", type="dataset",
                      resources=[{"url": resource_["url"], "format": resource_["format"]}])
    return found


def reset() -> None:
    exists = subprocess.run(["runuser", "-u", "postgres", "--", "psql", "-qtAc",
                             f"SELECT 1 FROM pg_database WHERE datname='{DB}'"], check=False, capture_output=True,
                            text=True)
    if exists.stdout.strip() != "1":
        subprocess.run(["runuser", "-u", "postgres", "--", "createdb", "-O", "ckan_default", DB], check=True)
    for args in (["db", "clean", "--yes"], ["db", "upgrade"], ["search-index", "clear"]):
        subprocess.run([CKAN, "-c", str(ROOT / "test.ini"), *args], env=ENV, check=True, capture_output=True)


def phase(name: str, n: int, traced: bool = False) -> dict:
    """Runs in the subprocess: set up, then time one way of creating n records."""
    import flask_login
    from ckan import model
    from ckan.cli import load_config
    from ckan.config.middleware import make_app
    from ckan.plugins import toolkit as tk

    from ckanext.urbanaudit import indexing

    app = make_app(load_config(str(ROOT / "test.ini")))
    if name == "stock":
        indexing.uninstall()
    with app._wsgi_app.test_request_context():
        site_user = tk.get_action("get_site_user")({"ignore_auth": True}, {})["name"]
        flask_login.login_user(model.User.get(site_user))
        context = {"user": site_user}
        tk.get_action("organization_create")(dict(context), {"name": "wydzial-testowy", "title": "Wydział testowy"})
        if name == "import":
            content = xlsx(rows(n))
        else:
            dataset_dicts = records(rows(n))
        if traced:
            tracemalloc.start()
        started = time.perf_counter()
        if name == "import":
            report = tk.get_action("urbanaudit_inventory_import")(
                dict(context), {"filename": "bench.xlsx", "content": content})
            assert report["imported"] and len(report["created"]) == n, report["errors"][:3]
        else:
            for record in dataset_dicts:
                tk.get_action("package_create")(dict(context), record)
        seconds = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory() if traced else (0, 0)
        count = tk.get_action("package_search")(dict(context), {"q": "*:*", "rows": 0})["count"]
    return {"phase": name, "rows": n, "seconds": seconds, "rows_per_s": n / seconds,
            "heap_peak_mb": peak / 2**20, "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "indexed": count}


def _run(name: str, n: int, traced: bool) -> dict:
    reset()
    command = [sys.executable, __file__, "--phase", name, "--rows", str(n)] + (["--traced"] if traced else [])
    out = subprocess.run(command, env=ENV, check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--memory-rows", default="1000,5000")
    parser.add_argument("--phases", default="import,baseline,stock",
                        help="which timed phases to run (the stock loop alone takes about 20 minutes at 5,000 rows)")
    parser.add_argument("--phase", choices=["import", "baseline", "stock"], help=argparse.SUPPRESS)
    parser.add_argument("--traced", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        print(json.dumps(phase(args.phase, args.rows, args.traced)))
        return
    if args.rows:
        _times(args.rows, args.phases.split(","))
    _memory([int(n) for n in args.memory_rows.split(",") if n])


def _times(rows: int, phases: list[str]) -> None:
    results = {}
    for name in [p for p in ("import", "baseline", "stock") if p in phases]:
        results[name] = _run(name, rows, False)
        print(f"{name}: {results[name]}", flush=True)
    print(f"questionnaire import benchmark, {rows} rows (each phase on a fresh database, no tracemalloc)")
    print(f"{'phase':<10}{'rows/s':>10}{'seconds':>10}{'max RSS MB':>12}{'indexed':>9}")
    for name, r in results.items():
        print(f"{name:<10}{r['rows_per_s']:>10.1f}{r['seconds']:>10.1f}{r['max_rss_mb']:>12.1f}{r['indexed']:>9}")
    for baseline in [p for p in ("baseline", "stock") if p in results and "import" in results]:
        ratio = results["import"]["rows_per_s"] / results[baseline]["rows_per_s"]
        print(f"ratio import/{baseline} (rows/s): {ratio:.2f}x")


def _memory(sizes: list[int]) -> None:
    if sizes:
        print("import under tracemalloc (memory only; its time is not comparable)")
        print(f"{'rows':>8}{'heap peak MB':>14}{'ratio to first':>16}{'max RSS MB':>12}")
        first = None
        for n in sizes:
            r = _run("import", n, True)
            first = first or r["heap_peak_mb"]
            print(f"{n:>8}{r['heap_peak_mb']:>14.1f}{r['heap_peak_mb'] / first:>16.2f}{r['max_rss_mb']:>12.1f}",
                  flush=True)


if __name__ == "__main__":
    main()
