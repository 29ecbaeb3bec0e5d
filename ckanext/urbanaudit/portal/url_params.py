"""Links to the current page with other parameters, built once per page: CKAN's ``h.add_url_param`` and
``h.remove_url_param`` (a search page calls them for every facet item, sort and page link: about 100 times) build
the page's own URL with ``url_for`` on every call, about 0.1 ms each. These chained helpers build it once per
request (kept on ``g``, per controller, action and extras) and add only the query string, as CKAN does
(its ``_url_with_params``). The same URLs: tests/portal/test_url_params.py compares them with CKAN's own helpers
for every kind of call; a call with an ``alternative_url`` or unhashable extras goes to CKAN's helper as it is."""
from __future__ import annotations

from typing import Any

import ckan.lib.helpers as core_helpers
import ckan.plugins.toolkit as tk
from flask import g, request

_CACHE = "_urbanaudit_page_urls"


def _page_url(controller: str | None, action: str | None, extras: dict[str, Any] | None) -> str | None:
    """``url_for`` of the page as CKAN's ``_create_url_with_params`` finds it, once per request; None when the
    extras cannot be a key."""
    if not extras:
        extras = dict(request.view_args or {}) if not controller and not action else {}
    try:
        key = (controller, action, tuple(sorted(extras.items())))
        hash(key)
    except TypeError:
        return None
    cache = g.setdefault(_CACHE, {})
    url = cache.get(key)
    if url is None:
        blueprint, view = tk.get_endpoint()
        endpoint = f"{controller or getattr(g, 'controller', blueprint)}.{action or getattr(g, 'action', view)}"
        url = cache[key] = core_helpers.url_for(endpoint, **extras)
    return url


def _current_params() -> list[tuple[str, Any]]:
    return [(k, v) for k, v in request.args.items(multi=True) if k != "page"]


@tk.chained_helper
def add_url_param(  # noqa: PLR0917 (CKAN's signature)
        next_helper: Any, alternative_url: str | None = None, controller: str | None = None,
        action: str | None = None, extras: dict[str, Any] | None = None, new_params: dict[str, Any] | None = None,
) -> str:
    page = None if alternative_url else _page_url(controller, action, extras)
    if page is None:
        return next_helper(alternative_url=alternative_url, controller=controller, action=action, extras=extras,
                           new_params=new_params)
    params = _current_params()
    if new_params:
        params += list(new_params.items())
    return core_helpers._url_with_params(page, params)


@tk.chained_helper
def remove_url_param(  # noqa: PLR0917 (CKAN's signature)
        next_helper: Any, key: list[str] | str, value: str | None = None, replace: str | None = None,
        controller: str | None = None, action: str | None = None, extras: dict[str, Any] | None = None,
        alternative_url: str | None = None,
) -> str:
    page = None if alternative_url else _page_url(controller, action, extras)
    if page is None:
        return next_helper(key, value=value, replace=replace, controller=controller, action=action, extras=extras,
                           alternative_url=alternative_url)
    keys = [key] if isinstance(key, str) else key
    params = _current_params()
    if value:
        params.remove((keys[0], value))  # as CKAN: a pair that is not there is an error
    else:
        params = [(k, v) for k, v in params if k not in keys]
    if replace is not None:
        params.append((keys[0], replace))
    return core_helpers._url_with_params(page, params)
