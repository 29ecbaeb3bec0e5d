"""Actions of the comments: write one (logged-in users who may read the subject; rate-limited), list them
(approved ones for everyone who may read the subject; pending ones for its moderators and for their author),
and moderate (approve or reject). With moderation off (``ckanext.urbanaudit.comments.moderation = false``) a
comment is approved when written. Every new comment is mailed to the subject's steward (``notify.py``)."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk
import sqlalchemy as sa
from ckan import model
from ckan.logic import validate
from ckan.types import Context, DataDict

from ckanext.urbanaudit import config
from ckanext.urbanaudit.audit import team
from ckanext.urbanaudit.comments import notify, schema, subjects
from ckanext.urbanaudit.comments.model import APPROVED, PENDING, REJECTED, Comment
from ckanext.urbanaudit.logic import ratelimit
from ckanext.urbanaudit.utils import utcnow

RATE_BUCKET = "comments"


def _user(context: Context) -> model.User:
    user = model.User.get(context.get("user") or "")
    if user is None:
        raise tk.NotAuthorized(tk._("Log in to comment."))
    return user


def _described(comment: Comment, subject: subjects.Subject | None, users: dict[str, Any]) -> dict[str, Any]:
    def person(user_id: str | None) -> dict[str, Any] | None:
        if not user_id:
            return None
        if user_id not in users:
            users[user_id] = model.User.get(user_id)
        user = users[user_id]
        return {"id": user_id, "name": user.name if user else None,
                "display_name": (user.fullname or user.name) if user else tk._("(deleted user)")}

    return {**comment.as_dict(), "author": person(comment.author_id), "moderator": person(comment.moderated_by),
            "subject": subject.as_dict() if subject else None}


@validate(schema.comment_create)
def urbanaudit_comment_create(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Write a comment on a data set or an indicator. It waits for a moderator (status ``pending``) unless
    moderation is off; the subject's steward gets a mail when SMTP is configured.

    :param subject_type: ``dataset`` (any data set type, analyses too) or ``indicator``
    :param subject_id: the data set's id or name, or the indicator's code or URL name
    :param text: plain text, at most 2000 characters (shown as text, never as HTML)
    :returns: the comment; a validation error under ``rate_limit`` when the user wrote too many lately
    """
    tk.check_access("urbanaudit_comment_create", context, data_dict)
    author = _user(context)
    subject = subjects.resolve(context, data_dict["subject_type"], data_dict["subject_id"])
    limit, window = config.comments_rate_limit()
    if not ratelimit.allow(RATE_BUCKET, ratelimit.client_key(author.id), limit, window):
        raise subjects.RateLimited({"rate_limit": [tk._(
            "Too many comments: at most {count} in {minutes} minutes. Try again later.").format(
            count=limit, minutes=max(1, window // 60))]})
    comment = Comment(subject_type=subject.type, subject_id=subject.id, author_id=author.id,
                      text=data_dict["text"], status=PENDING if config.comments_moderation() else APPROVED)
    model.Session.add(comment)
    model.Session.commit()
    notify.steward(subject, comment, author)
    return _described(comment, subject, {})


def _for_subject(context: Context, data_dict: DataDict) -> dict[str, Any]:
    subject = subjects.resolve(context, data_dict["subject_type"], data_dict["subject_id"])
    user = context.get("user")
    moderator = subjects.may_moderate(user, subject)
    query = model.Session.query(Comment).filter_by(subject_type=subject.type, subject_id=subject.id)
    if moderator:
        wanted = [data_dict["status"]] if data_dict.get("status") else [PENDING, APPROVED]
        query = query.filter(Comment.status.in_(wanted))
    else:
        own = team.user_id(user)
        visible = Comment.status == APPROVED
        if own:  # their own comments waiting for moderation too
            visible = sa.or_(visible, sa.and_(Comment.status == PENDING, Comment.author_id == own))
        query = query.filter(visible)
        if data_dict.get("status"):
            query = query.filter(Comment.status == data_dict["status"])
    total = query.count()
    rows = query.order_by(Comment.created_at, Comment.id).offset(data_dict["offset"]).limit(data_dict["limit"])
    users: dict[str, Any] = {}
    return {"count": total, "can_moderate": moderator, "subject": subject.as_dict(),
            "results": [_described(c, subject, users) for c in rows]}


def _queue(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Every comment of a status (pending by default) on the subjects the caller moderates, oldest first."""
    user = context.get("user")
    query = (model.Session.query(Comment).filter(Comment.status == (data_dict.get("status") or PENDING))
             .order_by(Comment.created_at, Comment.id))
    known: dict[tuple[str, str], subjects.Subject | None] = {}
    found = []
    for comment in query:
        key = (comment.subject_type, comment.subject_id)
        if key not in known:
            subject = subjects.readable(context, *key)
            known[key] = subject if subject and subjects.may_moderate(user, subject) else None
        if known[key] is not None:
            found.append((comment, known[key]))
    users: dict[str, Any] = {}
    page = found[data_dict["offset"]:data_dict["offset"] + data_dict["limit"]]
    return {"count": len(found), "can_moderate": bool(found) or team.is_analyst(user), "subject": None,
            "results": [_described(c, s, users) for c, s in page]}


@tk.side_effect_free
@validate(schema.comment_list)
def urbanaudit_comment_list(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """The comments on a subject, oldest first: approved ones for everyone who may read the subject, pending ones
    too for its moderators (the analytic team, the admins of its organization) and for their own author.
    Without ``subject_id``: the moderation queue — the comments (``status``, default pending) on every subject
    the caller moderates (logged-in users only).

    :param subject_type: ``dataset`` (default) or ``indicator``; :param subject_id: the data set or indicator
    :param status: ``pending``, ``approved`` or ``rejected`` (optional filter)
    :param limit: at most 200 (default 50); :param offset
    :returns: ``count``, ``results`` (each with ``author``, ``moderator``, ``subject``), ``can_moderate``
    """
    tk.check_access("urbanaudit_comment_list", context, data_dict)
    if data_dict.get("subject_id"):
        return _for_subject(context, data_dict)
    return _queue(context, data_dict)


@validate(schema.comment_moderate)
def urbanaudit_comment_moderate(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Approve (publish) or reject a comment; a moderator may change an earlier decision.

    :param id: the comment; :param decision: ``approve`` or ``reject``
    """
    tk.check_access("urbanaudit_comment_moderate", context, data_dict)
    comment = model.Session.get(Comment, data_dict["id"])
    if comment is None:
        raise tk.ObjectNotFound(tk._("No such comment."))
    subject = subjects.readable({**context, "ignore_auth": True}, comment.subject_type, comment.subject_id)
    comment.status = APPROVED if data_dict["decision"] == "approve" else REJECTED
    comment.moderated_by = team.user_id(context.get("user"))
    comment.moderated_at = utcnow()
    model.Session.commit()
    return _described(comment, subject, {})
