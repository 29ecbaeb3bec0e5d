"""The plain-text extract of a description, made once per text: CKAN's ``h.markdown_extract`` renders the Markdown
to HTML and strips it with bleach on every call, about 0.5-1 ms for an inventory record's description; every list
of data sets calls it once per record (the search page 20 times per view, the home page 10 times), for texts that
change only when the record does.

This chained helper gives CKAN's own extract (the next helper in the chain makes it) and keeps it per process for
the text and the length asked, in a bounded LRU (``EXTRACTS`` entries): the key is a 16-byte BLAKE2 digest of the
text (a long description is not kept), the value at most the length asked. A record whose description changes has a
new text, so a new key: nothing is ever stale. The same extracts: tests/portal/test_extracts.py compares them with
CKAN's helper."""
from __future__ import annotations

import hashlib
from collections import OrderedDict
from threading import Lock
from typing import Any

import ckan.plugins.toolkit as tk

EXTRACTS = 4096
_extracts: OrderedDict[tuple[bytes, Any], str] = OrderedDict()
_lock = Lock()


@tk.chained_helper
def markdown_extract(next_helper: Any, text: str, extract_length: int = 190) -> str:
    if not text or not isinstance(text, str):
        return next_helper(text, extract_length=extract_length)
    key = (hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest(), extract_length)
    with _lock:
        found = _extracts.get(key)
        if found is not None:
            _extracts.move_to_end(key)
            return found
    extract = next_helper(text, extract_length=extract_length)
    with _lock:
        _extracts[key] = extract
        if len(_extracts) > EXTRACTS:
            _extracts.popitem(last=False)
    return extract


def clear() -> None:
    """Forget every kept extract (tests)."""
    with _lock:
        _extracts.clear()
