"""Reminders of a reporting year: one email to each person (or, where an indicator has no responsible person,
to the admins of the department answering for it) listing the indicators still waiting for an approved value.

Mail goes through CKAN's mailer (``ckan.lib.mailer.mail_recipient``, settings ``smtp.*``). SMTP counts as
configured when both ``smtp.server`` and ``smtp.mail_from`` are set: CKAN defaults ``smtp.server`` to
``localhost``, so the server alone does not tell that a mail server was set up. Each mail is written in Polish,
then in English.
"""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk
from ckan import model
from ckan.lib import mailer
from flask_babel import force_locale

from ckanext.urbanaudit.indicators.catalogue import catalogue

LANGUAGES = ("pl", "en")


def questionnaire_link(city_slug: str, year: int) -> str:
    """The absolute address of the year's department questionnaire (for a mail, read outside the portal)."""
    return f"{tk.config['ckan.site_url'].rstrip('/')}/audit/{city_slug}/{year}/questionnaire"


def smtp_configured() -> bool:
    return bool(str(tk.config.get("smtp.server") or "").strip()) and bool(
        str(tk.config.get("smtp.mail_from") or "").strip())


def _person(user_id: str | None) -> list[tuple[str, str]]:
    user = model.User.get(user_id) if user_id else None
    if user is None or user.state != "active" or not user.email:
        return []
    return [(user.fullname or user.name, user.email)]


def department_admins(department_id: str | None) -> list[tuple[str, str]]:
    """Name and address of the active admins (with an e-mail) of a department."""
    if not department_id:
        return []
    users = (model.Session.query(model.User)
             .join(model.Member, model.Member.table_id == model.User.id)
             .filter(model.Member.group_id == department_id, model.Member.table_name == "user",
                     model.Member.capacity == "admin", model.Member.state == "active",
                     model.User.state == "active")
             .order_by(model.User.name))
    return [(u.fullname or u.name, u.email) for u in users if u.email]


def recipients(entry: dict[str, Any]) -> list[tuple[str, str]]:
    """Name and address of whom a ``remind`` entry of ``campaign.progress`` goes to."""
    if entry.get("user_id"):
        return _person(entry["user_id"])
    return department_admins(entry.get("department_id"))


def plan(progress: dict[str, Any]) -> list[dict[str, Any]]:
    """For every entry of the progress' ``remind`` list: its recipients (empty when nobody has an address)."""
    return [{**entry, "recipients": recipients(entry)} for entry in progress["remind"]]


def _lines(codes: list[str], lang: str) -> list[str]:
    cat = catalogue()
    out = []
    for code in codes:
        ind = cat.get(code)
        name = (ind.name.get(lang) or ind.name.get("en") or ind.name.get("pl") or "") if ind else ""
        out.append(f"- {code}: {name}".rstrip(": "))
    return out


def _text(city: str, year: int, codes: list[str], lang: str, link: str) -> tuple[str, str]:
    with force_locale(lang):
        subject = tk._("Urban audit {year} of {city}: {count} indicators wait for your values").format(
            year=year, city=city, count=len(codes))
        body = "\n".join([
            tk._("The reporting year {year} of {city} waits for these indicators from you:").format(
                year=year, city=city),
            "", *_lines(codes, lang), "",
            tk._("Enter the values in the department's questionnaire: {link}").format(link=link),
        ])
    return subject, body


def message(city: str, year: int, codes: list[str], link: str) -> tuple[str, str]:
    """Subject and body of a reminder: Polish first, then English."""
    texts = [_text(city, year, codes, lang, link) for lang in LANGUAGES]
    subject = " / ".join(t[0] for t in texts)
    body = "\n\n----------\n\n".join(t[1] for t in texts)
    return subject, body


def send(progress: dict[str, Any], city_name: str, link: str, dry_run: bool = False) -> dict[str, Any]:
    """Send the reminders of ``progress`` (``campaign.progress``). Returns ``sent`` (one entry per mail:
    recipient address and indicator codes), ``unreachable`` (entries nobody with an address answers for) and
    ``failed`` (address and error of mails the server refused). ``dry_run`` sends nothing and lists what would
    be sent."""
    year = progress["campaign"]["year"]
    report: dict[str, list] = {"sent": [], "unreachable": [], "failed": []}
    for entry in plan(progress):
        if not entry["recipients"]:
            report["unreachable"].append({k: entry[k] for k in ("user", "department", "indicators")})
            continue
        subject, body = message(city_name, year, entry["indicators"], link)
        for name, email in entry["recipients"]:
            if not dry_run:
                try:
                    mailer.mail_recipient(name, email, subject, body)
                except mailer.MailerException as error:
                    report["failed"].append({"email": email, "error": str(error)})
                    continue
            report["sent"].append({"email": email, "name": name, "indicators": entry["indicators"]})
    return report
