"""Input schemas of the audit actions (navl)."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk
from ckan.logic.schema import validator_args
from ckan.types import Schema, Validator, ValidatorFactory

from ckanext.urbanaudit.audit.campaign import DUE, EDITIONS
from ckanext.urbanaudit.audit.model import SOURCE_KINDS, STATUSES
from ckanext.urbanaudit.indicators.schema import city_teryt, flag_list, number_or_none, optional_text
from ckanext.urbanaudit.logic.schema import comma_list, one_of

MAX_ASSIGNMENTS = 2000
MAX_TEXT = 2000


def reporting_year(value: Any) -> int:
    try:
        year = int(str(value).strip())
    except (TypeError, ValueError):
        raise tk.Invalid(tk._("The reporting year is a year such as 2024.")) from None
    if not 1990 <= year <= 2100:
        raise tk.Invalid(tk._("The reporting year is a year such as 2024."))
    return year


def _editions(value: Any) -> list[str]:
    chosen = comma_list(value)
    unknown = [e for e in chosen if e not in EDITIONS]
    if unknown:
        raise tk.Invalid(tk._("Unknown edition: {names}. Choose from: {choices}.").format(
            names=", ".join(unknown), choices=", ".join(EDITIONS)))
    return chosen


def _short_text(value: Any) -> str | None:
    text = optional_text(value)
    if text is not None and len(text) > MAX_TEXT:
        raise tk.Invalid(tk._("At most {n} characters.").format(n=MAX_TEXT))
    return text


def _boolean(value: Any) -> bool:
    return tk.asbool(value) if value not in (None, "", tk.missing) else False


def _due(value: Any) -> str | None:
    text = optional_text(value)
    if text is not None and not DUE.match(text):
        raise tk.Invalid(tk._("The due day is month-day, e.g. 03-31."))
    return text


@validator_args
def value_submit(not_empty: Validator, unicode_safe: Validator, default: ValidatorFactory,
                 ignore: Validator) -> Schema:
    return {
        "city": [not_empty, city_teryt],
        "indicator_code": [not_empty, unicode_safe],
        "period": [not_empty, reporting_year],
        "value": [default(None), number_or_none],
        "numerator": [default(None), number_or_none],
        "denominator": [default(None), number_or_none],
        "unit": [default(None), _short_text],
        "flags": [default([]), flag_list],
        "source_note": [default(None), _short_text],
        "comment": [default(None), _short_text],
        "acknowledge_warnings": [default(False), _boolean],
        "__extras": [ignore],
    }


@validator_args
def value_review(not_empty: Validator, default: ValidatorFactory, ignore: Validator) -> Schema:
    return {
        "id": [not_empty, tk.get_validator("int_validator")],
        "decision": [not_empty, one_of(("approve", "return"), lambda: tk._("The decision is approve or return."))],
        "comment": [default(None), _short_text],
        "acknowledge_warnings": [default(False), _boolean],
        "__extras": [ignore],
    }


@validator_args
def submission_list(not_empty: Validator, ignore_missing: Validator, unicode_safe: Validator,
                    ignore: Validator) -> Schema:
    return {
        "city": [not_empty, city_teryt],
        "period": [ignore_missing, reporting_year],
        "status": [ignore_missing, one_of(STATUSES, lambda: tk._("The status is submitted, returned or approved."))],
        "indicator_code": [ignore_missing, unicode_safe],
        "__extras": [ignore],
    }


@validator_args
def submission_show(not_empty: Validator, ignore: Validator) -> Schema:
    return {"id": [not_empty, tk.get_validator("int_validator")], "__extras": [ignore]}


@validator_args
def campaign_open(not_empty: Validator, default: ValidatorFactory, ignore: Validator) -> Schema:
    return {"city": [not_empty, city_teryt], "year": [not_empty, reporting_year],
            "editions": [default([]), _editions], "__extras": [ignore]}


@validator_args
def campaign_show(not_empty: Validator, ignore: Validator) -> Schema:
    return {"city": [not_empty, city_teryt], "year": [not_empty, reporting_year], "__extras": [ignore]}


@validator_args
def city_only(not_empty: Validator, ignore: Validator) -> Schema:
    return {"city": [not_empty, city_teryt], "__extras": [ignore]}


def assignment() -> Schema:
    default = tk.get_validator("default")
    return {
        "indicator_code": [tk.get_validator("not_empty"), tk.get_validator("unicode_safe")],
        "department": [default(None), optional_text],
        "responsible": [default(None), optional_text],
        "source_kind": [default("department"), one_of(SOURCE_KINDS, lambda: tk._(
            "The source is one of: department, inventory, harvest."))],
        "source_ref": [default(None), _short_text],
        "due": [default(None), _due],
    }
