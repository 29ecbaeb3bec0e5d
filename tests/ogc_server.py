"""A real WMS and WFS service on 127.0.0.1, where a city's geoportal would be: MapServer (Debian's
``cgi-mapserver``, installed by scripts/setup.sh), run as a CGI program behind :class:`SourceServer` for each
request, serving the recorded boundaries of ``../shared/fixtures/geo/kielce`` (GUGiK PRG through
ppatrzyk/polska-geojson, see SOURCES.md):

- layer / feature type ``granica``: the boundary of Kielce (one polygon);
- layer / feature type ``powiaty``: Kielce and the ring county around it, powiat kielecki (two polygons).

Nothing is replayed: every answer (capabilities, map images, features) is MapServer's own."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from urllib.parse import parse_qsl

from tests.source_server import SourceServer, fixture_path

LAYERS = {
    "granica": ("Granica miasta Kielce", "geo/kielce/kielce_city_boundary.geojson", "200 60 60"),
    "powiaty": ("Kielce i powiat kielecki", "geo/kielce/kielce_city_and_powiat_kielecki.geojson", "60 60 200"),
}

_LAYER = """
  LAYER
    NAME "{name}"
    TYPE POLYGON
    STATUS ON
    CONNECTIONTYPE OGR
    CONNECTION "{path}"
    PROJECTION
      "init=epsg:4326"
    END
    METADATA
      "ows_title" "{title}"
      "gml_include_items" "all"
      "gml_featureid" "id"
      "wfs_getfeature_formatlist" "geojson"
    END
    CLASS
      STYLE
        COLOR {colour}
        OUTLINECOLOR 0 0 0
      END
    END
  END
"""

_MAP = """MAP
  NAME "kielce"
  EXTENT 20.2 50.6 21.1 51.1
  SIZE 600 400
  PROJECTION
    "init=epsg:4326"
  END
  WEB
    METADATA
      "ows_title" "Kielce: granice (PRG, test)"
      "ows_onlineresource" "{url}?"
      "ows_srs" "EPSG:4326 EPSG:3857 EPSG:900913"
      "ows_enable_request" "*"
    END
  END
  OUTPUTFORMAT
    NAME "geojson"
    DRIVER "OGR/GEOJSON"
    MIMETYPE "application/json; subtype=geojson"
    FORMATOPTION "STORAGE=stream"
    FORMATOPTION "FORM=SIMPLE"
  END
{layers}END
"""


def mapserv() -> str:
    found = shutil.which("mapserv")
    if not found:
        raise RuntimeError("MapServer's mapserv is not installed: run scripts/setup.sh (Debian cgi-mapserver)")
    return found


class OgcService:
    """MapServer answering ``/ows`` of ``server`` (started by the caller); :attr:`requests` lists the query of
    every request it answered (parameter names in capitals)."""

    def __init__(self, server: SourceServer, folder: Path) -> None:
        self.server = server
        self.url = f"{server.url}/ows"
        self.requests: list[dict[str, str]] = []
        layers = "".join(_LAYER.format(name=name, title=title, path=fixture_path(rel), colour=colour)
                         for name, (title, rel, colour) in LAYERS.items())
        mapfile = folder / "kielce.map"
        mapfile.write_text(_MAP.format(url=self.url, layers=layers), encoding="utf-8")
        conf = folder / "mapserver.conf"
        conf.write_text(f'CONFIG\n  ENV\n    MS_MAPFILE "{mapfile}"\n  END\nEND\n', encoding="utf-8")
        self._env = {"MAPSERVER_CONFIG_FILE": str(conf), "REQUEST_METHOD": "GET", "PATH": "/usr/bin:/bin"}
        self._mapserv = mapserv()
        server.raw_routes["/ows"] = self._answer

    def _answer(self, query: str) -> tuple[int, dict, bytes]:
        self.requests.append({k.upper(): v for k, v in parse_qsl(query, keep_blank_values=True)})
        env = dict(self._env, QUERY_STRING=query)
        out = subprocess.run([self._mapserv], env=env, capture_output=True, timeout=60, check=False).stdout
        head, _, body = out.partition(b"\r\n\r\n")
        headers = dict(line.split(": ", 1) for line in head.decode("latin-1").split("\r\n") if ": " in line)
        status = int(headers.pop("Status", "200").split()[0])
        return status, {"Content-Type": headers.get("Content-Type", "application/octet-stream")}, body

    def asked(self, request: str) -> list[dict[str, str]]:
        """The requests of one kind (GetCapabilities, GetMap, GetFeature...) MapServer answered."""
        return [q for q in self.requests if q.get("REQUEST", "").lower() == request.lower()]
