"""Actions on the city's targets: ``urbanaudit_target_set`` (create or replace the target of a city and
indicator), ``urbanaudit_target_delete``, ``urbanaudit_target_list`` (public: targets are public policy, each
with its progress, see ``targets.py``) and ``urbanaudit_leadership`` (the leadership page's summary, see
``leadership.py``). Writing is for the analytic team (``target_auth.py``)."""
from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import ckan.plugins.toolkit as tk
from ckan import model
from ckan.logic import validate
from ckan.logic.schema import validator_args
from ckan.types import Context, DataDict, Schema, Validator, ValidatorFactory

from ckanext.urbanaudit.audit import leadership, targets, team
from ckanext.urbanaudit.audit.model import Target
from ckanext.urbanaudit.cities.model import City
from ckanext.urbanaudit.indicators import visibility
from ckanext.urbanaudit.indicators.catalogue import Indicator
from ckanext.urbanaudit.indicators.schema import city_teryt, number_or_none, optional_text
from ckanext.urbanaudit.utils import utcnow

MAX_NAME = 500
MAX_URL = 2000


def _year(value: Any) -> int:
    try:
        year = int(str(value).strip())
    except (TypeError, ValueError):
        raise tk.Invalid(tk._("A year such as 2030.")) from None
    if not 1990 <= year <= 2100:
        raise tk.Invalid(tk._("A year such as 2030."))
    return year


def _optional_year(value: Any) -> int | None:
    return None if value in (None, "") else _year(value)


def _required_number(value: Any) -> Any:
    number = None if value is tk.missing else number_or_none(value)
    if number is None:
        raise tk.Invalid(tk._("Missing value"))
    return number


def _policy_name(value: Any) -> str:
    text = None if value is tk.missing else optional_text(value)
    if text is None:
        raise tk.Invalid(tk._("Missing value"))
    if len(text) > MAX_NAME:
        raise tk.Invalid(tk._("At most {n} characters.").format(n=MAX_NAME))
    return text


def _policy_url(value: Any) -> str | None:
    text = optional_text(value)
    if text is None:
        return None
    parts = urlsplit(text)
    if len(text) > MAX_URL or parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        raise tk.Invalid(tk._("The policy document's address must be an http:// or https:// URL."))
    return text


@validator_args
def _set_schema(not_empty: Validator, unicode_safe: Validator, default: ValidatorFactory,
                ignore: Validator) -> Schema:
    return {
        "city": [not_empty, city_teryt],
        "indicator_code": [not_empty, unicode_safe],
        "target_value": [_required_number],
        "target_year": [not_empty, _year],
        "baseline_value": [default(None), number_or_none],
        "baseline_year": [default(None), _optional_year],
        "policy_name": [_policy_name],
        "policy_url": [default(None), _policy_url],
        "__extras": [ignore],
    }


@validator_args
def _key_schema(not_empty: Validator, unicode_safe: Validator, ignore: Validator) -> Schema:
    return {"city": [not_empty, city_teryt], "indicator_code": [not_empty, unicode_safe], "__extras": [ignore]}


@validator_args
def _list_schema(not_empty: Validator, ignore_missing: Validator, unicode_safe: Validator,
                 ignore: Validator) -> Schema:
    return {"city": [not_empty, city_teryt], "indicator_code": [ignore_missing, unicode_safe],
            "__extras": [ignore]}


def _indicator(context: Context, code: str) -> Indicator:
    ind = visibility.for_context(context).indicator(code)
    if ind is None:
        raise tk.ValidationError({"indicator_code": [tk._("No indicator {code} in the catalogue.").format(code=code)]})
    return ind


def _check_baseline(data: DataDict) -> None:
    errors: dict[str, list[str]] = {}
    if (data["baseline_value"] is None) != (data["baseline_year"] is None):
        key = "baseline_year" if data["baseline_year"] is None else "baseline_value"
        errors[key] = [tk._("Give the baseline's value and year together, or neither.")]
    elif data["baseline_year"] is not None and data["baseline_year"] >= data["target_year"]:
        errors["baseline_year"] = [tk._("The baseline year must come before the target year.")]
    if errors:
        raise tk.ValidationError(errors)


@validate(_set_schema)
def urbanaudit_target_set(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Create or replace the city's target for an indicator.

    :param city: TERYT code or slug; :param indicator_code: catalogue code or URL name
    :param target_value: the value to reach; :param target_year: by when
    :param baseline_value, baseline_year: optional, together (default: the city's earliest published value)
    :param policy_name: the policy document setting the target; :param policy_url: its address (http/https)
    :returns: the target with its progress and ``result`` (created or replaced)
    """
    tk.check_access("urbanaudit_target_set", context, data_dict)
    ind = _indicator(context, data_dict["indicator_code"])
    _check_baseline(data_dict)
    city = model.Session.get(City, data_dict["city"])
    row = targets.get(city.teryt, ind.code)
    result = "replaced" if row is not None else "created"
    if row is None:
        row = Target(city_teryt=city.teryt, indicator_code=ind.code)
        model.Session.add(row)
    for key in ("target_value", "target_year", "baseline_value", "baseline_year", "policy_name", "policy_url"):
        setattr(row, key, data_dict[key])
    row.updated_by = team.user_id(context.get("user"))
    row.updated_at = utcnow()
    model.Session.flush()
    out = targets.with_progress(row, ind)
    if not context.get("defer_commit"):
        model.Session.commit()
    return {**out, "result": result}


@validate(_key_schema)
def urbanaudit_target_delete(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Delete the city's target for an indicator.

    :param city: TERYT code or slug; :param indicator_code: catalogue code or URL name
    """
    tk.check_access("urbanaudit_target_delete", context, data_dict)
    ind = _indicator(context, data_dict["indicator_code"])
    row = targets.get(data_dict["city"], ind.code)
    if row is None:
        raise tk.ObjectNotFound(tk._("No target for this indicator in this city."))
    model.Session.delete(row)
    if not context.get("defer_commit"):
        model.Session.commit()
    return {"city": data_dict["city"], "indicator_code": ind.code, "deleted": True}


@tk.side_effect_free
@validate(_list_schema)
def urbanaudit_target_list(context: Context, data_dict: DataDict) -> list[dict[str, Any]]:
    """The city's targets, each with its progress (baseline, latest published value, progress, status); the
    targets of indicators hidden from the caller are left out.

    :param city: TERYT code or slug; :param indicator_code: only this indicator (optional)
    """
    tk.check_access("urbanaudit_target_list", context, data_dict)
    seen = visibility.for_context(context)
    code = None
    if data_dict.get("indicator_code"):
        code = _indicator(context, data_dict["indicator_code"]).code
    return targets.for_city(model.Session.get(City, data_dict["city"]), seen.hidden, code)


@tk.side_effect_free
@validate(_list_schema)
def urbanaudit_leadership(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """The page for the city's leadership: the ISO 37120 themes at a glance, the indicators off track against
    their targets, and the biggest data gaps; public and approved data only.

    :param city: TERYT code or slug
    """
    tk.check_access("urbanaudit_leadership", context, data_dict)
    city = model.Session.get(City, data_dict["city"])
    gaps = tk.get_action("urbanaudit_gaps")({**context}, {"city": city.teryt, "datasets": False})
    return leadership.summary(city, visibility.hidden(context), gaps)
