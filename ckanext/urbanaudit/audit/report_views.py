"""Pages of the ISO 37120 report (public; drawn from ``urbanaudit_iso37120_report``, called as the visitor):

- ``/city/<teryt>/iso37120``: to the report of the city's latest year (``iso_report.latest_year``);
- ``/city/<teryt>/iso37120/<year>``: the report, grouped by the themes of ISO 37120:2014, with the level, the
  counts and how the level is computed; printable (``assets/iso_report.css``); ``?format=json`` gives the
  action's answer;
- ``/city/<teryt>/iso37120/<year>.xlsx``: the same as a spreadsheet (one row per indicator; a summary sheet).
"""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk
import flask
from werkzeug.wrappers import Response as BaseResponse

from ckanext.urbanaudit.audit import iso_report
from ckanext.urbanaudit.cities.model import City
from ckanext.urbanaudit.logic import pages
from ckanext.urbanaudit.utils import page_lang

report_pages = flask.Blueprint("urbanaudit_iso_report", __name__)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _report(teryt: str, year: str) -> Any:
    return pages.call("urbanaudit_iso37120_report", {"city": teryt, "year": year}, not_found=("city",))


@report_pages.route("/city/<teryt>/iso37120")
def latest(teryt: str) -> BaseResponse:
    place = City.get(teryt)
    if place is None:
        return tk.abort(404, tk._("Unknown city: {name}").format(name=teryt))
    return tk.redirect_to("urbanaudit_iso_report.page", teryt=place.teryt, year=iso_report.latest_year(place.teryt))


@report_pages.route("/city/<teryt>/iso37120/<year>")
def page(teryt: str, year: str) -> str | flask.Response:
    data = _report(teryt, year)
    if flask.request.args.get("format") == "json":
        return flask.jsonify(data)
    return tk.render("urbanaudit/audit/report.html", {
        "r": data, "lang": page_lang(), "how_computed": iso_report.how_computed()})


@report_pages.route("/city/<teryt>/iso37120/<year>.xlsx")
def xlsx(teryt: str, year: str) -> flask.Response:
    data = _report(teryt, year)
    filename = f"iso37120-{data['city']['teryt']}-{data['year']}.xlsx"
    return flask.Response(iso_report.workbook(data, page_lang()), mimetype=XLSX,
                          headers={"Content-Disposition": f'attachment; filename="{filename}"'})
