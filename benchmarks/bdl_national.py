"""Benchmark: GUS BDL at national scale — the mapped variables for 1, 18 and 66 cities with powiat rights.

    ckan -c bench.ini db upgrade && ckan -c bench.ini db pending-migrations --apply
    .venv/bin/python benchmarks/bdl_national.py -c bench.ini [--cities 1,18,66] [--variables 72305,...]

``bench.ini`` is a config of its own (``use = config:test.ini`` with its own ``sqlalchemy.url``, ``ckan.site_id``
and ``ckan.redis.url``): the benchmark empties the harvest queues, the catalogue and the Solr documents of that
site before each city count.

**The source** is a local HTTP server (127.0.0.1) shaped as the BDL API v1 (the answer structure of the recorded
pyBDL samples in ../shared/fixtures/bdl/pybdl and the paging of ../shared/fixtures/NOTES.md: ``results`` arrays,
``totalRecords``, ``page`` (from 0), ``pageSize`` (<= 100), ``links.first/self/next/last``, ``values[].year`` as
a string, ``attrId``). It answers ``variables/{id}``, ``variables?subject-id=``, ``subjects/{id}``,
``units/{id}`` and ``data/by-unit/{unit}?var-id=...``. What it serves:

- the variables: every BDL variable of schemas/indicators/public_statistics.yaml, answered by ``variables/{id}``
  with exactly the mapping's names (n1..n5), measure unit, subject and level, so the harvester's metadata check
  passes (where the mapping leaves a subject or unit open, the answer gives the synthetic subject P0000 or
  unit "[dane syntetyczne] jednostka", and level 5); plus the ``--variables`` ids (default 72305 when the
  mapping has no verified BDL variable), whose metadata is SYNTHETIC ("[dane syntetyczne] ..." names,
  subject P0000, which BDL does not have);
  ``measureUnitId`` is left out (the mapping does not record it and no id is invented);
- the cities: SYNTHETIC, 66 of them as Poland has cities with powiat rights — "Miasto syntetyczne NN", TERYT
  ``99NN011`` and BDL unit ``99NN00000000`` (voivodeship code 99 does not exist: no real place is meant);
- the values: SYNTHETIC, every year from 1995 (``--years``), a deterministic function of city, variable and year;
  subjects are named "[dane syntetyczne] temat ...";
- quota headers on every answer: ``X-Rate-Limit-Limit``, ``X-Rate-Limit-Remaining``, ``X-Rate-Limit-Reset``
  (the tightest of the documented windows) — these header NAMES are this project's assumption: no document or
  recording reachable offline shows which headers GUS sends (pyBDL, the client whose samples are recorded,
  reads only ``Retry-After`` after HTTP 429, which the harvester honours). The server reports, it never refuses.

**The harvest** is the real one: harvesters/bdl.py ``BdlHarvester`` through a real harvest job (gather and fetch
queues in Redis, package_create/update, urbanaudit_indicator_value_upsert, Solr indexing), in this process. The
deployment measured is ONE city's: one harvest source (``"mapped": true``, plus ``--variables``) whose city has
the other N-1 cities as peers — what a city portal comparing itself with every city with powiat rights runs. (One
source per city would repeat the ``variables/{id}`` and ``subjects/{id}`` requests N times.)

The timed run does not sleep for the quotas (the harvester's limiter gets no quota); the time the documented
quotas (harvesters/bdl.py ANONYMOUS and REGISTERED: 5/s, 100/15 min, 1000/12 h; with X-ClientId 10/s, 500/15 min,
5000/12 h) would add to that very request sequence is computed on a SIMULATED clock: each request starts when
the previous one's measured gap has passed and every window allows it (a sliding window, as the harvester's
limiter). The estimate of a live run puts ``--live-latency`` seconds (an assumption, default 0.5 s) on every
request as well.

Figures per city count: requests, wall time of the first harvest, its time under the quotas (anonymous,
registered), the longest single quota wait (the harvester gives up past ``ckanext.urbanaudit.http.max_wait``),
an unchanged re-harvest (its time and what it wrote: harvest objects, data sets modified, values written, Solr
documents indexed — all must be 0), and tracemalloc's peak of a first harvest in a separate run (after a reset),
then ratios against the 1-city baseline.
"""
from __future__ import annotations

import argparse
import importlib.util
import itertools
import json
import sys
import tempfile
import threading
import time
import tracemalloc
from datetime import datetime
from pathlib import Path

from _support import reset_site_db

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests import harvest_jobs

ROOT = Path(__file__).resolve().parents[1]
MAPPING = ROOT / "schemas" / "indicators" / "public_statistics.yaml"
CITIES_WITH_POWIAT_RIGHTS = 66
FIRST_YEAR = 1995
SYNTHETIC_SUBJECT = "P0000"  # not a BDL subject: the stand-in of variables the mapping does not describe
LAST_UPDATE = "2025-05-14T15:05:15.743"  # the format of the recorded by-unit answer's lastUpdate
SOURCE_NAME = "bench-bdl-national"


def synthetic_city(i: int) -> dict:
    """City i (1..66): synthetic name, TERYT and BDL unit id (voivodeship code 99 does not exist)."""
    return {"slug": f"miasto-syntetyczne-{i:02d}", "name": f"Miasto syntetyczne {i:02d} [dane syntetyczne]",
            "teryt": f"99{i:02d}011", "bdl_unit_id": f"99{i:02d}00000000"}


def city_file(city: dict, peers: list[str], source_config: dict | None, url: str) -> str:
    data = {**city, "peers": peers,
            "organization": {"name": f"um-{city['slug']}", "title": f"Urząd — {city['name']}"}}
    if source_config is not None:
        data["harvest_sources"] = [{"name": SOURCE_NAME, "type": "urbanaudit_bdl", "url": url,
                                    "frequency": "MANUAL", "config": source_config}]
    return json.dumps(data, ensure_ascii=False)  # JSON is YAML


def synthetic_value(unit_index: int, variable_id: int, year: int) -> float:
    return round(100 + (unit_index * 7919 + variable_id * 104729 + year * 31) % 90000 / 7, 1)


class QuotaHeaders:
    """X-Rate-Limit-* headers (names assumed, see the module docstring) for the tightest window of ``quotas``,
    counted over the requests this server received (sliding windows, real time)."""

    def __init__(self, quotas: list) -> None:
        self.quotas, self.times, self.lock = quotas, [], threading.Lock()

    def __call__(self) -> dict[str, str]:
        now = time.time()
        with self.lock:
            self.times.append(now)
            tightest = None
            for quota in self.quotas:
                used = [t for t in self.times if t > now - quota.period]
                remaining = quota.limit - len(used)
                if tightest is None or remaining < tightest[1]:
                    tightest = (quota, remaining, used[0] + quota.period - now)
        quota, remaining, reset = tightest
        return {"X-Rate-Limit-Limit": str(quota.limit), "X-Rate-Limit-Remaining": str(max(remaining, 0)),
                "X-Rate-Limit-Reset": str(max(round(reset), 0))}


class BdlShapedSource:
    """The routes of a BDL-shaped source on a tests/source_server.py SourceServer; ``arrivals``: perf_counter()
    of every request, in order."""

    def __init__(self, server, variables: dict[int, dict], years: list[int], quota_headers: QuotaHeaders,
                 bdl_paged) -> None:
        self.server, self.variables, self.years, self.quota_headers = server, variables, years, quota_headers
        self.arrivals: list[float] = []
        self.lock = threading.Lock()
        self.paged = bdl_paged
        for variable_id, metadata in variables.items():
            self._route(f"/variables/{variable_id}", self._one({**metadata, "years": years}))
        for subject in {m["subjectId"] for m in variables.values()}:
            self._route(f"/subjects/{subject}", self._one(self._subject(subject)))
        self._route("/variables", bdl_paged(server.url + "/variables", lambda q: [
            m for m in variables.values() if m["subjectId"] in q.get("subject-id", [])]))
        for i in range(1, CITIES_WITH_POWIAT_RIGHTS + 1):
            city = synthetic_city(i)
            unit = city["bdl_unit_id"]
            self._route(f"/units/{unit}", self._one({
                "id": unit, "name": city["name"], "parentId": "990000000000", "level": 5, "hasDescription": False,
                "years": years}))
            envelope = {"unitId": unit, "unitName": city["name"], "aggregateId": 1}
            self._route(f"/data/by-unit/{unit}", bdl_paged(
                f"{server.url}/data/by-unit/{unit}", self._by_unit(i), **envelope))

    def _subject(self, subject: str) -> dict:
        return {"id": subject, "name": f"[dane syntetyczne] temat {subject}", "hasVariables": True,
                "children": [], "levels": [5, 6], "years": self.years}

    def _by_unit(self, unit_index: int):
        def results(query: dict[str, list[str]]) -> list[dict]:
            wanted = sorted(int(v) for v in query.get("var-id", []) if int(v) in self.variables)
            return [{"id": v, "lastUpdate": LAST_UPDATE,
                     "values": [{"year": str(y), "val": synthetic_value(unit_index, v, y), "attrId": 1}
                                for y in self.years]} for v in wanted]

        return results

    @staticmethod
    def _one(answer: dict):
        body = json.dumps(answer, ensure_ascii=False).encode("utf-8")
        return lambda query: (200, "application/json", body)

    def _route(self, path: str, handler) -> None:
        def counted(query: dict[str, list[str]]):
            with self.lock:
                self.arrivals.append(time.perf_counter())
            status, ctype, body = handler(query)
            return status, {"Content-Type": ctype, **self.quota_headers()}, body

        self.server.route(path, counted)

    def reset(self) -> None:
        with self.lock:
            self.arrivals.clear()


def quota_schedule(gaps: list[float], quotas: list, latency: float = 0.0) -> tuple[float, float]:
    """On a simulated clock: request i may start ``gaps[i-1] + latency`` after request i-1 started, and only when
    every sliding window allows it (at most ``limit`` starts in any ``period``). Returns (the total time added by
    the quotas, the longest single wait)."""
    starts: list[float] = []
    added = longest = 0.0
    for i in range(len(gaps) + 1):
        free = starts[-1] + gaps[i - 1] + latency if starts else 0.0
        start = free
        for quota in quotas:
            if i >= quota.limit:
                start = max(start, starts[i - quota.limit] + quota.period)
        added += start - free
        longest = max(longest, start - free)
        starts.append(start)
    return added, longest


def mapped_variables(parse) -> tuple[dict[int, dict], list[int]]:
    """BDL metadata of every BDL variable of the mapping file, as ``variables/{id}`` answers it, and the ids of
    the verified ones (the harvester's ``"mapped": true`` harvests those)."""
    if not MAPPING.is_file():
        return {}, []
    stats = parse(MAPPING.read_text("utf-8"))
    answers, verified = {}, []
    for variable in stats.variables.values():
        if variable.source != "bdl":
            continue
        # what the mapping leaves open (not compared by the harvester) is answered SYNTHETIC, never guessed
        answer = {"id": int(variable.id), "subjectId": variable.subject or SYNTHETIC_SUBJECT}
        answer.update({f"n{i}": name for i, name in enumerate(variable.name, start=1)})
        answer.update({"level": variable.level or 5,
                       "measureUnitName": variable.measure_unit or "[dane syntetyczne] jednostka"})
        answers[int(variable.id)] = answer
        if variable.verified:
            verified.append(int(variable.id))
    return answers, verified


def synthetic_variable(variable_id: int) -> dict:
    return {"id": variable_id, "subjectId": SYNTHETIC_SUBJECT, "n1": f"[dane syntetyczne] zmienna {variable_id}",
            "level": 5, "measureUnitName": "[dane syntetyczne] jednostka"}


def writes_since(since, job_id: str) -> dict[str, int]:
    """What the catalogue changed from ``since`` (naive UTC): harvest objects of the job, data sets modified,
    indicator values written, Solr documents (re)indexed (the harvest source's own document, which
    ckanext-harvest re-indexes with each job's status, is not a record and is left out)."""
    import ckan.plugins.toolkit as tk
    import sqlalchemy as sa
    from ckan import model
    from ckan.lib.search.common import make_connection

    def count(sql: str, **params) -> int:
        return model.Session.execute(sa.text(sql), params).scalar()

    solr = make_connection()
    stamp = since.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"  # Solr dates: at most milliseconds
    indexed = solr.search(q="*:*", fq=[f'+site_id:"{tk.config["ckan.site_id"]}"', f"+indexed_ts:[{stamp} TO *]",
                                       "-dataset_type:harvest"],
                          rows=0).hits
    return {
        "objects": count("SELECT count(*) FROM harvest_object WHERE harvest_job_id = :job", job=job_id),
        "datasets": count("SELECT count(*) FROM package WHERE metadata_modified >= :t AND type != 'harvest'", t=since),
        "values": count("SELECT count(*) FROM urbanaudit_indicator_value WHERE computed_at >= :t", t=since),
        "solr": indexed,
    }


def main() -> None:  # noqa: PLR0915
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-c", "--config", required=True, help="an ini with its own database, site_id and Redis db")
    parser.add_argument("--cities", default="1,18,66", help="city counts, comma-separated (at most 66)")
    parser.add_argument("--variables", default="",
                        help="BDL variable ids to harvest besides the mapping's verified ones (comma-separated; "
                             "default 72305 when the mapping has no verified BDL variable)")
    parser.add_argument("--years", type=int, default=30, help="years per variable, from 1995 (default 30)")
    parser.add_argument("--page-size", type=int, default=100, help="the harvester's page-size (1..100)")
    parser.add_argument("--live-latency", type=float, default=0.5,
                        help="assumed seconds per request of the live API, for the live estimate (default 0.5)")
    parser.add_argument("--no-memory", action="store_true", help="skip the tracemalloc run")
    args = parser.parse_args()
    counts = [int(c) for c in args.cities.split(",") if c.strip()]
    if not counts or not all(1 <= c <= CITIES_WITH_POWIAT_RIGHTS for c in counts):
        parser.error(f"--cities: numbers from 1 to {CITIES_WITH_POWIAT_RIGHTS}")

    from ckan.cli import load_config
    from ckan.config.middleware import make_app

    app = make_app(load_config(args.config))
    with app._wsgi_app.test_request_context():
        import ckan.plugins.toolkit as tk
        from ckan.lib.search import clear_all
        from ckanext.harvest import queue
        from ckanext.urbanaudit.harvesters import bdl

        from ckanext.urbanaudit import config as ua_config
        from ckanext.urbanaudit import utils
        from ckanext.urbanaudit.cities.city_file import load
        from ckanext.urbanaudit.indicators.public_statistics import parse

        spec = importlib.util.spec_from_file_location("urbanaudit_source_server", ROOT / "tests" / "source_server.py")
        source_server = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(source_server)

        site = tk.config["ckan.site_id"]
        if site in ("urbanaudit_test", "urbanaudit_demo"):
            sys.exit(f"refusing to run on site {site}: give the benchmark a database and site_id of its own")

        answers, verified = mapped_variables(parse)
        extra = [int(v) for v in args.variables.split(",") if v.strip()] or ([] if verified else [72305])
        for variable_id in extra:
            answers.setdefault(variable_id, synthetic_variable(variable_id))
        source_config = {"variables": extra, "page_size": args.page_size, **({"mapped": True} if verified else {})}
        harvested = sorted(set(verified) | set(extra))
        years = list(range(FIRST_YEAR, FIRST_YEAR + args.years))
        registered = bool(ua_config.bdl_client_id())
        server = source_server.SourceServer()
        source = BdlShapedSource(server, answers, years, QuotaHeaders(bdl.REGISTERED if registered else bdl.ANONYMOUS),
                                 source_server.bdl_paged)
        server.start()

        # the timed runs do not sleep for the quotas: their cost is computed on the simulated clock below
        throttled = bdl.BdlHarvester.client_options
        bdl.BdlHarvester.client_options = lambda self: {**throttled(self), "quotas": []}

        folder = Path(tempfile.mkdtemp(prefix="bdl-national-"))

        user = ""

        def prepare(n: int) -> str:
            """This site emptied, the N synthetic cities loaded (city 1 with the others as peers); its source."""
            queue.purge_queues()
            reset_site_db()
            clear_all()
            nonlocal user
            user = tk.get_action("get_site_user")({"ignore_auth": True}, {})["name"]  # the reset removed it
            cities = [synthetic_city(i) for i in range(1, n + 1)]
            for city in cities[1:]:
                (folder / f"{city['slug']}.yaml").write_text(city_file(city, [], None, server.url), "utf-8")
            main_file = folder / f"{cities[0]['slug']}.yaml"
            main_file.write_text(city_file(cities[0], [c["slug"] for c in cities[1:]], source_config, server.url),
                                 "utf-8")
            load(main_file, user)
            return tk.get_action("harvest_source_show")({"user": user}, {"id": SOURCE_NAME})["id"]

        def timed_job(source_id: str) -> tuple[dict, float, list[float], int, datetime]:
            source.reset()
            started_at = utils.utcnow()
            started = time.perf_counter()
            job = harvest_jobs.run_job(source_id, user)
            seconds = time.perf_counter() - started
            arrivals = list(source.arrivals)
            gaps = [b - a for a, b in itertools.pairwise(arrivals)]
            if job["gather_error_messages"] or job["object_error_messages"]:
                sys.exit(f"the harvest job failed: {job['gather_error_messages'] + job['object_error_messages']}")
            return job, seconds, gaps, len(arrivals), started_at

        print(f"GUS BDL at national scale: {len(harvested)} variable(s) {harvested} ({len(verified)} verified in "
              f"the mapping), {len(years)} years, SYNTHETIC cities and values on a local BDL-shaped source "
              f"({server.url}); page-size {args.page_size}; one source, city 1 with the others as peers", flush=True)
        rows = {}
        try:
            for n in counts:
                source_id = prepare(n)
                job, first_s, gaps, requests_made, since = timed_job(source_id)
                first_writes = writes_since(since, job["id"])
                anonymous = quota_schedule(gaps, bdl.ANONYMOUS)
                registered_q = quota_schedule(gaps, bdl.REGISTERED)
                live_anonymous = quota_schedule(gaps, bdl.ANONYMOUS, args.live_latency)
                live_registered = quota_schedule(gaps, bdl.REGISTERED, args.live_latency)
                again, again_s, _gaps, again_requests, again_since = timed_job(source_id)
                again_writes = writes_since(again_since, again["id"])
                peak = float("nan")
                if not args.no_memory:
                    source_id = prepare(n)
                    tracemalloc.start()
                    harvest_jobs.run_job(source_id, user)
                    peak = tracemalloc.get_traced_memory()[1] / 2**20
                    tracemalloc.stop()
                live_latency_s = requests_made * args.live_latency
                rows[n] = {
                    "requests": requests_made, "first": first_s, "values": first_writes["values"],
                    "anon": first_s + anonymous[0], "reg": first_s + registered_q[0],
                    "anon_wait": anonymous[1], "reg_wait": registered_q[1],
                    "live_anon": first_s + live_latency_s + live_anonymous[0],
                    "live_reg": first_s + live_latency_s + live_registered[0],
                    "again": again_s, "again_requests": again_requests, "again_writes": again_writes,
                    "again_stats": harvest_jobs.changes(again), "peak": peak, "first_writes": first_writes,
                }
                print(f"{n:3d} cities: first harvest {first_s:.1f} s, {requests_made} requests, writes "
                      f"{first_writes}; unchanged re-harvest {again_s:.1f} s, {again_requests} requests, "
                      f"writes {again_writes}, job {harvest_jobs.changes(again)}; tracemalloc peak {peak:.1f} MiB",
                      flush=True)
        finally:
            bdl.BdlHarvester.client_options = throttled
            server.stop()
        print_table(rows, counts[0], ua_config.http_settings()["max_wait"], args.live_latency)


def _duration(seconds: float) -> str:
    if seconds >= 3600:
        return f"{seconds / 3600:.1f} h"
    if seconds >= 60:
        return f"{seconds / 60:.1f} min"
    return f"{seconds:.1f} s"


def print_table(rows: dict[int, dict], baseline: int, max_wait: float, latency: float) -> None:
    base = rows[baseline]
    print()
    print(f"{'cities':>6} {'requests':>8} {'values':>7} {'first s':>8} {'quota anon':>11} {'quota reg':>10} "
          f"{'longest wait anon/reg':>22} {'re-harvest s':>12} {'re-harv. writes':>16} {'peak MiB':>9} "
          f"{'req ratio':>9} {'time ratio':>10}")
    for n, r in rows.items():
        w = r["again_writes"]
        written = sum(w.values()) + sum(r["again_stats"].values())
        print(f"{n:6d} {r['requests']:8d} {r['values']:7d} {r['first']:8.1f} {_duration(r['anon']):>11} "
              f"{_duration(r['reg']):>10} {_duration(r['anon_wait']) + ' / ' + _duration(r['reg_wait']):>22} "
              f"{r['again']:12.1f} {written:16d} {r['peak']:9.1f} {r['requests'] / base['requests']:9.2f} "
              f"{r['first'] / base['first']:10.2f}")
    print()
    print(f"quota anon/reg: the first harvest's time with the waits the documented quotas impose on its request "
          f"sequence (simulated clock). A live run, at an assumed {latency:g} s per request:")
    for n, r in rows.items():
        anon_ok = "within" if r["anon_wait"] <= max_wait else "BEYOND"
        reg_ok = "within" if r["reg_wait"] <= max_wait else "BEYOND"
        print(f"  {n:3d} cities: anonymous {_duration(r['live_anon'])} (longest wait {_duration(r['anon_wait'])}, "
              f"{anon_ok} max_wait {max_wait:g} s), registered X-ClientId {_duration(r['live_reg'])} (longest wait "
              f"{_duration(r['reg_wait'])}, {reg_ok} max_wait)")
    print("A wait beyond ckanext.urbanaudit.http.max_wait ends the live job with a quota error (run it again later); "
          "re-harvest writes = harvest objects + data sets modified + values written + Solr documents indexed + "
          "job added/updated/deleted/errored (0 = nothing written).")


if __name__ == "__main__":
    main()
