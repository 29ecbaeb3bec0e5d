"""Input schemas of the quality actions."""
from __future__ import annotations

import ckan.plugins.toolkit as tk
from ckan.logic.schema import validator_args
from ckan.types import Schema, Validator

from ckanext.urbanaudit.logic.schema import one_of, paging
from ckanext.urbanaudit.quality import report
from ckanext.urbanaudit.quality.metrics import BAND_LABELS


@validator_args
def quality_show(ignore_missing: Validator, unicode_safe: Validator, ignore: Validator) -> Schema:
    return {"id": [ignore_missing, unicode_safe], "__extras": [ignore]}


@validator_args
def quality_list(ignore_missing: Validator, unicode_safe: Validator, ignore: Validator) -> Schema:
    return {
        "owner_org": [ignore_missing, unicode_safe],
        "band": [ignore_missing, one_of(tuple(BAND_LABELS),
                                        lambda: tk._("Use one of: excellent, good, sufficient, bad."))],
        "sort": [ignore_missing, one_of(tuple(report.SORTS),
                                        lambda: tk._("Use one of: score asc, score desc, name asc."))],
        "limit": [paging(1000, 100, lambda: tk._("limit must be 1 to 1000 and offset 0 or more."))],
        "offset": [],
        "__extras": [ignore],
    }
