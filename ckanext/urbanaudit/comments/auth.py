"""Auth of the comment actions: whoever may read the subject reads its approved comments; logged-in users who
may read it write; its moderators (``subjects.may_moderate``) approve and reject. A subject that does not exist
is left to the action (404)."""
from __future__ import annotations

import ckan.plugins.toolkit as tk
from ckan import model
from ckan.types import AuthResult, Context, DataDict

from ckanext.urbanaudit.comments import subjects
from ckanext.urbanaudit.comments.model import Comment


def _reads(context: Context, data_dict: DataDict) -> AuthResult:
    try:
        subjects.resolve(context, str(data_dict.get("subject_type") or "dataset"),
                         str(data_dict.get("subject_id") or ""))
    except tk.NotAuthorized:
        return {"success": False, "msg": tk._("You may not see this data set.")}
    except tk.ObjectNotFound:
        pass  # the action answers 404
    return {"success": True}


def _logged_in(context: Context) -> bool:
    return bool(context.get("user")) and model.User.get(context["user"]) is not None


def urbanaudit_comment_create(context: Context, data_dict: DataDict) -> AuthResult:
    if not _logged_in(context):
        return {"success": False, "msg": tk._("Log in to comment.")}
    return _reads(context, data_dict or {})


@tk.auth_allow_anonymous_access
def urbanaudit_comment_list(context: Context, data_dict: DataDict) -> AuthResult:
    """A subject's comments: whoever may read it; the moderation queue (no subject): logged-in users."""
    data_dict = data_dict or {}
    if data_dict.get("subject_id"):
        return _reads(context, data_dict)
    if _logged_in(context):
        return {"success": True}
    return {"success": False, "msg": tk._("Log in to see the comments waiting for moderation.")}


def urbanaudit_comment_moderate(context: Context, data_dict: DataDict) -> AuthResult:
    comment = model.Session.get(Comment, str((data_dict or {}).get("id") or "")) if (data_dict or {}).get(
        "id") else None
    if comment is None:
        if _logged_in(context):
            return {"success": True}  # the action answers 404
        return {"success": False, "msg": tk._("Log in to moderate comments.")}
    subject = subjects.readable(context, comment.subject_type, comment.subject_id)
    if subject is not None and subjects.may_moderate(context.get("user"), subject):
        return {"success": True}
    return {"success": False, "msg": tk._("Only the analytic team and the admins of the data set's "
                                          "department may moderate its comments.")}
