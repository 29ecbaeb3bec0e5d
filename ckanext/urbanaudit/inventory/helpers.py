"""Template helpers of the inventory forms and of the data-set search."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk

from ckanext.urbanaudit import vocabularies
from ckanext.urbanaudit.indicators import search as indicator_search
from ckanext.urbanaudit.indicators import visibility
from ckanext.urbanaudit.utils import user_context


def urbanaudit_vocabulary_choices(field: dict[str, Any]) -> list[dict]:
    """scheming ``choices_helper``: the choices of the vocabulary the field names."""
    return vocabularies.choices(field["vocabulary"])


def urbanaudit_indicators_matching(q: str | None) -> int:
    """How many catalogue entries the indicator search (/indicator?q=...) finds for ``q``, as the visitor may see
    them (the data-set search page points there); 0 without a query."""
    if not (q or "").strip():
        return 0
    # the count urbanaudit_indicator_list gives, without its facets and entries: the search page shows the number
    context = user_context()
    tk.check_access("urbanaudit_indicator_list", context, {"q": q})
    # whether the matching entries are hidden from the visitor: only theirs looked up, not every private indicator's
    found = indicator_search.matching_codes(q)
    return len(set(found) - visibility.hidden(context, among=found))
