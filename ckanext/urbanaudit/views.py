"""Blueprints of every concern, collected for CKAN's blanket decorator."""
from __future__ import annotations

from flask import Blueprint

from ckanext.urbanaudit.audit.questionnaire_views import questionnaire_pages
from ckanext.urbanaudit.audit.report_views import report_pages
from ckanext.urbanaudit.audit.target_views import target_pages
from ckanext.urbanaudit.audit.views import team_pages
from ckanext.urbanaudit.comments.views import comments
from ckanext.urbanaudit.danegovpl.views import danegovpl
from ckanext.urbanaudit.dcat.dump import dcat_dump
from ckanext.urbanaudit.indicators.views import indicators
from ckanext.urbanaudit.inventory.views import inventory
from ckanext.urbanaudit.portal.guides import guides
from ckanext.urbanaudit.portal.views import home_page, researchers
from ckanext.urbanaudit.quality.views import quality
from ckanext.urbanaudit.requests.views import requests_pages


def get_blueprints() -> list[Blueprint]:
    # home_page first: its "/" precedes ckanext-dcat's and CKAN's (the first rule added for a path wins)
    return [home_page, team_pages, questionnaire_pages, target_pages, report_pages, danegovpl, indicators, inventory,
            quality, researchers, requests_pages, comments, guides, dcat_dump]
