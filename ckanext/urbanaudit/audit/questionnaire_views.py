"""Pages of the departments in the yearly audit (logged-in users; anonymous callers are sent to the login page):

- ``/audit/<city>/<year>/questionnaire``: a department's steward picks one of the departments they may answer
  for (the analytic team: every department of the year), downloads its questionnaire (``questionnaire.xlsx``)
  and uploads it back; the page reports counts, errors per row and column, and the plausibility warnings to
  acknowledge;
- ``/audit/<city>/<year>/value/<code>``: the form of one indicator's value (numerator and denominator, or the
  value; unit, flags, source, comment) with the current submission's status, the review comment when returned,
  the warnings to acknowledge and the published values of the previous years.
"""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk
import flask
from ckan import model
from werkzeug.wrappers import Response as BaseResponse

from ckanext.urbanaudit.audit import campaign as audit_campaign
from ckanext.urbanaudit.audit import inputs as audit_inputs
from ckanext.urbanaudit.audit import plausibility, questionnaire
from ckanext.urbanaudit.audit.model import CampaignItem, Submission
from ckanext.urbanaudit.cities.model import City
from ckanext.urbanaudit.indicators import visibility
from ckanext.urbanaudit.logic import pages
from ckanext.urbanaudit.utils import page_lang, user_context

questionnaire_pages = flask.Blueprint("urbanaudit_audit_questionnaire", __name__)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORM_FLAGS = ("provisional", "estimated", "partial")


@questionnaire_pages.before_request
def logged_in_only() -> BaseResponse | None:
    return pages.login_first()


def _year(city: str, year: int) -> City:
    """The city of an open reporting year (404 otherwise)."""
    place = City.get(city)
    if place is None:
        return tk.abort(404, tk._("Unknown city: {city}").format(city=city))
    camp = audit_campaign.get_campaign(place, year)
    if camp is None or camp.status != "open":
        return tk.abort(404, tk._("The reporting year {year} of this city is not open.").format(year=year))
    return place


def _departments(place: City, year: int) -> list[model.Group]:
    """The departments of the year's items the visitor may answer for, by title."""
    camp = audit_campaign.get_campaign(place, year)
    ids = {dept for (dept,) in model.Session.query(CampaignItem.department_id)
           .filter_by(campaign_id=camp.id).distinct() if dept}
    user = tk.current_user.name
    groups = model.Session.query(model.Group).filter(model.Group.id.in_(ids), model.Group.state == "active").all()
    return sorted((g for g in groups if questionnaire.may_answer_for(user, g.id)), key=lambda g: g.title or g.name)


def _error_text(error: tk.ValidationError) -> str:
    out = []
    for messages in error.error_dict.values():
        out.extend(str(m) for m in (messages if isinstance(messages, list) else [messages]))
    return " ".join(out)


def _indicator_rows(place: City, year: int, department: model.Group) -> list[dict[str, Any]]:
    _, items = questionnaire.department_items(place, year, department.id)
    seen = visibility.for_context(user_context())
    codes = [code for code in items if not seen.is_hidden(code)]
    status = audit_campaign.statuses(place.teryt, str(year), codes)
    lang = page_lang()
    return [{"code": ind.code, "name": ind.label(lang), "status": status.get(ind.code, audit_campaign.MISSING),
             "due_date": items[ind.code].due_date, "ratio": audit_inputs.for_indicator(ind).ratio}
            for ind in questionnaire.ordered(codes)]


@questionnaire_pages.route("/audit/<city>/<int:year>/questionnaire", methods=["GET", "POST"])
def questionnaire_page(city: str, year: int) -> str:
    place = _year(city, year)
    departments = _departments(place, year)
    if not departments:
        return tk.abort(403, tk._("You answer for no department's indicators in this reporting year."))
    wanted = flask.request.values.get("department")
    chosen = next((d for d in departments if wanted in (d.id, d.name)), None) if wanted else departments[0]
    if chosen is None:
        return tk.abort(403, tk._("Only the department's editors and the analytic team may fill in the "
                                  "department's questionnaire."))
    report, error = None, None
    if flask.request.method == "POST":
        data = {"city": place.teryt, "year": year, "department": chosen.id, "upload": flask.request.files.get("upload"),
                "dry_run": "dry_run" in flask.request.form,
                "acknowledge_warnings": "acknowledge_warnings" in flask.request.form}
        try:
            report = tk.get_action("urbanaudit_questionnaire_import")(user_context(), data)
        except tk.ValidationError as exc:
            error = _error_text(exc)
        except tk.NotAuthorized as exc:
            return tk.abort(403, str(exc.message or ""))
    return tk.render("urbanaudit/audit/questionnaire_page.html", {
        "city": place, "year": year, "departments": departments, "department": chosen, "report": report,
        "error": error, "indicators": _indicator_rows(place, year, chosen)})


@questionnaire_pages.route("/audit/<city>/<int:year>/questionnaire.xlsx")
def questionnaire_xlsx(city: str, year: int) -> flask.Response:
    place = _year(city, year)
    department = model.Group.get(flask.request.args.get("department") or "")
    if department is None or not department.is_organization:
        return tk.abort(404, tk._("Department not found"))
    try:
        content = questionnaire.export_workbook(user_context(), place, year, department)
    except tk.NotAuthorized as exc:
        return tk.abort(403, str(exc.message or ""))
    filename = f"ankieta-{place.slug}-{year}-{department.name}.xlsx"
    return flask.Response(content, mimetype=XLSX, headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def _form_values(sub: Submission | None, unit: str) -> dict[str, Any]:
    if sub is None:
        return {"unit": unit, "flags": []}
    return {"numerator": sub.numerator, "denominator": sub.denominator, "value": sub.value, "unit": sub.unit or unit,
            "flags": list(sub.flags or []), "source_note": sub.source_note, "comment": sub.comment}


def _posted(spec: audit_inputs.Inputs) -> dict[str, Any]:
    form = flask.request.form
    data = {key: (form.get(key) or "").strip() or None for key in ("unit", "source_note", "comment")}
    data["flags"] = [f for f in form.getlist("flags") if f in FORM_FLAGS]
    for key in ("numerator", "denominator") if spec.ratio else ("value",):
        data[key] = (form.get(key) or "").strip() or None
    return data


@questionnaire_pages.route("/audit/<city>/<int:year>/value/<code>", methods=["GET", "POST"])
def value_form(city: str, year: int, code: str) -> str | BaseResponse:
    place = _year(city, year)
    ind = visibility.for_context(user_context()).indicator(code)
    if ind is None:
        return tk.abort(404, tk._("No indicator {code} in the catalogue.").format(code=code))
    try:
        tk.check_access("urbanaudit_value_submit", user_context(), {"city": place.teryt, "indicator_code": ind.code})
    except tk.NotAuthorized as exc:
        return tk.abort(403, str(exc.message or ""))
    spec = audit_inputs.for_indicator(ind)
    sub = model.Session.query(Submission).filter_by(city_teryt=place.teryt, indicator_code=ind.code,
                                                    period=str(year)).first()
    values, errors, warnings = _form_values(sub, ind.unit), {}, []
    if flask.request.method == "POST":
        values = _posted(spec)
        data = {**values, "city": place.teryt, "indicator_code": ind.code, "period": str(year),
                "acknowledge_warnings": "acknowledge_warnings" in flask.request.form}
        try:
            tk.get_action("urbanaudit_value_submit")(user_context(), data)
        except tk.ValidationError as exc:
            warnings = list(exc.error_dict.pop("warnings", []))
            exc.error_dict.pop("acknowledge", None)
            errors = {key: " ".join(str(m) for m in (msgs if isinstance(msgs, list) else [msgs]))
                      for key, msgs in exc.error_dict.items()}
        else:
            tk.h.flash_success(tk._("The value was submitted for review."))
            return tk.redirect_to("urbanaudit_audit_questionnaire.value_form", city=place.slug, year=year,
                                  code=ind.code)
    lang = page_lang()
    return tk.render("urbanaudit/audit/value_form.html", {
        "city": place, "year": year, "indicator": ind, "name": ind.label(lang),
        "definition": ind.definition.get(lang) or ind.definition.get("pl") or "",
        "inputs": spec, "lang": lang, "submission": sub.as_dict() if sub else None,
        "submission_warnings": [plausibility.describe(w) for w in (sub.warnings or [])] if sub else [],
        "values": values, "errors": errors, "warnings": warnings, "flags": FORM_FLAGS,
        "published": sorted(questionnaire.published(place, ind.code, year).items()),
        "department": model.Group.get(audit_campaign.department_for(place, ind.code) or "")})
