"""Guides for residents: what the portal holds, how to read an indicator, how to download and open a file, how
to ask for data, and a page about the project — in Polish (``/poradnik``, ``/o-projekcie``) and English (the
same paths under ``/en/``).

The texts are Markdown. The defaults ship with the package (``portal/guides/<slug>.<lang>.md``); a sysadmin
replaces a page's text at ``/ckan-admin/poradniki`` without a deployment. The replacement is a runtime-editable
CKAN config option (``ckanext.urbanaudit.guide.<slug>.<lang>``, declared editable by the plugin's
``update_config_schema``), stored in CKAN's ``system_info`` table by ``config_option_update`` — so only who may
call that action (sysadmins) may edit, and every web process picks the change up on its next request. An empty
value means the shipped text. Pages are drawn with CKAN's ``h.render_markdown``, which strips any HTML.
"""
from __future__ import annotations

import re
from importlib.resources import files
from typing import Any

import ckan.plugins.toolkit as tk
import flask
from werkzeug.wrappers.response import Response as BaseResponse

from ckanext.urbanaudit import config
from ckanext.urbanaudit.cities.model import City
from ckanext.urbanaudit.logic import pages
from ckanext.urbanaudit.utils import page_lang, user_context

guides = flask.Blueprint("urbanaudit_guides", __name__)

PACKAGE = "ckanext.urbanaudit.portal"
FOLDER = "guides"
GUIDES = ("co-zawiera-portal", "jak-czytac-wskaznik", "jak-pobrac-dane", "jak-poprosic-o-dane")
ABOUT = "o-projekcie"
PAGES = (*GUIDES, ABOUT)
LANGS = ("pl", "en")
MAX_CHARS = 50_000

_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_EMPHASIS = re.compile(r"[*_`]+")


def config_key(slug: str, lang: str) -> str:
    return f"ckanext.urbanaudit.guide.{slug}.{lang}"


def default_text(slug: str, lang: str) -> str:
    """The text shipped with the package."""
    return (files(PACKAGE) / FOLDER / f"{slug}.{lang}.md").read_text("utf-8")


def text(slug: str, lang: str) -> str:
    """The text shown: a sysadmin's, else the shipped one."""
    return config.guide_text(slug, lang) or default_text(slug, lang)


def title(markdown: str) -> str:
    """The first level-one heading of a text ("" when it has none)."""
    for line in markdown.splitlines():
        if line.startswith("# "):
            return _plain(line[2:])
    return ""


def summary(markdown: str) -> str:
    """The first paragraph of a text, without Markdown marks (for the index)."""
    paragraph: list[str] = []
    for line in markdown.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            if paragraph:
                break
            continue
        paragraph.append(stripped)
    return _plain(" ".join(paragraph))


def _plain(markdown: str) -> str:
    return _EMPHASIS.sub("", _LINK.sub(r"\1", markdown)).strip()


def _not_too_long(value: Any) -> Any:
    if value and len(value) > MAX_CHARS:
        raise tk.Invalid(tk._("The text is longer than {n} characters.").format(n=MAX_CHARS))
    return value


def update_config_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """Declare every page's text in every language editable at run time (sysadmins, ``config_option_update``)."""
    validators = [tk.get_validator("ignore_missing"), tk.get_validator("unicode_safe"), _not_too_long]
    schema.update({config_key(slug, lang): list(validators) for slug in PAGES for lang in LANGS})
    return schema


def _page(slug: str, template: str, extra: dict[str, Any] | None = None) -> str:
    lang = page_lang()
    markdown = text(slug, lang)
    return tk.render(template, {
        "slug": slug, "title": title(markdown) or slug, "body": tk.h.render_markdown(markdown, auto_link=False),
        "guides": _index(lang), **(extra or {})})


def _index(lang: str) -> list[dict[str, str]]:
    found = []
    for slug in GUIDES:
        markdown = text(slug, lang)
        found.append({"slug": slug, "title": title(markdown) or slug, "summary": summary(markdown)})
    return found


@guides.route("/poradnik", strict_slashes=False)
def index() -> str:
    lang = page_lang()
    about = text(ABOUT, lang)
    return tk.render("urbanaudit/guides/index.html", {
        "guides": _index(lang), "about": {"title": title(about) or ABOUT, "summary": summary(about)}})


@guides.route("/poradnik/<slug>")
def read(slug: str) -> str:
    if slug not in GUIDES:
        return tk.abort(404, tk._("No such guide."))
    return _page(slug, "urbanaudit/guides/read.html")


@guides.route("/o-projekcie")
def about() -> str:
    return _page(ABOUT, "urbanaudit/guides/about.html", {"contacts": _contacts()})


def _contacts() -> list[dict[str, str]]:
    """The city's organization and the analytic team's, as the visitor may see them (none when not loaded)."""
    city = City.get(config.city())
    names = [city.config.get("organization")] if city else []
    names.append(config.audit_team_organization())
    found = []
    for name in filter(None, names):
        try:
            org = tk.get_action("organization_show")(user_context(), {"id": name, "include_datasets": False})
        except (tk.ObjectNotFound, tk.NotAuthorized):
            continue
        found.append({"name": org["name"], "title": org["title"] or org["name"]})
    return found


# ---- the sysadmins' editor -------------------------------------------------------------------------------

def _sysadmins_only() -> BaseResponse | None:
    """Anonymous visitors to the login page; anyone who may not change the site's configuration gets 403."""
    if (login := pages.login_first()) is not None:
        return login
    try:
        tk.check_access("config_option_update", user_context())
    except tk.NotAuthorized:
        return tk.abort(403, tk._("Only sysadmins may edit the guides."))
    return None


@guides.route("/ckan-admin/poradniki")
def admin() -> str | BaseResponse:
    if (refused := _sysadmins_only()) is not None:
        return refused
    rows = [{"slug": slug, "lang": lang, "title": title(text(slug, lang)) or slug,
             "changed": bool(config.guide_text(slug, lang))} for slug in PAGES for lang in LANGS]
    return tk.render("urbanaudit/guides/admin.html", {"rows": rows})


@guides.route("/ckan-admin/poradniki/<slug>/<lang>", methods=["GET", "POST"])
def edit(slug: str, lang: str) -> str | BaseResponse:
    if (refused := _sysadmins_only()) is not None:
        return refused
    if slug not in PAGES or lang not in LANGS:
        return tk.abort(404, tk._("No such guide."))
    form = flask.request.form
    draft, errors, preview = text(slug, lang), [], None
    if flask.request.method == "POST":
        draft = form.get("text", "").replace("\r\n", "\n")
        if "restore" in form:
            _store(slug, lang, "")
            tk.h.flash_success(tk._("The default text is restored."))
            return tk.redirect_to("urbanaudit_guides.edit", slug=slug, lang=lang)
        if "save" in form:
            stored = "" if draft.strip() == default_text(slug, lang).strip() else draft
            try:
                _store(slug, lang, stored)
            except tk.ValidationError as e:
                errors = [str(m) for messages in e.error_dict.values() for m in messages]
            else:
                tk.h.flash_success(tk._("The text is saved; the page shows it now."))
                return tk.redirect_to("urbanaudit_guides.edit", slug=slug, lang=lang)
        preview = tk.h.render_markdown(draft, auto_link=False)
    return tk.render("urbanaudit/guides/edit.html", {
        "slug": slug, "lang": lang, "draft": draft, "preview": preview, "errors": errors,
        "changed": bool(config.guide_text(slug, lang)), "title": title(draft) or slug,
        "public_url": _public_url(slug, lang)})


def _store(slug: str, lang: str, value: str) -> None:
    tk.get_action("config_option_update")(user_context(), {config_key(slug, lang): value})


def _public_url(slug: str, lang: str) -> str:
    endpoint = "urbanaudit_guides.about" if slug == ABOUT else "urbanaudit_guides.read"
    args = {} if slug == ABOUT else {"slug": slug}
    return tk.h.url_for(endpoint, locale=lang, **args)
