"""Fill new msgids of the catalogues: English = msgid; Polish from a JSON file of translations.

Usage: .venv/bin/python scripts/i18n_fill.py translations.json   (after `make i18n` extracted them)
Prints what is still untranslated.
"""
import json
import sys
from pathlib import Path

import polib

I18N = Path(__file__).resolve().parents[1] / "ckanext" / "urbanaudit" / "i18n"
polish = json.loads(Path(sys.argv[1]).read_text("utf-8")) if len(sys.argv) > 1 else {}
for lang in ("pl", "en"):
    path = I18N / lang / "LC_MESSAGES" / "ckanext-urbanaudit.po"
    catalogue = polib.pofile(str(path))
    for entry in catalogue:
        if not entry.msgstr:
            entry.msgstr = polish.get(entry.msgid, "") if lang == "pl" else entry.msgid
    catalogue.save(str(path))
    print(lang, "untranslated:", [e.msgid for e in catalogue if not e.msgstr])
