"""Plugin ``urbanaudit_csw``: ckanext-spatial's CSW harvester with one upstream bug worked around.

ckanext-spatial 2.3.2's ``CSWHarvester.fetch_stage`` means to drop the XML declaration that its CSW client
puts before each record (``re.sub('<xml(.*)>', ...)`` — the pattern misses the ``?``), so the import stage
hands lxml a ``str`` that still declares an encoding and every record fails with "Unicode strings with
encoding declaration are not supported". This subclass removes the declaration after the stock fetch;
everything else (gather, ISO parsing, ISpatialHarvester hooks such as ``urbanaudit_upstream``) is upstream's.
"""
from __future__ import annotations

import re
from typing import Self

from ckanext.harvest.model import HarvestObject
from ckanext.spatial.harvesters.csw import CSWHarvester

DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>\s*")


class UrbanauditCswHarvester(CSWHarvester):
    def __new__(cls, *args, **kwargs) -> Self:
        # SingletonPlugin keeps its instance in ``cls._instance``, which a subclass would find on the stock
        # CSWHarvester (when ``csw_harvester`` is loaded too) and so never become a plugin of its own
        if "_instance" not in cls.__dict__:
            cls._instance = object.__new__(cls)
        return cls._instance

    def info(self) -> dict[str, str]:
        return {"name": "urbanaudit_csw", "title": "CSW / INSPIRE (urban audit)",
                "description": "A CSW 2.0.2 catalogue (e.g. an INSPIRE geoportal) harvested by ckanext-spatial "
                               "into the urban-audit inventory."}

    def fetch_stage(self, harvest_object: HarvestObject) -> bool:
        if not super().fetch_stage(harvest_object):
            return False
        if harvest_object.content and DECLARATION.match(harvest_object.content):
            harvest_object.content = DECLARATION.sub("", harvest_object.content, count=1)
            harvest_object.save()
        return True
