"""The ``urbanaudit`` plugin: registers the extension's parts with CKAN.

Actions and auth functions (``logic/``), validators, helpers, blueprints and CLI commands are collected
from the concerns' packages by one collector each and registered by CKAN's blanket decorators. The
dataset hooks of the concerns are called here in one declared order: quality first (it adds the
``quality_band`` facet and the score to the index), then the inventory's search (which places that facet).
"""
from __future__ import annotations

from typing import Any

import ckan.plugins as p
import ckan.plugins.toolkit as tk
from ckan.lib.plugins import DefaultTranslation
from ckan.types import Context
from ckanext.xloader.interfaces import IXloader

from ckanext.urbanaudit import cli, helpers, indexing, views
from ckanext.urbanaudit.contents import charts, created, loading, previews, proxy
from ckanext.urbanaudit.contents import jobs as content_jobs
from ckanext.urbanaudit.inventory import form_pages, search, validators
from ckanext.urbanaudit.logic import collect
from ckanext.urbanaudit.portal import guides, page_assets
from ckanext.urbanaudit.quality import hooks as quality
from ckanext.urbanaudit.research import validators as research_validators


@tk.blanket.config_declarations
@tk.blanket.validators(lambda: {**collect.public_functions(validators),
                                **collect.public_functions(research_validators)})
@tk.blanket.actions(collect.get_actions)
@tk.blanket.auth_functions(collect.get_auth_functions)
@tk.blanket.helpers(helpers.get_helpers)
@tk.blanket.cli(cli.get_commands)
@tk.blanket.blueprints(views.get_blueprints)
class UrbanauditPlugin(p.SingletonPlugin, DefaultTranslation):
    p.implements(p.IConfigurer)
    p.implements(p.IMiddleware, inherit=True)
    p.implements(p.ITranslation)
    p.implements(p.IPackageController, inherit=True)
    p.implements(p.IFacets, inherit=True)
    p.implements(IXloader, inherit=True)
    p.implements(p.IResourceController, inherit=True)
    p.implements(p.IForkObserver, inherit=True)

    # IMiddleware

    def make_middleware(self, app: Any, config: Any) -> Any:
        if hasattr(app, "view_functions"):  # the Flask app
            form_pages.use_scheming_form_pages(app)
            app.after_request(page_assets.after_request)  # each web asset checked for a rebuild once per process
        return app

    # IConfigurer

    def update_config(self, config_: Any) -> None:
        indexing.install()  # one search-index update per database commit (see ckanext.urbanaudit.indexing)
        previews.install()  # the table preview searches Polish words (see ckanext.urbanaudit.contents.previews)
        proxy.install()  # the map and text previews' proxies fetch through the guarded layer (contents.proxy)
        charts.install()  # ckanext-charts' chart builder in the page's language (contents.charts)
        created.install()  # a data set's resources made with it loaded and checked after the commit (contents.created)
        tk.add_template_directory(config_, "templates")
        tk.add_public_directory(config_, "public")
        tk.add_resource("assets", "urbanaudit")

    def update_config_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        return guides.update_config_schema(schema)  # the guides' texts, editable by sysadmins at run time

    # IPackageController

    def after_dataset_create(self, context: Context, pkg_dict: dict[str, Any]) -> None:
        quality.after_dataset_save(pkg_dict)
        created.note(pkg_dict)

    def after_dataset_update(self, context: Context, pkg_dict: dict[str, Any]) -> None:
        quality.after_dataset_save(pkg_dict)

    def before_dataset_index(self, pkg_dict: dict[str, Any]) -> dict[str, Any]:
        return search.before_dataset_index(quality.before_dataset_index(pkg_dict))

    def before_dataset_search(self, search_params: dict[str, Any]) -> dict[str, Any]:
        return search.before_dataset_search(search_params)

    def after_dataset_search(self, search_results: dict[str, Any], search_params: dict[str, Any]) -> dict[str, Any]:
        return search.after_dataset_search(quality.after_dataset_search(search_results))

    # IFacets

    def dataset_facets(self, facets_dict: dict[str, str], package_type: str) -> dict[str, str]:
        return search.dataset_facets(quality.dataset_facets(facets_dict, package_type), package_type)

    # IResourceController: a tabular file's contents are checked in the background once saved

    def after_resource_create(self, context: Context, resource: dict[str, Any]) -> None:
        if content_jobs.is_checked(resource):
            content_jobs.enqueue(resource["id"])

    def after_resource_update(self, context: Context, resource: dict[str, Any]) -> None:
        if content_jobs.is_checked(resource):
            content_jobs.enqueue(resource["id"])

    # IForkObserver

    def before_fork(self) -> None:
        loading.before_fork()

    # IXloader

    def can_upload(self, resource_id: str) -> bool:
        return loading.can_upload(resource_id)

    # ITranslation: DefaultTranslation serves i18n/ckanext-urbanaudit.mo beside this module
