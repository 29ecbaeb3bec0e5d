"""The table preview (CKAN's ``datatables_view``) searching Polish words.

CKAN 2.11's table preview turns every character of a search that is not an ASCII letter, digit or hyphen into
the full-text wildcard ``_`` before it asks the DataStore (ckanext/datatablesview/blueprint.py, ``ajax``), so
"Słowik" becomes "S_owik:*" and finds nothing: every Polish word with ą, ć, ę, ł, ń, ó, ś, ź or ż is
unsearchable (reported upstream as ckan/ckan#8583, open). :func:`install` gives that module a ``re`` whose
``sub`` keeps letters of every alphabet: the same call with the pattern ``[^\\w\\-]+`` (Unicode word characters),
everything else unchanged. The search text still reaches PostgreSQL only as a quoted literal (the DataStore's
``literal_string``)."""
from __future__ import annotations

import re
import types
from typing import Any

from ckanext.datatablesview import blueprint

ASCII_ONLY = r"[^0-9a-zA-Z\-]+"
ANY_ALPHABET = r"[^\w\-]+"


def _sub(pattern: Any, repl: Any, string: str, count: int = 0, flags: int = 0) -> str:
    return re.sub(ANY_ALPHABET if pattern == ASCII_ONLY else pattern, repl, string, count=count, flags=flags)


def install() -> None:
    if getattr(blueprint.re, "urbanaudit", False):
        return
    shim = types.ModuleType("re")
    shim.__dict__.update(re.__dict__)
    shim.sub = _sub
    shim.urbanaudit = True
    blueprint.re = shim
