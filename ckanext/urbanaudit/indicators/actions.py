"""Actions on the indicator catalogue, the city dashboard, the information gaps and the computation.

``urbanaudit_indicator_list``, ``urbanaudit_indicator_show``, ``urbanaudit_city_show``, ``urbanaudit_gaps``
read; ``urbanaudit_indicator_compute`` recomputes the derived indicators. Data sets shown beside indicators
(source data sets, data sets that could feed a gap) are searched as an anonymous visitor would: private data
sets never appear.
"""
from __future__ import annotations

import re
from collections import Counter, defaultdict
from typing import Any

import ckan.plugins.toolkit as tk
from ckan import model
from ckan.lib.search.query import solr_literal
from ckan.logic import validate
from ckan.types import Context, DataDict

from ckanext.urbanaudit import config, utils
from ckanext.urbanaudit.audit import targets
from ckanext.urbanaudit.cities.model import City
from ckanext.urbanaudit.indicators import compute, report, schema, visibility
from ckanext.urbanaudit.indicators import search as indicator_search
from ckanext.urbanaudit.indicators.catalogue import CITY, NONE, Indicator, catalogue

# a well-formed data set id (UUID) or URL name: the only source references that reach the search
_DATASET_REF = re.compile(r"^[a-z0-9_-]{2,100}$")


def _public_datasets(fq: str, rows: int = 1000) -> list[dict]:
    """Public, active data sets matching ``fq``, searched as an anonymous visitor: no drafts, no deleted or
    private data sets, whatever ``fq`` holds."""
    result = tk.get_action("package_search")(
        {"user": "", "auth_user_obj": None},
        {"fq": f"+({fq}) +state:active", "rows": rows, "include_private": False, "include_drafts": False,
         "include_deleted": False})
    return [p for p in result["results"] if not p.get("private") and p.get("state") == "active"]


def _city(value: Any) -> City:
    if value:
        city = City.get(str(value).strip())
        if city is None:
            raise tk.ValidationError({"city": [tk._("Unknown city: {name}").format(name=value)]})
        return city
    city = City.get(config.city())
    if city is None:
        raise tk.ObjectNotFound(tk._("The portal's city is not loaded yet: run `ckan urbanaudit city load`."))
    return city


def _entry(ind: Indicator, datasets: dict[str, dict]) -> dict[str, Any]:
    entry = ind.as_dict()
    ds = datasets.get(ind.code)
    entry["dataset"] = ({"name": ds["name"], "owner_org": ds.get("owner_org"), "private": ds.get("private")}
                        if ds else None)
    return entry


def _visible(seen: visibility.Visibility, code: str) -> Indicator:
    ind = seen.indicator(code)
    if ind is None:
        raise tk.ObjectNotFound(tk._("No indicator {code} in the catalogue.").format(code=code))
    return ind


@tk.side_effect_free
@validate(schema.indicator_list)
def urbanaudit_indicator_list(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Catalogue entries, filtered and counted by facet (``indicators/search.py``); facets combine.

    :param q: words to find in the code, Polish and English names, definition, unit or method (optional)
    :param standard: the edition, e.g. ``ISO 37120:2018`` (optional)
    :param theme: ISO 37120:2018 clause 5-23 (optional)
    :param availability: ``source`` (computed from the sources), ``city`` (needs the city's input) or ``none``
    :param source: where the values come from: ``bdl``, ``eurostat``, ``gios`` or ``city`` (optional)
    :param kind: core, supporting, profile, variable (optional)
    :param has_value: ``yes`` or ``no``: a value is stored for ``city``, or for any city when no city is given
    :param city: TERYT code or name of a city, for ``has_value`` (optional)
    :param limit, offset: paging (default 1000, 0)
    :returns: ``{count, results, facets: {theme, standard, availability, source, kind, has_value}}``; hidden
        indicators are neither listed nor counted
    """
    tk.check_access("urbanaudit_indicator_list", context, data_dict)
    limit, offset = data_dict["limit"], data_dict["offset"]
    seen = visibility.for_context(context)
    found = indicator_search.search(data_dict, seen.hidden, city=data_dict.get("city"))
    entries = found["entries"]
    return {"count": len(entries), "results": [_entry(i, seen.datasets) for i in entries[offset:offset + limit]],
            "facets": found["facets"]}


@tk.side_effect_free
@validate(schema.indicator_show)
def urbanaudit_indicator_show(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """One indicator with its values for a city and the city's peers: latest value, trend, scaled value,
    ranking, every value with source and flags, and the public data sets the values come from.

    :param id: the indicator code (``ISO37120:2018:8.1``) or its URL name (``iso37120-2018-8-1``)
    :param city: TERYT code or slug (default: the portal's city)
    """
    tk.check_access("urbanaudit_indicator_show", context, data_dict)
    code = str(data_dict.get("id") or data_dict.get("code") or "").strip()
    if not code:
        raise tk.ValidationError({"id": [tk._("Missing value")]})
    seen = visibility.for_context(context)
    ind = _visible(seen, code)
    city = _city(data_dict.get("city"))
    result = report.indicator_report(ind, city, seen.hidden)
    result["dataset"] = _entry(ind, seen.datasets)["dataset"]
    result["source_datasets"] = _source_datasets(result.pop("source_refs"))
    result["target"] = targets.for_indicator(ind, city)  # the city's target and the progress toward it
    return result


def _source_datasets(refs: list[str]) -> list[dict]:
    """The public data sets the values come from. ``source_ref`` is free text (anyone storing values sets it):
    only well-formed ids and names reach the search, quoted."""
    refs = sorted({str(r).strip() for r in refs if _DATASET_REF.match(str(r).strip())})[:200]
    if not refs:
        return []
    quoted = " OR ".join(solr_literal(r) for r in refs)
    found = _public_datasets(f"id:({quoted}) OR name:({quoted})", rows=200)
    return [{"id": p["id"], "name": p["name"], "title": p["title"],
             "organization": (p.get("organization") or {}).get("title"),
             "quality_score": p.get("quality_score"), "quality_band": p.get("quality_band"),
             "metadata_modified": p.get("metadata_modified")} for p in found]


@tk.side_effect_free
@validate(schema.city_show)
def urbanaudit_city_show(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """A city's dashboard: headline indicators per theme with trends against the previous period, scaled
    values against the peers, and the quality-of-life composite with its coverage.

    :param id: TERYT code or slug (default: the portal's city)
    :param targets: include the city's targets with their progress (default true; false leaves ``targets`` out)
    """
    tk.check_access("urbanaudit_city_show", context, data_dict)
    city = _city(data_dict.get("id") or data_dict.get("city"))
    hidden = visibility.hidden(context)
    dashboard = report.city_dashboard(city, hidden)
    if data_dict.get("targets", True):
        dashboard["targets"] = targets.for_city(city, hidden)
    return dashboard


@tk.side_effect_free
@validate(schema.gaps)
def urbanaudit_gaps(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Information gaps ("luki informacyjne") of a city: catalogue indicators with no source, needing the
    city's own data, or with stale or no values; per theme the public inventory data sets that could feed
    them; counts per owning department.

    :param city: TERYT code or slug (default: the portal's city)
    :param datasets: list the data sets that could feed each theme (default true)
    """
    tk.check_access("urbanaudit_gaps", context, data_dict)
    city = _city(data_dict.get("city"))
    cat = catalogue()
    seen = visibility.for_context(context)
    datasets = seen.datasets
    indicators = [i for i in cat.indicators if i.code not in seen.hidden and i.kind != "variable"]
    latest = report.latest_periods([i.code for i in indicators], city.teryt)
    orgs = {o.id: o for o in model.Session.query(model.Group).filter(model.Group.is_organization.is_(True))}
    rows, by_theme = [], defaultdict(list)
    for ind in indicators:
        period = latest.get(ind.code)
        if ind.availability == NONE:
            gap = "no_source"
        elif period is None:
            gap = "needs_city_data" if ind.availability == CITY else "no_values"
        elif report.is_stale(period):
            gap = "stale"
        else:
            continue
        ds = datasets.get(ind.code)
        org = orgs.get(ds.get("owner_org")) if ds else None
        row = {"code": ind.code, "name": ind.name, "standard": ind.standard, "theme": ind.theme, "kind": ind.kind,
               "gap": gap, "latest_period": period, "availability": ind.availability,
               "department": {"name": org.name, "title": org.title} if org else None}
        rows.append(row)
        by_theme[ind.theme or ""].append(row)
    feeding = defaultdict(list)
    for pkg in _public_datasets("+dataset_type:dataset") if data_dict["datasets"] else []:
        for clause in _themes_of(pkg):
            feeding[clause].append({"name": pkg["name"], "title": pkg["title"],
                                    "organization": (pkg.get("organization") or {}).get("title")})
    themes = [{"theme": clause, "name": cat.themes[clause], "gaps": len(by_theme.get(clause, [])),
               "datasets": sorted(feeding.get(clause, []), key=lambda d: d["title"])} for clause in cat.themes]
    departments = Counter((r["department"] or {}).get("title") or "" for r in rows)
    return {"city": city.as_dict(), "gaps": rows, "themes": themes,
            "counts": dict(Counter(r["gap"] for r in rows)),
            "departments": [{"department": k or None, "gaps": v} for k, v in sorted(departments.items())],
            "stale_after_years": report.stale_after_years()}


def _themes_of(pkg: dict) -> list[str]:
    return [str(v) for v in utils.json_list(pkg.get("iso37120_theme")) if v]


@validate(schema.indicator_compute)
def urbanaudit_indicator_compute(context: Context, data_dict: DataDict) -> dict[str, int]:
    """Recompute the derived indicators from the stored values (sysadmins; also run as a background job).

    :param city: TERYT codes or slugs, list or comma-separated (default: all cities)
    :param codes: indicator codes to compute (default: every derived indicator)
    :returns: counts of created, updated, unchanged and deleted computed values
    """
    tk.check_access("urbanaudit_indicator_compute", context, data_dict)
    cities = [_city(name).teryt for name in data_dict["city"]]
    codes = data_dict["codes"] or None
    unknown = [c for c in codes or [] if catalogue().get(c) is None]
    if unknown:
        raise tk.ValidationError({"codes": [tk._("Unknown indicator codes: {codes}").format(codes=", ".join(unknown))]})
    return compute.compute(cities or None, codes)
