"""Pages of the city's targets and of its leadership:

- ``/indicator/<code>/target?city=...``: the analytic team's form setting (or deleting) the city's target for an
  indicator (GET the form, POST saves; anonymous callers are sent to the login page, others outside the team get
  403);
- ``/city/<teryt>/leadership``: the page for the city's leadership (public; ``?format=json`` gives the action's
  answer), printable on two pages (``assets/leadership.css``).

Both are drawn from the actions of ``target_actions.py``, called as the visitor.
"""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk
import flask
from werkzeug.wrappers import Response as BaseResponse

from ckanext.urbanaudit import config
from ckanext.urbanaudit.audit import team
from ckanext.urbanaudit.cities.model import City
from ckanext.urbanaudit.indicators.catalogue import catalogue
from ckanext.urbanaudit.logic import pages
from ckanext.urbanaudit.utils import page_lang, user_context

target_pages = flask.Blueprint("urbanaudit_targets", __name__)
FIELDS = ("target_value", "target_year", "baseline_value", "baseline_year", "policy_name", "policy_url")


def _call(action: str, data: dict) -> Any:
    return pages.call(action, data, not_found=("city", "indicator_code"))


def _form_value(value: Any) -> str:
    return "" if value is None else str(value)


def _save(place: City, code: str) -> tuple[BaseResponse | None, dict[str, Any]]:
    """Save (or delete) the target from the posted form: a redirect to the indicator page, or the errors."""
    form = flask.request.form
    key = {"city": place.teryt, "indicator_code": code}
    try:
        if form.get("delete"):
            tk.get_action("urbanaudit_target_delete")(user_context(), key)
            tk.h.flash_success(tk._("The target is deleted."))
        else:
            tk.get_action("urbanaudit_target_set")(user_context(), {**key, **{f: form.get(f, "") for f in FIELDS}})
            tk.h.flash_success(tk._("The target is saved."))
    except tk.ValidationError as e:
        return None, {k: [str(m) for m in (v if isinstance(v, list) else [v])] for k, v in e.error_dict.items()}
    except tk.ObjectNotFound as e:
        return None, {"target": [str(e.message or tk._("Not found"))]}
    return tk.redirect_to("urbanaudit_indicators.read", code=catalogue().get(code).slug, city=place.teryt), {}


@target_pages.route("/indicator/<code>/target", methods=["GET", "POST"])
def target_form(code: str) -> str | BaseResponse:
    if (login := pages.login_first()) is not None:
        return login
    if not team.is_analyst(tk.current_user.name):
        return tk.abort(403, tk._("Only the analytic team may set the city's targets."))
    place = City.get(flask.request.args.get("city") or config.city())
    if place is None:
        return tk.abort(404, tk._("Unknown city: {name}").format(name=flask.request.args.get("city") or ""))
    existing = _call("urbanaudit_target_list", {"city": place.teryt, "indicator_code": code})
    ind = catalogue().get(code)
    errors: dict[str, list[str]] = {}
    values = {f: _form_value(existing[0][f]) for f in FIELDS} if existing else dict.fromkeys(FIELDS, "")
    if flask.request.method == "POST":
        done, errors = _save(place, ind.code)
        if done is not None:
            return done
        values = {f: flask.request.form.get(f, "") for f in FIELDS}
    return tk.render("urbanaudit/audit/target_form.html", {
        "ind": ind.as_dict(), "city": place.as_dict(), "values": values, "errors": errors,
        "existing": existing[0] if existing else None, "lang": page_lang()})


@target_pages.route("/city/<teryt>/leadership")
def leadership(teryt: str) -> str | flask.Response:
    summary = _call("urbanaudit_leadership", {"city": teryt})
    if flask.request.args.get("format") == "json":
        return flask.jsonify(summary)
    return tk.render("urbanaudit/audit/leadership.html", {"s": summary, "lang": page_lang()})
