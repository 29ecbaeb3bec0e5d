"""Shared parts of the page benchmarks: a free loopback port, the portal under gunicorn in a subprocess, concurrent
measurement (p50/p95 latency, throughput) and the result table with ratios to a baseline."""
from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
INI = ROOT / "test.ini"


def ckan_command() -> str:
    """The `ckan` script of the running interpreter's environment (works from any checkout or worktree)."""
    beside = Path(sys.executable).parent / "ckan"
    return str(beside if beside.exists() else ROOT / ".venv" / "bin" / "ckan")


def derived_ini(directory: Path, name: str, settings: str) -> Path:
    """test.ini with ``settings`` (ini lines) on top (environment variables do not override ini keys)."""
    logging = INI.read_text("utf-8").split("[loggers]", 1)[1]
    path = directory / name
    path.write_text(f"[app:main]\nuse = config:{INI}\n{settings}\n\n[loggers]{logging}", "utf-8")
    return path


def stock_ini(directory: Path) -> Path:
    """test.ini with every plugin switched off: CKAN as it ships (same database, Solr core and locale).

    ``ckan.search.show_all_types = false``: core's default ("dataset") lists every dataset type on /dataset,
    and core cannot link the portal's ``indicator`` records (no such type without the plugins); with it the
    stock page lists the same inventory records as the portal's search page.
    """
    return derived_ini(directory, "stock.ini", "ckan.plugins =\nckan.search.show_all_types = false")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(ini: Path | str, port: int, env: dict[str, str] | None = None) -> subprocess.Popen:
    """The portal as production serves it (and `make demo`): gunicorn with ``ckanext.urbanaudit.wsgi``, workers
    sized to the cores (2 x cores + 1, BENCH_WORKERS overrides), on 127.0.0.1:port; returns once it answers
    status_show. Its log (gunicorn's and CKAN's, a failed request's traceback included) goes to
    var/log/bench-gunicorn-<port>.log."""
    workers = os.environ.get("BENCH_WORKERS") or str(2 * (os.cpu_count() or 1) + 1)
    gunicorn = str(Path(ckan_command()).parent / "gunicorn")
    log_path = ROOT / "var" / "log" / f"bench-gunicorn-{port}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "wb") as log:  # the child keeps its own descriptor
        server = subprocess.Popen([gunicorn, "ckanext.urbanaudit.wsgi:make_application()",
                                   "--bind", f"127.0.0.1:{port}", "--workers", workers, "--timeout", "300"],
                                  env=dict(os.environ, **(env or {}), CKAN_INI=str(Path(ini).resolve())),
                                  stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    for _ in range(240):
        if server.poll() is not None:
            raise SystemExit(f"gunicorn with {ini} exited with {server.returncode}")
        try:
            if requests.get(f"{base}/api/3/action/status_show", timeout=10).ok:
                return server
        except requests.RequestException:  # refused or slow while gunicorn's workers build the app
            pass
        time.sleep(0.5)
    server.terminate()
    raise SystemExit(f"gunicorn with {ini} did not answer")


def stop_server(server: subprocess.Popen) -> None:
    server.terminate()
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()


def measure(url: str, requests_total: int, clients: int, warmup: int = 3) -> dict[str, float]:
    """``requests_total`` GETs of ``url`` by ``clients`` threads (one keep-alive session each)."""
    return summarise([run_load(url, requests_total, clients, warmup)])


def run_load(url: str, requests_total: int, clients: int, warmup: int = 3) -> tuple[list[float], list[int], float]:
    """(latencies in s, error status codes, wall time in s) of ``requests_total`` GETs of ``url`` by ``clients``
    threads (one keep-alive session each), after ``warmup`` requests per client that are not measured."""
    latencies: list[float] = []
    errors: list[int] = []
    lock = threading.Lock()
    per_client = requests_total // clients

    def client():
        session = requests.Session()
        for _ in range(per_client):
            start = time.perf_counter()
            response = session.get(url, timeout=120)
            elapsed = time.perf_counter() - start
            with lock:
                if response.status_code == 200:
                    latencies.append(elapsed)
                else:
                    errors.append(response.status_code)

    def warm():
        session = requests.Session()
        for _ in range(warmup):
            response = session.get(url, timeout=120)
            if response.status_code != 200:  # counted, not raised: the traceback is in the server's log
                with lock:
                    warm_errors.append(response.status_code)

    warm_errors: list[int] = []
    # every worker process answers its first requests (imports, templates, catalogues) before the clock starts:
    # as many warming clients as measuring ones, so no worker meets the page for the first time while measured
    warmers = [threading.Thread(target=warm) for _ in range(clients if warmup else 0)]
    for t in warmers:
        t.start()
    for t in warmers:
        t.join()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    if warm_errors:
        print(f"warm-up of {url}: HTTP {sorted(set(warm_errors))} x {len(warm_errors)} "
              "(see var/log/bench-gunicorn-*.log)", flush=True)
    return latencies, errors, wall


def summarise(runs: list[tuple[list[float], list[int], float]]) -> dict[str, float]:
    """p50, p95 (ms) and requests/s of the pooled latencies of one or more ``run_load`` runs of one target."""
    latencies = sorted(x for run in runs for x in run[0])
    errors = [e for run in runs for e in run[1]]
    wall = sum(run[2] for run in runs)
    if not latencies:
        return {"n": 0, "errors": len(errors), "p50": float("nan"), "p95": float("nan"), "rps": 0.0,
                "error_codes": sorted(set(errors))}
    return {"n": len(latencies), "errors": len(errors), "p50": statistics.median(latencies) * 1000,
            "p95": latencies[max(int(len(latencies) * 0.95) - 1, 0)] * 1000, "rps": len(latencies) / wall,
            "error_codes": sorted(set(errors))}


def print_table(results: dict[str, dict[str, float]], baseline: str, width: int = 40) -> None:
    """One line per target with p50/p95 (ms), req/s and their ratios to ``baseline`` (a key of results)."""
    base = results[baseline]
    for label, r in results.items():
        if r["errors"]:
            print(f"{label}: HTTP statuses of failed requests: {r['error_codes']}")
    print(f"{'target':{width}} {'p50 ms':>8} {'p95 ms':>8} {'req/s':>8} {'p50 ratio':>10} {'p95 ratio':>10} "
          f"{'rps ratio':>10} {'errors':>7}")
    for label, r in results.items():
        print(f"{label:{width}} {r['p50']:8.1f} {r['p95']:8.1f} {r['rps']:8.1f} {r['p50'] / base['p50']:10.2f} "
              f"{r['p95'] / base['p95']:10.2f} {r['rps'] / base['rps']:10.2f} {r['errors']:7d}")


def reset_site_db() -> None:
    """Empty this site's database as the tests do (CKAN core reset, then the harvest and urbanaudit tables) and
    bind the model to a pooled engine again: CKAN's migration environment rebinds it to a NullPool engine, which
    opens a new PostgreSQL connection on every commit and would make every figure slower than in production."""
    import ckan.plugins.toolkit as tk
    from ckan import model
    from ckan.cli.db import _run_migrations
    from ckan.tests.helpers import reset_db
    from sqlalchemy import engine_from_config

    reset_db()
    for plugin in ("harvest", "urbanaudit"):
        _run_migrations(plugin)
    model.init_model(engine_from_config(tk.config, pool_pre_ping=True))
