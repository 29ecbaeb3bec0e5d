"""Small pieces shared by every concern: constants, list parsing, the caller's context in a view, and
paging through ``package_search``."""
from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import ckan.plugins.toolkit as tk
import sqlalchemy as sa
from ckan import model

# EU Publications Office authority tables (data themes, file types, frequencies, licences, access rights, ...)
EU = "http://publications.europa.eu/resource/authority/"


def json_list(value: Any) -> list:
    """A list stored either as a list or as its JSON text (how scheming keeps multi-valued fields in
    extras); any other single value becomes a list of one, nothing an empty list."""
    if value is None or value in ("", []):
        return []
    if isinstance(value, str):
        if not value.strip().startswith("["):
            return [value]
        try:
            parsed = json.loads(value)
        except ValueError:
            return [value]
        return parsed if isinstance(parsed, list) else [value]
    return list(value)


def comma_list(value: Any) -> list[str]:
    """A list given as a list or as comma-separated text (API and CLI parameters), items stripped."""
    if value is None or value == "":
        return []
    items = value.split(",") if isinstance(value, str) else list(value)
    return [str(item).strip() for item in items if str(item).strip()]


def user_context() -> dict[str, Any]:
    """The context of an action called on behalf of the visitor of a page (anonymous: empty user)."""
    if tk.current_user.is_authenticated:
        return {"user": tk.current_user.name, "auth_user_obj": tk.current_user}
    return {"user": "", "auth_user_obj": None}


def page_lang() -> str:
    """The language of the page being drawn: ``pl`` or ``en``."""
    return "en" if (tk.h.lang() or "pl").startswith("en") else "pl"


def search_all(context: dict[str, Any], data_dict: dict[str, Any], rows: int = 500) -> Iterator[dict]:
    """Every result of a ``package_search`` (give a stable ``sort``), asked for ``rows`` at a time; one page
    is alive at a time and each result is let go once handed over."""
    search = tk.get_action("package_search")
    start = 0
    while True:
        page = search(dict(context), {**data_dict, "rows": rows, "start": start})
        count, results = page["count"], page["results"]
        del page
        fetched = len(results)
        results.reverse()
        while results:
            yield results.pop()
        start += fetched
        if not fetched or start >= count:
            return


def utcnow() -> datetime:
    """Now in UTC, as the naive timestamp the tables store (CKAN's own columns are naive UTC too)."""
    return datetime.now(UTC).replace(tzinfo=None)


def cli_context(user: str | None) -> dict[str, Any]:
    """The context of an action run from the command line: as ``user``, or as the site user (a sysadmin)."""
    if user is None:
        user = tk.get_action("get_site_user")({"ignore_auth": True}, {})["name"]
    return {"user": user}


def unique_name(name: str) -> str:
    """``name``, or ``name-2``, ``name-3`` ... : the first URL name no data set has yet (as a name or an id)."""
    return unique_names([name])[0]


def unique_names(names: list[str], given: set[str] | None = None) -> list[str]:
    """``unique_name`` of each name, in one query: the first of ``name``, ``name-2`` ... that no data set has (as
    a name or an id, deleted ones included) and no earlier name of the list got; ``given`` (updated) holds the
    names given by earlier calls of the same run."""
    given = set() if given is None else given
    bases = sorted(set(names))
    taken: set[str] = set()
    if bases:
        table = model.package_table
        matches = [expression.in_(bases) for column in (table.c.name, table.c.id)
                   for expression in (column, sa.func.regexp_replace(column, "-[0-9]+$", ""))]
        for found_name, found_id in model.Session.execute(sa.select(table.c.name, table.c.id).where(sa.or_(*matches))):
            taken.update((found_name, found_id))
    out = []
    for name in names:
        candidate, n = name, 1
        while candidate in taken or candidate in given:
            n += 1
            candidate = f"{name}-{n}"
        given.add(candidate)
        out.append(candidate)
    return out


# A text cell a spreadsheet would take for a formula (OWASP "CSV injection"): = + - @, tab or CR first, also
# behind quotes already there, so that removing the one protective quote gives the text back exactly.
_FORMULA_START = re.compile(r"'*[=+\-@\t\r]")


def spreadsheet_safe(value: Any) -> Any:
    """A cell for a CSV or XLSX file: text a spreadsheet would run as a formula gets a leading single quote
    (shown as text by Excel and LibreOffice); numbers and other text are returned as they are."""
    if isinstance(value, str) and _FORMULA_START.match(value):
        return "'" + value
    return value


def spreadsheet_text(value: str) -> str:
    """The text of a cell written by ``spreadsheet_safe``: its protective quote removed again."""
    if value.startswith("'") and _FORMULA_START.match(value, 1):
        return value[1:]
    return value


def enqueue_quietly(fn: Callable[..., Any], args: list, title: str, timeout: int) -> None:
    """Queue a background job after a save; Redis being down is logged and never makes the save fail."""
    try:
        tk.enqueue_job(fn, args, title=title, rq_kwargs={"timeout": timeout})
    except Exception:
        logging.getLogger(fn.__module__).exception("could not enqueue %s", title)


def N_(message: str) -> str:
    """The gettext marker Babel extracts: a text put in our catalogues and translated where it is shown."""
    return message
