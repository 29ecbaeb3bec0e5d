"""WSGI entry point served by gunicorn (``wsgi:application``): the package's own, reading ``$CKAN_INI``."""
from ckanext.urbanaudit.wsgi import application  # noqa: F401
