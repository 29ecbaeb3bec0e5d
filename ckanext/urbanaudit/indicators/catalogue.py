"""The indicator catalogue (schemas/indicators/catalogue.yaml): read, checked and indexed once per process.

Each entry has a ``code`` carrying its edition (``ISO37120:2018:8.1``), names pl/en, definition, unit, method,
polarity, kind and a ``formula`` saying where its values come from:

``source``       harvested as is (BDL, Eurostat, GIOŚ) under the entry's own code;
``city``         entered by the owning department (source ``city``);
``same_as``      the value of another catalogue entry (the same indicator in another edition);
``scaled``       the value of another entry times ``scale`` (e.g. a rate per 1 000 as per 100 000);
``ratio``        sum(numerator) / sum(denominator) x scale (per capita, per 100 000, shares);
``change``       annual % change of an input against the previous year;
``annual_mean``  mean of an input's sub-annual values in a year (with a minimum count);
no formula       no source yet (listed so the gaps page shows it).

A term of a formula is a code or ``{first_of: [code, ...]}`` (the first one with a value for the city and period).
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cache
from importlib.resources import files
from typing import Any

import yaml

from ckanext.urbanaudit.indicators import public_statistics

OPS = {"source", "city", "same_as", "scaled", "ratio", "change", "annual_mean"}
SINGLE_INPUT = ("same_as", "scaled", "change", "annual_mean")
POLARITIES = {"higher", "lower", "neutral"}
KINDS = {"core", "supporting", "profile", "variable", "unknown"}
HARVESTED = {"bdl", "eurostat", "gios"}
# availability of an indicator's data: from the harvested sources, needs the city's own input, or no source yet
SOURCE, CITY, NONE = "source", "city", "none"


class CatalogueError(ValueError):
    """The catalogue file is inconsistent; the message lists every problem."""


@dataclass
class Indicator:
    code: str
    standard: str
    number: str
    theme: str | None
    kind: str
    name: dict[str, str]
    definition: dict[str, str]
    unit: str
    method: dict[str, str]
    polarity: str
    formula: dict[str, Any] | None
    sources: list[dict] = field(default_factory=list)
    same_as: list[str] = field(default_factory=list)
    listed_by: str = ""
    notes: dict[str, str] = field(default_factory=dict)
    availability: str = NONE
    # year-over-year change (percent) beyond which a submitted value is flagged (None: the configured default)
    change_threshold: float | None = None

    @property
    def slug(self) -> str:
        return slug(self.code)

    def label(self, lang: str) -> str:
        return self.name.get(lang) or self.name.get("en") or self.name.get("pl") or self.code

    def inputs(self) -> list[str]:
        """Every code the formula reads (alternatives of ``first_of`` included)."""
        return formula_inputs(self.formula)

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code, "standard": self.standard, "number": self.number, "theme": self.theme,
            "kind": self.kind, "name": self.name, "definition": self.definition, "unit": self.unit,
            "method": self.method, "polarity": self.polarity, "formula": self.formula, "sources": self.sources,
            "same_as": self.same_as, "listed_by": self.listed_by, "availability": self.availability,
            "slug": self.slug,
        }


def slug(code: str) -> str:
    """CKAN dataset name of an indicator code: ``ISO37120:2018:8.1`` → ``iso37120-2018-8-1``."""
    return re.sub(r"[^a-z0-9_]+", "-", code.lower()).strip("-")[:100]


def formula_inputs(formula: dict | None) -> list[str]:
    if not formula:
        return []
    terms: list[Any] = []
    if formula.get("op") in SINGLE_INPUT:
        terms = [formula.get("input")]
    elif formula.get("op") == "ratio":
        terms = [*(formula.get("numerator") or []), *(formula.get("denominator") or [])]
    codes = []
    for term in terms:
        codes.extend(term["first_of"] if isinstance(term, dict) else [term])
    return [c for c in codes if c]


@dataclass
class Catalogue:
    themes: dict[str, dict[str, str]]
    indicators: list[Indicator]

    def __post_init__(self) -> None:
        self.by_code = {i.code: i for i in self.indicators}
        self.by_slug = {i.slug: i for i in self.indicators}

    def get(self, code_or_slug: str) -> Indicator | None:
        return self.by_code.get(code_or_slug) or self.by_slug.get(code_or_slug)

    def derived(self) -> list[Indicator]:
        """Indicators the computation produces (every formula but ``source`` and ``city``)."""
        return [i for i in self.indicators if i.formula and i.formula["op"] not in ("source", "city")]

    def theme_label(self, clause: str | None, lang: str) -> str:
        if not clause or clause not in self.themes:
            return ""
        return f"{clause}. {self.themes[clause].get(lang) or self.themes[clause]['en']}"


def _check(data: dict) -> list[str]:  # noqa: PLR0912
    problems = []
    entries = data.get("indicators") or []
    codes = [e.get("code") for e in entries]
    seen, slugs = set(), set()
    for e in entries:
        code = e.get("code")
        where = f"indicator {code!r}"
        if not code or code in seen:
            problems.append(f"{where}: missing or duplicate code")
        seen.add(code)
        if code and slug(code) in slugs:
            problems.append(f"{where}: its URL name {slug(code)!r} clashes with another code")
        slugs.add(slug(code or ""))
        if e.get("polarity") not in POLARITIES:
            problems.append(f"{where}: polarity must be one of {sorted(POLARITIES)}")
        if e.get("kind") not in KINDS:
            problems.append(f"{where}: kind must be one of {sorted(KINDS)}")
        if not isinstance(e.get("name"), dict) or not (e["name"].get("pl") or e["name"].get("en")):
            problems.append(f"{where}: needs a name (pl and/or en)")
        formula = e.get("formula")
        if formula is not None:
            if formula.get("op") not in OPS:
                problems.append(f"{where}: formula op must be one of {sorted(OPS)}")
            for term in formula_inputs(formula):
                if term not in codes:
                    problems.append(f"{where}: the formula reads {term!r}, which is not in the catalogue")
            if formula.get("op") == "ratio" and not (formula.get("numerator") and formula.get("denominator")):
                problems.append(f"{where}: a ratio needs a numerator and a denominator")
    for clause in {str(e.get("theme")) for e in entries if e.get("theme")}:
        if clause not in {str(t["clause"]) for t in data.get("themes") or []}:
            problems.append(f"theme {clause!r} is not among the themes")
    return problems


def _availability(code: str, entries: dict[str, dict], stack: tuple = ()) -> str:
    """source: every input is harvested; city: some input is the city's own data; none: no formula."""
    entry = entries[code]
    formula = entry.get("formula")
    if not formula or code in stack:
        return NONE
    op = formula["op"]
    if op == "source":
        return SOURCE if {s.get("source") for s in entry.get("sources") or []} & HARVESTED else NONE
    if op == "city":
        return CITY
    terms = ([formula["input"]] if op in SINGLE_INPUT
             else [*formula["numerator"], *formula["denominator"]])
    levels = []
    for term in terms:
        options = term["first_of"] if isinstance(term, dict) else [term]
        found = [_availability(t, entries, (*stack, code)) for t in options]
        levels.append(SOURCE if SOURCE in found else CITY if CITY in found else NONE)
    if NONE in levels:
        return NONE
    return CITY if CITY in levels else SOURCE


def parse(text: str, stats: public_statistics.PublicStatistics | None = None) -> Catalogue:
    """The catalogue of ``text``; with ``stats``, its verified public-statistics mappings merged in."""
    data = yaml.safe_load(text)
    if isinstance(data, dict) and stats is not None:
        public_statistics.merge(data, stats)
    if not isinstance(data, dict):
        raise CatalogueError("the catalogue is a mapping with 'themes' and 'indicators'")
    problems = _check(data)
    if problems:
        raise CatalogueError("indicator catalogue:\n  - " + "\n  - ".join(problems))
    entries = {e["code"]: e for e in data["indicators"]}
    themes = {str(t["clause"]): t["name"] for t in data["themes"]}
    indicators = []
    for e in data["indicators"]:
        notes = {k: e[k] for k in ("name_pl_note", "name_en_note", "kind_note", "theme_in_edition") if e.get(k)}
        indicators.append(Indicator(
            code=e["code"], standard=e["standard"], number=str(e.get("number") or ""),
            theme=str(e["theme"]) if e.get("theme") else None, kind=e["kind"], name=e["name"],
            definition=e.get("definition") or {}, unit=e.get("unit") or "", method=e.get("method") or {},
            polarity=e["polarity"], formula=e.get("formula"), sources=e.get("sources") or [],
            same_as=e.get("same_as") or [], listed_by=e.get("listed_by") or "", notes=notes,
            availability=_availability(e["code"], entries), change_threshold=e.get("change_threshold"),
        ))
    return Catalogue(themes=themes, indicators=indicators)


@cache
def catalogue() -> Catalogue:
    """The shipped catalogue (read once per process)."""
    path = files("ckanext.urbanaudit.schemas") / "indicators" / "catalogue.yaml"
    return parse(path.read_text("utf-8"), public_statistics.load())


@cache
def city_points() -> dict[str, tuple[float, float]]:
    """Approximate city centres (WGS84 lat, lon) by TERYT, for the comparison map."""
    path = files("ckanext.urbanaudit.schemas") / "indicators" / "city_points.yaml"
    data = yaml.safe_load(path.read_text("utf-8")) or {}
    return {str(k): (float(v["lat"]), float(v["lon"])) for k, v in data.items()}


def dataset_fields(indicator: Indicator) -> dict[str, Any]:
    """The fields of the indicator's CKAN dataset (type ``indicator``), as the loader writes them."""
    sources = [":".join(str(s[k]) for k in ("source", "dataset", "variable") if s.get(k)) for s in indicator.sources]
    notes = indicator.definition.get("pl") or indicator.name.get("pl") or ""
    if indicator.definition.get("en"):
        notes += "\n\n" + indicator.definition["en"]
    tags = [t for t in (indicator.standard, f"ISO 37120 {indicator.theme}" if indicator.theme else None) if t]
    return {
        "type": "indicator",
        "name": indicator.slug,
        "title": f"{indicator.code} — {indicator.label('pl')}",
        "notes": notes,
        "indicator_code": indicator.code,
        "standard": indicator.standard,
        "indicator_number": indicator.number,
        "iso37120_theme": [indicator.theme] if indicator.theme else [],
        "indicator_kind": indicator.kind,
        "name_pl": indicator.name.get("pl", ""),
        "name_en": indicator.name.get("en", ""),
        "definition_en": indicator.definition.get("en", ""),
        "unit": indicator.unit,
        "method_pl": indicator.method.get("pl", ""),
        "method_en": indicator.method.get("en", ""),
        "polarity": indicator.polarity,
        "formula": json.dumps(indicator.formula, ensure_ascii=False, sort_keys=True) if indicator.formula else "",
        "source_variables": ", ".join(sources or indicator.inputs()),
        "availability": indicator.availability,
        "same_as": ", ".join(indicator.same_as),
        "listed_by": indicator.listed_by,
        "tags": [{"name": re.sub(r"[^\w .-]", " ", t)[:100]} for t in tags],
    }
