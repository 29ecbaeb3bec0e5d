"""Input schemas of the data-request actions (navl)."""
from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import ckan.plugins.toolkit as tk
from ckan.logic.schema import validator_args
from ckan.types import Schema, Validator, ValidatorFactory

from ckanext.urbanaudit import config
from ckanext.urbanaudit.indicators.catalogue import catalogue
from ckanext.urbanaudit.indicators.schema import city_teryt, optional_text
from ckanext.urbanaudit.logic.schema import one_of, paging
from ckanext.urbanaudit.requests.model import REFUSAL_REASONS, STATUSES

MAX_TITLE = 200
MAX_PURPOSE = 2000
MAX_EMAIL = 254
MAX_LIST = 100
# one "@", something on both sides, a dot in the domain; no spaces (what a reply can be sent to)
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:/+-]{0,199}$")


def _capped(maximum: int) -> Validator:
    def validator(value: Any) -> str | None:
        text = optional_text(value)
        if text is not None and len(text) > maximum:
            raise tk.Invalid(tk._("At most {n} characters.").format(n=maximum))
        return text

    return validator


def _email(value: Any) -> str | None:
    text = optional_text(value)
    if text is None:
        return None
    if len(text) > MAX_EMAIL or not EMAIL.match(text):
        raise tk.Invalid(tk._("This is not an e-mail address (e.g. jan.kowalski@example.com)."))
    return text


def _indicator_code(value: Any) -> str | None:
    text = optional_text(value)
    if text is not None and not CODE.match(text):
        raise tk.Invalid(tk._("Not an indicator code."))
    return text


def _theme(value: Any) -> str | None:
    text = optional_text(value)
    if text is not None and text not in catalogue().themes:
        raise tk.Invalid(tk._("Not an ISO 37120 theme: give its clause number, e.g. 8."))
    return text


def _default_city(value: Any) -> Any:
    return value if optional_text(value) not in (None, "") else config.city()


def _choice(choices: tuple[str, ...], message: Callable[[], str]) -> Validator:
    check = one_of(choices, message)

    def validator(value: Any) -> str | None:
        return check(optional_text(value))

    return validator


def _status() -> Validator:
    return _choice(STATUSES, lambda: tk._("The status is one of: {choices}.").format(choices=", ".join(STATUSES)))


@validator_args
def data_request_create(not_empty: Validator, default: ValidatorFactory, ignore: Validator) -> Schema:
    return {
        "title": [not_empty, _capped(MAX_TITLE), not_empty],
        "purpose": [not_empty, _capped(MAX_PURPOSE), not_empty],
        "contact_email": [default(None), _email],
        "city": [default(None), _default_city, city_teryt],
        "indicator_code": [default(None), _indicator_code],
        "theme": [default(None), _theme],
        "__extras": [ignore],
    }


@validator_args
def data_request_show(not_empty: Validator, int_validator: Validator, ignore: Validator) -> Schema:
    return {"id": [not_empty, int_validator], "__extras": [ignore]}


@validator_args
def data_request_list(default: ValidatorFactory, ignore: Validator, ignore_missing: Validator) -> Schema:
    return {
        "status": [default(None), _status()],
        "city": [ignore_missing, optional_text, ignore_missing, city_teryt],
        "indicator_code": [default(None), _indicator_code],
        "theme": [default(None), _theme],
        "limit": [paging(MAX_LIST, 20, lambda: tk._("The limit must be a whole number from 1 to {n}.").format(
            n=MAX_LIST))],
        "offset": [],
        "__extras": [ignore],
    }


@validator_args
def data_request_update(not_empty: Validator, int_validator: Validator, default: ValidatorFactory,
                        ignore: Validator, ignore_missing: Validator) -> Schema:
    return {
        "id": [not_empty, int_validator],
        "status": [default(None), _status()],
        "title": [ignore_missing, _capped(MAX_TITLE), not_empty],
        "purpose": [ignore_missing, _capped(MAX_PURPOSE), not_empty],
        "indicator_code": [ignore_missing, _indicator_code],
        "theme": [ignore_missing, _theme],
        "answer_dataset": [default(None), _capped(MAX_TITLE)],
        "refusal_reason": [default(None), _choice(REFUSAL_REASONS, lambda: tk._(
            "The reason of a refusal is one of: {choices}.").format(choices=", ".join(REFUSAL_REASONS)))],
        "refusal_text": [default(None), _capped(MAX_PURPOSE)],
        "comment": [default(None), _capped(MAX_PURPOSE)],
        "__extras": [ignore],
    }
