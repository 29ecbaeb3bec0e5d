"""The replay server of the tests lives in the package (the offline demo uses it too): re-exported here."""
from ckanext.urbanaudit.source_server import (  # noqa: F401
    FIXTURES,
    SHARED,
    Handler,
    PostHandler,
    SourceServer,
    bdl_paged,
    ckan_package_search,
    fixture_path,
    load_json,
)
