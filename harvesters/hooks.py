"""Plugin ``urbanaudit_upstream``: hooks into the upstream harvesters (mapping rules in upstream.py).

A plugin of its own, not part of ``urbanaudit``: ISpatialHarvester's ``get_validators`` (ISO validators)
would clash with the ``get_validators`` of IValidators that the main plugin implements.

- ckanext-dcat's ``dcat_rdf_harvester`` (``IDCATRDFHarvester.before_create/before_update``): the record our
  DCAT profile parsed (themes, spatial, frequency, access rights) gets its department and publication status.
- ckanext-spatial's ``csw`` harvester (``ISpatialHarvester.get_package_dict``): the ISO 19139 record's
  bounding box becomes the GeoJSON ``spatial`` field, its INSPIRE theme keyword our ``inspire_theme``, its
  maintenance frequency, access constraints, dates and responsible party the inventory fields.
- ``package_create`` / ``package_update`` of a harvest source (chained: the source form, ``harvest_source_create``
  and ``harvest_source_update`` all end there): a ``"department"`` in its configuration must be the source's own
  organization or one in which the user saving it may create datasets (harvest jobs write as the site user, so
  an editor of one department could otherwise have records published in another). The import checks it again
  against the source's creator (upstream.department).
"""
from __future__ import annotations

import json
import re
from typing import Any

import ckan.plugins as p
import ckan.plugins.toolkit as tk
import requests
from ckan import model
from ckan.types import Action, Context, DataDict
from ckanext.dcat.interfaces import IDCATRDFHarvester
from ckanext.harvest.model import HarvestObject, HarvestObjectError, HarvestSource
from ckanext.spatial.interfaces import ISpatialHarvester
from ckanext.urbanaudit.harvesters import upstream
from lxml import etree

from ckanext.urbanaudit import config as ua_config
from ckanext.urbanaudit import netguard, vocabularies

NAMESPACES = {"gmd": "http://www.isotc211.org/2005/gmd", "gmx": "http://www.isotc211.org/2005/gmx",
              "gco": "http://www.isotc211.org/2005/gco", "xlink": "http://www.w3.org/1999/xlink"}


XML_ENTITY = re.compile(r"<!ENTITY", re.IGNORECASE)
HARVEST_SOURCE = "harvest"  # the dataset type of ckanext-harvest's sources


class UpstreamHarvestPlugin(p.SingletonPlugin):
    p.implements(IDCATRDFHarvester, inherit=True)
    p.implements(ISpatialHarvester, inherit=True)
    p.implements(p.IActions)

    # IActions

    def get_actions(self) -> dict[str, Action]:
        return {"package_create": package_create, "package_update": package_update}

    # IDCATRDFHarvester

    def before_download(self, url: str, harvest_job: Any) -> tuple[str | None, list[str]]:
        """The shared SSRF guard: no local file, no non-public address (ckanext.urbanaudit.http.allow)."""
        reason = netguard.refusal(url, ua_config.http_settings()["allow"])
        return (None, [f"{url}: {reason}"]) if reason else (url, [])

    def update_session(self, session: requests.Session) -> requests.Session:
        allow = ua_config.http_settings()["allow"]
        for prefix in ("http://", "https://"):
            session.mount(prefix, netguard.GuardedAdapter(allow))
        session.trust_env = False
        return session

    def after_download(self, content: str, harvest_job: Any) -> tuple[str | None, list[str]]:
        """A document declaring XML entities (entity expansion, external entities) is refused unparsed."""
        if content and XML_ENTITY.search(content):
            return None, ["refused: the document declares XML entities (<!ENTITY>)"]
        return content, []

    def before_create(self, harvest_object: HarvestObject, dataset_dict: dict[str, Any],
                      temp_dict: dict[str, Any]) -> None:
        upstream.finish(dataset_dict, harvest_object.source, "DCAT")

    def before_update(self, harvest_object: HarvestObject, dataset_dict: dict[str, Any],
                      temp_dict: dict[str, Any]) -> None:
        upstream.finish(dataset_dict, harvest_object.source, "DCAT")

    # ISpatialHarvester

    def get_package_dict(self, context: Context, data_dict: dict[str, Any]) -> dict[str, Any] | None:
        package = data_dict["package_dict"]
        if not package:
            return package
        iso = data_dict.get("iso_values") or {}
        harvest_object = data_dict["harvest_object"]
        try:
            return upstream.finish(iso_record(package, iso, data_dict.get("xml_tree")), harvest_object.source,
                                   "ISO 19139 / CSW")
        except upstream.DepartmentRefused as e:
            # ckanext-spatial calls this hook outside its error handling: record why and return no package,
            # which ends the object's import as failed with nothing written
            HarvestObjectError.create(str(e), harvest_object, "Import")
            return None


@tk.chained_action
def package_create(original_action: Action, context: Context, data_dict: DataDict) -> Any:
    if data_dict.get("type") == HARVEST_SOURCE:
        _check_source_department(context, data_dict.get("config"), data_dict.get("owner_org"))
    return original_action(context, data_dict)


@tk.chained_action
def package_update(original_action: Action, context: Context, data_dict: DataDict) -> Any:
    existing = model.Package.get(str(data_dict.get("id") or data_dict.get("name") or ""))
    if HARVEST_SOURCE in (data_dict.get("type"), existing.type if existing is not None else None):
        source = HarvestSource.get(existing.id) if existing is not None else None
        config = data_dict.get("config", source.config if source is not None else None)
        owner = data_dict.get("owner_org") or (existing.owner_org if existing is not None else None)
        _check_source_department(context, config, owner)
    return original_action(context, data_dict)


def _check_source_department(context: Context, config_text: Any, owner_org: str | None) -> None:
    """Refuse a source whose configured department the saving user may not write into."""
    if context.get("ignore_auth"):
        return
    try:
        config = json.loads(config_text or "{}")
    except (TypeError, ValueError):
        return  # the harvester's validate_config reports a configuration that is not JSON
    if not isinstance(config, dict):
        return
    reason = upstream.department_refused(config, owner_org, context.get("user"))
    if reason:
        raise tk.ValidationError({"config": [reason]})


def _first(values: Any) -> str:
    if isinstance(values, list):
        return str(values[0]) if values else ""
    return str(values or "")


def inspire_theme(keywords: list[str]) -> str | None:
    """The INSPIRE theme URI named by a keyword (URI, English or Polish label), e.g. "Orthoimagery"."""
    by_word = {}
    for choice in vocabularies.choices("inspire-theme"):
        by_word[choice["value"].lower()] = choice["value"]
        for label in choice["label"].values():
            by_word[upstream.fold(label)] = choice["value"]
    for keyword in keywords:
        key = keyword.strip().lower() if keyword.strip().startswith("http") else upstream.fold(keyword.strip())
        if key in by_word:
            return by_word[key]
    return None


def _keywords(iso: dict, xml_tree: etree._Element | None) -> list[str]:
    words = [w for group in iso.get("keywords") or [] for w in group.get("keyword") or []]
    words += list(iso.get("tags") or [])
    if xml_tree is not None:
        words += [str(v) for v in xml_tree.xpath(
            "//gmd:descriptiveKeywords//gmd:keyword/gmx:Anchor/@xlink:href"
            " | //gmd:descriptiveKeywords//gmd:keyword/gmx:Anchor/text()", namespaces=NAMESPACES)]
    return words


def iso_record(package: dict[str, Any], iso: dict[str, Any], xml_tree: etree._Element | None = None) -> dict[str, Any]:
    """The inventory fields of an ISO 19139 record beside ckanext-spatial's default package dict."""
    extras = {e["key"]: e["value"] for e in package.get("extras") or []}
    record = dict(package, type="dataset")
    if extras.get("spatial"):
        record["spatial"] = json.dumps(json.loads(extras["spatial"]))
    words = _keywords(iso, xml_tree)
    theme = inspire_theme(words)
    if theme:
        record["inspire_theme"] = theme
    eu, iso37120 = upstream.subjects(words)
    if eu:
        record["theme"] = eu
    if iso37120:
        record["iso37120_theme"] = iso37120
    frequency = upstream.frequency_uri(_first(iso.get("frequency-of-update")))
    if frequency:
        record["frequency"] = frequency
    access = upstream.access_rights_uri(_first(iso.get("limitations-on-public-access")))
    if access:
        record["access_rights"] = access
    for field, keys in (("modified", ("date-updated", "metadata-date")), ("issued", ("date-released", "date-created"))):
        for key in keys:
            value = _first(iso.get(key))[:10]
            if len(value) == 10:
                record[field] = value
                break
    parties = iso.get("responsible-organisation") or []
    contact = [{"name": p.get("organisation-name") or p.get("individual-name") or "",
                "email": ((p.get("contact-info") or {}).get("email") or "")} for p in parties[:1]]
    if contact and (contact[0]["name"] or contact[0]["email"]):
        record["contact"] = contact
    record["source_system"] = "ISO 19139 / CSW"
    return {k: v for k, v in record.items() if v is not None}
