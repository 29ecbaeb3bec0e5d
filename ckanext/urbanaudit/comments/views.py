"""The comments' pages:

- ``POST /komentarze``: the comment form of a data set or indicator page (logged-in users; CSRF token; over
  the rate limit HTTP 429); back to the page with a message;
- ``POST /komentarze/<id>/moderacja``: approve or reject (the subject's moderators); back to the page or queue;
- ``/komentarze/moderacja``: the analytic team's queue of comments waiting for moderation.
"""
from __future__ import annotations

import ckan.plugins.toolkit as tk
import flask
from werkzeug.wrappers import Response as BaseResponse

from ckanext.urbanaudit.audit import team
from ckanext.urbanaudit.comments.model import INDICATOR, STATUSES
from ckanext.urbanaudit.comments.subjects import RateLimited
from ckanext.urbanaudit.logic import pages
from ckanext.urbanaudit.utils import user_context

comments = flask.Blueprint("urbanaudit_comments", __name__)


def subject_url(subject: dict | None) -> str:
    """The page of a comment's subject (the queue page when it is unknown)."""
    if not subject:
        return tk.h.url_for("urbanaudit_comments.queue")
    if subject["type"] == INDICATOR:
        return tk.h.url_for("urbanaudit_indicators.read", code=subject["name"]) + "#ua-comments"
    return tk.h.url_for(f"{subject.get('dataset_type') or 'dataset'}.read", id=subject["name"]) + "#ua-comments"


def _messages(error: tk.ValidationError) -> str:
    out = []
    for messages in error.error_dict.values():
        out.extend(str(m) for m in (messages if isinstance(messages, list) else [messages]))
    return " ".join(out)


@comments.route("/komentarze", methods=["POST"])
def create() -> BaseResponse:
    if (login := pages.login_first()) is not None:
        return login
    form = flask.request.form
    data = {"subject_type": form.get("subject_type", ""), "subject_id": form.get("subject_id", ""),
            "text": form.get("text", "")}
    try:
        result = tk.get_action("urbanaudit_comment_create")(user_context(), data)
    except RateLimited as error:
        return tk.abort(429, _messages(error))
    except tk.ValidationError as error:
        tk.h.flash_error(_messages(error))
        subject = pages.call("urbanaudit_comment_list", {**data, "limit": 1})["subject"]
        return tk.redirect_to(subject_url(subject))
    except tk.ObjectNotFound as error:
        return tk.abort(404, str(error.message or tk._("Not found")))
    except tk.NotAuthorized as error:
        return tk.abort(403, str(error.message or ""))
    if result["status"] == "approved":
        tk.h.flash_success(tk._("Thank you: your comment is published."))
    else:
        tk.h.flash_success(tk._("Thank you: your comment waits for moderation."))
    return tk.redirect_to(subject_url(result["subject"]))


@comments.route("/komentarze/<comment_id>/moderacja", methods=["POST"])
def moderate(comment_id: str) -> BaseResponse:
    if (login := pages.login_first()) is not None:
        return login
    decision = flask.request.form.get("decision", "")
    result = pages.call("urbanaudit_comment_moderate", {"id": comment_id, "decision": decision})
    if result["status"] == "approved":
        tk.h.flash_success(tk._("The comment is published."))
    else:
        tk.h.flash_success(tk._("The comment is rejected."))
    if flask.request.form.get("back") == "queue":
        return tk.redirect_to("urbanaudit_comments.queue")
    return tk.redirect_to(subject_url(result["subject"]))


@comments.route("/komentarze/moderacja")
def queue() -> str | BaseResponse:
    """The analytic team's queue (anonymous: to the login page; others: 403)."""
    if (login := pages.login_first()) is not None:
        return login
    if not team.is_analyst(tk.current_user.name):
        return tk.abort(403, tk._("Only the analytic team may see the moderation queue."))
    status = flask.request.args.get("status") or "pending"
    if status not in STATUSES:
        status = "pending"
    found = pages.call("urbanaudit_comment_list", {"status": status, "limit": 200})
    rows = [{**c, "url": subject_url(c["subject"])} for c in found["results"]]
    return tk.render("urbanaudit/comments/queue.html", {"rows": rows, "count": found["count"], "status": status,
                                                        "statuses": STATUSES})
