"""WSGI entry point served by gunicorn (``wsgi:application``): the package's own factory, reading ``$CKAN_INI``."""
from ckanext.urbanaudit.wsgi import make_application

application = make_application()
