"""Indicator values the tests share: Kielce's real population from the recorded Eurostat answer, PM10 series
of the three demo cities, and the small builders of value rows."""
from __future__ import annotations

import json

from ckan.tests import factories, helpers

from tests.source_server import FIXTURES

EUROSTAT_FIXTURE = FIXTURES / "eurostat" / "urb_cpop1_DE1001V_PL001C-PL058C_trimmed.json"
E = "EUROSTAT:urb_cpop1:"


def kielce_population() -> dict[str, int]:
    """Kielce's real population on 1 January (Eurostat urb_cpop1, DE1001V) from the recorded response."""
    doc = json.loads(EUROSTAT_FIXTURE.read_text("utf-8"))
    dims = doc["id"]
    index = {d: doc["dimension"][d]["category"]["index"] for d in dims}
    sizes = doc["size"]
    out = {}
    for year in ("2019", "2020", "2021"):
        coords = {"freq": 0, "indic_ur": index["indic_ur"]["DE1001V"], "cities": index["cities"]["PL012C"],
                  "time": index["time"][year]}
        flat = 0
        for d, size in zip(dims, sizes, strict=True):
            flat = flat * size + coords.get(d, 0)
        out[year] = doc["value"][str(flat)]
    return out


def _sysadmin_upsert(values):
    admin = factories.Sysadmin()
    return helpers.call_action("urbanaudit_indicator_value_upsert", {"user": admin["name"]}, values=values)


def _v(city, code, period, value, source="eurostat", **extra):
    return {"city": city, "indicator_code": code, "period": period, "value": value, "source": source, **extra}


def _pm10_values():
    values = []
    for city, series in {"kielce": [28.0, 25.0], "lublin": [24.0, 22.0], "bialystok": [19.0, 20.0]}.items():
        values += [_v(city, "ISO37120:2018:8.2", p, x, source="gios", flags=["partial"])
                   for p, x in zip(("2023", "2024"), series, strict=True)]
    return values
