"""Template helper of the comments block (``urbanaudit/comments/block.html``)."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk

from ckanext.urbanaudit import config
from ckanext.urbanaudit.comments.schema import MAX_LIST, MAX_TEXT
from ckanext.urbanaudit.utils import user_context


def urbanaudit_comments(subject_type: str, subject_id: str) -> dict[str, Any] | None:
    """What the comments block of a data set or indicator page shows to its visitor: the comments they may see
    (each marked ``mine``), whether they moderate, the form's limits; None when they may not read the subject."""
    try:
        found = tk.get_action("urbanaudit_comment_list")(user_context(), {
            "subject_type": subject_type, "subject_id": subject_id, "limit": MAX_LIST})
    except (tk.ObjectNotFound, tk.NotAuthorized, tk.ValidationError):
        return None
    me = tk.current_user.id if tk.current_user.is_authenticated else None
    results = [{**c, "mine": bool(me) and c["author_id"] == me} for c in found["results"]]
    return {**found, "results": results, "subject_type": subject_type, "subject_id": found["subject"]["id"],
            "logged_in": me is not None, "moderation": config.comments_moderation(), "max_length": MAX_TEXT}
