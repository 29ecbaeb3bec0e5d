"""Content check of a GeoJSON resource: is it GeoJSON (RFC 7946: a FeatureCollection, Feature or geometry whose
coordinates are longitude/latitude numbers), and does every feature lie inside the data set's area (its
``spatial`` extent, the bounding box it declares), so a layer drawn in the wrong place or with swapped
coordinates is found before a resident sees it. Same report shape and scoring as the tabular check."""
from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ckanext.urbanaudit.contents.checks import DEDUCTIONS, MAX_LISTED, problem

GEOMETRIES = {"Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon",
              "GeometryCollection"}
TOLERANCE = 0.001  # degrees (about 100 m) a feature may pass the declared box by, for rounding


def _positions(coordinates: Any) -> Iterator[list]:
    if isinstance(coordinates, list) and coordinates and all(isinstance(c, (int, float)) for c in coordinates):
        yield coordinates
    elif isinstance(coordinates, list):
        for part in coordinates:
            yield from _positions(part)


def _geometry_positions(geometry: dict) -> list[list]:
    if geometry.get("type") == "GeometryCollection":
        return [p for g in geometry.get("geometries") or [] if isinstance(g, dict) for p in _geometry_positions(g)]
    return list(_positions(geometry.get("coordinates")))


def bbox(positions: list[list]) -> tuple[float, float, float, float]:
    xs, ys = [p[0] for p in positions], [p[1] for p in positions]
    return min(xs), min(ys), max(xs), max(ys)


def extent_of(spatial: str | dict | None) -> tuple[float, float, float, float] | None:
    """The bounding box of a data set's ``spatial`` value (a GeoJSON geometry), or None."""
    if not spatial:
        return None
    try:
        geometry = json.loads(spatial) if isinstance(spatial, str) else spatial
        positions = _geometry_positions(geometry)
    except (ValueError, AttributeError):
        return None
    return bbox(positions) if positions else None


def _features(document: dict) -> list[dict]:
    if document.get("type") == "FeatureCollection":
        return [f for f in document.get("features") or [] if isinstance(f, dict)] \
            if isinstance(document.get("features"), list) else []
    if document.get("type") == "Feature":
        return [document]
    return [{"type": "Feature", "geometry": document}]


def _feature_problems(n: int, feature: dict, extent: tuple | None) -> list[dict]:
    geometry = feature.get("geometry")
    if feature.get("type") != "Feature" or not isinstance(geometry, dict) or geometry.get("type") not in GEOMETRIES:
        return [problem("geojson", "geojson-feature", row=n)]
    positions = _geometry_positions(geometry)
    if not positions or any(len(p) < 2 for p in positions):
        return [problem("geojson", "geojson-coordinates", row=n)]
    if any(not (-180 <= p[0] <= 180 and -90 <= p[1] <= 90) for p in positions):
        return [problem("geojson", "geojson-range", row=n)]
    if extent:
        west, south, east, north = bbox(positions)
        if west < extent[0] - TOLERANCE or south < extent[1] - TOLERANCE or east > extent[2] + TOLERANCE \
                or north > extent[3] + TOLERANCE:
            return [problem("outside", "geojson-outside", row=n,
                            box=", ".join(f"{v:.4f}" for v in extent))]
    return []


def check_geojson(path: Path, extent: tuple[float, float, float, float] | None) -> dict:
    """The content report of one GeoJSON file; ``extent``: the data set's (west, south, east, north) or None."""
    try:
        with open(path, encoding="utf-8") as f:
            document = json.load(f)
    except (ValueError, UnicodeDecodeError) as exc:
        problems = [problem("geojson", "geojson-json", error=str(exc)[:200])]
        document = None
    else:
        problems = []
        if not isinstance(document, dict) or document.get("type") not in GEOMETRIES | {"Feature",
                                                                                      "FeatureCollection"}:
            problems.append(problem("geojson", "geojson-type"))
            document = None
    features = _features(document) if document else []
    for n, feature in enumerate(features, 1):
        problems.extend(_feature_problems(n, feature, extent))
    counts = Counter(p["kind"] for p in problems)
    deductions = {kind: DEDUCTIONS[kind] for kind in counts}
    return {"status": "checked", "encoding": "utf-8", "rows": len(features), "features": len(features),
            "extent": list(extent) if extent else None, "columns": [], "table_schema": False,
            "problems": problems[:MAX_LISTED], "counts": dict(counts), "deductions": deductions,
            "score": max(0, 100 - sum(deductions.values()))}
