"""Benchmark: a CSV of 1,000,000 rows loaded into the DataStore by ckanext-xloader, against PostgreSQL's own COPY
of the same file, and the content check of the same file (time; memory in a separate run).

    .venv/bin/python benchmarks/datastore_load.py [--rows 1000000] [--memory-rows 100000] [--skip-memory]

Needs the services of `make services`. Uses its own databases (urbanaudit_bench_ds and
urbanaudit_bench_ds_datastore, created if missing), Solr site id and Redis database, so it never touches the test
or demo data. One run, same machine, same file:

* xloader  — the file uploaded to the portal (gunicorn, as `make demo` serves it) with the Action API, then the
             jobs worker (`ckan jobs worker --burst`, a subprocess) runs xloader's job: download from the portal,
             COPY into the DataStore table, full-text index, column indexes, ANALYZE, the resource marked active.
             Reported: the job's own time (xloader's job record) and the worker's wall time.
* COPY     — `COPY ... FROM STDIN (FORMAT csv, HEADER)` of the same file into a table of the same text columns in
             the same DataStore database (psycopg2 copy_expert): the floor any loader has.
* check    — ckanext.urbanaudit.contents.checks.check_file on the same file: time without tracemalloc, then the
             heap peak under tracemalloc in a second run (tracemalloc slows Python itself).
"""
from __future__ import annotations

import argparse
import csv
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg2
import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks._support import ROOT, ckan_command, free_port, start_server, stop_server

DB = "urbanaudit_bench_ds"
DS_DB = f"{DB}_datastore"
PG = "postgresql://ckan_default:ckan_default@127.0.0.1:5432"
DISTRICTS = ["Centrum", "Herby", "Słowik", "Barwinek", "Bocianek", "Czarnów", "Dąbrowa", "Ślichowice", "Uroczysko"]


def write_ini(path: Path, port: int, storage: Path) -> None:
    test_ini = (ROOT / "test.ini").read_text(encoding="utf-8")
    text = (test_ini.replace("use = config:ckanext/urbanaudit/stack.ini",
                             f"use = config:{ROOT}/ckanext/urbanaudit/stack.ini")
            .replace("/urbanaudit_test_datastore", f"/{DS_DB}").replace("/urbanaudit_test\n", f"/{DB}\n")
            .replace("ckan.site_id = urbanaudit_test", f"ckan.site_id = {DB}")
            .replace("ckan.site_url = http://test.ckan.net", f"ckan.site_url = http://127.0.0.1:{port}")
            .replace("redis://127.0.0.1:6379/1", "redis://127.0.0.1:6379/9")
            .replace("ckan.storage_path = /tmp/urbanaudit-test-storage", f"ckan.storage_path = {storage}"))
    text = text.replace("[loggers]", "ckan.max_resource_size = 500\n"
                        "ckanext.urbanaudit.contents.check_on_save = false\n\n[loggers]", 1)
    path.write_text(text, encoding="utf-8")


def prepare_databases(ini: Path) -> None:
    for db in (DB, DS_DB):
        subprocess.run(["runuser", "-u", "postgres", "--", "dropdb", "--if-exists", db], check=True)
        subprocess.run(["runuser", "-u", "postgres", "--", "createdb", "-O", "ckan_default", "-E", "UTF-8",
                        "-T", "template0", db], check=True)
    ckan = ckan_command()
    for args in (["db", "upgrade"], ["db", "pending-migrations", "--apply"]):
        subprocess.run([ckan, "-c", str(ini), *args], check=True, capture_output=True)
    subprocess.run([str(ROOT / "scripts" / "datastore-permissions.sh"), str(ini)], check=True,
                   env=dict(os.environ, CKAN=ckan))


def write_csv(path: Path, rows: int) -> None:
    rng = random.Random(37120)
    with open(path, "w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(["id", "dzielnica", "rok", "kategoria", "kwota_zl", "data"])
        for i in range(rows):
            out.writerow([i + 1, rng.choice(DISTRICTS), 2015 + i % 10, f"K{rng.randint(1, 40):02d}",
                          f"{rng.uniform(10, 250000):.2f}", f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}"])


def api(base: str, action: str, token: str, **kwargs):
    response = requests.post(f"{base}/api/3/action/{action}", headers={"Authorization": token}, timeout=600,
                             **kwargs)
    response.raise_for_status()
    return response.json()["result"]


def load_with_xloader(ini: Path, base: str, path: Path) -> dict:
    ckan = ckan_command()
    subprocess.run([ckan, "-c", str(ini), "user", "add", "bench-admin", "email=bench@example.invalid",
                    "password=bench-password-1"], check=True, capture_output=True)
    subprocess.run([ckan, "-c", str(ini), "sysadmin", "add", "bench-admin"], check=True, capture_output=True,
                   input=b"y\n")
    token = subprocess.run([ckan, "-c", str(ini), "user", "token", "add", "bench-admin", "bench"], check=True,
                           capture_output=True, text=True).stdout.strip().splitlines()[-1].strip()
    org = api(base, "organization_create", token, json={"name": "bench-org", "title": "Bench"})
    pkg = api(base, "package_create", token, json={
        "name": "bench-wydatki", "title": "Wydatki (benchmark)", "owner_org": org["id"],
        "notes": "Synthetic rows for the DataStore benchmark.", "identifier": "BENCH-DS-1"})
    with open(path, "rb") as f:
        res = api(base, "resource_create", token, data={"package_id": pkg["id"], "name": "wydatki.csv",
                                                         "format": "CSV"},
                  files={"upload": ("wydatki.csv", f, "text/csv")})
    started = time.perf_counter()
    subprocess.run([ckan, "-c", str(ini), "jobs", "worker", "--burst"], check=True, capture_output=True)
    wall = time.perf_counter() - started
    status = api(base, "xloader_status", token, json={"resource_id": res["id"]})
    if status["status"] != "complete":
        raise SystemExit(f"xloader did not complete: {status}")
    info = api(base, "datastore_search", token, json={"resource_id": res["id"], "limit": 0})
    task = status["task_info"]
    job = (time_of(task.get("finished_timestamp")) - time_of(task.get("requested_timestamp"))) \
        if task.get("finished_timestamp") else float("nan")
    return {"worker_wall_s": wall, "job_s": job, "rows": info["total"], "phases": phases(task.get("logs") or [])}


PHASES = (("download", "Fetching from", "Downloaded ok"), ("COPY", "Copying to database", "...copying done"),
          ("full-text index", "Creating search index", "...search index created"),
          ("column indexes", "Creating column indexes", "...column indexes created."))


def phases(logs: list[dict]) -> dict[str, float]:
    """Seconds of each phase of xloader's job, from the timestamps of its own log lines."""
    def at(prefix: str) -> float | None:
        return next((time_of(line["timestamp"]) for line in logs if line["message"].startswith(prefix)), None)

    found = {}
    for label, begin, end in PHASES:
        started, done = at(begin), at(end)
        if started is not None and done is not None:
            found[label] = done - started
    return found


def time_of(value: str) -> float:
    from datetime import datetime

    return datetime.fromisoformat(value).timestamp()


def copy_baseline(path: Path) -> dict:
    connection = psycopg2.connect(f"{PG}/{DS_DB}")
    with connection, connection.cursor() as cursor:
        cursor.execute('DROP TABLE IF EXISTS bench_copy; CREATE TABLE bench_copy '
                       '(id text, dzielnica text, rok text, kategoria text, kwota_zl text, data text)')
    started = time.perf_counter()
    with connection, connection.cursor() as cursor, open(path, encoding="utf-8") as f:
        cursor.copy_expert("COPY bench_copy FROM STDIN WITH (FORMAT csv, HEADER true)", f)
    elapsed = time.perf_counter() - started
    with connection, connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM bench_copy")
        rows = cursor.fetchone()[0]
        cursor.execute("DROP TABLE bench_copy")
    connection.close()
    return {"copy_s": elapsed, "rows": rows}


def content_check(path: Path, memory: bool) -> dict:
    code = ("import sys, time, tracemalloc, json\n"
            "from pathlib import Path\n"
            "from ckanext.urbanaudit.contents.checks import check_file\n"
            f"memory = {memory!r}\n"
            "if memory: tracemalloc.start()\n"
            "t = time.perf_counter()\n"
            f"report = check_file(Path({str(path)!r}))\n"
            "out = {'seconds': time.perf_counter() - t, 'score': report['score'], 'rows': report['rows'],\n"
            "       'problems': len(report['problems'])}\n"
            "if memory: out['peak_mib'] = tracemalloc.get_traced_memory()[1] / 2**20\n"
            "print(json.dumps(out))\n")
    result = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    import json

    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--skip-memory", action="store_true")
    parser.add_argument("--memory-rows", default="100000",
                        help="Also the heap peak of the check for these smaller files (comma-separated), to show "
                             "how memory grows with the rows")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ua-bench-ds-") as folder:
        work = Path(folder)
        port = free_port()
        ini = work / "bench.ini"
        write_ini(ini, port, work / "storage")
        prepare_databases(ini)
        path = work / "wydatki.csv"
        write_csv(path, args.rows)
        size_mb = path.stat().st_size / 1e6
        print(f"file: {args.rows} rows, {size_mb:.1f} MB")
        server = start_server(ini, port)
        try:
            xl = load_with_xloader(ini, f"http://127.0.0.1:{port}", path)
        finally:
            stop_server(server)
        cp = copy_baseline(path)
        check = content_check(path, memory=False)
        mem = {}
        if not args.skip_memory:
            for rows in sorted({int(n) for n in args.memory_rows.split(",") if n} - {args.rows}):
                smaller = work / f"wydatki-{rows}.csv"
                write_csv(smaller, rows)
                mem[rows] = content_check(smaller, memory=True)
            mem[args.rows] = content_check(path, memory=True)
    assert xl["rows"] == cp["rows"] == args.rows, (xl, cp)
    print(f"{'phase':34} {'seconds':>9} {'rows/s':>10} {'ratio to COPY':>14}")
    for label, seconds in (("PostgreSQL COPY (baseline)", cp["copy_s"]), ("xloader job", xl["job_s"]),
                           ("xloader worker wall (incl. start)", xl["worker_wall_s"]),
                           ("content check (frictionless)", check["seconds"])):
        print(f"{label:34} {seconds:9.1f} {args.rows / seconds:10.0f} {seconds / cp['copy_s']:14.1f}x")
    for label, seconds in xl["phases"].items():
        print(f"  xloader phase {label:22} {seconds:9.1f} s")
    print(f"content check: score {check['score']}, {check['problems']} problems listed, rows {check['rows']}")
    base = min(mem) if mem else None
    for rows, m in sorted(mem.items()):
        print(f"content check under tracemalloc, {rows:>9} rows: {m['seconds']:7.1f} s, heap peak "
              f"{m['peak_mib']:6.1f} MiB ({m['peak_mib'] / mem[base]['peak_mib']:.2f}x the {base}-row file's)")


if __name__ == "__main__":
    main()
