"""A JSON-stat 2.0 dataset decoder (the format of Eurostat's dissemination API).

Handles any dimension order (``id``/``size``, row-major: the last dimension varies fastest), category
``index`` given as an object or an array (or absent for a single category), ``value`` and ``status`` as
sparse objects keyed by the flat index (in any key order) or as dense arrays, and ``status`` as one string
for every cell. Cells with a status but no value are kept (value None), so flags are never lost.
"""
from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any


class JsonStatError(ValueError):
    """The document is not a JSON-stat 2.0 dataset this decoder can read."""


@dataclass(frozen=True)
class Cell:
    coordinates: dict[str, str]  # dimension id -> category code
    value: float | int | None
    status: str | None


def _categories(dimension_id: str, dimension: dict[str, Any], size: int) -> list[str]:
    category = dimension.get("category") or {}
    index = category.get("index")
    if index is None:
        labels = list((category.get("label") or {}).keys())
        if len(labels) != size:
            raise JsonStatError(f"dimension {dimension_id}: no category index and {len(labels)} labels for size {size}")
        return labels
    if isinstance(index, list):
        codes = list(index)
    elif isinstance(index, dict):
        codes = [None] * len(index)
        for code, position in index.items():
            if not isinstance(position, int) or not 0 <= position < len(index) or codes[position] is not None:
                raise JsonStatError(f"dimension {dimension_id}: bad category index {code!r} -> {position!r}")
            codes[position] = code
    else:
        raise JsonStatError(f"dimension {dimension_id}: category index must be an object or an array")
    if len(codes) != size:
        raise JsonStatError(f"dimension {dimension_id}: {len(codes)} categories but size {size}")
    return codes


def _cells(data: Any, total: int, what: str) -> dict[int, Any]:
    if data is None:
        return {}
    if isinstance(data, list):
        if len(data) != total:
            raise JsonStatError(f"dense {what} has {len(data)} cells, expected {total}")
        return {i: v for i, v in enumerate(data) if v is not None}
    if isinstance(data, dict):
        cells = {}
        for key, v in data.items():
            try:
                i = int(key)
            except (TypeError, ValueError):
                raise JsonStatError(f"{what} key {key!r} is not a flat index") from None
            if not 0 <= i < total:
                raise JsonStatError(f"{what} key {i} is outside the cube of {total} cells")
            cells[i] = v
        return cells
    raise JsonStatError(f"{what} must be an object or an array")


def decode(document: Any) -> Iterator[Cell]:
    """Every non-empty cell of a JSON-stat 2.0 dataset, in flat-index order."""
    if not isinstance(document, dict) or document.get("class", "dataset") != "dataset":
        raise JsonStatError("not a JSON-stat dataset")
    ids, sizes = document.get("id"), document.get("size")
    if not isinstance(ids, list) or not isinstance(sizes, list) or len(ids) != len(sizes):
        raise JsonStatError("'id' and 'size' must be arrays of the same length")
    dimensions = document.get("dimension") or {}
    codes = []
    for dimension_id, size in zip(ids, sizes, strict=True):
        if dimension_id not in dimensions:
            raise JsonStatError(f"dimension {dimension_id} is listed in 'id' but not described")
        codes.append(_categories(dimension_id, dimensions[dimension_id], size))
    total = math.prod(sizes)
    values = _cells(document.get("value"), total, "value")
    status = document.get("status")
    statuses = dict.fromkeys(values, status) if isinstance(status, str) else _cells(status, total, "status")
    for flat in sorted(set(values) | set(statuses)):
        coordinates = {}
        rest = flat
        for dimension_id, size, categories in zip(reversed(ids), reversed(sizes), reversed(codes), strict=True):
            rest, position = divmod(rest, size)
            coordinates[dimension_id] = categories[position]
        yield Cell({d: coordinates[d] for d in ids}, values.get(flat), statuses.get(flat))


def labels(document: dict[str, Any], dimension_id: str) -> dict[str, str]:
    """Category labels of a dimension, whitespace normalised (Eurostat labels carry double/trailing spaces)."""
    label = ((document.get("dimension") or {}).get(dimension_id) or {}).get("category", {}).get("label") or {}
    return {code: " ".join(str(text).split()) for code, text in label.items()}
