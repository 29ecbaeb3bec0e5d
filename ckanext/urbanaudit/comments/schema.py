"""Input schemas of the comment actions (navl)."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk
from ckan.logic.schema import validator_args
from ckan.types import Schema, Validator, ValidatorFactory

from ckanext.urbanaudit.comments.model import STATUSES, SUBJECT_TYPES
from ckanext.urbanaudit.logic.schema import one_of, paging

MAX_TEXT = 2000
MAX_LIST = 200


def comment_text(value: Any) -> str:
    """Plain text (shown escaped, never as HTML), 1 to MAX_TEXT characters after trimming; NUL removed."""
    text = str(value if value is not tk.missing and value is not None else "").replace("\x00", "").strip()
    if not text:
        raise tk.Invalid(tk._("Write the comment."))
    if len(text) > MAX_TEXT:
        raise tk.Invalid(tk._("At most {n} characters.").format(n=MAX_TEXT))
    return text


def _subject_type() -> Validator:
    return one_of(SUBJECT_TYPES, lambda: tk._("The subject is a dataset or an indicator."))


@validator_args
def comment_create(not_empty: Validator, unicode_safe: Validator, default: ValidatorFactory,
                   ignore: Validator) -> Schema:
    return {
        "subject_type": [default("dataset"), _subject_type()],
        "subject_id": [not_empty, unicode_safe],
        "text": [comment_text],
        "__extras": [ignore],
    }


@validator_args
def comment_list(ignore_missing: Validator, unicode_safe: Validator, default: ValidatorFactory,
                 ignore: Validator) -> Schema:
    return {
        "subject_type": [default("dataset"), _subject_type()],
        "subject_id": [ignore_missing, unicode_safe],
        "status": [ignore_missing, one_of(STATUSES, lambda: tk._(
            "The status is pending, approved or rejected."))],
        "limit": [paging(MAX_LIST, 50, lambda: tk._("The limit must be a whole number from 1 to {n}.").format(
            n=MAX_LIST))],
        "offset": [],
        "__extras": [ignore],
    }


@validator_args
def comment_moderate(not_empty: Validator, unicode_safe: Validator, ignore: Validator) -> Schema:
    return {
        "id": [not_empty, unicode_safe],
        "decision": [not_empty, one_of(("approve", "reject"), lambda: tk._("The decision is approve or reject."))],
        "__extras": [ignore],
    }
