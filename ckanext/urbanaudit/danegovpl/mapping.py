"""Our inventory schema mapped onto dane.gov.pl's XML harvester format 1.10.

One function decides what the national portal receives for a record
(``classify``) and one turns a record into a ``<dataset>`` element
(``dataset_element``). The tables below are the mapping documented in
README.md ("Publishing to dane.gov.pl"); the XSD they follow is
``xml_import_otwarte_dane_1_10.xsd`` beside this module.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from lxml import etree

from ckanext.urbanaudit.utils import EU

NS = "urn:otwarte-dane:harvester:1.10"
NON_PUBLIC = EU + "access-right/NON_PUBLIC"
RESTRICTED = EU + "access-right/RESTRICTED"
HVD_REGULATION = "http://data.europa.eu/eli/reg_impl/2023/138/oj"

# EU data themes -> dane.gov.pl categories (categoryType): dane.gov.pl took over
# the 13 EU codes one to one; OP_DATPRO ("provisional data") has no category.
CATEGORIES = ("AGRI", "ECON", "EDUC", "ENER", "ENVI", "GOVE", "HEAL", "INTR", "JUST", "REGI", "SOCI", "TECH", "TRAN")

# EU frequency -> updateFrequency. The XSD knows nothing rarer than yearly and
# nothing more frequent than daily: continuous updates are sent as daily, and
# biennial / irregular / never / unknown as notApplicable (never a promise the
# city does not make).
FREQUENCIES = {
    "CONT": "daily", "UPDATE_CONT": "daily", "DAILY": "daily", "WEEKLY": "weekly", "MONTHLY": "monthly",
    "QUARTERLY": "quarterly", "BIANNUAL": "everyHalfYear", "ANNUAL": "yearly",
}
DYNAMIC_FREQUENCIES = {"CONT", "UPDATE_CONT"}

# CKAN licence ids -> conditions of re-use (conditionsType). dane.gov.pl's list
# (dbOrCopyrightedLicenseChosen) has the six CC 4.0 licences and no CC0:
# public-domain dedications go out with no conditions at all, which under the
# Polish re-use act means re-use without conditions.
CC_CHOSEN = {"cc-by": "CC BY 4.0", "cc-by-sa": "CC BY-SA 4.0", "cc-nc": "CC BY-NC 4.0"}
PUBLIC_DOMAIN = {"cc-zero", "odc-pddl", "other-pd"}
ATTRIBUTION_ONLY = {"odc-by", "other-at", "uk-ogl", "odc-odbl", "gfdl", "other-open", "other-nc"}
CLOSED = {"other-closed"}

TITLE_MAX, DESCRIPTION_MAX, URL_MAX, DATASET_URL_MAX, RESPONSIBILITIES_MAX = 300, 1000, 2000, 1000, 4000
ELLIPSIS = "…"
# what XML 1.0 does not allow in a document (C0 controls but tab, LF, CR; lone surrogates; U+FFFE/U+FFFF):
# lxml refuses to write them, dane.gov.pl's parser would refuse to read them
XML_FORBIDDEN = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")

# Reasons a record is left out, and warnings about what was adapted (codes; labels in views).
REASONS = ("private", "internal", "restricted", "draft", "personal_data", "no_licence",
           "closed_licence", "no_category", "no_tags", "no_resources", "no_description")
WARNINGS = ("shortened_title", "shortened_description", "generated_resource_description", "skipped_http_resource",
            "licence_without_equivalent", "no_english")


@dataclass
class Decision:
    """What dane.gov.pl gets for one record: ``status`` "published", "draft" (withdrawn) or None (left out)."""

    status: str | None
    reasons: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _code(uri: str | None) -> str:
    return (uri or "").rstrip("/").rsplit("/", 1)[-1]


def xml_text(value: str) -> str:
    """``value`` without the characters XML 1.0 forbids: every text the feed writes passes here."""
    return XML_FORBIDDEN.sub("", value)


def _text(value: Any) -> str:
    return xml_text(value).strip() if isinstance(value, str) else ""


def categories(pkg: dict) -> list[str]:
    themes = pkg.get("theme") or []
    if isinstance(themes, str):
        themes = [themes]
    seen: list[str] = []
    for uri in themes:
        code = _code(uri)
        if code in CATEGORIES and code not in seen:
            seen.append(code)
    return seen


def tags(pkg: dict) -> list[str]:
    names = [t.get("name") for t in pkg.get("tags") or [] if isinstance(t, dict)]
    if not names and pkg.get("tag_string"):
        names = str(pkg["tag_string"]).split(",")
    cleaned = (_text(n) for n in names)
    return [n for n in cleaned if n]


def https_url(resource: dict) -> str | None:
    """The resource's address if dane.gov.pl accepts it: https only (XSD pattern; its CKAN
    harvester rejects other schemes too)."""
    url = _text(resource.get("url"))
    if url.startswith("https://") and len(url) <= URL_MAX and urlsplit(url).netloc:
        return url
    return None


def bilingual(obj: dict, name: str) -> tuple[str, str]:
    """(Polish, English) of a text field. ``<name>_translated`` (ckanext-dcat's multilingual
    convention) wins where a schema has it; otherwise the plain field is the Polish text (the
    portal's language) and there is no English."""
    translated = obj.get(f"{name}_translated")
    plain = _text(obj.get(name))
    if isinstance(translated, dict):
        pl, en = _text(translated.get("pl")), _text(translated.get("en"))
        return pl or plain, en
    return plain, ""


def shorten(text: str, limit: int) -> tuple[str, bool]:
    """Cut at a word boundary and mark the cut with an ellipsis; (text, was_cut)."""
    if len(text) <= limit:
        return text, False
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip() + ELLIPSIS, True


def classify(pkg: dict) -> Decision:
    """Published, withdrawn ("draft": dane.gov.pl keeps it hidden) or left out, with the reasons. A deleted
    record is never classified: it is left out of the feed, and dane.gov.pl's harvester deletes a data set
    missing from a successful import (README, "Publishing to dane.gov.pl")."""
    decision = Decision(status=None)
    reasons = decision.reasons
    if pkg.get("private"):
        reasons.append("private")
    access = pkg.get("access_rights")
    if access == NON_PUBLIC:
        reasons.append("internal")
    elif access == RESTRICTED:
        reasons.append("restricted")
    publication = pkg.get("publication_status") or "draft"
    if publication == "draft":
        reasons.append("draft")
    if pkg.get("personal_data") == "yes":
        reasons.append("personal_data")
    licence = pkg.get("license_id") or ""
    if not licence or licence == "notspecified":
        reasons.append("no_licence")
    elif licence in CLOSED:
        reasons.append("closed_licence")
    if not categories(pkg):
        reasons.append("no_category")
    if not tags(pkg):
        reasons.append("no_tags")
    resources = [r for r in pkg.get("resources") or [] if r.get("state", "active") == "active"]
    if not any(https_url(r) for r in resources):
        reasons.append("no_resources")
    if not bilingual(pkg, "title")[0] or not bilingual(pkg, "notes")[0]:
        reasons.append("no_description")
    if reasons:
        return decision
    decision.status = "draft" if publication == "withdrawn" else "published"
    return decision


def _el(parent: etree._Element, tag: str, text: str | None = None, **attrib: str) -> etree._Element:
    child = etree.SubElement(parent, f"{{{NS}}}{tag}", attrib)
    if text is not None:
        child.text = xml_text(text)
    return child


def _pair(parent: etree._Element, tag: str, pl: str, en: str, *, limit: int, decision: Decision, kind: str) -> None:
    element = _el(parent, tag)
    pl, cut = shorten(pl, limit)
    _el(element, "polish", pl)
    if en:
        en, cut_en = shorten(en, limit)
        _el(element, "english", en)
        cut = cut or cut_en
    if cut and f"shortened_{kind}" not in decision.warnings:
        decision.warnings.append(f"shortened_{kind}")


def _datetime(value: Any) -> str | None:
    """CKAN timestamps are naive UTC: say so with Z (xs:dateTime)."""
    text = _text(value)
    if not re.match(r"^\d{4}-\d{2}-\d{2}", text):
        return None
    if len(text) == 10:
        return text + "T00:00:00Z"
    text = text.replace(" ", "T")
    return text if re.search(r"(Z|[+-]\d{2}:\d{2})$", text) else text + "Z"


def _date(value: Any) -> str | None:
    text = _text(value)
    return text[:10] if re.match(r"^\d{4}-\d{2}-\d{2}", text) else None


def _conditions(parent: etree._Element, licence: str, decision: Decision) -> None:
    if licence in PUBLIC_DOMAIN:
        return
    conditions = _el(parent, "conditions")
    _el(conditions, "source", "true")
    if licence in CC_CHOSEN:
        # CC 4.0 asks the re-user to credit the source and to say whether the material was changed.
        _el(conditions, "modification", "true")
        chosen = CC_CHOSEN[licence]
        _el(conditions, "dbOrCopyrighted", f"Informacje udostępnia się na warunkach licencji {chosen}.")
        _el(conditions, "dbOrCopyrightedLicenseChosen", chosen)
    else:
        decision.warnings.append("licence_without_equivalent")


def is_high_value(pkg: dict) -> bool:
    legislation = pkg.get("applicable_legislation") or []
    if isinstance(legislation, str):
        legislation = [legislation]
    return any(_text(uri).rstrip("/") == HVD_REGULATION for uri in legislation)


def dataset_element(pkg: dict, decision: Decision, *, site_url: str) -> etree._Element:
    """The ``<dataset>`` element of a record ``classify`` let through (status set)."""
    assert decision.status is not None
    dataset = etree.Element(f"{{{NS}}}dataset", status=decision.status)
    _el(dataset, "extIdent", pkg["id"])
    title_pl, title_en = bilingual(pkg, "title")
    notes_pl, notes_en = bilingual(pkg, "notes")
    if not title_en and not notes_en:
        decision.warnings.append("no_english")
    _pair(dataset, "title", title_pl, title_en, limit=TITLE_MAX, decision=decision, kind="title")
    _pair(dataset, "description", notes_pl, notes_en, limit=DESCRIPTION_MAX, decision=decision, kind="description")
    landing = _text(pkg.get("url"))
    if not (landing.startswith(("http://", "https://")) and len(landing) <= DATASET_URL_MAX):
        landing = f"{site_url.rstrip('/')}/dataset/{pkg['name']}"
    _el(dataset, "url", landing)
    frequency = _code(pkg.get("frequency"))
    _el(dataset, "updateFrequency", FREQUENCIES.get(frequency, "notApplicable"))
    cats = _el(dataset, "categories")
    for code in categories(pkg):
        _el(cats, "category", code)
    _conditions(dataset, pkg.get("license_id") or "", decision)

    high_value = is_high_value(pkg)
    dynamic = frequency in DYNAMIC_FREQUENCIES
    resources = _el(dataset, "resources")
    for res in pkg.get("resources") or []:
        if res.get("state", "active") != "active":
            continue
        url = https_url(res)
        if not url:
            if "skipped_http_resource" not in decision.warnings:
                decision.warnings.append("skipped_http_resource")
            continue
        resources.append(_resource_element(res, url, pkg, decision, high_value=high_value, dynamic=dynamic))
    tag_list = _el(dataset, "tags")
    for name in tags(pkg):
        _el(tag_list, "tag", name, lang="pl")
    modified = _datetime(pkg.get("metadata_modified"))
    if modified:
        _el(dataset, "lastUpdateDate", modified)
    _el(dataset, "hasDynamicData", "true" if dynamic else "false")
    _el(dataset, "hasHighValueData", "true" if high_value else "false")
    return dataset


def _resource_element(res: dict, url: str, pkg: dict, decision: Decision, *, high_value: bool,
                      dynamic: bool) -> etree._Element:
    status = "draft" if decision.status == "draft" else "published"
    resource = etree.Element(f"{{{NS}}}resource", status=status)
    _el(resource, "extIdent", res["id"])
    _el(resource, "url", url)
    name_pl, name_en = bilingual(res, "name")
    fmt = _text(res.get("format")).upper()
    if not name_pl:
        name_pl = urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1] or f"{bilingual(pkg, 'title')[0]} ({fmt or url})"
    _pair(resource, "title", name_pl, name_en, limit=TITLE_MAX, decision=decision, kind="title")
    desc_pl, desc_en = bilingual(res, "description")
    if not desc_pl:
        # the XSD requires a Polish description: say only what is known, and flag it for the steward
        desc_pl = f"Zasób „{name_pl}” zbioru danych „{bilingual(pkg, 'title')[0]}”"
        desc_pl += f" w formacie {fmt}." if fmt else "."
        if "generated_resource_description" not in decision.warnings:
            decision.warnings.append("generated_resource_description")
    _pair(resource, "description", desc_pl, desc_en, limit=DESCRIPTION_MAX, decision=decision, kind="description")
    _el(resource, "availability", "remote")
    data_date = _date(res.get("modified")) or _date(pkg.get("modified"))
    if data_date:
        _el(resource, "dataDate", data_date)
    updated = _datetime(res.get("metadata_modified") or res.get("last_modified") or pkg.get("metadata_modified"))
    if updated:
        _el(resource, "lastUpdateDate", updated)
    _el(resource, "hasDynamicData", "true" if dynamic else "false")
    _el(resource, "hasHighValueData", "true" if high_value else "false")
    return resource
