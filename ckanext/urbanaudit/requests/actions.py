"""Actions of residents' data requests: filing one, the public list and page, and the analytic team's moderation
(status, answer with a published data set, refusal with a reason). The contact e-mail and who filed or changed a
request are seen by the team only (and the e-mail by its logged-in author); everyone else gets the public parts.

The rate limit of filing (``ckanext.urbanaudit.requests.rate_limit``) is kept by the HTTP layer (``views.py``),
for the form and the Action API alike, so it answers 429.
"""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk
from ckan import model
from ckan.logic import validate
from ckan.types import Context, DataDict

from ckanext.urbanaudit.audit import team
from ckanext.urbanaudit.indicators import visibility
from ckanext.urbanaudit.requests import schema
from ckanext.urbanaudit.requests.model import (
    ANSWERED,
    CREATED,
    EDITED,
    NEW,
    OTHER,
    REFUSED,
    STATUS,
    DataRequest,
    DataRequestEvent,
)
from ckanext.urbanaudit.requests.queries import public_dataset
from ckanext.urbanaudit.utils import utcnow

EDITABLE = ("title", "purpose", "indicator_code", "theme")


def _commit(context: Context) -> None:
    if not context.get("defer_commit"):
        model.Session.commit()


def _indicator(context: Context, code: str | None) -> None:
    if code and visibility.for_context(context).indicator(code) is None:
        raise tk.ValidationError({"indicator_code": [tk._("No indicator {code} in the catalogue.").format(code=code)]})


def _get(request_id: int) -> DataRequest:
    req = model.Session.get(DataRequest, request_id)
    if req is None:
        raise tk.ObjectNotFound(tk._("No such data request."))
    return req


def _shown(context: Context, req: DataRequest, *, history: bool) -> dict[str, Any]:
    """The request as the caller may see it."""
    user = context.get("user")
    analyst = team.is_analyst(user)
    data = {**req.public_dict(), "answer_dataset": public_dataset(req.answer_dataset_id)}
    if analyst or (req.created_by and req.created_by == team.user_id(user)):
        data["contact_email"] = req.contact_email
    if analyst:
        data["created_by"] = req.created_by
    if history:
        events = (model.Session.query(DataRequestEvent).filter_by(request_id=req.id)
                  .order_by(DataRequestEvent.at, DataRequestEvent.id))
        data["history"] = [e.team_dict() if analyst else e.public_dict() for e in events]
    return data


@validate(schema.data_request_create)
def urbanaudit_data_request_create(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """File a data request (status *new*). Logged-in users; anonymous visitors too when
    ``ckanext.urbanaudit.requests.anonymous`` is on. Over HTTP at most ``requests.rate_limit`` per caller.

    :param title: what data (at most 200 characters); :param purpose: what for (at most 2000)
    :param contact_email: optional, never shown publicly
    :param city: TERYT code or slug (default: the portal's city)
    :param indicator_code: optional catalogue code; :param theme: optional ISO 37120 clause (e.g. ``8``)
    """
    tk.check_access("urbanaudit_data_request_create", context, data_dict)
    _indicator(context, data_dict["indicator_code"])
    author = team.user_id(context.get("user"))
    now = utcnow()
    req = DataRequest(title=data_dict["title"], purpose=data_dict["purpose"],
                      contact_email=data_dict["contact_email"], city_teryt=data_dict["city"],
                      indicator_code=data_dict["indicator_code"], theme=data_dict["theme"], status=NEW,
                      created_by=author, created_at=now, updated_at=now)
    model.Session.add(req)
    model.Session.flush()
    model.Session.add(DataRequestEvent(request_id=req.id, at=now, user_id=author, action=CREATED, new_status=NEW))
    _commit(context)
    return _shown(context, req, history=True)


@tk.side_effect_free
@validate(schema.data_request_show)
def urbanaudit_data_request_show(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """One data request with its history (public: status changes and dates; the team: who and comments too)."""
    tk.check_access("urbanaudit_data_request_show", context, data_dict)
    return _shown(context, _get(data_dict["id"]), history=True)


@tk.side_effect_free
@validate(schema.data_request_list)
def urbanaudit_data_request_list(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Data requests, newest first.

    :param status: new, under_review, answered or refused; :param city, indicator_code, theme: filters
    :param limit: at most 100 (default 20); :param offset
    :returns: ``count`` and ``results``
    """
    tk.check_access("urbanaudit_data_request_list", context, data_dict)
    query = model.Session.query(DataRequest)
    for key, column in (("status", DataRequest.status), ("city", DataRequest.city_teryt),
                        ("indicator_code", DataRequest.indicator_code), ("theme", DataRequest.theme)):
        if data_dict.get(key):
            query = query.filter(column == data_dict[key])
    count = query.count()
    rows = (query.order_by(DataRequest.created_at.desc(), DataRequest.id.desc())
            .offset(data_dict["offset"]).limit(data_dict["limit"]).all())
    return {"count": count, "results": [_shown(context, r, history=False) for r in rows]}


def _edit(context: Context, req: DataRequest, data_dict: DataDict) -> list[str]:
    changed = []
    for key in EDITABLE:
        if key in data_dict and data_dict[key] != getattr(req, key):
            if key == "indicator_code":
                _indicator(context, data_dict[key])
            setattr(req, key, data_dict[key])
            changed.append(key)
    return changed


def _decide(req: DataRequest, data_dict: DataDict) -> tuple[str, str | None, str | None, str | None]:
    """The new status with the answer's data set id and the refusal's reason and text (what the others clear)."""
    status = data_dict["status"] or req.status
    if status == ANSWERED:
        wanted = data_dict["answer_dataset"] or req.answer_dataset_id
        dataset = public_dataset(wanted)
        if dataset is None:
            raise tk.ValidationError({"answer_dataset": [tk._(
                "Answer with a published data set: give the name or id of a public data set of the catalogue.")]})
        return status, dataset["id"], None, None
    if status == REFUSED:
        reason = data_dict["refusal_reason"] or req.refusal_reason
        text = data_dict["refusal_text"] if data_dict["refusal_text"] is not None else req.refusal_text
        if not reason:
            raise tk.ValidationError({"refusal_reason": [tk._("Give the reason of the refusal.")]})
        if reason == OTHER and not text:
            raise tk.ValidationError({"refusal_text": [tk._("Explain the refusal in a few words.")]})
        return status, None, reason, text
    return status, None, None, None


@validate(schema.data_request_update)
def urbanaudit_data_request_update(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Moderate a data request (the analytic team): edit it, change its status, answer it with a published data
    set or refuse it with a reason. Every change is kept in its history.

    :param id; :param status: new, under_review, answered (needs :param answer_dataset:, a public data set's
        name or id) or refused (needs :param refusal_reason: personal_data, not_held or other — other with
        :param refusal_text:)
    :param title, purpose, indicator_code, theme: edits; :param comment: kept in the history (team only)
    :returns: the request with ``result``: updated or unchanged
    """
    tk.check_access("urbanaudit_data_request_update", context, data_dict)
    req = _get(data_dict["id"])
    author = team.user_id(context.get("user"))
    now = utcnow()
    edited = _edit(context, req, data_dict)
    old = (req.status, req.answer_dataset_id, req.refusal_reason, req.refusal_text)
    new = _decide(req, data_dict)
    if edited:
        model.Session.add(DataRequestEvent(request_id=req.id, at=now, user_id=author, action=EDITED,
                                           old_status=req.status, new_status=req.status,
                                           comment=data_dict["comment"] if new == old else None))
    if new != old:
        model.Session.add(DataRequestEvent(request_id=req.id, at=now, user_id=author, action=STATUS,
                                           old_status=req.status, new_status=new[0], comment=data_dict["comment"]))
        req.status, req.answer_dataset_id, req.refusal_reason, req.refusal_text = new
    if edited or new != old:
        req.updated_at = now
    _commit(context)
    return {**_shown(context, req, history=True), "result": "updated" if edited or new != old else "unchanged"}
