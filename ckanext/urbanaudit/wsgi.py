"""The WSGI application for a production server: ``gunicorn 'ckanext.urbanaudit.wsgi:make_application()'`` with
``CKAN_INI`` naming the ini (CKAN 2.11 ships no wsgi module inside the ``ckan`` package; its deployment docs
serve this same ``make_app(load_config(ini))`` through a WSGI server). Used by ``make demo``, the page benchmarks
and the docker image. A factory, so that importing the module needs no configuration."""
import os
from typing import Any

from ckan.cli import load_config
from ckan.config.middleware import make_app


def make_application() -> Any:
    return make_app(load_config(os.environ["CKAN_INI"]))
