"""Input schemas of the indicator actions (navl, as CKAN's own ``ckanext/activity`` writes them)."""
from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

import ckan.plugins.toolkit as tk
from ckan.logic.schema import validator_args
from ckan.types import Schema, Validator, ValidatorFactory

from ckanext.urbanaudit.cities.model import City
from ckanext.urbanaudit.indicators.catalogue import CITY, NONE, SOURCE
from ckanext.urbanaudit.logic.schema import comma_list, one_of, paging

AVAILABILITY = (SOURCE, CITY, NONE)
HAS_VALUE = ("yes", "no")
MAX_LIST = 1000
MAX_SERIES = 10000
MAX_BATCH = 5000
CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:/+-]{0,199}$")
SOURCE_NAME = re.compile(r"^[a-z][a-z0-9_-]{0,49}$")
# a year, or a year with a quarter, half-year or month: 2023, 2023-Q1, 2023-H2, 2023-05
PERIOD = re.compile(r"^(19|20)\d{2}(-(Q[1-4]|H[12]|0[1-9]|1[0-2]))?$")
FLAG = re.compile(r"^[A-Za-z0-9_:.-]{1,50}$")


def _city(value: Any, context: dict) -> str:
    city = City.get(str(value).strip())
    if city is None:
        raise tk.Invalid(tk._("Unknown city: give the TERYT code or name of a city loaded from a city file."))
    return city.teryt


def _matching(pattern: re.Pattern, message: Callable[[], str]) -> Validator:
    def validator(value: Any) -> str:
        value = str(value).strip()
        if not pattern.match(value):
            raise tk.Invalid(message())
        return value

    return validator


def _number_or_none(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise tk.Invalid(tk._("The value must be a number (a dot for decimals) or null."))
    try:
        number = Decimal(str(value).strip().replace(",", "."))
    except InvalidOperation:
        raise tk.Invalid(tk._("The value must be a number (a dot for decimals) or null.")) from None
    if not number.is_finite():
        raise tk.Invalid(tk._("The value must be a number (a dot for decimals) or null."))
    return number


def _flags(value: Any) -> list[str]:
    if value in (None, ""):
        return []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(f, str) and FLAG.match(f) for f in value):
        raise tk.Invalid(tk._("Flags must be a list of short codes (letters, digits, _ : . -)."))
    return sorted(set(value))


def _inputs(value: Any) -> list[dict]:
    """Provenance: the input values a computed value comes from, each an object naming its indicator code."""
    if value in (None, ""):
        return []
    if not isinstance(value, list) or not all(isinstance(i, dict) and i.get("indicator_code") for i in value):
        raise tk.Invalid(tk._("Inputs must be a list of objects, each naming the input's indicator_code."))
    return value


def _optional_text(value: Any) -> str | None:
    if value is None:
        return None
    value = str(value).strip()
    return value or None


def indicator_value() -> Schema:
    """One value of ``urbanaudit_indicator_value_upsert``."""
    not_empty = tk.get_validator("not_empty")
    default = tk.get_validator("default")
    return {
        "city": [not_empty, _city],
        "indicator_code": [not_empty, _matching(
            CODE, lambda: tk._("Indicator codes use letters, digits and . _ : / + - only."))],
        "source_variable": [default(None), _optional_text],
        "period": [not_empty, _matching(PERIOD, lambda: tk._(
            "The period must be a year (2023), or a year with a quarter (2023-Q1), half-year (2023-H2) "
            "or month (2023-05)."))],
        "value": [default(None), _number_or_none],
        "unit": [default(None), _optional_text],
        "source": [not_empty, _matching(
            SOURCE_NAME, lambda: tk._("The source is a short lowercase name, e.g. bdl, eurostat, gios."))],
        "source_ref": [default(None), _optional_text],
        "method": [default(None), _optional_text],
        "flags": [default([]), _flags],
        "inputs": [default([]), _inputs],
    }


@validator_args
def indicator_list(ignore_missing: Validator, unicode_safe: Validator, ignore: Validator) -> Schema:
    return {
        "q": [ignore_missing, unicode_safe],
        "standard": [ignore_missing, unicode_safe],
        "theme": [ignore_missing, unicode_safe],
        "kind": [ignore_missing, unicode_safe],
        "availability": [ignore_missing,
                         one_of(AVAILABILITY, lambda: tk._("Availability is one of: source, city, none."))],
        "source": [ignore_missing, unicode_safe],
        "has_value": [ignore_missing, one_of(HAS_VALUE, lambda: tk._("has_value is yes or no."))],
        "city": [ignore_missing, _city],
        "limit": [paging(MAX_LIST, MAX_LIST, lambda: tk._("The limit must be a whole number from 1 to {n}.").format(
            n=MAX_LIST))],
        "offset": [],
        "__extras": [ignore],
    }


@validator_args
def indicator_show(ignore_missing: Validator, unicode_safe: Validator, ignore: Validator) -> Schema:
    return {"id": [ignore_missing, unicode_safe], "code": [ignore_missing, unicode_safe],
            "city": [ignore_missing, unicode_safe], "__extras": [ignore]}


@validator_args
def city_show(ignore_missing: Validator, unicode_safe: Validator, ignore: Validator, default: ValidatorFactory,
              boolean_validator: Validator) -> Schema:
    return {"id": [ignore_missing, unicode_safe], "city": [ignore_missing, unicode_safe],
            "targets": [default(True), boolean_validator], "__extras": [ignore]}


@validator_args
def gaps(ignore_missing: Validator, unicode_safe: Validator, ignore: Validator, default: ValidatorFactory,
         boolean_validator: Validator) -> Schema:
    return {"city": [ignore_missing, unicode_safe], "datasets": [default(True), boolean_validator],
            "__extras": [ignore]}


@validator_args
def indicator_compute(ignore: Validator) -> Schema:
    return {"city": [comma_list], "codes": [comma_list], "__extras": [ignore]}


@validator_args
def indicator_values(ignore_missing: Validator, unicode_safe: Validator, ignore: Validator,
                     default: ValidatorFactory) -> Schema:
    return {
        "indicator_code": [default(""), unicode_safe],
        "city": [comma_list],
        "source": [ignore_missing, unicode_safe],
        "period_from": [ignore_missing, unicode_safe],
        "period_to": [ignore_missing, unicode_safe],
        "limit": [paging(MAX_SERIES, 1000, lambda: tk._("The limit must be a whole number from 1 to {n}.").format(
            n=MAX_SERIES), offset=False)],
        "__extras": [ignore],
    }


# shared with the audit's input schemas (audit/schema.py)
city_teryt = _city
number_or_none = _number_or_none
flag_list = _flags
optional_text = _optional_text
