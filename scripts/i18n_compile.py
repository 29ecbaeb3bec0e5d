"""Compile the extension's message catalogues: i18n/<lang>/LC_MESSAGES/ckanext-urbanaudit.po -> .mo.

For a language that has a supplementary catalogue of CKAN's own messages (i18n/ckan-core-<lang>.po:
the core, ckanext-harvest, -dcat and -scheming messages our pages show that the installed CKAN
catalogue leaves untranslated), its entries are merged into the compiled catalogue; on a clash our
own entry wins. CKAN (flask-babel) merges every plugin's catalogue over its own at run time, so the
merged entries reach core templates too.

The supplementary file lives outside the <lang>/LC_MESSAGES directories, so `pybabel update`
(`make i18n`) never touches it. Each catalogue is checked before it is written: plural forms of the
language, and the placeholders ({0}, %(name)s, %s, HTML tags) of every translation equal to the
msgid's. Any problem stops the build with a message naming the file and the msgid.

Usage: python scripts/i18n_compile.py [-q]
"""
from __future__ import annotations

import io
import re
import sys
from collections import Counter
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

I18N = Path(__file__).resolve().parents[1] / "ckanext" / "urbanaudit" / "i18n"
DOMAIN = "ckanext-urbanaudit"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\w*\}|</?[a-zA-Z][^>]*>")


def placeholders(text: str) -> Counter:
    return Counter(PLACEHOLDER.findall(text))


def problems(catalog: Catalog, origin: Path) -> list[str]:
    found = []
    for message in catalog:
        if not message.id or not message.string:
            continue
        ids = message.id if isinstance(message.id, (list, tuple)) else (message.id,)
        strings = message.string if isinstance(message.string, (list, tuple)) else (message.string,)
        if isinstance(message.id, (list, tuple)) and len(strings) != catalog.num_plurals:
            found.append(f"{origin.name}: {ids[0]!r} has {len(strings)} plural forms, "
                         f"the language has {catalog.num_plurals}")
        expected = placeholders(ids[-1])
        for string in strings:
            if string and placeholders(string) != expected:
                found.append(f"{origin.name}: {ids[0]!r}: placeholders {sorted(placeholders(string))} "
                             f"in {string!r}, the msgid has {sorted(expected)}")
    return found


def merged_catalog(lang: str) -> tuple[Catalog, dict]:
    """Our catalogue of ``lang`` with the supplementary core entries added; raises ValueError on problems."""
    own_path = I18N / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
    with open(own_path, "rb") as f:
        catalog = read_po(f, locale=lang)
    errors = problems(catalog, own_path)
    stats = {"own": sum(1 for m in catalog if m.id and m.string), "core": 0, "clashes": 0}
    core_path = I18N / f"ckan-core-{lang}.po"
    if core_path.exists():
        with open(core_path, "rb") as f:
            core = read_po(f, locale=lang)
        errors += problems(core, core_path)
        if core.plural_expr != catalog.plural_expr:
            errors.append(f"{core_path.name}: Plural-Forms {core.plural_forms!r} differ from "
                          f"{own_path.name}: {catalog.plural_forms!r}")
        for message in core:
            if not message.id or not message.string or message.fuzzy:
                continue
            own = catalog.get(message.id, message.context)
            if own is not None and (any(own.string) if own.pluralizable else own.string):
                stats["clashes"] += 1  # ours wins
                continue
            if own is not None:
                catalog.delete(message.id, message.context)
            catalog[message.id] = message
            stats["core"] += 1
    if errors:
        raise ValueError("\n".join(errors))
    return catalog, stats


def compiled(lang: str) -> tuple[bytes, dict]:
    catalog, stats = merged_catalog(lang)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    return buffer.getvalue(), stats


def languages() -> list[str]:
    return sorted(p.parent.parent.name for p in I18N.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))


def main(argv: list[str]) -> int:
    quiet = "-q" in argv
    for lang in languages():
        try:
            data, stats = compiled(lang)
        except ValueError as exc:
            print(f"i18n_compile: {lang}: catalogue errors:\n{exc}", file=sys.stderr)
            return 1
        (I18N / lang / "LC_MESSAGES" / f"{DOMAIN}.mo").write_bytes(data)
        if not quiet:
            print(f"{lang}: {stats['own']} own messages, {stats['core']} supplementary core messages"
                  f" ({stats['clashes']} supplementary entries overridden by ours)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
