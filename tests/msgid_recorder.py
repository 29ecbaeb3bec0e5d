"""Record every message a page looks up while it is rendered, and whether the catalogues had it.

Every translation of the portal goes through flask-babel's ``Domain.get_translations()``:
``ckan.common._``/``ungettext`` (Python and the ``ungettext`` template global) call
``flask_babel.gettext``/``ngettext`` -> ``Domain.gettext``/``ngettext`` -> ``get_translations()``,
and the Jinja ``_``/``gettext``/``ngettext`` callables installed by flask-babel call
``flask_babel.get_translations()`` -> ``get_domain().get_translations()`` too. That method returns
the one ``babel.support.Translations`` object merged from CKAN's catalogue and every plugin's
ITranslation catalogue (later ones win; ours is merged last). The recorder wraps that object, so
it sees exactly the lookups of the running portal, and checks each against the catalogue the
portal really uses (the compiled ``.mo`` files), not against a copy of it.
"""
from __future__ import annotations

import contextlib
from dataclasses import dataclass, field

import flask_babel


@dataclass(frozen=True)
class Lookup:
    msgid: str
    plural: str | None  # the plural msgid of an ngettext lookup
    context: str | None
    locale: str
    translated: bool  # a non-empty translation (every plural form) was in the merged catalogue
    forms: int | None  # plural forms the plural function in use selects (ngettext lookups)

    def __str__(self) -> str:
        text = repr(self.msgid) if self.plural is None else f"{self.msgid!r} / {self.plural!r}"
        return text if self.context is None else f"{self.context}|{text}"


def _has(catalog: dict, key, plural_forms: int | None) -> bool:
    if plural_forms is None:
        return bool(catalog.get(key))
    return all(catalog.get((key, index)) for index in range(plural_forms))


class _Recording:
    """Stands in for the merged ``Translations`` object and notes each lookup."""

    def __init__(self, inner, sink: list[Lookup]):
        self._inner = inner
        self._sink = sink

    def __getattr__(self, name):
        return getattr(self._inner, name)

    def _note(self, msgid, plural=None, context=None):
        catalog = self._inner._catalog
        key = msgid if context is None else f"{context}\x04{msgid}"
        # as many forms as the plural function in use selects (3 for Polish, 2 for English)
        forms = None if plural is None else len({self._inner.plural(n) for n in range(200)})
        locale = str(flask_babel.get_locale())
        self._sink.append(Lookup(msgid, plural, context, locale, _has(catalog, key, forms), forms))

    def ugettext(self, message):
        self._note(message)
        return self._inner.ugettext(message)

    gettext = ugettext

    def ungettext(self, singular, plural, num):
        self._note(singular, plural)
        return self._inner.ungettext(singular, plural, num)

    ngettext = ungettext

    def upgettext(self, context, message):
        self._note(message, context=context)
        return self._inner.upgettext(context, message)

    pgettext = upgettext

    def unpgettext(self, context, singular, plural, num):
        self._note(singular, plural, context)
        return self._inner.unpgettext(context, singular, plural, num)

    npgettext = unpgettext


@dataclass
class MsgidRecorder:
    """``with recorder.recording() as lookups: app.get(url)`` collects the page's lookups."""

    lookups: list[Lookup] | None = field(default=None)

    @contextlib.contextmanager
    def recording(self):
        self.lookups = []
        try:
            yield self.lookups
        finally:
            self.lookups = None

    def install(self, monkeypatch) -> None:
        original = flask_babel.Domain.get_translations
        recorder = self

        def get_translations(domain):
            translations = original(domain)
            if recorder.lookups is None:
                return translations
            return _Recording(translations, recorder.lookups)

        monkeypatch.setattr(flask_babel.Domain, "get_translations", get_translations)
