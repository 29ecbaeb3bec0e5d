"""Mapping of records harvested by the upstream harvesters into the inventory schema.

Three upstream harvesters bring records whose shape is not ours: ckanext-dcat's RDF harvester
(``dcat_rdf_harvester``, parsed by our DCAT profile), ckanext-spatial's CSW harvester (``csw``, ISO 19139)
and remote CKAN portals (our ``urbanaudit_ckan``, see ckanportal.py). Whatever the origin, a harvested record

- belongs to a department: ``"department"`` (an organization name) in the harvest source configuration,
  else the harvest source's own organization;
- takes the inventory fields the source cannot know from ``"defaults"`` in the source configuration
  (e.g. ``{"defaults": {"data_steward": "...", "legal_basis": "..."}}``); values the record carries win;
- is **published** when it then has every field the inventory requires for publication, and otherwise
  kept as a **draft** whose "known quality issues" name the missing fields, never refused.
"""
from __future__ import annotations

import json
import logging
import re
import unicodedata
from typing import Any

import ckan.plugins.toolkit as tk
from ckan import authz, model
from ckanext.harvest.model import HarvestSource

from ckanext.urbanaudit import vocabularies
from ckanext.urbanaudit.inventory.fields import publication_required_fields
from ckanext.urbanaudit.utils import EU

log = logging.getLogger(__name__)

PUBLIC = EU + "access-right/PUBLIC"

# EU frequency codes by the words sources use (DCAT literals, CKAN extras, ISO maintenance codes)
FREQUENCY_WORDS = {
    "daily": "DAILY", "weekly": "WEEKLY", "fortnightly": "BIWEEKLY", "biweekly": "BIWEEKLY",
    "monthly": "MONTHLY", "quarterly": "QUARTERLY", "biannually": "BIANNUAL", "biannual": "BIANNUAL",
    "annually": "ANNUAL", "annual": "ANNUAL", "yearly": "ANNUAL", "irregular": "IRREG", "asneeded": "IRREG",
    "continual": "CONT", "continuous": "CONT", "notplanned": "NEVER", "never": "NEVER",
    "codziennie": "DAILY", "dzienna": "DAILY", "tygodniowa": "WEEKLY", "miesieczna": "MONTHLY",
    "kwartalna": "QUARTERLY", "polroczna": "BIANNUAL", "roczna": "ANNUAL", "corocznie": "ANNUAL",
    "nieregularna": "IRREG", "ciagla": "CONT",
}

# Subject words of group, tag and keyword names (ASCII-folded, lower case) -> (EU data theme, ISO 37120 clause)
SUBJECTS: list[tuple[str, str | None, str | None]] = [
    ("transport", "TRAN", "19"), ("komunikac", "TRAN", "19"), ("drog", "TRAN", "19"),
    ("srodowisk", "ENVI", "8"), ("environment", "ENVI", "8"), ("powietrz", "ENVI", "8"),
    ("odpad", "ENVI", "16"), ("waste", "ENVI", "16"), ("woda", "ENVI", "23"), ("water", "ENVI", "23"),
    ("sciek", "ENVI", "22"), ("zielen", "ENVI", "8"),
    ("gospodar", "ECON", "5"), ("economy", "ECON", "5"), ("finans", "ECON", "9"), ("budzet", "ECON", "9"),
    ("demograf", "SOCI", "13"), ("ludnosc", "SOCI", "13"), ("population", "SOCI", "13"),
    ("spoleczn", "SOCI", "13"), ("mieszkanc", "SOCI", "13"), ("mieszkani", "SOCI", "12"),
    ("edukac", "EDUC", "6"), ("education", "EDUC", "6"), ("oswiat", "EDUC", "6"), ("szkol", "EDUC", "6"),
    ("kultur", "EDUC", "17"), ("sport", "EDUC", "17"), ("rekreac", "EDUC", "14"), ("turyst", "EDUC", "14"),
    ("zdrowi", "HEAL", "11"), ("health", "HEAL", "11"),
    ("bezpieczen", "JUST", "15"), ("safety", "JUST", "15"),
    ("energ", "ENER", "7"),
    ("urzad", "GOVE", "10"), ("administrac", "GOVE", "10"), ("government", "GOVE", "10"),
    ("przejrzyst", "GOVE", "10"),
    ("planowan", "REGI", "21"), ("zagospodarowan", "REGI", "21"), ("urban", "REGI", "21"),
    ("rolnict", "AGRI", "20"), ("zywnosc", "AGRI", "20"),
    ("telekomunikac", "TECH", "18"), ("internet", "TECH", "18"),
]


def fold(text: str) -> str:
    """Lower-case ASCII form of a (Polish) word: "Środowisko" -> "srodowisko"."""
    text = unicodedata.normalize("NFKD", str(text).replace("ł", "l").replace("Ł", "L"))
    return "".join(c for c in text if not unicodedata.combining(c)).lower()


def subjects(words: list[str]) -> tuple[list[str], list[str]]:
    """EU data themes and ISO 37120 themes named by subject words (group names, tags, keywords)."""
    eu, iso = [], []
    for word in words:
        parts = re.split(r"[^a-z0-9]+", fold(word))
        for stem, theme, clause in SUBJECTS:
            if any(part.startswith(stem) for part in parts):  # word starts: "transport" is no "sport"
                if theme and EU + "data-theme/" + theme not in eu:
                    eu.append(EU + "data-theme/" + theme)
                if clause and clause not in iso:
                    iso.append(clause)
    return eu, iso


def _known(vocabulary: str, value: Any) -> tuple[str, set[str]]:
    """The value as text and the URIs of the vocabulary."""
    return str(value).strip(), {c["value"] for c in vocabularies.choices(vocabulary)}


def frequency_uri(value: Any) -> str | None:
    """The EU frequency URI of a frequency given as a URI, an EU code or a word; None when unknown."""
    text, known = _known("frequency", value or "")
    if not value or text in known:
        return text if value else None
    code = text.rstrip("/").rsplit("/", 1)[-1]
    for candidate in (code.upper(), FREQUENCY_WORDS.get(re.sub(r"[^a-z]", "", fold(code)), "")):
        if candidate and EU + "frequency/" + candidate in known:
            return EU + "frequency/" + candidate
    return None


def access_rights_uri(value: Any) -> str | None:
    """The EU access-right URI of a URI, code or word ("public", "publiczny"); None when unknown."""
    text, known = _known("access-right", value or "")
    if not value or text in known:
        return text if value else None
    word = fold(text.rstrip("/").rsplit("/", 1)[-1])
    for code, stems in (("NON_PUBLIC", ("non_public", "non-public", "niepubl", "wewnetrz", "internal")),
                        ("RESTRICTED", ("restrict", "ogranicz", "wniosek")),
                        ("PUBLIC", ("public", "publicz", "otwart", "open", "no limitation", "brak ogranicz"))):
        if any(stem in word for stem in stems):
            return EU + "access-right/" + code
    return None


def source_config(source: HarvestSource) -> dict[str, Any]:
    try:
        parsed = json.loads(source.config or "{}")
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


class DepartmentRefused(Exception):
    """A harvest source names a department its creator may not write into: nothing of its records is saved."""


def configured_department(config: dict[str, Any]) -> model.Group | None:
    """The active organization named by ``"department"`` in a source configuration, if any."""
    name = config.get("department")
    group = model.Group.get(str(name)) if name else None
    return group if group is not None and group.is_organization and group.state == "active" else None


def may_write(department: model.Group, source_org: str | None, user: str | None) -> bool:
    """Whether a source owned by ``source_org`` may put records into ``department``: it is the source's own
    organization, or ``user`` (who creates or edits the source, or who created it) may create datasets there
    (sysadmins, the site user of the city files, may everywhere)."""
    own = model.Group.get(source_org) if source_org else None  # an id or a name (the API accepts both)
    if own is not None and own.id == department.id:
        return True
    return bool(user) and authz.has_user_permission_for_group_or_org(department.id, user, "create_dataset")


def department_refused(config: dict[str, Any], source_org: str | None, user: str | None) -> str | None:
    """Why a source owned by ``source_org`` with configuration ``config`` may not be saved by ``user``; None if
    it may."""
    group = configured_department(config)
    if group is None or may_write(group, source_org, user):
        return None
    return tk._('The department "{department}" is neither the organization of the harvest source nor a '
                "department in which {user} may create datasets.").format(department=group.name,
                                                                          user=user or "?")


def department(source: HarvestSource, config: dict[str, Any]) -> str | None:
    """Id of the organization harvested records belong to: the configured department, else the source's.
    Raises :class:`DepartmentRefused` when the configured department is not the source's own organization and
    the source's creator may not create datasets in it (the configuration was changed behind the form's back:
    the source form and API refuse it, see hooks.py)."""
    source_package = model.Package.get(source.id)
    own = source_package.owner_org if source_package is not None else None
    group = configured_department(config)
    if group is not None:
        creator = model.User.get(source_package.creator_user_id or "") if source_package is not None else None
        user = creator.name if creator is not None else None
        if not may_write(group, own, user):
            raise DepartmentRefused(tk._(
                'Harvest source {source}: the department "{department}" is neither its organization nor a '
                "department in which its creator ({user}) may create datasets; nothing was written.").format(
                    source=source_package.name if source_package is not None else source.id,
                    department=group.name, user=user or "?"))
        return group.id
    if config.get("department"):
        log.warning("harvest source %s: department %r is not an organization; using the source's own",
                    source.id, config.get("department"))
    return own


def _empty(value: Any) -> bool:
    if isinstance(value, str):
        value = value.strip()
        if value.startswith("[") or value.startswith("{"):
            try:
                value = json.loads(value)
            except ValueError:
                return False
    if isinstance(value, list):
        return not any(not _empty(v) for v in value)
    if isinstance(value, dict):
        return all(_empty(v) for v in value.values())
    return value in (None, "", "notspecified")


def missing_for_publication(dataset: dict[str, Any]) -> list[dict]:
    """The schema fields required for publication that ``dataset`` lacks."""
    missing = []
    for field in publication_required_fields(dataset.get("type") or "dataset"):
        name = field["field_name"]
        value = dataset.get(name)
        if name == "tag_string" and _empty(value):
            value = [t.get("name") for t in dataset.get("tags") or [] if isinstance(t, dict)]
        if _empty(value):
            missing.append(field)
    return missing


def finish(dataset: dict[str, Any], source: HarvestSource, origin: str) -> dict[str, Any]:
    """Owner, defaults, vocabulary URIs and publication status of a harvested record (changed in place)."""
    for key in [k for k, v in dataset.items() if v is None]:
        del dataset[key]
    config = source_config(source)
    owner = department(source, config)
    if owner:
        dataset["owner_org"] = owner
    for key, value in (config.get("defaults") or {}).items():
        if _empty(dataset.get(key)):
            dataset[key] = value
    if dataset.get("frequency"):
        dataset["frequency"] = frequency_uri(dataset["frequency"]) or ""
    if dataset.get("access_rights"):
        dataset["access_rights"] = access_rights_uri(dataset["access_rights"]) or ""
    for key in ("frequency", "access_rights"):
        if not dataset.get(key):
            dataset.pop(key, None)
    # extras may not repeat a schema field (the package schema refuses it)
    fields = {f for f in dataset if f != "extras"}
    if dataset.get("extras"):
        dataset["extras"] = [e for e in dataset["extras"] if e.get("key") not in fields]
    missing = missing_for_publication(dataset)
    if missing:
        dataset["publication_status"] = "draft"
        gaps = ", ".join(str((f.get("label") or {}).get("pl", f["field_name"])).lower() for f in missing)
        note = f"Brak w metadanych źródła ({origin}): {gaps}"
        known = str(dataset.get("known_quality_issues") or "").strip()
        dataset["known_quality_issues"] = f"{known}\n{note}".strip() if known and note not in known else note
    else:
        dataset["publication_status"] = "published"
    return dataset
