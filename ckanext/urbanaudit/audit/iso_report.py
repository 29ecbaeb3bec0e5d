"""The ISO 37120 report of a city and reporting year (issue 14, item 6): what ``urbanaudit_iso37120_report``
returns and the page and the XLSX show.

- **Every indicator** of ISO 37120:2014 (the catalogue's ``standard`` "ISO 37120:2014", core and supporting) the
  caller may see (``indicators/visibility.py``), grouped by the edition's own themes (clauses 5-21), each with its
  status in the year (``campaign.statuses``: approved, submitted, returned or missing) and, when approved, the
  published value of that exact year (the preferred source, ``indicators/sources.py``) with its unit, period,
  source, method and flags (``synthetic`` marked per value). Unpublished submissions give a status, never a value.
- **Counts** of approved core and supporting indicators.
- **The certification level** the approved data supports under the World Council on City Data's scheme for
  ISO 37120:2014, from ``schemas/indicators/wccd_levels.yaml`` (thresholds as data, each with its source or
  marked unconfirmed). :func:`certification_level` is the rule; the thresholds belong to the 2014 edition only
  (:func:`levels_for` gives none for any other edition).
"""
from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from io import BytesIO
from typing import Any

import ckan.plugins.toolkit as tk
import sqlalchemy as sa
import yaml
from ckan import model
from openpyxl import Workbook
from openpyxl.styles import Font

from ckanext.urbanaudit.audit import campaign
from ckanext.urbanaudit.audit.model import APPROVED, Campaign
from ckanext.urbanaudit.cities.model import City
from ckanext.urbanaudit.indicators import sources
from ckanext.urbanaudit.indicators.catalogue import Indicator, catalogue
from ckanext.urbanaudit.indicators.store import IndicatorValue
from ckanext.urbanaudit.utils import spreadsheet_safe, utcnow

EDITION = "ISO 37120:2014"
KINDS = ("core", "supporting")
YEAR = re.compile(r"^\d{4}$")
SYNTHETIC = "synthetic"


@dataclass(frozen=True)
class Scheme:
    """The WCCD levels of one edition (``wccd_levels.yaml``): levels lowest first, their sources, the edition's
    themes."""

    edition: str
    name: dict[str, str]
    core_total: int
    supporting_total: int
    levels: tuple[dict[str, Any], ...]
    sources: dict[str, dict[str, Any]]
    themes: dict[str, dict[str, str]]


def parse_scheme(text: str) -> Scheme:
    data = yaml.safe_load(text)
    srcs = {s["id"]: s for s in data.get("sources") or []}
    levels = tuple(data["levels"])
    problems = [f"level {lv['key']!r}: its source {lv['source']!r} is not among the sources"
                for lv in levels if lv.get("source") and lv["source"] not in srcs]
    problems += [f"level {lv['key']!r}: confirmed without a source" for lv in levels
                 if lv.get("confirmed") and not lv.get("source")]
    order = [(lv["core_min"], lv["supporting_min"]) for lv in levels]
    if order != sorted(order):
        problems.append("levels must be listed lowest first")
    if problems:
        raise ValueError("wccd_levels.yaml:\n  - " + "\n  - ".join(problems))
    return Scheme(edition=data["edition"], name=data["scheme"], core_total=int(data["core_total"]),
                  supporting_total=int(data["supporting_total"]), levels=levels, sources=srcs,
                  themes={str(t["clause"]): {"pl": t["pl"], "en": t["en"]} for t in data.get("themes") or []})


@cache
def scheme() -> Scheme:
    """The shipped levels (read once per process)."""
    return parse_scheme((files("ckanext.urbanaudit.schemas") / "indicators" / "wccd_levels.yaml").read_text("utf-8"))


def levels_for(edition: str) -> Scheme | None:
    """The WCCD levels of ``edition``: only ISO 37120:2014 has any (no source gives them for another edition)."""
    current = scheme()
    return current if edition == current.edition else None


def certification_level(core: int, supporting: int, levels: Sequence[dict[str, Any]]) -> dict[str, Any] | None:
    """The highest of ``levels`` (lowest first, each with ``core_min`` and ``supporting_min``) that ``core``
    approved core and ``supporting`` approved supporting indicators reach; None below the lowest."""
    reached = None
    for level in levels:
        if core >= level["core_min"] and supporting >= level["supporting_min"]:
            reached = level
    return reached


def edition_theme(ind: Indicator) -> str:
    """The indicator's clause in its own edition (``theme_in_edition`` "10 Fire and emergency response", else the
    first part of its number)."""
    named = ind.notes.get("theme_in_edition") or ""
    return named.split(" ", 1)[0] if named else ind.number.split(".", 1)[0]


def indicators(hidden: Collection[str]) -> list[Indicator]:
    """The ISO 37120:2014 indicators the caller may see, in the standard's order."""
    found = [i for i in catalogue().indicators if i.standard == EDITION and i.kind in KINDS and i.code not in hidden]
    return sorted(found, key=lambda i: tuple(int(p) for p in i.number.split(".") if p.isdigit()))


def published(teryt: str, codes: list[str], period: str) -> dict[str, dict[str, Any]]:
    """{code: the preferred published value of ``period``} (values only: the values table holds only approved
    department values and harvested ones)."""
    table = IndicatorValue.__table__
    query = sa.select(table).where(table.c.city_teryt == teryt, table.c.indicator_code.in_(codes),
                                   table.c.period == period, table.c.value.isnot(None))
    best: dict[str, dict[str, Any]] = {}
    for row in model.Session.execute(query):
        new = {"value": float(row.value), "unit": row.unit, "period": row.period, "source": row.source,
               "source_ref": row.source_ref, "method": row.method, "flags": list(row.flags or [])}
        if sources.preferred(best.get(row.indicator_code), new):
            best[row.indicator_code] = new
    return best


def _row(ind: Indicator, status: str, value: dict[str, Any] | None) -> dict[str, Any]:
    shown = value if status == APPROVED else None
    flags = shown["flags"] if shown else []
    return {
        "code": ind.code, "number": ind.number, "theme": edition_theme(ind), "kind": ind.kind, "name": ind.name,
        "slug": ind.slug, "status": status,
        "value": shown["value"] if shown else None,
        "unit": (shown["unit"] if shown else None) or ind.unit,
        "period": shown["period"] if shown else None,
        "source": shown["source"] if shown else None,
        "source_ref": shown["source_ref"] if shown else None,
        "method": shown["method"] if shown else None,
        "indicator_method": ind.method,
        "flags": flags, "synthetic": SYNTHETIC in flags,
    }


def level_dict(level: dict[str, Any], current: Scheme) -> dict[str, Any]:
    src = current.sources.get(level.get("source") or "")
    return {"key": level["key"], "name": level["name"], "core_min": level["core_min"],
            "core_max": level.get("core_max"), "supporting_min": level["supporting_min"],
            "supporting_max": level.get("supporting_max"), "confirmed": bool(level.get("confirmed")),
            "source": {"url": src["url"], "title": src["title"]} if src else None, "note": level.get("note") or {}}


def report(city: City, year: int, hidden: Collection[str]) -> dict[str, Any]:
    """The ISO 37120:2014 report of ``city`` for ``year``, for a caller who may not see ``hidden``."""
    current = levels_for(EDITION)
    inds = indicators(hidden)
    codes = [i.code for i in inds]
    period = str(year)
    status = campaign.statuses(city.teryt, period, codes)
    values = published(city.teryt, codes, period)
    rows = [_row(i, status.get(i.code, campaign.MISSING), values.get(i.code)) for i in inds]
    counts = {kind: {"approved": sum(1 for r in rows if r["kind"] == kind and r["status"] == APPROVED),
                     "listed": sum(1 for r in rows if r["kind"] == kind),
                     "total": current.core_total if kind == "core" else current.supporting_total} for kind in KINDS}
    statuses = {s: sum(1 for r in rows if r["status"] == s) for s in
                (APPROVED, "submitted", "returned", campaign.MISSING)}
    reached = certification_level(counts["core"]["approved"], counts["supporting"]["approved"], current.levels)
    themes = [{"theme": clause, "name": names, "indicators": [r for r in rows if r["theme"] == clause]}
              for clause, names in current.themes.items()]
    opened = model.Session.query(Campaign.id).filter_by(city_teryt=city.teryt, year=year).first() is not None
    return {
        "city": city.as_dict(), "year": year, "edition": EDITION, "period": period, "campaign_open": opened,
        "indicators": rows, "themes": [t for t in themes if t["indicators"]],
        "counts": counts, "statuses": statuses,
        "synthetic_values": sum(1 for r in rows if r["synthetic"]),
        "level": level_dict(reached, current) if reached else None,
        "scheme": {"name": current.name, "edition": current.edition,
                   "levels": [level_dict(lv, current) for lv in current.levels],
                   "sources": list(current.sources.values())},
        "generated_at": utcnow().isoformat(timespec="seconds"),
    }


def latest_year(teryt: str) -> int:
    """The year of the city's latest report: its latest year with a published ISO 37120:2014 value or an open
    reporting year, else last calendar year."""
    table = IndicatorValue.__table__
    codes = [i.code for i in indicators(())]
    periods = model.Session.execute(sa.select(sa.distinct(table.c.period)).where(
        table.c.city_teryt == teryt, table.c.indicator_code.in_(codes), table.c.value.isnot(None))).scalars()
    years = {int(p) for p in periods if YEAR.match(p)}
    years |= {y for (y,) in model.Session.query(Campaign.year).filter_by(city_teryt=teryt)}
    return max(years) if years else utcnow().year - 1


# --- XLSX ---------------------------------------------------------------------------------------------------------

def _label(names: dict[str, str], lang: str) -> str:
    return names.get(lang) or names.get("en") or names.get("pl") or ""


def _level_text(level: dict[str, Any] | None, lang: str) -> str:
    if level is None:
        return tk._("No level")
    return _label(level["name"], lang) + ("" if level["confirmed"] else f" ({tk._('unconfirmed')})")


def _status_label(status: str) -> str:
    return {APPROVED: tk._("approved"), "submitted": tk._("submitted"), "returned": tk._("returned"),
            campaign.MISSING: tk._("missing")}.get(status, status)


def workbook(data: dict[str, Any], lang: str) -> bytes:
    """The report as an XLSX file: one row per indicator under a header row; a second sheet with the summary and
    the level with its source. Text cells go through ``spreadsheet_safe``."""
    book = Workbook()
    sheet = book.active
    sheet.title = "ISO 37120-2014"
    theme_names = {t["theme"]: _label(t["name"], lang) for t in data["themes"]}
    sheet.append([tk._("Theme"), tk._("Code"), tk._("Indicator"), tk._("Kind"), tk._("Status"), tk._("Value"),
                  tk._("Unit"), tk._("Period"), tk._("Source"), tk._("Source reference"), tk._("Method"),
                  tk._("Flags"), tk._("Synthetic value")])
    for r in data["indicators"]:
        method = r["method"] or _label(r["indicator_method"], lang)
        sheet.append([spreadsheet_safe(f"{r['theme']}. {theme_names.get(r['theme'], '')}"),
                      spreadsheet_safe(r["code"]), spreadsheet_safe(_label(r["name"], lang)),
                      tk._("core") if r["kind"] == "core" else tk._("supporting"), _status_label(r["status"]),
                      r["value"], spreadsheet_safe(r["unit"] or ""), r["period"] or "",
                      spreadsheet_safe(r["source"] or ""), spreadsheet_safe(r["source_ref"] or ""),
                      spreadsheet_safe(method), spreadsheet_safe(" ".join(r["flags"])),
                      tk._("yes") if r["synthetic"] else ""])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    _summary_sheet(book, data, lang)
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def _summary_sheet(book: Workbook, data: dict[str, Any], lang: str) -> None:
    summary = book.create_sheet(tk._("Summary"))
    counts = data["counts"]
    level = data["level"]
    summary.append([tk._("City"), spreadsheet_safe(data["city"]["name"])])
    summary.append([tk._("Reporting year"), data["year"]])
    summary.append([tk._("Edition"), data["edition"]])
    summary.append([tk._("Core indicators approved"), counts["core"]["approved"], counts["core"]["total"]])
    summary.append([tk._("Supporting indicators approved"), counts["supporting"]["approved"],
                    counts["supporting"]["total"]])
    summary.append([tk._("Synthetic values"), data["synthetic_values"]])
    summary.append([tk._("Certification level the approved data supports"), _level_text(level, lang)])
    summary.append([tk._("Scheme"), spreadsheet_safe(_label(data["scheme"]["name"], lang))])
    summary.append([tk._("Source of the level"),
                    spreadsheet_safe(level["source"]["url"]) if level and level["source"] else tk._("unconfirmed")])
    summary.append([])
    summary.append([tk._("Level"), tk._("Core indicators"), tk._("Supporting indicators"), tk._("Confirmed"),
                    tk._("Source"), tk._("Note")])
    for lv in data["scheme"]["levels"]:
        core = f"{lv['core_min']}–{lv['core_max']}" if lv["core_max"] != lv["core_min"] else str(lv["core_min"])
        supporting = f"{lv['supporting_min']}–{lv['supporting_max'] if lv['supporting_max'] is not None else ''}"
        summary.append([_label(lv["name"], lang), core, supporting,
                        tk._("yes") if lv["confirmed"] else tk._("unconfirmed"),
                        spreadsheet_safe(lv["source"]["url"]) if lv["source"] else "",
                        spreadsheet_safe(_label(lv["note"], lang))])
    summary.append([])
    summary.append([tk._("How the level is computed"), spreadsheet_safe(how_computed())])
    for src in data["scheme"]["sources"]:
        summary.append([spreadsheet_safe(src["title"]), spreadsheet_safe(src["url"]), spreadsheet_safe(src["says"])])


def how_computed() -> str:
    return tk._("The level is the highest one whose minimum numbers of core and of supporting indicators the "
                "city's approved values of the year reach. The thresholds are kept as data "
                "(schemas/indicators/wccd_levels.yaml), each with its public source or marked unconfirmed; they "
                "apply to ISO 37120:2014 only. This is an estimate from the published data, not a WCCD "
                "certification.")
