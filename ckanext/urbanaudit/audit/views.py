"""The analytic team's pages of the yearly audit (team only: anonymous callers are sent to the login page,
everyone else outside the team gets 403):

- ``/audit``: the cities, their reporting years, and the form opening a year;
- ``/audit/<city>/<year>``: where the year stands (totals, per department, per indicator; filters), who to
  remind, and the button sending the reminders when SMTP is configured;
- ``/audit/<city>/<year>/review``: the queue of submitted values, approved or returned (four eyes);
- ``/audit/submission/<id>``: one value with its whole history;
- ``/audit/<city>/assignments``: who answers for what, set in bulk from a CSV/XLSX file; ``.csv`` download.

Each page is drawn from the audit's actions (``audit/actions.py``), called as the visitor.
"""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk
import flask
from ckan import model
from werkzeug.wrappers import Response as BaseResponse

from ckanext.urbanaudit import config
from ckanext.urbanaudit.audit import assignment_file, plausibility, reminders, team
from ckanext.urbanaudit.audit.campaign import ALWAYS, EDITIONS, MISSING, OVERDUE
from ckanext.urbanaudit.audit.helpers import urbanaudit_audit_questionnaire_url
from ckanext.urbanaudit.audit.model import APPROVED, RETURNED, SUBMITTED
from ckanext.urbanaudit.cities.model import City
from ckanext.urbanaudit.indicators.catalogue import catalogue
from ckanext.urbanaudit.logic import pages
from ckanext.urbanaudit.utils import page_lang, user_context

team_pages = flask.Blueprint("urbanaudit_audit_team", __name__)
OPTIONAL_EDITIONS = [e for e in EDITIONS if e != ALWAYS]
STATUS_FILTERS = (APPROVED, SUBMITTED, RETURNED, MISSING, OVERDUE)


@team_pages.before_request
def team_only() -> BaseResponse | None:
    """Anonymous: to the login page (as CKAN's dashboard does); logged in outside the team: 403."""
    if (login := pages.login_first()) is not None:
        return login
    if not team.is_analyst(tk.current_user.name):
        return tk.abort(403, tk._("Only the analytic team may see the audit pages."))
    return None


def _call(action: str, data: dict) -> Any:
    return pages.call(action, data)


def _city(city: str) -> City:
    place = City.get(city)
    if place is None:
        return tk.abort(404, tk._("Unknown city: {city}").format(city=city))
    return place


def _messages(error: tk.ValidationError) -> str:
    out = []
    for messages in error.error_dict.values():
        items = messages if isinstance(messages, list) else [messages]
        out.extend(str(m) for m in items)
    return " ".join(out)


@team_pages.route("/audit", strict_slashes=False)
def index() -> str:
    cities = _call("urbanaudit_city_list", {})
    for place in cities:
        place["campaigns"] = _call("urbanaudit_campaign_list", {"city": place["teryt"]})
    return tk.render("urbanaudit/audit/team_index.html", {
        "cities": cities, "editions": OPTIONAL_EDITIONS, "default_year": flask.request.args.get("year", "")})


@team_pages.route("/audit/open", methods=["POST"])
def open_year() -> BaseResponse:
    form = flask.request.form
    data = {"city": form.get("city", ""), "year": form.get("year", ""), "editions": form.getlist("editions")}
    try:
        result = tk.get_action("urbanaudit_campaign_open")(user_context(), data)
    except tk.ValidationError as e:
        tk.h.flash_error(_messages(e))
        return tk.redirect_to("urbanaudit_audit_team.index")
    place = City.get(result["campaign"]["city"])
    tk.h.flash_success(tk._("The reporting year {year} is open: {count} indicators expected.").format(
        year=result["campaign"]["year"], count=result["totals"].get("expected", 0)))
    return tk.redirect_to("urbanaudit_audit_team.progress_page", city=place.slug, year=result["campaign"]["year"])


def _filtered(items: list[dict], department: str | None, status: str | None) -> list[dict]:
    if department:
        items = [i for i in items if (i["department_id"] or "") == department]
    if status == OVERDUE:
        items = [i for i in items if i["overdue"]]
    elif status:
        items = [i for i in items if i["status"] == status]
    return items


@team_pages.route("/audit/<city>/<int:year>")
def progress_page(city: str, year: int) -> str:
    place = _city(city)
    progress = _call("urbanaudit_campaign_show", {"city": place.teryt, "year": year})
    department = flask.request.args.get("department") or None
    status = flask.request.args.get("status") or None
    if status not in STATUS_FILTERS:
        status = None
    return tk.render("urbanaudit/audit/team_progress.html", {
        "city": place, "year": year, "progress": progress, "lang": page_lang(),
        "items": _filtered(progress["items"], department, status),
        "filters": {"department": department, "status": status}, "statuses": STATUS_FILTERS,
        "remind": reminders.plan(progress), "smtp": reminders.smtp_configured(),
        "questionnaire_url": urbanaudit_audit_questionnaire_url(place.slug, year)})


@team_pages.route("/audit/<city>/<int:year>/remind", methods=["POST"])
def remind(city: str, year: int) -> BaseResponse:
    place = _city(city)
    progress = _call("urbanaudit_campaign_show", {"city": place.teryt, "year": year})
    if not reminders.smtp_configured():
        tk.h.flash_error(tk._("No mail server is configured: reminders cannot be sent."))
        return tk.redirect_to("urbanaudit_audit_team.progress_page", city=place.slug, year=year)
    report = reminders.send(progress, place.name, reminders.questionnaire_link(place.slug, year))
    tk.h.flash_success(tk._("Reminders sent: {sent}; nobody with an address for: {unreachable}; failed: {failed}.")
                       .format(sent=len(report["sent"]), unreachable=len(report["unreachable"]),
                               failed=len(report["failed"])))
    return tk.redirect_to("urbanaudit_audit_team.progress_page", city=place.slug, year=year)


def _user_names(ids: set[str | None]) -> dict[str, str]:
    names = {}
    for uid in filter(None, ids):
        user = model.User.get(uid)
        names[uid] = (f"{user.fullname} ({user.name})" if user.fullname else user.name) if user else uid
    return names


def _review_rows(place: City, year: int, subs: list[dict]) -> list[dict]:
    cat = catalogue()
    me = team.user_id(tk.current_user.name)
    names = _user_names({s["submitted_by"] for s in subs} | {s["reviewed_by"] for s in subs if s["reviewed_by"]})
    rows = []
    for sub in subs:
        ind = cat.get(sub["indicator_code"])
        previous = plausibility.previous_value(place.teryt, ind, str(year)) if ind else None
        rows.append({**sub, "indicator": ind, "previous": previous, "own": sub["submitted_by"] == me,
                     "submitter": names.get(sub["submitted_by"]), "reviewer": names.get(sub["reviewed_by"])})
    return rows


@team_pages.route("/audit/<city>/<int:year>/review")
def review_page(city: str, year: int) -> str:
    place = _city(city)
    status = flask.request.args.get("status") or SUBMITTED
    data = {"city": place.teryt, "period": year}
    if status in (SUBMITTED, RETURNED, APPROVED):
        data["status"] = status
    subs = _call("urbanaudit_submission_list", data)
    return tk.render("urbanaudit/audit/team_review.html", {
        "city": place, "year": year, "status": status, "rows": _review_rows(place, year, subs), "lang": page_lang()})


@team_pages.route("/audit/submission/<int:id>/review", methods=["POST"])
def review_value(id: int) -> BaseResponse:
    sub = _call("urbanaudit_submission_show", {"id": id})
    place = City.get(sub["city"])
    form = flask.request.form
    decision = form.get("decision", "")
    data = {"id": id, "decision": decision, "comment": form.get("comment") or None,
            "acknowledge_warnings": form.get("acknowledge_warnings") or False}
    try:
        tk.get_action("urbanaudit_value_review")(user_context(), data)
    except (tk.ValidationError, tk.NotAuthorized) as e:
        message = _messages(e) if isinstance(e, tk.ValidationError) else str(e.message or e)
        tk.h.flash_error(f"{sub['indicator_code']}: {message}")
    else:
        done = tk._("approved") if decision == "approve" else tk._("returned")
        tk.h.flash_success(tk._("{code}: the value is {done}.").format(code=sub["indicator_code"], done=done))
    return tk.redirect_to("urbanaudit_audit_team.review_page", city=place.slug, year=int(sub["period"]))


@team_pages.route("/audit/submission/<int:id>")
def submission(id: int) -> str:
    sub = _call("urbanaudit_submission_show", {"id": id})
    place = City.get(sub["city"])
    names = _user_names({e["user_id"] for e in sub["history"]} | {sub["submitted_by"]})
    return tk.render("urbanaudit/audit/team_submission.html", {
        "sub": sub, "city": place, "indicator": catalogue().get(sub["indicator_code"]), "names": names,
        "lang": page_lang(), "own": sub["submitted_by"] == team.user_id(tk.current_user.name)})


def _assignment_page(place: City, errors: list[dict] | None = None, error: str | None = None,
                     result: dict | None = None, status: int = 200) -> tuple[str, int]:
    table = assignment_file.with_names(_call("urbanaudit_assignment_list", {"city": place.teryt}))
    cat = catalogue()
    for row in table:
        ind = cat.get(row["indicator_code"])
        row["name"] = ind.name if ind else {}
    return tk.render("urbanaudit/audit/team_assignments.html", {
        "city": place, "table": table, "errors": errors or [], "error": error, "result": result,
        "columns": assignment_file.COLUMNS, "lang": page_lang(),
        "max_mb": f"{config.inventory_max_upload_bytes() / 2**20:g}"}), status


@team_pages.route("/audit/<city>/assignments", methods=["GET", "POST"])
def assignments(city: str) -> tuple[str, int]:
    place = _city(city)
    if flask.request.method == "GET":
        return _assignment_page(place)
    upload = flask.request.files.get("upload")
    if upload is None or not upload.filename:
        return _assignment_page(place, error=tk._("Choose a CSV or XLSX file."), status=400)
    content = upload.read(config.inventory_max_upload_bytes() + 1)
    try:
        result = assignment_file.apply(user_context(), place.teryt, upload.filename, content)
    except assignment_file.FileError as e:
        return _assignment_page(place, errors=e.rows, error=None if e.rows else _messages(e), status=400)
    except tk.ValidationError as e:
        return _assignment_page(place, error=_messages(e), status=400)
    return _assignment_page(place, result=result)


@team_pages.route("/audit/<city>/assignments.csv")
def assignments_csv(city: str) -> flask.Response:
    place = _city(city)
    table = _call("urbanaudit_assignment_list", {"city": place.teryt})
    return flask.Response(assignment_file.to_csv(table), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="odpowiedzialnosc-{place.slug}.csv"'})
