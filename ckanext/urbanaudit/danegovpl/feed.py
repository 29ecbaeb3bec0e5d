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
import logging
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

FORMAT_VERSION = 4  # bump when the mapping changes, so cached feeds are rebuilt
BATCH = 500
LISTED = 1000  # records listed by name per list (excluded, adapted); all are counted, memory stays bounded
XSD_NAME = "xml_import_otwarte_dane_1_10.xsd"
FAILURE_RETRY = 300  # seconds before requests try again a build that failed on an unchanged catalogue

log = logging.getLogger(__name__)


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
    error: str = ""  # why the last build failed (an exception), empty if it did not
    attempted: float = 0.0  # when the report was made (epoch seconds)

    @property
    def sent(self) -> int:
        return self.published + self.withdrawn

    @property
    def nothing_to_publish(self) -> bool:
        """No record qualifies: there is no feed (not a failure)."""
        return not self.error and self.sent == 0

    @property
    def failed(self) -> bool:
        """The build raised, or wrote records into a document the XSD rejects."""
        return bool(self.error) or (self.valid is False and self.sent > 0)


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


def iter_packages(batch: int = BATCH) -> Iterator[dict]:
    """Every indexed inventory record, from Solr in pages of ``batch`` (stable order by id).
    Deleted records are not indexed and never go out: dane.gov.pl deletes what a successful
    import no longer carries."""
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
            yield results.pop()
        start += fetched
        if not fetched or start >= count:
            break


def write(out: IO[bytes] | str, *, site_url: str | None = None,
          packages: Iterator[dict] | None = None) -> Report:
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
            for pkg in packages if packages is not None else iter_packages():
                decision = mapping.classify(pkg)
                entry = {"id": pkg["id"], "name": pkg.get("name"), "title": pkg.get("title"),
                         "owner_org": pkg.get("owner_org")}
                if decision.status is None:
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
        return Report(**data)
    except (OSError, ValueError, TypeError):
        return None


def _replace(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".part")
    tmp.write_text(text, "utf-8")
    os.replace(tmp, path)


def build() -> Report:
    """Write the feed, its .md5 and the report into the cache folder (atomically).

    Only a feed valid against the XSD replaces the served one. With nothing to publish the served
    feed is removed: format 1.10 needs at least one data set, so the feed's address answers 404
    rather than serve a document the harvester rejects. A failed build (an exception, or a document
    the XSD rejects) is logged and kept in the report with the catalogue's fingerprint: the last
    valid feed stays served, and requests do not retry it until the catalogue changes or
    ``FAILURE_RETRY`` seconds have passed."""
    xml_path, md5_path, report_path = paths()
    current_fingerprint = fingerprint()
    fd, tmp = tempfile.mkstemp(dir=xml_path.parent, suffix=".xml.part")
    try:
        try:
            with os.fdopen(fd, "wb") as raw:
                hashing = _HashingFile(raw)
                report = write(hashing)
            report.md5, report.size = hashing.md5.hexdigest(), hashing.size
            report.valid, report.errors = validate(tmp)
        except Exception as exc:
            log.exception("dane.gov.pl feed: the build failed; the last valid feed (if any) stays served")
            report = Report(valid=False, error=f"{type(exc).__name__}: {exc}")
        if report.valid:
            os.replace(tmp, xml_path)
            _replace(md5_path, f"{report.md5}\n")
        elif report.nothing_to_publish:
            xml_path.unlink(missing_ok=True)
            md5_path.unlink(missing_ok=True)
        elif not report.error:
            log.error("dane.gov.pl feed: not valid against %s, the last valid feed (if any) stays served: %s",
                      XSD_NAME, "; ".join(report.errors[:3]))
    finally:
        Path(tmp).unlink(missing_ok=True)
    report.generated = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    report.attempted = time.time()
    report.fingerprint = current_fingerprint
    _replace(report_path, json.dumps(asdict(report), ensure_ascii=False))
    return report


def current() -> Report:
    """The report of the last build, rebuilt first if the catalogue changed since (a failed
    build is retried only after ``FAILURE_RETRY`` seconds)."""
    report = load_report()
    if report is None or report.fingerprint != fingerprint():
        return build()
    if report.failed:
        return build() if time.time() - report.attempted >= FAILURE_RETRY else report
    if report.valid and not paths()[0].exists():
        return build()
    return report


def served() -> tuple[Path, str] | None:
    """(path, MD5) of the feed to serve now, or None if there is none."""
    xml_path, md5_path, _ = paths()
    try:
        md5 = md5_path.read_text("ascii").strip()
    except OSError:
        return None
    return (xml_path, md5) if md5 and xml_path.exists() else None


def report_for_user(report: Report, user_orgs: set[str] | None) -> dict[str, Any]:
    """The report as a dict; excluded records and warnings only of the user's departments
    (``user_orgs`` None = all, for sysadmins)."""
    data = asdict(report)
    data["sent"] = report.sent
    data["nothing_to_publish"], data["failed"] = report.nothing_to_publish, report.failed
    if user_orgs is not None:
        data["excluded"] = [e for e in report.excluded if e.get("owner_org") in user_orgs]
        data["warnings"] = [w for w in report.warnings if w.get("owner_org") in user_orgs]
    data["excluded_total"] = report.excluded_count
    return data
