"""The rules of the scaled values and of the quality-of-life composite: which values count (their flags), the
reference a value is scaled against, and the coverage the composite needs before it is shown. report.py
applies them; the methodology page (/metodologia) states them with the configured figures.

**Flags.** Each stored flag code belongs to at most one class, ``partial``, ``provisional`` or ``estimated``
(:data:`FLAG_CODES`, with the evidence of every source code); a computed value's ``input:<code>`` flag belongs
to the class of ``<code>``. A value counts when every class of its flags is among
``ckanext.urbanaudit.qol.count_flags`` (default: provisional and estimated count and are marked; partial does
not). Other flags (Eurostat's break in series, BDL's methodological change, ...) are shown but do not change
counting. A value that does not count is shown, but neither scaled, nor part of a reference, nor of the
composite or its coverage.

**Reference.** A city's latest value of an indicator is scaled against the values of every city in the portal
that has a counted value of that indicator in the same period: ``(v - min)/(max - min) x 100`` when higher is
better, ``(max - v)/(max - min) x 100`` when lower is better, when at least
``ckanext.urbanaudit.qol.min_reference_cities`` cities (default 5) have one; below that, or when they all have
the same value, or for a neutral indicator, the value is not scaled and says why. The values table holds
cities only (no national figure is harvested), so the portal's cities are the one reference implemented.

**Composite and coverage.** Scaled values are averaged per ISO 37120 theme, the theme means averaged. It is
given only when at least ``ckanext.urbanaudit.qol.min_themes`` themes (default 10 of 19) have a score and the
city has counted values for at least ``ckanext.urbanaudit.qol.min_core_share`` (default 0.5) of the core
indicators of ISO 37120:2014 (46 core indicators; a core indicator is covered by its own value or by the value of
an entry the catalogue links to it with ``same_as``, e.g. its ISO 37120:2018 counterpart). The 2014 edition
counts because it is the one edition whose core list is complete in the catalogue and the one cities are
certified on (see ../shared/DESIGN.md "The yearly audit"). One indicator in several editions (``same_as``) counts
once in its theme: the mean of its scaled values.
"""
from __future__ import annotations

import math
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Any

from ckan import model

from ckanext.urbanaudit import config
from ckanext.urbanaudit.cities.model import City
from ckanext.urbanaudit.indicators.catalogue import Catalogue, Indicator, catalogue

PARTIAL, PROVISIONAL, ESTIMATED = "partial", "provisional", "estimated"
FLAG_CLASSES = (PARTIAL, PROVISIONAL, ESTIMATED)
CORE_EDITION = "ISO 37120:2014"
REFERENCE_BASIS = "portal_cities"

# stored flag code -> class, each with where the code comes from and what the source says it means (pl, en)
_QUESTIONNAIRE = {"pl": "ankieta wydziału (audit/questionnaire.py)",
                  "en": "department questionnaire (audit/questionnaire.py)"}
_EUROSTAT = ("zapisanej odpowiedzi Eurostatu urb_cpop1 (extension.status.label)",
             "the recorded Eurostat urb_cpop1 answer (extension.status.label)")
_BDL = ("atrybuty BDL, zapisana odpowiedź API (fixtures/bdl/pybdl/samples_raw_attributes.json)",
        "BDL attributes, the recorded API answer (fixtures/bdl/pybdl/samples_raw_attributes.json)")
FLAG_EVIDENCE: list[dict[str, Any]] = [
    {"code": "partial", "class": PARTIAL,
     "source": {"pl": "harvester GIOŚ (średnie tylko z ostatnich dni pomiarów godzinowych, harvesters/gios.py); "
                      "ankieta wydziału",
                "en": "GIOŚ harvester (means of the latest days of hourly data only, harvesters/gios.py); "
                      "department questionnaire"}},
    {"code": "provisional", "class": PROVISIONAL, "source": _QUESTIONNAIRE},
    {"code": "estimated", "class": ESTIMATED, "source": _QUESTIONNAIRE},
    {"code": "p", "class": PROVISIONAL, "source": {"pl": f"status Eurostatu 'p' = 'provisional' według {_EUROSTAT[0]}",
                                                   "en": f"Eurostat status 'p' = 'provisional' in {_EUROSTAT[1]}"}},
    {"code": "e", "class": ESTIMATED, "source": {"pl": f"status Eurostatu 'e' = 'estimated' według {_EUROSTAT[0]}",
                                                 "en": f"Eurostat status 'e' = 'estimated' in {_EUROSTAT[1]}"}},
    {"code": "bdl:3", "class": PARTIAL,
     "source": {"pl": f"GUS BDL, atrybut 3 'k': 'Agregat może być niekompletny' ({_BDL[0]})",
                "en": f"GUS BDL attribute 3 'k': 'Agregat może być niekompletny' (aggregate may be incomplete; "
                      f"{_BDL[1]})"}},
    {"code": "bdl:13", "class": PARTIAL,
     "source": {"pl": f"GUS BDL, atrybut 13 'K': 'Zmiany metodologiczne, agregat może być niekompletny' ({_BDL[0]})",
                "en": f"GUS BDL attribute 13 'K': 'Zmiany metodologiczne, agregat może być niekompletny' "
                      f"(methodological changes, aggregate may be incomplete; {_BDL[1]})"}},
    {"code": "bdl:9", "class": ESTIMATED,
     "source": {"pl": f"GUS BDL, atrybut 9 's': 'Szacunki wstępne' ({_BDL[0]})",
                "en": f"GUS BDL attribute 9 's': 'Szacunki wstępne' (preliminary estimates; {_BDL[1]})"}},
]
FLAG_CODES: dict[str, str] = {e["code"]: e["class"] for e in FLAG_EVIDENCE}


@dataclass(frozen=True)
class Rules:
    min_themes: int
    min_core_share: float
    count_flags: frozenset[str]
    min_reference_cities: int

    def as_dict(self) -> dict[str, Any]:
        return {"min_themes": self.min_themes, "min_core_share": self.min_core_share,
                "count_flags": sorted(self.count_flags),
                "excluded_flags": [c for c in FLAG_CLASSES if c not in self.count_flags],
                "min_reference_cities": self.min_reference_cities}


def rules() -> Rules:
    return Rules(min_themes=config.qol_min_themes(), min_core_share=config.qol_min_core_share(),
                 count_flags=frozenset(config.qol_count_flags()),
                 min_reference_cities=config.qol_min_reference_cities())


def flag_classes(flags: Iterable[str]) -> list[str]:
    """The classes (partial, provisional, estimated) of a value's flags, in that order."""
    found = {FLAG_CODES.get(f.removeprefix("input:")) for f in flags}
    return [c for c in FLAG_CLASSES if c in found]


def counts(value: dict | None, rule: Rules) -> bool:
    """Whether a value dict (``value``, ``flags``) counts under the flag rule."""
    if not value or value.get("value") is None:
        return False
    return all(c in rule.count_flags for c in flag_classes(value.get("flags") or []))


def reference(values: dict[str, float], period: str, rule: Rules) -> dict[str, Any]:
    """The reference of one indicator and period: ``values`` are the counted values of every portal city."""
    return {"basis": REFERENCE_BASIS, "period": period, "cities": len(values),
            "min_cities": rule.min_reference_cities,
            "min": min(values.values()) if values else None, "max": max(values.values()) if values else None}


def scale(value: float, ref: dict[str, Any], polarity: str) -> tuple[float | None, str | None]:
    """The scaled 0-100 value against ``ref``, or None and the reason (neutral, too_few_cities, all_equal)."""
    if polarity == "neutral":
        return None, "neutral"
    if ref["cities"] < max(ref["min_cities"], 2):
        return None, "too_few_cities"
    low, high = ref["min"], ref["max"]
    if high == low:
        return None, "all_equal"
    share = (value - low) / (high - low) if polarity == "higher" else (high - value) / (high - low)
    return round(share * 100, 1), None


def core_indicators(cat: Catalogue, hidden: Collection[str]) -> list[Indicator]:
    return [i for i in cat.indicators if i.standard == CORE_EDITION and i.kind == "core" and i.code not in hidden]


def same_indicator(cat: Catalogue) -> dict[str, str]:
    """{code: the first code of its group}: entries linked by ``same_as`` (either direction, transitively) are
    one indicator in several editions; it counts once in a theme score and covers a core indicator."""
    linked: dict[str, set[str]] = {}
    for ind in cat.indicators:
        for other in ind.same_as:
            linked.setdefault(ind.code, set()).add(other)
            linked.setdefault(other, set()).add(ind.code)
    out: dict[str, str] = {}
    for code in sorted(linked):
        if code in out:
            continue
        group, todo = {code}, [code]
        while todo:
            for other in linked.get(todo.pop(), ()):
                if other not in group:
                    group.add(other)
                    todo.append(other)
        first = min(group)
        out.update(dict.fromkeys(group, first))
    return out


def coverage(cat: Catalogue, theme_scores: dict[str, float], counted: set[str], hidden: Collection[str]
             ) -> dict[str, Any]:
    """Whether the composite may be shown: themes with a score and core indicators with counted values against
    the configured minimum, with what is missing."""
    rule = rules()
    core = core_indicators(cat, hidden)
    same = same_indicator(cat)
    counted_groups = {same.get(c, c) for c in counted}
    covered = {i.code for i in core if same.get(i.code, i.code) in counted_groups}
    required_core = math.ceil(rule.min_core_share * len(core)) if core else 0
    themes_ok = len(theme_scores) >= rule.min_themes
    core_ok = len(covered) >= required_core
    return {
        "status": "ok" if themes_ok and core_ok else "not_enough_data",
        "themes": {"scored": len(theme_scores), "total": len(cat.themes), "required": rule.min_themes,
                   "missing": [{"theme": t, "name": cat.themes[t]} for t in cat.themes if t not in theme_scores]},
        "core": {"edition": CORE_EDITION, "total": len(core), "with_values": len(covered),
                 "required": required_core, "share_required": rule.min_core_share,
                 "missing": [{"code": i.code, "slug": i.slug, "name": i.name, "theme": i.theme}
                             for i in core if i.code not in covered]},
        "rules": rule.as_dict(),
    }


def methodology(hidden: Collection[str]) -> dict[str, Any]:
    """What /metodologia shows: the rules with the configured figures, the flag codes with their evidence, and
    every indicator the caller may see with its polarity, theme and edition."""
    cat = catalogue()
    rule = rules()
    core = core_indicators(cat, hidden)
    return {
        "rules": rule.as_dict(), "flags": FLAG_EVIDENCE, "themes": cat.themes,
        "core": {"edition": CORE_EDITION, "total": len(core), "required": math.ceil(rule.min_core_share * len(core))},
        "cities": model.Session.query(City).count(),
        "indicators": [{"code": i.code, "slug": i.slug, "name": i.name, "standard": i.standard, "theme": i.theme,
                        "kind": i.kind, "polarity": i.polarity} for i in cat.indicators if i.code not in hidden],
    }
