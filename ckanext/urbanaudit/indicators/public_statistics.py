"""Public statistics behind the ISO indicators (schemas/indicators/public_statistics.yaml): which GUS BDL
variables and Eurostat Urban Audit codes feed which indicator, each source variable with its evidence.

Rules (nothing is ever invented):

* a source variable is **verified** only when its entry cites evidence — a recorded answer in the fixtures, or a
  public document or public code — that names that id with that name; an unverified variable is kept in the file
  with why, and computes nothing: it is not added to the catalogue and no formula reads it;
* an indicator's mapping is verified when every variable it reads is; only then does the catalogue's formula of
  the indicator read the public statistics (ahead of the department's own figure, which stays the fallback);
* at every harvest, before reading values, the harvesters compare the source's own metadata of each mapped
  variable (BDL ``variables/{id}``: names n1..n5, measure unit, subject; Eurostat: the indicator's label) with the
  file (:func:`mismatch`): a renumbered or redefined variable stops that mapping with an error naming both texts.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from importlib.resources import files
from typing import Any

import ckan.plugins.toolkit as tk
import yaml

SOURCES = {"bdl", "eurostat"}
EVIDENCE_KINDS = {"recorded", "code", "document"}
CODE = re.compile(r"^(BDL:\d+|EUROSTAT:urb_[a-z0-9_]+:[A-Z0-9_]+)$")
ISO = re.compile(r"^ISO3712[023]:\d{4}:\d+\.\d+$")


class PublicStatisticsError(ValueError):
    """The mapping file is inconsistent; the message lists every problem."""


@dataclass
class Variable:
    code: str
    source: str
    id: str
    name: list[str]
    measure_unit: str | None
    subject: str | None
    level: int | None
    verified: bool
    evidence: list[dict[str, str]]
    label: dict[str, str] = field(default_factory=dict)
    why_unverified: str = ""
    dataset: str | None = None  # Eurostat dataset of the code

    @property
    def full_name(self) -> str:
        return " / ".join(self.name)


@dataclass
class Mapping:
    indicator: str
    numerator: list[str]
    denominator: list[str]
    scale: float
    unit: str
    level: str
    note: str
    verified: bool = False

    @property
    def variables(self) -> list[str]:
        return [*self.numerator, *self.denominator]


@dataclass
class PublicStatistics:
    variables: dict[str, Variable]
    indicators: dict[str, Mapping]
    uncovered: dict[str, str]

    def verified_variables(self, source: str) -> list[Variable]:
        return [v for v in self.variables.values() if v.source == source and v.verified]


def _norm(text: Any) -> str:
    return " ".join(str(text or "").split())


def _variable(code: str, e: dict, problems: list[str]) -> Variable | None:
    where = f"variable {code!r}"
    if not CODE.match(code):
        problems.append(f"{where}: a code is BDL:<id> or EUROSTAT:<urb dataset>:<code>")
        return None
    source = e.get("source")
    if source not in SOURCES or not code.lower().startswith(source):
        problems.append(f"{where}: source must be {' or '.join(sorted(SOURCES))} and match the code")
        return None
    evidence = e.get("evidence") or []
    for item in evidence:
        if item.get("kind") not in EVIDENCE_KINDS or not item.get("where") or not item.get("says"):
            problems.append(f"{where}: each evidence names its kind ({', '.join(sorted(EVIDENCE_KINDS))}), "
                            f"where it is and what it says")
    verified = e.get("verified") is True
    names = [_norm(n) for n in (e.get("name") or []) if _norm(n)]
    if verified and not (evidence and names):
        problems.append(f"{where}: verified needs evidence and the source's exact name")
    if not verified and not e.get("why_unverified"):
        problems.append(f"{where}: an unverified variable says why (why_unverified)")
    parts = code.split(":")
    return Variable(
        code=code, source=source, id=parts[-1] if source == "eurostat" else parts[1], name=names,
        measure_unit=_norm(e.get("measure_unit")) or None, subject=e.get("subject") or None,
        level=e.get("level"), verified=verified, evidence=evidence, label=e.get("label") or {},
        why_unverified=e.get("why_unverified") or "", dataset=parts[1] if source == "eurostat" else None)


def parse(text: str) -> PublicStatistics:
    data = yaml.safe_load(text) or {}
    problems: list[str] = []
    variables = {}
    for code, entry in (data.get("variables") or {}).items():
        variable = _variable(str(code), entry or {}, problems)
        if variable is not None:
            variables[variable.code] = variable
    indicators = {}
    for code, raw in (data.get("indicators") or {}).items():
        entry = raw or {}
        if not ISO.match(str(code)):
            problems.append(f"indicator {code!r}: not an ISO indicator code (e.g. ISO37120:2014:5.1)")
            continue
        mapping = Mapping(indicator=str(code), numerator=[str(c) for c in entry.get("numerator") or []],
                          denominator=[str(c) for c in entry.get("denominator") or []],
                          scale=float(entry.get("scale", 1)), unit=str(entry.get("unit") or ""),
                          level=str(entry.get("level") or "powiat"), note=_norm(entry.get("note")))
        if not mapping.numerator:
            problems.append(f"indicator {code!r}: needs a numerator")
        if not mapping.denominator and len(mapping.numerator) > 1:
            problems.append(f"indicator {code!r}: without a denominator the indicator is one variable (scaled)")
        unknown = [c for c in mapping.variables if c not in variables]
        if unknown:
            problems.append(f"indicator {code!r}: reads {', '.join(unknown)}, not among the variables")
        mapping.verified = not unknown and all(variables[c].verified for c in mapping.variables)
        indicators[mapping.indicator] = mapping
    uncovered = {str(k): _norm(v) for k, v in (data.get("uncovered") or {}).items()}
    for code in set(uncovered) & set(indicators):
        problems.append(f"indicator {code!r}: both mapped and uncovered")
    if problems:
        raise PublicStatisticsError("public statistics mapping:\n  - " + "\n  - ".join(problems))
    return PublicStatistics(variables=variables, indicators=indicators, uncovered=uncovered)


@cache
def load() -> PublicStatistics:
    """The shipped mapping (read once per process)."""
    path = files("ckanext.urbanaudit.schemas") / "indicators" / "public_statistics.yaml"
    return parse(path.read_text("utf-8"))


def mismatch(variable: Variable, *, name: list[str] | str, measure_unit: str | None = None,
             subject: str | None = None) -> str | None:
    """What differs between the source's own metadata of a variable and the mapping file (None: they agree).

    ``name`` is BDL's n1..n5 (a list) or Eurostat's label (a string)."""
    found = [_norm(n) for n in ([name] if isinstance(name, str) else name) if _norm(n)]
    differences = []
    if found != variable.name:
        differences.append(tk._("name “{found}” where the mapping says “{mapped}”").format(
            found=" / ".join(found), mapped=variable.full_name))
    if variable.measure_unit is not None and measure_unit is not None and _norm(measure_unit) != variable.measure_unit:
        differences.append(tk._("measure unit “{found}” where the mapping says “{mapped}”").format(
            found=_norm(measure_unit), mapped=variable.measure_unit))
    if variable.subject is not None and subject is not None and subject != variable.subject:
        differences.append(tk._("subject {found} where the mapping says {mapped}").format(
            found=subject, mapped=variable.subject))
    if not differences:
        return None
    return tk._("{code}: the source now gives {differences}. The mapping of this variable is stopped and none of "
                "its values was written; check the variable in the source and correct "
                "schemas/indicators/public_statistics.yaml.").format(code=variable.code,
                                                                     differences="; ".join(differences))


def _formula_text(numerator: list[Any], denominator: list[Any], scale: float) -> str:
    def term(t: Any) -> str:
        return f"first of ({', '.join(t['first_of'])})" if isinstance(t, dict) else t

    top = " + ".join(term(t) for t in numerator)
    if not denominator:
        return top
    scaled = f" × {int(scale):,}".replace(",", " ") if scale != 1 else ""
    return f"({top}) / ({' + '.join(term(t) for t in denominator)}){scaled}"


def _merged_terms(public: list[str], existing: list[Any]) -> list[Any]:
    """Term by term, the public statistic first and the catalogue's earlier inputs (e.g. the department's own
    figure) as fallbacks."""
    out: list[Any] = []
    for mine, theirs in zip(public, existing, strict=True):
        options = [mine, *(theirs["first_of"] if isinstance(theirs, dict) else [theirs])]
        unique = list(dict.fromkeys(options))
        out.append({"first_of": unique} if len(unique) > 1 else unique[0])
    return out


def _formula(mapping: Mapping, existing: dict | None) -> dict[str, Any]:
    if not mapping.denominator:
        if mapping.scale != 1:
            return {"op": "scaled", "input": mapping.numerator[0], "scale": mapping.scale}
        if existing and existing.get("op") == "same_as":
            # the same indicator of another edition (e.g. from the city's own stations) first, the public
            # statistic where it has no value
            earlier = existing["input"]["first_of"] if isinstance(existing["input"], dict) else [existing["input"]]
            return {"op": "same_as", "input": {"first_of": list(dict.fromkeys([*earlier, mapping.numerator[0]]))}}
        return {"op": "same_as", "input": mapping.numerator[0]}
    if (existing and existing.get("op") == "ratio" and len(existing["numerator"]) == len(mapping.numerator)
            and len(existing["denominator"]) == len(mapping.denominator)
            and float(existing.get("scale", 1)) == mapping.scale):
        return {"op": "ratio", "numerator": _merged_terms(mapping.numerator, existing["numerator"]),
                "denominator": _merged_terms(mapping.denominator, existing["denominator"]), "scale": mapping.scale}
    return {"op": "ratio", "numerator": list(mapping.numerator), "denominator": list(mapping.denominator),
            "scale": mapping.scale}


def _source_item(variable: Variable) -> dict[str, Any]:
    """The variable as an item of a catalogue entry's ``sources``."""
    if variable.source == "bdl":
        return {"source": "bdl", "variable": variable.id, "subject": variable.subject}
    return {"source": "eurostat", "dataset": variable.dataset, "variable": variable.id}


def _variable_entry(variable: Variable, theme: str | None) -> dict[str, Any]:
    name_pl = variable.label.get("pl") or f"{variable.subject or variable.source.upper()}: {variable.full_name}"
    name_en = variable.label.get("en") or ""
    method = {"en": "value as published by the source", "pl": "wartość opublikowana przez źródło"}
    return {
        "code": variable.code, "standard": "GUS BDL" if variable.source == "bdl" else "Eurostat Urban Audit",
        "number": variable.id, "theme": theme, "kind": "variable",
        "name": {"pl": name_pl, **({"en": name_en} if name_en else {})},
        "definition": {"pl": name_pl, **({"en": name_en} if name_en else {})},
        "unit": variable.measure_unit or "", "method": method, "polarity": "neutral",
        "formula": {"op": "source"}, "sources": [_source_item(variable)],
        "listed_by": "; ".join(e["where"] for e in variable.evidence),
    }


def merge(data: dict[str, Any], stats: PublicStatistics) -> None:
    """Put the verified mappings into the raw catalogue (before it is checked and parsed): every verified
    variable read by a verified mapping becomes a catalogue entry of its own (unless the catalogue has it), and
    the mapped indicator's formula reads it. Unverified mappings change nothing."""
    entries = data.setdefault("indicators", [])
    by_code = {e["code"]: e for e in entries}
    for mapping in stats.indicators.values():
        target = by_code.get(mapping.indicator)
        if target is None or not mapping.verified or (target.get("formula") or {}).get("op") == "source":
            continue  # (an indicator harvested as is under its own code keeps its source)
        for code in mapping.variables:
            if code not in by_code:
                by_code[code] = _variable_entry(stats.variables[code], target.get("theme"))
                entries.append(by_code[code])
        formula = _formula(mapping, target.get("formula"))
        target["formula"] = formula
        text = (f"{formula['input']} × {formula['scale']:g}" if formula["op"] == "scaled" else _formula_text(
            formula.get("numerator") or [formula.get("input")], formula.get("denominator") or [],
            float(formula.get("scale", 1))))
        target["method"] = {
            "en": f"{text}; same city and period for every input. Public statistics: "
                  f"{', '.join(mapping.variables)}. {mapping.note}".strip(),
            "pl": f"{text}; wszystkie dane wejściowe dla tego samego miasta i okresu. Statystyka publiczna: "
                  f"{', '.join(mapping.variables)}.",
        }
        sources = list(target.get("sources") or [])
        for code in mapping.variables:
            item = _source_item(stats.variables[code])
            if item not in sources:
                sources.append(item)
        target["sources"] = sources


def coverage(stats: PublicStatistics, indicators: list[Any]) -> list[dict[str, Any]]:
    """One row per indicator of ``indicators`` (catalogue entries of one edition): its public sources, evidence,
    verified or not, and for an uncovered one, why."""
    rows = []
    for ind in indicators:
        mapping = stats.indicators.get(ind.code)
        row = {"code": ind.code, "kind": ind.kind, "name": ind.label("en"), "sources": [], "evidence": [],
               "verified": False, "why": ""}
        if mapping is None:
            row["why"] = stats.uncovered.get(ind.code) or "no public statistic mapped yet"
        else:
            row["sources"] = mapping.variables
            # computable: every variable verified and read by the indicator's formula in the catalogue
            row["verified"] = mapping.verified and set(mapping.variables) <= set(ind.inputs())
            if mapping.verified and not row["verified"]:
                row["why"] = "the catalogue harvests this indicator as is from another source; the mapping is " \
                             "not applied"
            for code in mapping.variables:
                variable = stats.variables[code]
                row["evidence"] += [e["where"] for e in variable.evidence]
                if not variable.verified:
                    row["why"] = (row["why"] + f" {code} unverified: {variable.why_unverified}").strip()
        rows.append(row)
    return rows
