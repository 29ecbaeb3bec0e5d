"""Every user-facing string of the extension is translated into Polish and English."""
from __future__ import annotations

from pathlib import Path

import polib
import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping

ROOT = Path(__file__).resolve().parents[2]
I18N = ROOT / "ckanext" / "urbanaudit" / "i18n"


def source_messages() -> set[str]:
    with open(ROOT / "babel.cfg", encoding="utf-8") as cfg:
        method_map, options_map = parse_mapping(cfg)
    found = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, options_map
    ):
        found.update(m for m in (message if isinstance(message, tuple) else (message,)) if m)
    return found


@pytest.mark.parametrize("lang", ["pl", "en"])
def test_every_source_string_has_a_translation(lang):
    catalogue = polib.pofile(str(I18N / lang / "LC_MESSAGES" / "ckanext-urbanaudit.po"))
    translated = {e.msgid for e in catalogue if e.msgstr and not e.obsolete and "fuzzy" not in e.flags}
    missing = sorted(source_messages() - translated)
    assert missing == [], f"untranslated in {lang}: {missing}"


def test_polish_catalogue_is_really_polish():
    catalogue = polib.pofile(str(I18N / "pl" / "LC_MESSAGES" / "ckanext-urbanaudit.po"))
    same = [e.msgid for e in catalogue if e.msgstr == e.msgid and len(e.msgid.split()) > 2]
    assert same == []
