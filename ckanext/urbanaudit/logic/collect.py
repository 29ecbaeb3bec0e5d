"""The one place that collects the actions and auth functions of every concern for CKAN's blanket
decorators (``plugin.py``). A concern's ``actions.py`` / ``auth.py`` define them; every public function of
those modules is registered under its own name, so an action is written once."""
from __future__ import annotations

import inspect
from collections.abc import Callable
from types import ModuleType
from typing import Any

from ckanext.urbanaudit.audit import actions as audit_actions
from ckanext.urbanaudit.audit import auth as audit_auth
from ckanext.urbanaudit.audit import questionnaire_actions, questionnaire_auth, target_actions, target_auth
from ckanext.urbanaudit.audit import report_actions as iso_report_actions
from ckanext.urbanaudit.audit import report_auth as iso_report_auth
from ckanext.urbanaudit.cities import actions as city_actions
from ckanext.urbanaudit.cities import auth as city_auth
from ckanext.urbanaudit.comments import actions as comment_actions
from ckanext.urbanaudit.comments import auth as comment_auth
from ckanext.urbanaudit.contents import actions as contents_actions
from ckanext.urbanaudit.danegovpl import actions as danegovpl_actions
from ckanext.urbanaudit.danegovpl import auth as danegovpl_auth
from ckanext.urbanaudit.indicators import actions as indicator_actions
from ckanext.urbanaudit.indicators import auth as indicator_auth
from ckanext.urbanaudit.indicators import value_actions, value_auth
from ckanext.urbanaudit.inventory import actions as inventory_actions
from ckanext.urbanaudit.inventory import auth as inventory_auth
from ckanext.urbanaudit.quality import actions as quality_actions
from ckanext.urbanaudit.quality import auth as quality_auth
from ckanext.urbanaudit.requests import actions as request_actions
from ckanext.urbanaudit.requests import auth as request_auth

ACTION_MODULES = (audit_actions, questionnaire_actions, target_actions, iso_report_actions,
                  city_actions, comment_actions, contents_actions, danegovpl_actions, indicator_actions, value_actions,
                  inventory_actions, quality_actions, request_actions)
AUTH_MODULES = (audit_auth, questionnaire_auth, target_auth, iso_report_auth,
                city_auth, comment_auth, danegovpl_auth, indicator_auth, value_auth, inventory_auth,
                quality_auth, request_auth)


def public_functions(module: ModuleType) -> dict[str, Callable[..., Any]]:
    """The functions ``module`` itself defines whose names do not start with an underscore, and those it binds
    to a name with the extension's prefix (a shared function such as ``logic.auth.anyone``)."""
    return {name: fn for name, fn in inspect.getmembers(module, inspect.isfunction)
            if not name.startswith("_") and (fn.__module__ == module.__name__ or name.startswith("urbanaudit_"))}


def _collect(modules: tuple[ModuleType, ...]) -> dict[str, Callable[..., Any]]:
    found: dict[str, Callable[..., Any]] = {}
    for module in modules:
        for name, fn in public_functions(module).items():
            if name in found:
                raise RuntimeError(f"{name} is defined twice ({found[name].__module__}, {module.__name__})")
            found[name] = fn
    return found


def get_actions() -> dict[str, Callable[..., Any]]:
    return _collect(ACTION_MODULES)


def get_auth_functions() -> dict[str, Callable[..., Any]]:
    return _collect(AUTH_MODULES)
