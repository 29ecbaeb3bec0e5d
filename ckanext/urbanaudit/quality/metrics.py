"""Quality metrics of one data set: pure functions over a dataset dict.

The dict has the shape ``package_show`` returns for the inventory schema
(lists already parsed); ``quality.store`` builds the same shape straight from
the database so a full recompute needs no ``package_show`` per data set.

Two families of metrics:

* the EU data portal's Metadata Quality Assessment (MQA), 405 points in five
  dimensions, computed on the record as its DCAT-AP rendering (ckanext-dcat)
  shows it: the publisher falls back to the owning department, the release and
  modification dates to the record's own dates. For distribution metrics the
  *best distribution* counts: the one distribution with the most
  distribution points, not the best of each metric taken separately.
* the audit's own dimensions, outside the 405: timeliness against the declared
  update frequency, completeness of the inventory fields and five-star openness.

Every metric explains itself: points got, points possible, why and what to
change. Texts are English message ids (``N_``) with ``%(name)s`` parameters,
translated when shown (``quality.text``).
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from ckanext.urbanaudit.utils import EU, N_

MQA_MAX = 405
BANDS = (  # lowest score of each band, best first
    (351, "excellent"),
    (221, "good"),
    (121, "sufficient"),
    (0, "bad"),
)
BAND_LABELS = {
    "excellent": N_("Excellent"),
    "good": N_("Good"),
    "sufficient": N_("Sufficient"),
    "bad": N_("Bad"),
}
DIMENSIONS = {
    "findability": N_("Findability"),
    "accessibility": N_("Accessibility"),
    "interoperability": N_("Interoperability"),
    "reusability": N_("Reusability"),
    "contextuality": N_("Contextuality"),
    "timeliness": N_("Timeliness"),
    "completeness": N_("Completeness"),
    "openness": N_("Openness"),
    "contents": N_("Contents"),
}
MQA_DIMENSIONS = ("findability", "accessibility", "interoperability", "reusability", "contextuality")
AUDIT_DIMENSIONS = ("timeliness", "completeness", "openness")
# what a look inside the files finds (ckanext.urbanaudit.contents.checks); outside the MQA points
CONTENT_DIMENSIONS = ("contents",)
TABULAR_FORMATS = frozenset({"CSV", "XLSX", "TEXT/CSV", "APPLICATION/CSV"})
CHECKED_FORMATS = TABULAR_FORMATS | {"GEOJSON"}  # the files whose contents are checked

FREQUENCY_DAYS = {  # the longest a record may go without an update, per declared frequency
    "CONT": 1, "DAILY": 1, "WEEKLY": 7, "MONTHLY": 31, "QUARTERLY": 92, "BIANNUAL": 183,
    "ANNUAL": 366, "BIENNIAL": 731,
}
RDF_FORMATS = {"RDF_XML", "RDF_TURTLE", "JSON_LD", "RDF", "TTL", "N3", "NT"}
OK_STATUS = range(200, 300)


def band(score: int) -> str:
    for lowest, name in BANDS:
        if score >= lowest:
            return name
    return "bad"


# ----------------------------------------------------------------- context


@dataclass(frozen=True)
class FileType:
    code: str
    media_type: str
    machine_readable: bool
    non_proprietary: bool


@dataclass(frozen=True)
class Licence:
    id: str
    title: str
    url: str
    is_open: bool


@dataclass(frozen=True)
class LinkResult:
    """The latest stored link check of one URL."""

    url: str
    status_code: int | None
    error: str | None
    checked_at: datetime | None = None
    content_type: str | None = None
    size: int | None = None

    @property
    def ok(self) -> bool:
        return self.status_code in OK_STATUS


@dataclass(frozen=True)
class Vocabularies:
    """What the metrics compare values against (built once per run)."""

    themes: frozenset[str]
    frequencies: frozenset[str]
    access_rights: frozenset[str]
    file_types: Mapping[str, FileType]  # by upper-case code, label and URI
    media_types: frozenset[str]
    licences: Mapping[str, Licence]  # by id and by URL
    required_fields: tuple[str, ...]
    recommended_fields: tuple[str, ...]

    def file_type(self, fmt: str | None) -> FileType | None:
        if not fmt:
            return None
        key = fmt.strip().upper()
        return self.file_types.get(key) or self.file_types.get(key.lstrip(".")) or self.file_types.get(
            key.rsplit("/", 1)[-1])

    def licence(self, value: str | None) -> Licence | None:
        if not value:
            return None
        return self.licences.get(value.strip()) or self.licences.get(value.strip().rstrip("/"))


def make_vocabularies(*, file_types: Iterable[dict], themes: Iterable[str], frequencies: Iterable[str],
                      access_rights: Iterable[str], licences: Iterable[Licence],
                      required_fields: Iterable[str], recommended_fields: Iterable[str]) -> Vocabularies:
    by_key: dict[str, FileType] = {}
    media: set[str] = set()
    for entry in file_types:
        ft = FileType(entry["code"], entry.get("media_type", ""), bool(entry.get("machine_readable")),
                      bool(entry.get("non_proprietary")))
        label = entry.get("label", {})
        for key in (entry["code"], entry["value"], label.get("en", ""), label.get("pl", "")):
            if key:
                by_key.setdefault(key.upper(), ft)
        if ft.media_type:
            media.add(ft.media_type.lower())
    lic: dict[str, Licence] = {}
    for licence in licences:
        if licence.id == "notspecified":
            continue
        lic[licence.id] = licence
        if licence.url:
            lic.setdefault(licence.url.rstrip("/"), licence)
    return Vocabularies(frozenset(themes), frozenset(frequencies), frozenset(access_rights), by_key,
                        frozenset(media), lic, tuple(required_fields), tuple(recommended_fields))


# ----------------------------------------------------------------- results


def metric(id_: str, dimension: str, label: str, points: int, possible: int, why: str,  # noqa: PLR0917
           fix: str | None = None, **params: Any) -> dict:
    """One metric's result; ``why``/``fix`` are message ids formatted with ``params``."""
    return {"id": id_, "dimension": dimension, "label": label, "points": points, "max": possible,
            "why": why, "fix": fix if points < possible else None, "params": params}


@dataclass
class Result:
    metrics: list[dict] = field(default_factory=list)
    best_distribution: str | None = None

    @property
    def score(self) -> int:
        return sum(m["points"] for m in self.metrics if m["dimension"] in MQA_DIMENSIONS)

    @property
    def band(self) -> str:
        return band(self.score)

    def dimension(self, name: str) -> tuple[int, int]:
        ms = [m for m in self.metrics if m["dimension"] == name]
        return sum(m["points"] for m in ms), sum(m["max"] for m in ms)

    def as_dict(self) -> dict:
        return {
            "score": self.score,
            "max": MQA_MAX,
            "band": self.band,
            "dimensions": {name: dict(zip(("points", "max"), self.dimension(name), strict=True))
                           for name in MQA_DIMENSIONS + AUDIT_DIMENSIONS + CONTENT_DIMENSIONS},
            "best_distribution": self.best_distribution,
            "metrics": self.metrics,
        }


# ----------------------------------------------------------------- helpers


def _filled(value: Any) -> bool:
    if value is None:
        return False
    if isinstance(value, str):
        return bool(value.strip())
    if isinstance(value, list | tuple | set | dict):
        if isinstance(value, dict):
            return any(_filled(v) for v in value.values())
        return any(_filled(v) for v in value)
    return True


def _as_list(value: Any) -> list:
    if value is None or value == "":
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def _tags(pkg: dict) -> list[str]:
    tags = [t.get("name") if isinstance(t, dict) else t for t in pkg.get("tags") or []]
    if not tags and pkg.get("tag_string"):
        tags = [t.strip() for t in str(pkg["tag_string"]).split(",")]
    return [t for t in tags if t]


_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})")


def parse_date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    match = _DATE.match(str(value or ""))
    if not match:
        return None
    try:
        return date(*(int(g) for g in match.groups()))
    except ValueError:
        return None


def _code(uri: str | None, scheme: str) -> str | None:
    if uri and uri.startswith(EU + scheme + "/"):
        return uri.rsplit("/", 1)[-1]
    return None


# ----------------------------------------------------------------- MQA


def _findability(pkg: dict) -> list[dict]:
    out = []
    tags = _tags(pkg)
    out.append(metric("keyword", "findability", N_("Keywords"), 30 if tags else 0, 30,
                      N_("%(count)s keywords describe the data set.") if tags else N_("No keywords."),
                      N_("Add keywords that users would search for."), count=len(tags)))
    themes = _as_list(pkg.get("theme"))
    out.append(metric("theme", "findability", N_("Theme"), 30 if themes else 0, 30,
                      N_("A theme from the EU Data Themes is set.") if themes else N_("No theme."),
                      N_("Choose at least one theme (EU Data Themes).")))
    spatial = _filled(pkg.get("spatial")) or _filled(pkg.get("spatial_coverage"))
    out.append(metric("spatial", "findability", N_("Spatial coverage"), 20 if spatial else 0, 20,
                      N_("The area the data covers is given.") if spatial else N_("No spatial coverage."),
                      N_("Give the spatial extent (GeoJSON) or name the area covered.")))
    temporal = any(_filled(p) for p in _as_list(pkg.get("temporal_coverage")))
    out.append(metric("temporal", "findability", N_("Temporal coverage"), 20 if temporal else 0, 20,
                      N_("The period the data covers is given.") if temporal else N_("No temporal coverage."),
                      N_("Give the period the data covers (start and end dates).")))
    return out


def _distribution_metrics(res: dict, pkg: dict, voc: Vocabularies, links: Mapping[str, LinkResult]) -> list[dict]:
    out = []
    access = (res.get("url") or "").strip()
    download = (res.get("download_url") or "").strip()

    def link_metric(id_: str, label: str, url: str, possible: int, absent_why: str,  # noqa: PLR0917
                    absent_fix: str) -> dict:
        if not url:
            return metric(id_, "accessibility", label, 0, possible, absent_why, absent_fix)
        check = links.get(url)
        if check is None:
            return metric(id_, "accessibility", label, 0, possible, N_("Not checked yet: %(url)s"),
                          N_("Wait for the link check, or ask an administrator to run it."), url=url)
        if check.ok:
            return metric(id_, "accessibility", label, possible, possible, N_("%(url)s answered %(status)s."),
                          url=url, status=check.status_code)
        return metric(id_, "accessibility", label, 0, possible,
                      N_("%(url)s did not answer 200 (%(status)s)."), N_("Fix the link or the server behind it."),
                      url=url, status=check.status_code or check.error or "?")

    out.append(link_metric("access_url_status", N_("Access URL answers"), access, 50,
                           N_("The distribution has no access URL."), N_("Give the access URL.")))
    out.append(metric("download_url", "accessibility", N_("Download URL"), 20 if download else 0, 20,
                      N_("A direct download URL is given.") if download else N_("No download URL."),
                      N_("Give the direct download URL of the file.")))
    out.append(link_metric("download_url_status", N_("Download URL answers"), download, 30,
                           N_("No download URL to check."), N_("Give the direct download URL of the file.")))

    fmt = (res.get("format") or "").strip()
    mimetype = (res.get("mimetype") or "").strip()
    ft = voc.file_type(fmt)
    out.append(metric("format", "interoperability", N_("Format"), 20 if fmt else 0, 20,
                      N_("Format: %(format)s.") if fmt else N_("No format."), N_("Give the file format, e.g. CSV."),
                      format=fmt))
    out.append(metric("media_type", "interoperability", N_("Media type"), 10 if mimetype else 0, 10,
                      N_("Media type: %(media_type)s.") if mimetype else N_("No media type."),
                      N_("Give the media type, e.g. text/csv."), media_type=mimetype))
    in_vocab = ft is not None or (mimetype.lower() in voc.media_types if mimetype else False)
    out.append(metric("format_vocabulary", "interoperability", N_("Format or media type from vocabulary"),
                      10 if in_vocab else 0, 10,
                      N_("The format or media type is in the EU file-type vocabulary.") if in_vocab
                      else N_("Neither the format nor the media type is in the EU file-type vocabulary."),
                      N_("Use a format name from the EU file-type list (CSV, JSON, GeoJSON, ...).")))
    open_fmt = ft is not None and ft.non_proprietary
    out.append(metric("non_proprietary", "interoperability", N_("Non-proprietary format"), 20 if open_fmt else 0, 20,
                      N_("%(format)s is a non-proprietary format.") if open_fmt
                      else N_("%(format)s is not known as a non-proprietary format."),
                      N_("Publish also in an open format (e.g. CSV instead of XLSX)."), format=fmt or "-"))
    machine = ft is not None and ft.machine_readable
    out.append(metric("machine_readable", "interoperability", N_("Machine-readable format"), 20 if machine else 0, 20,
                      N_("%(format)s is machine-readable.") if machine
                      else N_("%(format)s is not known as machine-readable."),
                      N_("Publish the data in a machine-readable format (CSV, JSON, XML), not PDF or images."),
                      format=fmt or "-"))

    licence_value = (res.get("license") or "").strip() or (pkg.get("license_id") or "").strip()
    if licence_value == "notspecified":
        licence_value = ""
    licence = voc.licence(licence_value)
    out.append(metric("licence", "reusability", N_("Licence"), 20 if licence_value else 0, 20,
                      N_("Licence: %(licence)s.") if licence_value else N_("No licence."),
                      N_("Choose a licence, e.g. CC BY 4.0."), licence=licence_value))
    out.append(metric("licence_vocabulary", "reusability", N_("Licence from vocabulary"), 10 if licence else 0, 10,
                      N_("The licence is one of the portal's known licences.") if licence
                      else N_("The licence is not one of the portal's known licences."),
                      N_("Pick the licence from the list instead of typing it.")))
    rights = _filled(res.get("rights"))
    out.append(metric("rights", "contextuality", N_("Rights"), 5 if rights else 0, 5,
                      N_("A rights statement is given.") if rights else N_("No rights statement."),
                      N_("Describe the rights (e.g. attribution required).")))
    size = res.get("size")
    has_size = size not in (None, "") and str(size).strip() not in ("", "0")
    out.append(metric("byte_size", "contextuality", N_("File size"), 5 if has_size else 0, 5,
                      N_("The file size is given.") if has_size else N_("No file size."),
                      N_("Give the file size in bytes.")))
    return out


NO_DISTRIBUTION = (
    ("access_url_status", "accessibility", N_("Access URL answers"), 50),
    ("download_url", "accessibility", N_("Download URL"), 20),
    ("download_url_status", "accessibility", N_("Download URL answers"), 30),
    ("format", "interoperability", N_("Format"), 20),
    ("media_type", "interoperability", N_("Media type"), 10),
    ("format_vocabulary", "interoperability", N_("Format or media type from vocabulary"), 10),
    ("non_proprietary", "interoperability", N_("Non-proprietary format"), 20),
    ("machine_readable", "interoperability", N_("Machine-readable format"), 20),
    ("licence", "reusability", N_("Licence"), 20),
    ("licence_vocabulary", "reusability", N_("Licence from vocabulary"), 10),
    ("rights", "contextuality", N_("Rights"), 5),
    ("byte_size", "contextuality", N_("File size"), 5),
)


def best_distribution(pkg: dict, voc: Vocabularies, links: Mapping[str, LinkResult]) -> tuple[str | None, list[dict]]:
    """The distribution with the most distribution points (the first of equals) and its metrics."""
    best: tuple[int, str | None, list[dict]] | None = None
    for res in pkg.get("resources") or []:
        ms = _distribution_metrics(res, pkg, voc, links)
        total = sum(m["points"] for m in ms)
        if best is None or total > best[0]:
            best = (total, res.get("id") or res.get("url"), ms)
    if best is None:
        return None, [metric(i, d, label, 0, possible, N_("The data set has no distribution."),
                             N_("Add a distribution (a file or a link to the data)."))
                      for i, d, label, possible in NO_DISTRIBUTION]
    return best[1], best[2]


def _dcat_ap(pkg: dict, voc: Vocabularies) -> dict:
    """DCAT-AP mandatory properties and controlled-vocabulary ranges, checked on the record."""
    problems = []
    if not _filled(pkg.get("title")):
        problems.append("dct:title")
    if not _filled(pkg.get("notes")):
        problems.append("dct:description")
    for res in pkg.get("resources") or []:
        if not _filled(res.get("url")):
            problems.append("dcat:accessURL")
            break
    for name, allowed, prop in (("theme", voc.themes, "dcat:theme"), ("frequency", voc.frequencies,
                                "dct:accrualPeriodicity"), ("access_rights", voc.access_rights, "dct:accessRights")):
        values = [v for v in _as_list(pkg.get(name)) if v]
        if any(v not in allowed for v in values):
            problems.append(prop)
    for name, prop in (("issued", "dct:issued"), ("modified", "dct:modified")):
        if _filled(pkg.get(name)) and parse_date(pkg.get(name)) is None:
            problems.append(prop)
    ok = not problems
    return metric("dcat_ap", "interoperability", N_("DCAT-AP compliance"), 30 if ok else 0, 30,
                  N_("The DCAT-AP mandatory properties are present and take values from their vocabularies.") if ok
                  else N_("Not DCAT-AP compliant: %(properties)s."),
                  N_("Fill in or correct: %(properties)s."), properties=", ".join(problems))


def _reusability_dataset(pkg: dict, voc: Vocabularies) -> list[dict]:
    out = []
    access = (pkg.get("access_rights") or "").strip()
    out.append(metric("access_rights", "reusability", N_("Access rights"), 10 if access else 0, 10,
                      N_("The access level is declared.") if access else N_("No access level."),
                      N_("Declare the access level (public, restricted, non-public).")))
    in_vocab = access in voc.access_rights
    out.append(metric("access_rights_vocabulary", "reusability", N_("Access rights from vocabulary"),
                      5 if in_vocab else 0, 5,
                      N_("The access level is from the EU access-right vocabulary.") if in_vocab
                      else N_("The access level is not from the EU access-right vocabulary."),
                      N_("Choose the access level from the list.")))
    contact = any(_filled(c) for c in _as_list(pkg.get("contact")))
    out.append(metric("contact_point", "reusability", N_("Contact point"), 20 if contact else 0, 20,
                      N_("A contact point is given.") if contact else N_("No contact point."),
                      N_("Give a contact point (name and e-mail).")))
    publisher = any(_filled(p) for p in _as_list(pkg.get("publisher")))
    organization = pkg.get("organization") or pkg.get("owner_org")
    has_publisher = publisher or _filled(organization)
    out.append(metric("publisher", "reusability", N_("Publisher"), 10 if has_publisher else 0, 10,
                      N_("The publisher is given.") if publisher
                      else N_("The owning department is published as the publisher.") if has_publisher
                      else N_("No publisher."), N_("Give the publisher or the owning department.")))
    return out


def _contextuality_dataset(pkg: dict) -> list[dict]:
    out = []
    for id_, label, name, fallback in (("issued", N_("Release date"), "issued", "metadata_created"),
                                       ("modified", N_("Modification date"), "modified", "metadata_modified")):
        if _filled(pkg.get(name)):
            out.append(metric(id_, "contextuality", label, 5, 5, N_("The date is given: %(date)s."),
                              date=str(pkg[name])[:10]))
        elif _filled(pkg.get(fallback)):
            m = metric(id_, "contextuality", label, 5, 5,
                       N_("The DCAT output uses the record's own date (%(date)s): the date of the data is empty."),
                       date=str(pkg[fallback])[:10])
            m["fix"] = N_("Give the date of the data itself.")
            out.append(m)
        else:
            out.append(metric(id_, "contextuality", label, 0, 5, N_("No date."), N_("Give the date of the data.")))
    return out


# ----------------------------------------------------------------- audit dimensions


def timeliness(pkg: dict, today: date) -> dict:  # noqa: PLR0911
    freq = pkg.get("frequency") or ""
    code = _code(freq, "frequency")
    last = parse_date(pkg.get("modified")) or parse_date(pkg.get("metadata_modified"))
    label = N_("Up to date")
    if not code:
        return metric("timeliness", "timeliness", label, 0, 100, N_("No update frequency is declared."),
                      N_("Declare how often the data set is updated."))
    if code == "NEVER":
        return metric("timeliness", "timeliness", label, 100, 100,
                      N_("The data set is closed (never updated), so it cannot be late."))
    if code in ("IRREG", "UNKNOWN", "OTHER"):
        return metric("timeliness", "timeliness", label, 0, 100,
                      N_("The update frequency (%(frequency)s) gives no date to check against."),
                      N_("Declare a regular update frequency if there is one."), frequency=code)
    if code not in FREQUENCY_DAYS:
        return metric("timeliness", "timeliness", label, 0, 100, N_("Unknown update frequency %(frequency)s."),
                      N_("Choose the update frequency from the list."), frequency=code)
    if last is None:
        return metric("timeliness", "timeliness", label, 0, 100, N_("No date of the last update."),
                      N_("Give the date of the last data update."))
    allowed = FREQUENCY_DAYS[code]
    age = (today - last).days
    if age <= allowed:
        return metric("timeliness", "timeliness", label, 100, 100,
                      N_("Updated %(age)s days ago; %(frequency)s allows %(allowed)s."),
                      age=age, frequency=code, allowed=allowed)
    if age <= 2 * allowed:
        return metric("timeliness", "timeliness", label, 50, 100,
                      N_("Late: updated %(age)s days ago; %(frequency)s allows %(allowed)s."),
                      N_("Update the data (and the date of the last update)."),
                      age=age, frequency=code, allowed=allowed)
    return metric("timeliness", "timeliness", label, 0, 100,
                  N_("Overdue: updated %(age)s days ago; %(frequency)s allows %(allowed)s."),
                  N_("Update the data (and the date of the last update)."),
                  age=age, frequency=code, allowed=allowed)


def _field_present(pkg: dict, name: str) -> bool:
    if name == "tag_string":
        return bool(_tags(pkg))
    if name == "license_id":
        return (pkg.get("license_id") or "") not in ("", "notspecified")
    return _filled(pkg.get(name))


def completeness(pkg: dict, voc: Vocabularies) -> list[dict]:
    out = []
    for kind, names, weight, label in (("required", voc.required_fields, 2, N_("Fields required for publication")),
                                       ("recommended", voc.recommended_fields, 1, N_("Recommended fields"))):
        missing = [n for n in names if not _field_present(pkg, n)]
        got = (len(names) - len(missing)) * weight
        out.append(metric(f"completeness_{kind}", "completeness", label, got, len(names) * weight,
                          N_("%(filled)s of %(total)s filled.") if not missing
                          else N_("%(filled)s of %(total)s filled; missing: %(missing)s."),
                          N_("Fill in: %(missing)s."), filled=len(names) - len(missing), total=len(names),
                          missing=", ".join(missing)))
    return out


def openness(pkg: dict, voc: Vocabularies) -> dict:
    """Berners-Lee's five stars, from the licence and the best format on the web."""
    label = N_("Five-star openness")
    licence = voc.licence(pkg.get("license_id"))
    online = [r for r in pkg.get("resources") or [] if _filled(r.get("url"))]
    if not online:
        return metric("openness", "openness", label, 0, 100, N_("No data on the web (no distribution with a URL)."),
                      N_("Publish the data on the web."), stars=0)
    if licence is None or not licence.is_open:
        return metric("openness", "openness", label, 0, 100, N_("The licence is not an open licence."),
                      N_("Publish under an open licence (e.g. CC BY 4.0)."), stars=0)
    stars = 1
    for res in online:
        ft = voc.file_type(res.get("format"))
        if ft is None or not ft.machine_readable:
            continue
        s = 2
        if ft.non_proprietary:
            s = 3
        if ft.code.upper() in RDF_FORMATS:
            s = 4
            if str(pkg.get("openness_level") or "") == "5":
                s = 5
        stars = max(stars, s)
    fixes = {1: N_("Publish the data in a structured, machine-readable format."),
             2: N_("Publish the data in a non-proprietary format (e.g. CSV)."),
             3: N_("Publish the data as RDF with URIs for things (e.g. JSON-LD)."),
             4: N_("Link the data to other data (Linked Data) and set the openness level to 5.")}
    return metric("openness", "openness", label, stars * 20, 100, N_("%(stars)s of 5 stars."),
                  fixes.get(stars), stars=stars)


def contents(pkg: dict, checked: Mapping[str, int]) -> dict:
    """The mean contents score (0-100) of the data set's checked files, tables and GeoJSON (``checked``: resource
    id -> score); none checked yet, or no such file: no points to give (maximum 0)."""
    label = N_("Contents of the data files")
    tabular = [r for r in pkg.get("resources") or [] if (r.get("format") or "").upper() in CHECKED_FORMATS]
    scores = [checked[r["id"]] for r in tabular if r.get("id") in checked]
    if not tabular:
        return metric("contents", "contents", label, 0, 0, N_("No tabular file (CSV, XLSX) to check."))
    if not scores:
        return metric("contents", "contents", label, 0, 0, N_("The tabular files are not checked yet."))
    mean = round(sum(scores) / len(scores))
    return metric("contents", "contents", label, mean, 100,
                  N_("%(checked)s of %(tabular)s tabular files checked; their contents score %(mean)s of 100."),
                  N_("Fix the problems the content check lists on each file's page."),
                  checked=len(scores), tabular=len(tabular), mean=mean)


# ----------------------------------------------------------------- the score


def assess(pkg: dict, voc: Vocabularies, links: Mapping[str, LinkResult], today: date | None = None,
           checked: Mapping[str, int] | None = None) -> Result:
    """Every metric of one data set (``checked``: the contents scores of its resources, by resource id)."""
    today = today or datetime.now(UTC).date()
    result = Result()
    result.metrics.extend(_findability(pkg))
    best, dist = best_distribution(pkg, voc, links)
    result.best_distribution = best
    result.metrics.extend(dist)
    result.metrics.append(_dcat_ap(pkg, voc))
    result.metrics.extend(_reusability_dataset(pkg, voc))
    result.metrics.extend(_contextuality_dataset(pkg))
    result.metrics.append(timeliness(pkg, today))
    result.metrics.extend(completeness(pkg, voc))
    result.metrics.append(openness(pkg, voc))
    result.metrics.append(contents(pkg, checked or {}))
    order = {d: i for i, d in enumerate(MQA_DIMENSIONS + AUDIT_DIMENSIONS + CONTENT_DIMENSIONS)}
    result.metrics.sort(key=lambda m: order[m["dimension"]])
    return result


def urls(pkg: dict) -> set[str]:
    """Every access and download URL of the data set (what the link checks look at)."""
    found = set()
    for res in pkg.get("resources") or []:
        for key in ("url", "download_url"):
            value = (res.get(key) or "").strip()
            if value:
                found.add(value)
    return found


def text(message: str, params: Mapping[str, Any] | None, gettext: Callable[[str], str]) -> str:
    """A metric text, translated and formatted."""
    translated = gettext(message)
    try:
        return translated % dict(params or {})
    except (KeyError, TypeError, ValueError):
        return translated
