"""What a department enters for an indicator: the inputs of its formula, so the system computes the ratio and
not the person.

An indicator whose unit is a ratio (``%``, ``na 100 000 mieszkańców``, ``… na mieszkańca``, ``na 1000 urodzeń
żywych``, ``uczniowie na nauczyciela``) is entered as a numerator and a denominator and computed as
``numerator / denominator x scale``; any other unit (µg/m3, minutes, hectares, …) is entered as one value.
The rule reads the catalogue's unit; ``schemas/indicators/audit_inputs.yaml`` names the numerator and
denominator of single indicators in Polish and English where the generic labels say too little (the
project's reading of the indicator's name — the standard's own text is not reproduced).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from importlib.resources import files
from typing import Any

import yaml

from ckanext.urbanaudit.indicators.catalogue import Indicator

POPULATION = {"pl": "Liczba mieszkańców", "en": "Population"}

# unit (as the catalogue gives it) -> (scale, denominator label, share: numerator is a part of the denominator)
RATIO_UNITS: dict[str, tuple[int, dict[str, str], bool]] = {
    "%": (100, {"pl": "Mianownik (całość)", "en": "Denominator (the whole)"}, True),
    "na 100 000 mieszkańców": (100000, POPULATION, False),
    "na 1000 urodzeń żywych": (1000, {"pl": "Liczba urodzeń żywych", "en": "Live births"}, False),
    "m2 na mieszkańca": (1, POPULATION, False),
    "t na mieszkańca": (1, POPULATION, False),
    "t CO2e na mieszkańca": (1, POPULATION, False),
    "podróże na mieszkańca": (1, POPULATION, False),
    "samochody na mieszkańca": (1, POPULATION, False),
    "pojazdy na mieszkańca": (1, POPULATION, False),
    "uczniowie na nauczyciela": (1, {"pl": "Liczba nauczycieli", "en": "Teachers"}, False),
    "miejsca pracy na mieszkanie": (1, {"pl": "Liczba mieszkań", "en": "Dwellings"}, False),
    "przerwy na odbiorcę rocznie": (1, {"pl": "Liczba odbiorców", "en": "Customers"}, False),
    "godziny na gospodarstwo": (1, {"pl": "Liczba gospodarstw domowych", "en": "Households"}, False),
}
NUMERATOR = {"pl": "Licznik", "en": "Numerator"}


@dataclass(frozen=True)
class Inputs:
    """``ratio``: entered as numerator and denominator; else one value."""

    ratio: bool
    scale: int = 1
    share: bool = False
    numerator: dict[str, str] = field(default_factory=dict)
    denominator: dict[str, str] = field(default_factory=dict)

    def compute(self, numerator: Decimal, denominator: Decimal) -> Decimal:
        return numerator / denominator * self.scale

    def as_dict(self) -> dict[str, Any]:
        return {"ratio": self.ratio, "scale": self.scale, "share": self.share, "numerator": self.numerator,
                "denominator": self.denominator}


@cache
def _labels() -> dict[str, dict]:
    path = files("ckanext.urbanaudit.schemas") / "indicators" / "audit_inputs.yaml"
    if not path.is_file():
        return {}
    return (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("indicators") or {}


def for_indicator(indicator: Indicator) -> Inputs:
    own = _labels().get(indicator.code) or {}
    rule = RATIO_UNITS.get(indicator.unit)
    if rule is None and not own.get("scale"):
        return Inputs(ratio=False)
    scale, denominator, share = rule if rule else (int(own["scale"]), POPULATION, False)
    return Inputs(ratio=True, scale=int(own.get("scale") or scale), share=bool(own.get("share", share)),
                  numerator={**NUMERATOR, **(own.get("numerator") or {})},
                  denominator={**denominator, **(own.get("denominator") or {})})
