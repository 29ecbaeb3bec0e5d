"""The source server of the offline demo: recorded API answers from shared/fixtures, replayed on 127.0.0.1.

    python -m demo.sources [--port 8765] [--pidfile var/run/demo-sources.pid]

One server, one path prefix per source; demo/demo.ini points the harvesters there:

- ``/eurostat``: ``data/urb_cpop1``, the real urb_cpop1 answer (population on 1 January, DE1001V, cities
  PL001C-PL058C). Harvested in the demo by ``kielce-eurostat-urban-audit``: Kielce, Lublin, Białystok.
- ``/bdl``: pyBDL's real samples (subject P1313, its variables, by-unit data of unit 023000000000,
  WIELKOPOLSKIE). Not harvested in the demo: nothing is recorded for Kielce's unit or its variable 72305.
- ``/gios``: bieniu/gios' real v1 answers (station list: Warszawa and Żyrardów; station 552 and its sensors).
  Not harvested in the demo: the recording holds no Kielce station.

No value is invented (only BDL's paging envelope is built around the recorded results, as in the tests): a
path without a recording answers 404 with a body saying so, and the harvest job that asked for it ends with a
gather error naming the URL. The same ``SourceServer`` class serves the tests.
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import sys
from pathlib import Path

from tests.source_server import FIXTURES, SourceServer, bdl_paged, fixture_path, load_json

PORT = 8765
URB_CPOP1 = "eurostat/urb_cpop1_DE1001V_PL001C-PL058C_trimmed.json"
GIOS = "gios/v1-bieniu"
GIOS_SENSORS = (3759, 3760, 3761, 3762, 3764, 3765, 14688)
BDL_UNIT = "023000000000"
NOT_RECORDED = json.dumps({
    "error": "not recorded",
    "detail": "The offline demo replays only the recorded answers of shared/fixtures (see SOURCES.md there); "
              "this path has no recording.",
}).encode()


def _file(relative: str):
    body = fixture_path(relative).read_bytes()
    return lambda query: (200, "application/json", body)


def _json(data) -> bytes:
    return json.dumps(data, ensure_ascii=False).encode("utf-8")


def register(server: SourceServer) -> None:
    """Register every recorded answer the demo replays (reads the fixtures once, now)."""
    server.route("/eurostat/data/urb_cpop1", _file(URB_CPOP1))

    base = server.url + "/bdl"
    variables = load_json("bdl/pybdl/samples_raw_variables.json")["list_variables"]
    subjects = load_json("bdl/pybdl/samples_raw_subjects.json")["list_subjects"]
    by_unit = load_json("bdl/pybdl/samples_raw_data.json")["get_data_by_unit"]
    server.route("/bdl/variables", bdl_paged(
        base + "/variables", lambda q: [v for v in variables if v["subjectId"] in q.get("subject-id", [])]))
    for variable in variables:
        body = _json(variable)
        server.route(f"/bdl/variables/{variable['id']}", lambda q, body=body: (200, "application/json", body))
    for subject in subjects:
        body = _json(subject)
        server.route(f"/bdl/subjects/{subject['id']}", lambda q, body=body: (200, "application/json", body))
    envelope = {k: by_unit[k] for k in ("unitId", "unitName", "aggregateId")}
    server.route(f"/bdl/data/by-unit/{BDL_UNIT}", bdl_paged(
        f"{base}/data/by-unit/{BDL_UNIT}",
        lambda q: [r for r in by_unit["results"] if str(r["id"]) in q.get("var-id", [])], **envelope))

    server.route("/gios/station/findAll", _file(f"{GIOS}/stations.json"))
    server.route("/gios/station/sensors/552", _file(f"{GIOS}/station.json"))
    for sensor in GIOS_SENSORS:
        server.route(f"/gios/data/getData/{sensor}", _file(f"{GIOS}/sensor_{sensor}.json"))


def make_server(port: int = PORT) -> SourceServer:
    server = SourceServer(port=port, not_found=NOT_RECORDED)
    server.etags = True  # a re-harvest of an unchanged answer is a 304, as with the live APIs
    register(server)
    return server


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=PORT)
    parser.add_argument("--pidfile", type=Path, help="write the process id here; removed on exit")
    args = parser.parse_args(argv)
    if not FIXTURES.is_dir():
        print(f"demo sources: no recorded fixtures at {FIXTURES} (set URBANAUDIT_SHARED)", file=sys.stderr)
        return 1
    server = make_server(args.port)
    if args.pidfile:
        args.pidfile.write_text(f"{os.getpid()}\n")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print(f"demo sources: {len(server.routes)} recorded answers from {FIXTURES} on {server.url}", flush=True)
    try:
        server.httpd.serve_forever()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        server.httpd.server_close()
        if args.pidfile and args.pidfile.read_text().strip() == str(os.getpid()):
            args.pidfile.unlink()
    return 0


if __name__ == "__main__":
    sys.exit(main())
