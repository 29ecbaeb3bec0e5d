"""Each web asset checked for a rebuild once per process, not on every page: CKAN's ``{% asset %}`` tag
(``webassets_tools.include_asset``) asks webassets for a bundle's URLs, and webassets' ``auto_build`` (on: CKAN sets
no other value) first compares every source file of the bundle with its built output, on every include of every
page — about 6 ms of a search or home page here, for files that change only when the portal is deployed again.

After each request, the bundles its page included (the first include in a process builds a bundle whose output is
missing or older than its sources, as before) get ``auto_build`` off in their own configuration
(``bundle.config``: webassets reads a bundle's setting before the environment's), so later pages get the same URLs
without the check. webassets' advice for production is the same (build at deployment, ``auto_build`` off); a
process started after the assets change builds them again. In debug mode webassets serves the source files and
builds nothing, so nothing changes there. The same tags: tests/portal/test_page_assets.py."""
from __future__ import annotations

from typing import Any

from ckan.lib import webassets_tools
from flask import g


def checked(names: set[str]) -> None:
    """Turn the rebuild check off for the bundles ``names`` (included by a page: built, or found up to date)."""
    for name in names:
        if webassets_tools.is_registered(name):
            bundle = webassets_tools.env[name]
            if bundle.config.get("auto_build") is not False:
                bundle.config["auto_build"] = False


def after_request(response: Any) -> Any:
    """Flask ``after_request``: the page's bundles checked once. Not after a server error: a bundle whose build
    failed is marked included before its URLs are asked for, and must be built again on the next page."""
    collection = getattr(g, "_webassets", None)
    if collection and not webassets_tools.env.debug and response.status_code < 500:
        checked(collection["included"])
    return response
