"""Pages of residents' data requests:

- ``/prosby-o-dane``: the public list, filtered by status;
- ``/prosby-o-dane/nowa``: the form "Ask for data" (logged-in users; anonymous visitors when configured);
- ``/prosby-o-dane/<id>``: one request — status, answer or refusal, public history; for the analytic team also the
  contact e-mail, the whole history and the moderation form (``POST /prosby-o-dane/<id>/moderacja``).

Filing is guarded here for the form and for the Action API's ``urbanaudit_data_request_create`` alike: a CSRF token
for callers without an API token, anonymous ones included (CKAN itself checks only logged-in sessions), and the
rate limit (``ckanext.urbanaudit.requests.rate_limit``): over the limit the answer is HTTP 429.
"""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk
import flask
from ckan import model
from werkzeug.wrappers import Response as BaseResponse

from ckanext.urbanaudit import config
from ckanext.urbanaudit.audit import team
from ckanext.urbanaudit.cities.model import City
from ckanext.urbanaudit.indicators.catalogue import catalogue
from ckanext.urbanaudit.logic import pages, ratelimit
from ckanext.urbanaudit.requests.model import REFUSAL_REASONS, STATUSES
from ckanext.urbanaudit.requests.schema import MAX_PURPOSE, MAX_TITLE
from ckanext.urbanaudit.utils import page_lang, user_context

requests_pages = flask.Blueprint("urbanaudit_requests", __name__)
PAGE_SIZE = 20
CREATE = "urbanaudit_data_request_create"
FORM_FIELDS = ("title", "purpose", "contact_email", "indicator_code", "theme")


def _filing() -> bool:
    """This request files a data request: the form's POST or the Action API's create."""
    if flask.request.method != "POST":
        return False
    if flask.request.endpoint == "urbanaudit_requests.new":
        return True
    return flask.request.endpoint == "api.action" and (flask.request.view_args or {}).get("logic_function") == CREATE


def _check_csrf() -> None:
    """CKAN leaves a request without a session user (an anonymous visitor) out of its CSRF check, as if it came with
    an API token; filing is open to anonymous visitors, so their POST needs the form's token too (400 without).
    Checked before the rate limit, so a forged POST uses up nobody's limit. API-token callers stay exempt."""
    if not flask.current_app.config.get("WTF_CSRF_ENABLED"):
        return
    if flask.g.get("login_via_auth_header") and tk.current_user.is_authenticated:
        return
    flask.current_app.extensions["csrf"].protect()


@requests_pages.before_app_request
def rate_limit() -> BaseResponse | None:
    """A filing needs the CSRF token (``_check_csrf``); at most ``limit`` filings per window per user (or address,
    for anonymous visitors), then 429."""
    if not _filing():
        return None
    _check_csrf()
    try:  # a caller who may not file is refused by the page or the API, without using up a limit
        tk.check_access(CREATE, user_context(), {})
    except tk.NotAuthorized:
        return None
    limit, window = config.requests_rate_limit()
    user_id = tk.current_user.id if tk.current_user.is_authenticated else None
    if ratelimit.allow("data_request", ratelimit.client_key(user_id), limit, window):
        return None
    message = tk._("Too many data requests from you: at most {n} in {minutes} minutes. Please try again later.").format(
        n=limit, minutes=max(1, window // 60))
    if flask.request.endpoint == "api.action":
        response = flask.jsonify({"success": False, "error": {"__type": "Rate limit", "message": message}})
    else:
        response = flask.make_response(tk.render("urbanaudit/requests/limit.html", {"message": message}))
    response.status_code = 429
    response.headers["Retry-After"] = str(window)
    return response


def labels() -> dict[str, dict[str, str]]:
    return {
        "status": {"new": tk._("new"), "under_review": tk._("under review"), "answered": tk._("answered"),
                   "refused": tk._("refused")},
        "reason": {"personal_data": tk._("personal data"), "not_held": tk._("the city does not hold these data"),
                   "other": tk._("other reason")},
    }


def _named(req: dict[str, Any]) -> dict[str, Any]:
    """The request with the names of its city, indicator and theme in the page's language."""
    lang, cat = page_lang(), catalogue()
    ind = cat.get(req["indicator_code"]) if req.get("indicator_code") else None
    city = model.Session.get(City, req["city"])
    return {**req, "city_name": city.name if city else req["city"],
            "indicator_name": ind.label(lang) if ind else None,
            "theme_name": cat.theme_label(req["theme"], lang) if req.get("theme") else None}


def _themes() -> list[tuple[str, str]]:
    cat, lang = catalogue(), page_lang()
    return [(clause, cat.theme_label(clause, lang)) for clause in cat.themes]


def _errors(error: tk.ValidationError) -> dict[str, str]:
    out = {}
    for key, messages in error.error_dict.items():
        items = messages if isinstance(messages, list) else [messages]
        out[key] = " ".join(str(m) for m in items)
    return out


@requests_pages.route("/prosby-o-dane", strict_slashes=False)
def index() -> str:
    status = flask.request.args.get("status") or None
    if status not in STATUSES:
        status = None
    try:
        page_no = max(1, int(flask.request.args.get("page", 1)))
    except ValueError:
        page_no = 1
    found = pages.call("urbanaudit_data_request_list", {"status": status, "limit": PAGE_SIZE,
                                                        "offset": (page_no - 1) * PAGE_SIZE})
    return tk.render("urbanaudit/requests/list.html", {
        "found": found, "requests": [_named(r) for r in found["results"]], "status": status,
        "statuses": STATUSES, "labels": labels(), "page_no": page_no,
        "pages": max(1, -(-found["count"] // PAGE_SIZE)),
        "may_file": config.requests_anonymous() or tk.current_user.is_authenticated})


@requests_pages.route("/prosby-o-dane/nowa", methods=["GET", "POST"])
def new() -> str | BaseResponse:
    if not config.requests_anonymous() and (login := pages.login_first()) is not None:
        return login
    form = {k: flask.request.form.get(k, "") for k in FORM_FIELDS}
    errors: dict[str, str] = {}
    if flask.request.method == "POST":
        try:
            created = tk.get_action(CREATE)(user_context(), {**form, "city": None})
        except tk.ValidationError as e:
            errors = _errors(e)
        except tk.NotAuthorized as e:
            return tk.abort(403, str(e.message or ""))
        else:
            tk.h.flash_success(tk._("Thank you: your request has been filed. Its status is shown on this page."))
            return tk.redirect_to("urbanaudit_requests.read", request_id=created["id"])
    return tk.render("urbanaudit/requests/form.html", {
        "form": form, "errors": errors, "themes": _themes(), "max_title": MAX_TITLE, "max_purpose": MAX_PURPOSE,
        "anonymous": not tk.current_user.is_authenticated})


@requests_pages.route("/prosby-o-dane/<int:request_id>")
def read(request_id: int) -> str:
    req = _named(pages.call("urbanaudit_data_request_show", {"id": request_id}))
    analyst = tk.current_user.is_authenticated and team.is_analyst(tk.current_user.name)
    names = {}
    if analyst:
        ids = {e.get("user_id") for e in req["history"]} | {req.get("created_by")}
        names = {u.id: u.name for u in model.Session.query(model.User).filter(model.User.id.in_(ids - {None}))}
    return tk.render("urbanaudit/requests/read.html", {
        "req": req, "labels": labels(), "analyst": analyst, "names": names, "statuses": STATUSES,
        "reasons": REFUSAL_REASONS, "errors": {}})


def _dataset_name(value: str) -> str:
    """A data set named by its name, id or address (…/dataset/<name>)."""
    value = value.strip()
    if "/dataset/" in value:
        value = value.split("/dataset/", 1)[1].split("?", 1)[0].strip("/").split("/", 1)[0]
    return value


@requests_pages.route("/prosby-o-dane/<int:request_id>/moderacja", methods=["POST"])
def moderate(request_id: int) -> BaseResponse:
    if (login := pages.login_first()) is not None:
        return login
    form = flask.request.form
    data = {"id": request_id, "status": form.get("status", ""),
            "answer_dataset": _dataset_name(form.get("answer_dataset", "")),
            "refusal_reason": form.get("refusal_reason", ""), "refusal_text": form.get("refusal_text", ""),
            "comment": form.get("comment", "")}
    try:
        result = tk.get_action("urbanaudit_data_request_update")(user_context(), data)
    except tk.NotAuthorized as e:
        return tk.abort(403, str(e.message or ""))
    except tk.ObjectNotFound as e:
        return tk.abort(404, str(e.message or ""))
    except tk.ValidationError as e:
        tk.h.flash_error(" ".join(_errors(e).values()))
    else:
        if result["result"] == "updated":
            tk.h.flash_success(tk._("Saved: the request's status is now \"{status}\".").format(
                status=labels()["status"][result["status"]]))
    return tk.redirect_to("urbanaudit_requests.read", request_id=request_id)
