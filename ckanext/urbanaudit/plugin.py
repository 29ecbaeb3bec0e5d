"""The ``urbanaudit`` plugin: registers the extension's parts with CKAN.

Actions, auth functions, validators, helpers, CLI commands and config
declarations are registered by CKAN's blanket decorators from the modules
named after them (``logic/action.py``, ``logic/auth.py``, ``helpers.py``,
``cli.py``, ``config_declaration.yaml``).
"""
from __future__ import annotations

import ckan.plugins as p
import ckan.plugins.toolkit as tk
from ckan.lib.plugins import DefaultTranslation


@tk.blanket.config_declarations
@tk.blanket.validators
@tk.blanket.actions
@tk.blanket.auth_functions
@tk.blanket.helpers
@tk.blanket.blueprints
@tk.blanket.cli
class UrbanauditPlugin(p.SingletonPlugin, DefaultTranslation):
    p.implements(p.IConfigurer)
    p.implements(p.ITranslation)

    # IConfigurer

    def update_config(self, config_):
        tk.add_template_directory(config_, "templates")
        tk.add_public_directory(config_, "public")
        tk.add_resource("assets", "urbanaudit")

    # ITranslation: DefaultTranslation serves i18n/ckanext-urbanaudit.mo beside this module
