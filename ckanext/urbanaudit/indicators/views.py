"""Pages of the indicators: catalogue /indicator, indicator /indicator/<code>, city dashboard /city/<teryt>,
information gaps /gaps. Every page is drawn from the same action the API offers (shown on the page), and
offers its data as CSV and JSON (``?format=csv`` / ``?format=json``).

These routes are registered before CKAN's dataset-type routes, so /indicator/<code> is this page, not the
generic dataset page of the ``indicator`` dataset type (its edit form stays at /indicator/edit/<name>).
"""
from __future__ import annotations

import csv
import io
import json
from typing import Any

import ckan.plugins.toolkit as tk
import flask
from ckan.lib.helpers import Page
from werkzeug.wrappers import Response as BaseResponse

from ckanext.urbanaudit import config as ua_config
from ckanext.urbanaudit.indicators import qol, visibility
from ckanext.urbanaudit.indicators.catalogue import catalogue, city_points
from ckanext.urbanaudit.inventory import search as inventory_search
from ckanext.urbanaudit.logic import pages
from ckanext.urbanaudit.requests.queries import asked_for
from ckanext.urbanaudit.utils import page_lang, spreadsheet_safe, user_context

indicators = flask.Blueprint("urbanaudit_indicators", __name__)


def _csv(rows: list[list[Any]], filename: str) -> flask.Response:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerows([spreadsheet_safe(cell) for cell in row] for row in rows)
    return flask.Response("\ufeff" + buffer.getvalue(), mimetype="text/csv",
                          headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def _json(data: Any, filename: str) -> flask.Response:
    return flask.Response(json.dumps(data, ensure_ascii=False, indent=1), mimetype="application/json",
                          headers={"Content-Disposition": f'inline; filename="{filename}"'})


def _api_url(action: str, params: dict[str, Any]) -> str:
    query = "&".join(f"{k}={v}" for k, v in params.items() if v)
    return tk.h.url_for("api.action", logic_function=action, ver=3, _external=True) + (f"?{query}" if query else "")


def _call(action: str, data: dict) -> Any:
    return pages.call(action, data)


FILTERS = ("q", "standard", "theme", "availability", "source", "kind", "has_value", "city")
PAGE_SIZE = 50


@indicators.route("/indicator", strict_slashes=False)
def catalogue_page() -> str | flask.Response:
    """The catalogue's own search (``indicators/search.py``); the CSV and JSON downloads hold every match."""
    args = flask.request.args
    data: dict[str, Any] = {k: args.get(k) for k in FILTERS if args.get(k)}
    fmt = args.get("format")
    page = tk.h.get_page_number(args) if fmt not in ("json", "csv") else 1
    paged = {} if fmt in ("json", "csv") else {"limit": PAGE_SIZE, "offset": (page - 1) * PAGE_SIZE}
    result = _call("urbanaudit_indicator_list", {**data, **paged})
    if fmt == "json":
        return _json(result, "indicators.json")
    if fmt == "csv":
        rows = [["code", "standard", "theme", "kind", "name_pl", "name_en", "unit", "polarity", "availability"]]
        rows += [[i["code"], i["standard"], i["theme"] or "", i["kind"], i["name"].get("pl", ""),
                  i["name"].get("en", ""), i["unit"], i["polarity"], i["availability"]] for i in result["results"]]
        return _csv(rows, "indicators.csv")
    pager = Page(collection=result["results"], page=page, items_per_page=PAGE_SIZE, item_count=result["count"],
                 presliced_list=True,
                 url=lambda **kw: tk.h.url_for("urbanaudit_indicators.catalogue_page", **data, **kw))
    return tk.render("urbanaudit/indicators/catalogue.html", {
        "result": result, "filters": data, "lang": page_lang(), "themes": catalogue().themes, "pager": pager,
        "cities": _cities(), "datasets_matching": inventory_search.datasets_matching(data.get("q")),
        "api_url": _api_url("urbanaudit_indicator_list", data)})


@indicators.route("/indicator/<code>")
def read(code: str) -> str | flask.Response:
    city = flask.request.args.get("city") or None
    report = _call("urbanaudit_indicator_show", {"id": code, "city": city})
    fmt = flask.request.args.get("format")
    slug = report["indicator"]["slug"]
    if fmt == "json":
        return _json(report, f"{slug}.json")
    if fmt == "csv":
        rows = [["indicator_code", "city_teryt", "city", "period", "value", "unit", "source", "source_ref",
                 "flags", "method", "inputs", "computed_at"]]
        for entry in report["cities"]:
            for v in entry["series"]:
                rows.append([v["indicator_code"], entry["city"]["teryt"], entry["city"]["name"], v["period"],
                             "" if v["value"] is None else v["value"], v["unit"] or "", v["source"],
                             v["source_ref"] or "", " ".join(v["flags"]), v["method"] or "",
                             json.dumps(v["inputs"], ensure_ascii=False) if v["inputs"] else "", v["computed_at"]])
        return _csv(rows, f"{slug}.csv")
    chart = {
        # "city" (TERYT) keys one colour per city across the charts: the page's cities in order, its own city first
        "cities": [e["city"]["teryt"] for e in report["cities"]],
        "trend": [{"label": e["city"]["name"], "city": e["city"]["teryt"],
                   "points": [{"x": v["period"], "y": v["value"]} for v in e["series"] if v["value"] is not None]}
                  for e in report["cities"]],
        "ranking": [{"label": r["city"]["name"], "city": r["city"]["teryt"], "value": r["value"]}
                    for r in report["ranking"]],
        "others": any(not (r["home"] or r["peer"]) for r in report["ranking"]),
        "unit": report["indicator"]["unit"],
        "points": [p for e in report["cities"]
                   if (p := _city_point(e["city"]["teryt"], e["city"]["name"], e["latest"]))],
    }
    return tk.render("urbanaudit/indicators/read.html", {
        "report": report, "ind": report["indicator"], "lang": page_lang(),
        "chart": json.dumps(chart, ensure_ascii=False).replace("</", "<\\/"),
        "cities": _cities(),
        "api_url": _api_url("urbanaudit_indicator_show", {"id": report["indicator"]["code"], "city": city}),
        "values_api_url": _api_url("urbanaudit_indicator_values", {
            "indicator_code": report["indicator"]["code"],
            "city": ",".join(e["city"]["teryt"] for e in report["cities"])}),
        "map_tiles": ua_config.map_tiles_url(),
    })


def _cities() -> list[dict]:
    return tk.get_action("urbanaudit_city_list")(user_context(), {})


def _city_point(teryt: str, name: str, latest: dict | None) -> dict | None:
    point = city_points().get(teryt)
    if not point:
        return None
    return {"name": name, "city": teryt, "lat": point[0], "lon": point[1], "value": latest["value"] if latest else None,
            "period": latest["period"] if latest else None}


@indicators.route("/city", strict_slashes=False)
def city_home() -> BaseResponse:
    return flask.redirect(tk.h.url_for("urbanaudit_indicators.city", teryt=ua_config.city()))


@indicators.route("/city/<teryt>")
def city(teryt: str) -> str | flask.Response:
    dashboard = _call("urbanaudit_city_show", {"id": teryt})
    if flask.request.args.get("format") == "json":
        return _json(dashboard, f"city-{dashboard['city']['teryt']}.json")
    if flask.request.args.get("format") == "csv":
        rows = [["theme", "indicator_code", "period", "value", "unit", "scaled", "trend", "source", "flags"]]
        for theme in dashboard["themes"]:
            for e in theme["indicators"]:
                rows.append([theme["theme"], e["indicator"]["code"], e["latest"]["period"], e["latest"]["value"],
                             e["indicator"]["unit"], "" if e["scaled"] is None else e["scaled"],
                             (e["trend"] or {}).get("direction", ""), e["latest"]["source"],
                             " ".join(e["latest"]["flags"])])
        return _csv(rows, f"city-{dashboard['city']['teryt']}.csv")
    return tk.render("urbanaudit/indicators/city.html", {
        "d": dashboard, "lang": page_lang(), "cities": _cities(),
        "api_url": _api_url("urbanaudit_city_show", {"id": dashboard["city"]["teryt"]})})


@indicators.route("/gaps")
def gaps() -> str | flask.Response:
    city_name = flask.request.args.get("city") or None
    report = _call("urbanaudit_gaps", {"city": city_name})
    fmt = flask.request.args.get("format")
    if fmt == "json":
        return _json(report, "gaps.json")
    if fmt == "csv":
        rows = [["code", "standard", "theme", "kind", "name_pl", "name_en", "gap", "latest_period", "department"]]
        rows += [[g["code"], g["standard"], g["theme"] or "", g["kind"], g["name"].get("pl", ""),
                  g["name"].get("en", ""), g["gap"], g["latest_period"] or "",
                  (g["department"] or {}).get("title", "")] for g in report["gaps"]]
        return _csv(rows, "luki-informacyjne.csv")
    return tk.render("urbanaudit/indicators/gaps.html", {
        "r": report, "lang": page_lang(), "asked": asked_for(report["city"]["teryt"], user_context()),
        "api_url": _api_url("urbanaudit_gaps", {"city": city_name})})


@indicators.route("/metodologia")
def methodology() -> str:
    """How the scaled values and the quality-of-life composite are made (rules and figures: indicators/qol.py)."""
    data = qol.methodology(visibility.hidden(user_context()))
    return tk.render("urbanaudit/indicators/methodology.html", {"m": data, "lang": page_lang()})
