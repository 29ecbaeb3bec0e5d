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

from ckanext.urbanaudit import views
from ckanext.urbanaudit.form_pages import use_scheming_form_pages
from ckanext.urbanaudit.quality.plugin import QualityHooks
from ckanext.urbanaudit.search import SearchHooks


@tk.blanket.config_declarations
@tk.blanket.validators
@tk.blanket.actions
@tk.blanket.auth_functions
@tk.blanket.helpers
@tk.blanket.cli
@tk.blanket.blueprints(views.get_blueprints)
class UrbanauditPlugin(SearchHooks, QualityHooks, p.SingletonPlugin, DefaultTranslation):
    p.implements(p.IConfigurer)
    p.implements(p.IMiddleware, inherit=True)
    p.implements(p.ITranslation)
    # search facets (search.py) and the quality score (quality/plugin.py)
    p.implements(p.IPackageController, inherit=True)
    p.implements(p.IFacets, inherit=True)

    # IMiddleware

    def make_middleware(self, app, config):
        if hasattr(app, "view_functions"):  # the Flask app
            use_scheming_form_pages(app)
        return app

    # IConfigurer

    def update_config(self, config_):
        tk.add_template_directory(config_, "templates")
        tk.add_public_directory(config_, "public")
        tk.add_resource("assets", "urbanaudit")

    # ITranslation: DefaultTranslation serves i18n/ckanext-urbanaudit.mo beside this module
