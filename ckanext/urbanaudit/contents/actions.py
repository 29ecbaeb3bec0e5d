"""Actions of the data itself (registered by ``logic/collect.py``)."""
from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator
from typing import Any

import ckan.plugins.toolkit as tk
from ckan.types import Action, Context

from ckanext.urbanaudit.contents.loading import NOT_SET, TOKEN_KEY, site_user_token

_issued: set[str] = set()  # the tokens this module put into the configuration
_creating: contextvars.ContextVar[bool] = contextvars.ContextVar("urbanaudit_package_create", default=False)


@tk.chained_action
def xloader_submit(up: Action, context: Context, data_dict: dict[str, Any]) -> Any:
    """ckanext-xloader's submit, with the site user's token when the operator configured none."""
    configured = tk.config.get(TOKEN_KEY) or NOT_SET
    if configured == NOT_SET or configured in _issued:
        token = site_user_token()
        _issued.add(token)
        tk.config[TOKEN_KEY] = token
    return up(context, data_dict)


@contextlib.contextmanager
def creating() -> Iterator[None]:
    """Inside a record's creation: its default views are written in its transaction (see below)."""
    token = _creating.set(True)
    try:
        yield
    finally:
        _creating.reset(token)


@tk.chained_action
def package_create(up: Action, context: Context, data_dict: dict[str, Any]) -> Any:
    """CKAN's package_create; the default views of its resources are made in its transaction (see below)."""
    with creating():
        return up(context, data_dict)


@tk.chained_action
def package_create_default_resource_views(up: Action, context: Context, data_dict: dict[str, Any]) -> Any:
    """Inside package_create, the views are written without a commit of their own. CKAN calls this with a fresh
    context, so each ``resource_view_create`` committed the whole open transaction: a harvest import or any caller
    holding package_create in its transaction (``defer_commit``) had the record committed before it was done, and
    a failure after it left a half-written record. package_create (or its caller) commits the views with the
    record. Called on its own (the API), it commits as before."""
    if _creating.get():
        context = dict(context, defer_commit=True)
    return up(context, data_dict)
