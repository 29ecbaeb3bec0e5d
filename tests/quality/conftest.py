"""Fixtures of the quality tests: the link server and the vocabularies the metrics read."""
from __future__ import annotations

from importlib.resources import files

import pytest
import yaml
from ckan.model.license import LicenseRegister

from ckanext.urbanaudit import vocabularies
from ckanext.urbanaudit.quality import metrics, store
from tests.quality.link_server import LinkServer


@pytest.fixture
def server():
    s = LinkServer()
    yield s
    s.stop()


@pytest.fixture(scope="module")
def voc():
    """What store.vocabularies() builds in the portal, from the same data: vocabularies, licence register,
    and the inventory schema's fields required for publication."""
    schema = yaml.safe_load((files("ckanext.urbanaudit.schemas") / "inventory.yaml").read_text("utf-8"))
    licences = [metrics.Licence(lic.id, lic.title, lic.url or "", lic.isopen()) for lic in LicenseRegister().values()]
    return metrics.make_vocabularies(
        file_types=vocabularies.choices("file-type"),
        themes=(c["value"] for c in vocabularies.choices("data-theme")),
        frequencies=(c["value"] for c in vocabularies.choices("frequency")),
        access_rights=(c["value"] for c in vocabularies.choices("access-right")),
        licences=licences,
        required_fields=[f["field_name"] for f in schema["dataset_fields"] if f.get("publication_required")],
        recommended_fields=store.RECOMMENDED_FIELDS)
