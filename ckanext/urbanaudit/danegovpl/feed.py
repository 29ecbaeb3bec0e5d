"""The dane.gov.pl XML feed: streamed over the catalogue in batches, cached with its MD5.

dane.gov.pl's XML harvester (mcod ``validate_xml_url``) fetches ``<feed>.md5``
beside ``<feed>.xml``, downloads the XML, checks the MD5 and validates it
against the XSD of the namespace version. The feed is therefore written once
per state of the catalogue into a file (so both requests see the same bytes)
and rebuilt when the catalogue changes.
"""
from __future__ import annotations

import hashlib
import json
import os
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from importlib.resources import files
from pathlib import Path
from typing import IO, Any

import ckan.plugins.toolkit as tk
from ckan import model
from lxml import etree
from sqlalchemy import Integer, cast, func

from ckanext.urbanaudit.danegovpl import mapping

FORMAT_VERSION = 3  # bump when the mapping changes, so cached feeds are rebuilt
BATCH = 500
LISTED = 1000  # records listed by name per list (excluded, adapted); all are counted, memory stays bounded
XSD_NAME = "xml_import_otwarte_dane_1_10.xsd"


@dataclass
class Report:
    """What the national portal receives, and what it does not and why."""

    published: int = 0
    withdrawn: int = 0
    resources: int = 0
    without_english: int = 0
    excluded: list[dict] = field(default_factory=list)
    warnings: list[dict] = field(default_factory=list)
    reasons: dict[str, int] = field(default_factory=dict)
    adaptations: dict[str, int] = field(default_factory=dict)
    excluded_count: int = 0
    adapted_count: int = 0
    md5: str = ""
    size: int = 0
    generated: str = ""
    seconds: float = 0.0
    valid: bool | None = None
    errors: list[str] = field(default_factory=list)
    fingerprint: str = ""

    @property
    def sent(self) -> int:
        return self.published + self.withdrawn


def schema() -> etree.XMLSchema:
    path = files("ckanext.urbanaudit.danegovpl") / XSD_NAME
    with path.open("rb") as handle:
        return etree.XMLSchema(etree.parse(handle))


def validate(path: str | Path, limit: int = 50) -> tuple[bool, list[str]]:
    """Validate a feed file against the 1.10 XSD; (valid, first error messages)."""
    xsd = schema()
    try:
        document = etree.parse(str(path))
    except etree.XMLSyntaxError as exc:
        return False, [str(exc)]
    if xsd.validate(document):
        return True, []
    return False, [f"line {e.line}: {e.message}" for e in list(xsd.error_log)[:limit]]


def _context() -> dict:
    site_user = tk.get_action("get_site_user")({"ignore_auth": True}, {})
    return {"ignore_auth": True, "user": site_user["name"]}


def iter_packages(batch: int = BATCH) -> Iterator[tuple[dict, bool]]:
    """Every inventory record, (package dict, deleted): the indexed ones from Solr in pages
    of ``batch`` (stable order by id), then deleted ones from the database (a deleted record
    that had been published goes out as withdrawn)."""
    search = tk.get_action("package_search")
    start = 0
    while True:
        page = search(_context(), {
            "q": "*:*", "fq": "+dataset_type:dataset", "sort": "id asc", "rows": batch, "start": start,
            "include_private": True,
        })
        count, results = page["count"], page["results"]
        del page
        fetched = len(results)
        results.reverse()
        while results:  # hand each dict over and let it go: one batch alive at a time
            yield results.pop(), False
        start += fetched
        if not fetched or start >= count:
            break
    deleted_ids = (
        model.Session.query(model.Package.id)
        .filter(model.Package.state == "deleted", model.Package.type == "dataset")
        .order_by(model.Package.id)
    )
    show = tk.get_action("package_show")
    for (package_id,) in deleted_ids.yield_per(batch):
        try:
            yield show(_context(), {"id": package_id}), True
        except (tk.ObjectNotFound, tk.ValidationError):
            continue


def write(out: IO[bytes] | str, *, site_url: str | None = None,
          packages: Iterator[tuple[dict, bool]] | None = None) -> Report:
    """Stream the feed into ``out`` (a binary file object or a path). Memory stays flat: one
    ``<dataset>`` element and one batch of package dicts at a time."""
    site_url = site_url or tk.config.get("ckan.site_url") or ""
    report = Report()
    reasons: Counter[str] = Counter()
    adaptations: Counter[str] = Counter()
    started = time.perf_counter()
    with etree.xmlfile(out, encoding="utf-8") as xf:
        xf.write_declaration()
        with xf.element(f"{{{mapping.NS}}}datasets", nsmap={None: mapping.NS}):
            for pkg, deleted in packages if packages is not None else iter_packages():
                decision = mapping.classify(pkg, deleted=deleted)
                entry = {"id": pkg["id"], "name": pkg.get("name"), "title": pkg.get("title"),
                         "owner_org": pkg.get("owner_org")}
                if decision.status is None:
                    if deleted:
                        continue  # deleted and not publishable: it never went out, nothing to withdraw
                    reasons.update(decision.reasons)
                    report.excluded_count += 1
                    if len(report.excluded) < LISTED:
                        report.excluded.append({**entry, "reasons": decision.reasons})
                    continue
                element = mapping.dataset_element(pkg, decision, site_url=site_url)
                xf.write(element, pretty_print=True)
                report.resources += len(element.find(f"{{{mapping.NS}}}resources"))
                if decision.status == "published":
                    report.published += 1
                else:
                    report.withdrawn += 1
                if "no_english" in decision.warnings:
                    # true of every record while the schema has no English fields: counted, not listed
                    report.without_english += 1
                    decision.warnings.remove("no_english")
                if decision.warnings:
                    adaptations.update(decision.warnings)
                    report.adapted_count += 1
                    if len(report.warnings) < LISTED:
                        report.warnings.append({**entry, "warnings": decision.warnings})
    report.reasons, report.adaptations = dict(reasons), dict(adaptations)
    report.seconds = round(time.perf_counter() - started, 3)
    return report


class _HashingFile:
    """A write-only binary file that keeps the MD5 and size of what passes through."""

    def __init__(self, raw: IO[bytes]) -> None:
        self.raw, self.md5, self.size = raw, hashlib.md5(usedforsecurity=False), 0

    def write(self, data: bytes) -> int:
        self.md5.update(data)
        self.size += len(data)
        return self.raw.write(data)

    def flush(self) -> None:
        self.raw.flush()


def cache_dir() -> Path:
    base = tk.config.get("ckan.storage_path") or os.path.join(tempfile.gettempdir(), "ckan-storage")
    path = Path(base) / "urbanaudit" / f"danegovpl-{tk.config.get('ckan.site_id') or 'default'}"
    path.mkdir(parents=True, exist_ok=True)
    return path


def fingerprint() -> str:
    """Changes whenever a record is added, edited, deleted or made private (one cheap query)."""
    row = (
        model.Session.query(
            func.count(model.Package.id), func.max(model.Package.metadata_modified),
            func.sum(cast(model.Package.state == "deleted", Integer)),
            func.sum(cast(model.Package.private, Integer)),
        )
        .filter(model.Package.type == "dataset")
        .one()
    )
    text = json.dumps([FORMAT_VERSION, tk.config.get("ckan.site_url"), *[str(v) for v in row]])
    return hashlib.sha256(text.encode()).hexdigest()


def paths() -> tuple[Path, Path, Path]:
    folder = cache_dir()
    return folder / "dane-gov-pl.xml", folder / "dane-gov-pl.md5", folder / "report.json"


def load_report() -> Report | None:
    report_path = paths()[2]
    try:
        data = json.loads(report_path.read_text("utf-8"))
    except (OSError, ValueError):
        return None
    return Report(**data)


def build() -> Report:
    """Write the feed, its .md5 and the report into the cache folder (atomically)."""
    xml_path, md5_path, report_path = paths()
    current = fingerprint()
    fd, tmp = tempfile.mkstemp(dir=xml_path.parent, suffix=".xml.part")
    try:
        with os.fdopen(fd, "wb") as raw:
            hashing = _HashingFile(raw)
            report = write(hashing)
        report.md5, report.size = hashing.md5.hexdigest(), hashing.size
        report.valid, report.errors = validate(tmp)
        report.generated = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        report.fingerprint = current
        os.replace(tmp, xml_path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    md5_path.write_text(f"{report.md5}\n", "ascii")
    tmp_report = report_path.with_suffix(".part")
    tmp_report.write_text(json.dumps(asdict(report), ensure_ascii=False), "utf-8")
    os.replace(tmp_report, report_path)
    return report


def current() -> Report:
    """The cached feed's report, rebuilt first if the catalogue changed since."""
    report = load_report()
    if report is None or report.fingerprint != fingerprint() or not paths()[0].exists():
        report = build()
    return report


def report_for_user(report: Report, user_orgs: set[str] | None) -> dict[str, Any]:
    """The report as a dict; excluded records and warnings only of the user's departments
    (``user_orgs`` None = all, for sysadmins)."""
    data = asdict(report)
    data["sent"] = report.sent
    if user_orgs is not None:
        data["excluded"] = [e for e in report.excluded if e.get("owner_org") in user_orgs]
        data["warnings"] = [w for w in report.warnings if w.get("owner_org") in user_orgs]
    data["excluded_total"] = report.excluded_count
    return data
