"""Validators of the inventory schema (registered by the blanket decorator)."""
from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import date
from typing import Any

import ckan.plugins.toolkit as tk
from ckan import model
from ckan.types import Context, FlattenDataDict, FlattenErrorDict, FlattenKey

from ckanext.urbanaudit.inventory import lookups
from ckanext.urbanaudit.inventory.fields import publication_required_fields

IDENTIFIER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:/-]{0,199}$")
GEOMETRY_TYPES = {"Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon",
                  "GeometryCollection"}
Missing = tk.missing


def _empty(value: Any) -> bool:
    return value is Missing or value is None or (isinstance(value, str) and not value.strip()) or value == []


def urbanaudit_identifier(key: FlattenKey, data: FlattenDataDict, errors: FlattenErrorDict, context: Context) -> None:
    """A stable inventory identifier: URI-safe characters, unique in the catalogue."""
    value = data.get(key)
    if _empty(value):
        return
    value = str(value).strip()
    data[key] = value
    if not IDENTIFIER.match(value):
        errors[key].append(tk._("Use letters, digits and . _ : / - only (at most 200 characters)."))
        return
    if value in context.get(lookups.IDENTIFIERS_FREE, ()):
        return
    own_id = data.get(("id",))
    query = lookups.holding([value])
    if not _empty(own_id):
        query = query.filter(model.Package.id != own_id)
    if query.first():
        errors[key].append(tk._("Another record of the inventory already has this identifier."))


def urbanaudit_package_name(key: FlattenKey, data: FlattenDataDict, errors: FlattenErrorDict,
                            context: Context) -> Any:
    """CKAN's ``package_name_validator`` (the URL name is no other record's), unless the caller found the name free
    already (``lookups.NAMES_FREE``: the questionnaire import, for its chunk's new records)."""
    if data.get(key) in context.get(lookups.NAMES_FREE, ()):
        return None
    return tk.get_validator("package_name_validator")(key, data, errors, context)


def urbanaudit_owner_org(key: FlattenKey, data: FlattenDataDict, errors: FlattenErrorDict, context: Context) -> Any:
    """CKAN's ``owner_org_validator``, with its user and organization lookups made once per chunk of imported rows
    when the caller gives ``lookups.MODEL`` (the same checks, the same errors)."""
    memo = context.get(lookups.MODEL)
    return tk.get_validator("owner_org_validator")(key, data, errors, context if memo is None
                                                   else {**context, "model": memo})


def urbanaudit_calendar_date(value: Any) -> Any:
    """After dcat_date (which checks the shape only): a YYYY-MM-DD date must exist in the calendar."""
    if _empty(value) or not isinstance(value, str):
        return value
    match = re.match(r"^(\d{4})-(\d{2})-(\d{2})", value)
    if match:
        try:
            date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        except ValueError:
            raise tk.Invalid(tk._("This date does not exist: %s") % value) from None
    return value


def urbanaudit_positive_number(value: Any) -> Any:
    if _empty(value):
        return value
    try:
        number = float(str(value).replace(",", "."))
    except ValueError:
        raise tk.Invalid(tk._("Enter a number, e.g. 10 or 0.5.")) from None
    if number <= 0:
        raise tk.Invalid(tk._("Enter a number greater than zero."))
    return str(value).replace(",", ".")


def urbanaudit_geojson(value: Any) -> Any:
    """A GeoJSON geometry (not a Feature) with coordinates in WGS 84 longitude/latitude."""
    if _empty(value):
        return value
    try:
        geometry = json.loads(value) if isinstance(value, str) else value
    except ValueError:
        raise tk.Invalid(tk._("The spatial extent is not valid JSON.")) from None
    if not isinstance(geometry, dict) or geometry.get("type") not in GEOMETRY_TYPES:
        raise tk.Invalid(tk._("The spatial extent must be a GeoJSON geometry (e.g. a Polygon)."))
    for lon, lat in _positions(geometry):
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            raise tk.Invalid(tk._("Coordinates must be WGS 84 longitude and latitude."))
    return json.dumps(geometry, ensure_ascii=False) if not isinstance(value, str) else value


def _positions(geometry: dict) -> Iterator[tuple[float, float]]:
    if geometry.get("type") == "GeometryCollection":
        for part in geometry.get("geometries", []):
            yield from _positions(part)
        return
    stack = [geometry.get("coordinates")]
    while stack:
        item = stack.pop()
        if not isinstance(item, list) or not item:
            raise tk.Invalid(tk._("The spatial extent has no coordinates."))
        if all(isinstance(c, (int, float)) for c in item):
            yield float(item[0]), float(item[1])
        else:
            stack.extend(item)


def _present(data: dict, field_name: str) -> bool:
    if field_name == "tag_string":
        return not _empty(data.get(("tag_string",))) or any(
            k[0] == "tags" and not _empty(v) for k, v in data.items()
        )
    if field_name == "license_id":
        return data.get(("license_id",)) not in (None, Missing, "", "notspecified")
    return any(k[0] == field_name and not _empty(v) for k, v in data.items())


def urbanaudit_publication_complete(key: FlattenKey, data: FlattenDataDict, errors: FlattenErrorDict,
                                    context: Context) -> None:
    """A record may be saved as a draft with little; a published one must be complete."""
    if data.get(key) != "published":
        return
    dataset_type = data.get(("type",))
    dataset_type = dataset_type if isinstance(dataset_type, str) and dataset_type else "dataset"
    for field in publication_required_fields(dataset_type):
        name = field["field_name"]
        if not _present(data, name):
            # repeating fields report per item and subfield (what scheming's forms expect)
            subfields = field.get("repeating_subfields")
            error_key = (name, 0, subfields[0]["field_name"]) if subfields else (name,)
            errors.setdefault(error_key, []).append(tk._("Required for a published record."))
