"""WSGI entry point served by gunicorn (``wsgi:application``).

CKAN 2.11 does not ship a wsgi module inside the ``ckan`` package (the
upstream ``wsgi.py`` lives at the root of the source tree), so the image
carries this equivalent: load the ini named by $CKAN_INI (plus its logging
sections) and build the Flask app.
"""
import os

from ckan.cli import load_config
from ckan.config.middleware import make_app

application = make_app(load_config(os.environ["CKAN_INI"]))
