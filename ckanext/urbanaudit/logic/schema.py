"""Validators shared by the input schemas of the concerns' actions (``<concern>/schema.py``): paging and
lists given as lists or as comma-separated text. Each keeps the message its action has always given."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import ckan.plugins.toolkit as tk
from ckan.lib.navl.dictization_functions import StopOnError
from ckan.types import Context, FlattenDataDict, FlattenErrorDict, FlattenKey, Validator

from ckanext.urbanaudit import utils


def _given(value: Any) -> bool:
    return value is not tk.missing and value is not None


def paging(maximum: int, default_limit: int, message: Callable[[], str], *, offset: bool = True) -> Validator:
    """Validator of ``limit`` (and of ``offset`` beside it when ``offset``): whole numbers, 1 <= limit <=
    ``maximum`` and offset >= 0, defaults ``default_limit`` and 0. A bad value of either is reported under
    ``limit`` with ``message()``."""

    def validator(key: FlattenKey, data: FlattenDataDict, errors: FlattenErrorDict, context: Context) -> None:
        offset_key = (*key[:-1], "offset")
        limit = data.get(key)
        start = data.get(offset_key) if offset else 0
        try:
            limit = int(limit) if _given(limit) else default_limit
            start = int(start) if _given(start) else 0
            if not (1 <= limit <= maximum and start >= 0):
                raise ValueError
        except (TypeError, ValueError):
            errors[key].append(message())
            raise StopOnError from None
        data[key] = limit
        if offset:
            data[offset_key] = start

    return validator


def comma_list(value: Any) -> list[str]:
    """A list parameter given as a list or as comma-separated text."""
    return utils.comma_list(None if value is tk.missing else value)


def one_of(choices: tuple[str, ...], message: Callable[[], str]) -> Validator:
    def validator(value: Any) -> Any:
        if value and value not in choices:
            raise tk.Invalid(message())
        return value or None

    return validator
