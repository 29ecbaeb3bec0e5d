"""The mail to a subject's steward when a comment arrives: to the data set's steward (``data_steward_email``),
else its maintainer (``maintainer_email``), else its contact points, else the admins of its organization; for an
indicator, those of its indicator data set, else the admins of the analytic team's organization. Sent through
CKAN's mailer only when SMTP is configured (``smtp.server`` and ``smtp.mail_from``, as the audit's reminders
decide); a refused mail is logged, never an error of the comment. Polish first, then English."""
from __future__ import annotations

import logging
from typing import Any

import ckan.plugins.toolkit as tk
from ckan import model
from ckan.lib import mailer
from flask_babel import force_locale

from ckanext.urbanaudit.audit import reminders, team
from ckanext.urbanaudit.audit.reminders import LANGUAGES, smtp_configured
from ckanext.urbanaudit.comments.model import PENDING, Comment
from ckanext.urbanaudit.comments.subjects import Subject

log = logging.getLogger(__name__)




def _dataset_contacts(pkg: dict[str, Any]) -> list[tuple[str, str]]:
    found = [(pkg.get("data_steward") or "", pkg.get("data_steward_email")),
             (pkg.get("maintainer") or "", pkg.get("maintainer_email"))]
    for contact in pkg.get("contact") or []:
        if isinstance(contact, dict):
            found.append((contact.get("name") or "", contact.get("email")))
    for name, email in found:
        if email and "@" in str(email):
            return [(name or str(email), str(email).strip())]
    return []


def recipients(subject: Subject) -> list[tuple[str, str]]:
    """Name and address of whom the mail about a comment on ``subject`` goes to (empty: nobody reachable)."""
    if subject.dataset_id:
        pkg = tk.get_action("package_show")({"ignore_auth": True}, {"id": subject.dataset_id})
        return _dataset_contacts(pkg) or reminders.department_admins(pkg.get("owner_org"))
    org = team.team_organization()
    return reminders.department_admins(org.id if org else None)


def _site() -> str:
    return tk.config["ckan.site_url"].rstrip("/")


def _text(subject: Subject, comment: Comment, author: str, lang: str) -> tuple[str, str]:
    with force_locale(lang):
        title = tk._("New comment on {title}").format(title=subject.title)
        lines = [tk._("{author} commented on {title}:").format(author=author, title=subject.title), "",
                 comment.text, "", tk._("Page: {link}").format(link=_site() + subject.path)]
        if comment.status == PENDING:
            lines.append(tk._("The comment waits for moderation: {link}").format(
                link=f"{_site()}/komentarze/moderacja"))
    return title, "\n".join(lines)


def message(subject: Subject, comment: Comment, author: str) -> tuple[str, str]:
    texts = [_text(subject, comment, author, lang) for lang in LANGUAGES]
    return " / ".join(t[0] for t in texts), "\n\n----------\n\n".join(t[1] for t in texts)


def steward(subject: Subject, comment: Comment, author: model.User) -> list[str]:
    """Mail the subject's steward about ``comment``; the addresses mailed (none without SMTP)."""
    if not smtp_configured():
        return []
    subject_line, body = message(subject, comment, author.fullname or author.name)
    sent = []
    for name, email in recipients(subject):
        if email == author.email:
            continue
        try:
            mailer.mail_recipient(name, email, subject_line, body)
        except mailer.MailerException as error:
            log.warning("comment %s: the mail to %s was refused: %s", comment.id, email, error)
            continue
        sent.append(email)
    return sent
