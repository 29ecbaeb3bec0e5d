"""The map and text previews' proxies through the guarded HTTP layer.

A WMS or WFS resource is drawn by ckanext-geoview's map viewer (``geo_view``, OpenLayers): the browser asks the
portal for the service's capabilities and features, and the portal fetches them from the service — geoview's
``service_proxy`` and CKAN's ``resource_proxy`` (which also lets the GeoJSON and text previews show a linked
file of another host). Both call ``requests`` directly: any address a steward types as a resource's link would
be fetched by the portal, the city's own network and the cloud metadata address included, for as long as the
far end cares to drip bytes.

:func:`install` gives both modules a ``requests`` whose ``get`` and ``head`` go through :mod:`netguard` (every
connection's peer checked, redirects included; refusal without the resolved address; the allow-list of steward
links, ``ckanext.urbanaudit.quality.link_check_allow``) under one total deadline
(``ckanext.urbanaudit.preview.deadline``, 20 s) covering the body too: the body is read within it, up to one byte
past the larger of the two proxies' own size caps, so their own "too large" answer still fires. Everything else of
the module (its ``exceptions`` above all, which both proxies catch) is the real one. A resource the visitor may not
read gets 403 from both before any request is made (both answered it with a server error, 500)."""
from __future__ import annotations

import types
from typing import Any

import ckan.plugins.toolkit as tk
import requests
from ckanext.geoview import utils as geoview_utils
from ckanext.resourceproxy import blueprint as resource_proxy

from ckanext.urbanaudit import config, netguard

USER_AGENT = "ckanext-urbanaudit preview proxy"
CHUNK = 64 * 1024


def _cap() -> int:
    return max(tk.asint(tk.config.get("ckan.resource_proxy.max_file_size") or 0),
               int(geoview_utils.MAX_FILE_SIZE)) + 1


def _fetch(method: str, url: str, params: Any = None, timeout: Any = None, **_ignored: Any) -> requests.Response:
    """One request of a proxy: guarded, deadlined, its body (up to the cap) read before the deadline ends."""
    deadline_s = tk.asint(tk.config.get("ckanext.urbanaudit.preview.deadline"))
    read_s = float(timeout) if isinstance(timeout, int | float) and timeout else 10.0
    retry = netguard.GuardedRetry(total=0, redirect=5, raise_on_redirect=False)
    http = netguard.session(config.steward_link_allow(), retry, USER_AGENT)
    http.max_redirects = 5
    cap = _cap()
    with netguard.Deadline(deadline_s) as deadline:
        try:
            response = http.request(method, url, params=params or None, stream=True,
                                    timeout=netguard.timeouts(read_s, read_s))
            body = bytearray()
            if method != "HEAD":
                for chunk in response.iter_content(CHUNK):
                    body += chunk
                    if len(body) >= cap:
                        break
            response.close()
        except requests.RequestException as exc:
            if deadline.expired:
                raise requests.exceptions.Timeout(f"no answer within {deadline_s} s") from exc
            if netguard.refused_in(exc):
                raise requests.exceptions.ConnectionError(netguard.NOT_PUBLIC) from None
            raise
    response._content = bytes(body)
    response._content_consumed = True
    return response


def _module() -> types.ModuleType:
    shim = types.ModuleType("requests")
    shim.__dict__.update(requests.__dict__)
    shim.get = lambda url, **kwargs: _fetch("GET", url, **kwargs)
    shim.head = lambda url, **kwargs: _fetch("HEAD", url, **kwargs)
    shim.urbanaudit = True
    return shim


def _authorised(proxy: Any) -> Any:
    """Both proxies ask ``resource_show`` but catch only "not found": a private data set's resource asked for by
    a visitor who may not read it ended in a server error (500). Refused (403) instead, before any request."""

    def guarded(*args: Any) -> Any:
        context, data_dict = args[-2], args[-1]  # geoview: (request, context, data_dict); CKAN: (context, data_dict)
        try:
            tk.check_access("resource_show", dict(context), {"id": data_dict["resource_id"]})
        except tk.ObjectNotFound:
            return tk.abort(404, tk._("Resource not found"))
        except tk.NotAuthorized:
            return tk.abort(403, tk._("Not authorized to see this page"))
        return proxy(*args)

    guarded.urbanaudit = True
    return guarded


def install() -> None:
    """Put the guarded ``requests`` into the proxies of the preview plugins, and their refusal of unreadable
    resources."""
    for module, name in ((resource_proxy, "proxy_resource"), (geoview_utils, "proxy_service_resource")):
        if not getattr(module.requests, "urbanaudit", False):
            module.requests = _module()
        if not getattr(getattr(module, name), "urbanaudit", False):
            setattr(module, name, _authorised(getattr(module, name)))
