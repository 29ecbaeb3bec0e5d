"""The WSGI application for a production server: ``gunicorn ckanext.urbanaudit.wsgi:application`` with
``CKAN_INI`` naming the ini (CKAN 2.11 ships no wsgi module inside the ``ckan`` package; its deployment docs
serve this same ``make_app(load_config(ini))`` through a WSGI server). Used by ``make demo`` and the docker
image."""
import os

from ckan.cli import load_config
from ckan.config.middleware import make_app

application = make_app(load_config(os.environ["CKAN_INI"]))
