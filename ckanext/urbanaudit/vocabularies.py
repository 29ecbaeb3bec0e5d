"""Controlled vocabularies kept as data in ckanext.urbanaudit.schemas/vocabularies."""
from __future__ import annotations

import json
from functools import cache
from importlib.resources import files


@cache
def load(name: str) -> dict:
    """The vocabulary ``name`` (file name without .json): {"vocabulary": URI, "choices": [...]}."""
    path = files("ckanext.urbanaudit.schemas") / "vocabularies" / f"{name}.json"
    return json.loads(path.read_text("utf-8"))


def choices(name: str) -> list[dict]:
    return load(name)["choices"]
