"""What the concerns' pages share when they call an action or require a login: one answer per failure —
404 for a missing object, 403 for a refusal, 400 for bad input (404 when the bad input names a missing city or
indicator) — and, for pages behind a login, a redirect of anonymous visitors to CKAN's login page."""
from __future__ import annotations

from collections.abc import Collection
from typing import Any

import ckan.plugins.toolkit as tk
import flask
from werkzeug.wrappers.response import Response as BaseResponse

from ckanext.urbanaudit.utils import user_context


def call(action: str, data: dict, *, not_found: Collection[str] = ()) -> Any:
    """``action`` called as the page's visitor; a failure aborts the page with its status."""
    try:
        return tk.get_action(action)(user_context(), data)
    except tk.ObjectNotFound as e:
        return tk.abort(404, str(e.message or tk._("Not found")))
    except tk.NotAuthorized as e:
        return tk.abort(403, str(e.message or ""))
    except tk.ValidationError as e:
        message = "; ".join(f"{k}: {v}" for k, v in e.error_summary.items())
        return tk.abort(404 if set(e.error_dict) & set(not_found) else 400, message)


def login_first() -> BaseResponse | None:
    """Anonymous visitors to the login page, back here after (as CKAN's dashboard does); None when logged in."""
    if tk.current_user.is_authenticated:
        return None
    tk.h.flash_error(tk._("Not authorized to see this page"))
    return tk.redirect_to("user.login", next=flask.request.full_path.rstrip("?"))
