"""The analytic team's pages of the yearly audit, over HTTP: the start page (open a year), progress (counts,
filters, who to remind, reminders by mail through a real SMTP server on 127.0.0.1), the review queue (approve,
return; nobody reviews their own value), a value's history, who answers for what (file upload, CSV download,
CLI) and the team's box on the indicator page. Every team page is refused to anyone outside the team."""
from __future__ import annotations

import io

import ckan.plugins.toolkit as tk
import pytest
from bs4 import BeautifulSoup
from ckan import model
from ckan.tests import factories, helpers

from ckanext.urbanaudit.audit.cli import audit as audit_cli
from ckanext.urbanaudit.audit.model import Assignment
from ckanext.urbanaudit.utils import utcnow
from tests.audit.conftest import CSRF_FIELD, PER_100K_CODE, SHARE_CODE, SINGLE_CODE, login_client
from tests.audit.smtp_sink import SmtpSink

pytestmark = pytest.mark.usefixtures("with_plugins")

YEAR = utcnow().year - 1  # values of last year, due this year
OTHER_CODE = "ISO37120:2014:6.1"  # unassigned: falls to the city's organization


def _as(user):
    return {"user": user, "ignore_auth": False}


def _headers(user):
    return {"Authorization": factories.APIToken(user=user)["token"]}


def _soup(response):
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def _submit(user, **data):
    return helpers.call_action("urbanaudit_value_submit", _as(user), **{"city": "kielce", "period": str(YEAR),
                                                                       **data})


def _counts(row):
    return {td["data-count"]: int(td.get_text()) for td in row.select("td[data-count]")}


@pytest.fixture
def year_open(audit_world, monkeypatch):
    """Last year opened for Kielce (ISO 37120:2014: 100 indicators); the firefighters' indicator is due on
    1 January of this year (past), everything else on 31 December (not yet)."""
    helpers.call_action("urbanaudit_assignment_set", _as("analityk1"), city="kielce", assignments=[
        {"indicator_code": PER_100K_CODE, "department": "kielce-wydzial-srodowiska", "responsible": "steward-env",
         "due": "01-01"}])
    monkeypatch.setitem(tk.config, "ckanext.urbanaudit.audit.default_due", "12-31")
    helpers.call_action("urbanaudit_campaign_open", _as("analityk1"), city="kielce", year=YEAR)
    return audit_world


def _review(app, user, sub_id, **form):
    return app.post(f"/audit/submission/{sub_id}/review", data=form, headers=_headers(user),
                    follow_redirects=False)


# ------------------------------------------------------------------------------------------- access

TEAM_PAGES = ["/audit", f"/audit/kielce/{YEAR}", f"/audit/kielce/{YEAR}/review", "/audit/kielce/assignments",
              "/audit/kielce/assignments.csv", "/audit/submission/{sub}"]


def test_every_team_page_is_refused_to_outsiders_and_sends_anonymous_tologin_client(app, year_open):
    sub = _submit("steward-env", indicator_code=SINGLE_CODE, value=11)
    for path in [p.format(sub=sub["id"]) for p in TEAM_PAGES]:
        anonymous = app.get(path, follow_redirects=False)
        assert anonymous.status_code == 302, path
        assert "/user/login" in anonymous.headers["Location"], path
        # the steward may submit and read their own value, but is not on the team
        assert app.get(path, headers=_headers("steward-env")).status_code == 403, path
        assert app.get(path, headers=_headers("mieszkaniec")).status_code == 403, path
        assert app.get(path, headers=_headers("analityk2")).status_code == 200, path
    for path, form in ((f"/audit/submission/{sub['id']}/review", {"decision": "approve"}),
                       ("/audit/open", {"city": "kielce", "year": "2030"}),
                       (f"/audit/kielce/{YEAR}/remind", {})):
        assert app.post(path, data=form, headers=_headers("steward-env")).status_code == 403, path
        assert "/user/login" in app.post(path, data=form, follow_redirects=False).headers["Location"], path
    assert helpers.call_action("urbanaudit_submission_show", _as("analityk1"), id=sub["id"])["status"] == "submitted"
    assert [c["year"] for c in helpers.call_action("urbanaudit_campaign_list", _as("analityk1"), city="kielce")] \
        == [YEAR]


# ------------------------------------------------------------------------------------------- /audit

def test_the_start_page_lists_the_years_and_opens_one_with_editions(app, audit_world):
    page = _soup(app.get("/audit", headers=_headers("analityk1")))
    assert [o["value"] for o in page.select("#ua-open-city option")] == ["2061011", "2661011", "0663011"]
    assert [i["value"] for i in page.select("#ua-open-year input[name=editions]")] == [
        "ISO37120:2018", "ISO37122:2019", "ISO37123:2019", "urban-audit"]
    opened = app.post("/audit/open", data={"city": "2661011", "year": "2025", "editions": ["ISO37122:2019"]},
                      headers=_headers("analityk1"))
    assert opened.status_code == 200
    totals = _counts(_soup(opened).select_one("#ua-totals"))
    assert totals["expected"] == 118  # 100 of ISO 37120:2014 and the 18 of ISO 37122:2019
    row = _soup(app.get("/audit", headers=_headers("analityk1"))).select_one('tr[data-city="2661011"]')
    assert "2025" in row.get_text()
    refused = app.post("/audit/open", data={"city": "kielce", "year": "1066"}, headers=_headers("analityk1"))
    assert "2024" in refused.get_data(as_text=True)  # the message says what a reporting year looks like
    assert [c["year"] for c in helpers.call_action("urbanaudit_campaign_list", _as("analityk1"), city="kielce")] \
        == [2025]


# ------------------------------------------------------------------------------------------- progress

def test_progress_counts_filters_and_who_to_remind(app, year_open):
    env = year_open["env"]
    approved = _submit("steward-env", indicator_code=SINGLE_CODE, value=11)
    returned = _submit("steward-env", indicator_code=SHARE_CODE, numerator=5000, denominator=100000)
    assert _review(app, "analityk1", approved["id"], decision="approve").status_code == 302
    assert _review(app, "analityk2", returned["id"], decision="return", comment="Mianownik z 2023 r.")\
        .status_code == 302

    page = _soup(app.get(f"/audit/kielce/{YEAR}", headers=_headers("analityk2")))
    # hand-counted: environment 3 (one approved, one returned, the firefighters missing and overdue),
    # the city's organization the other 97 (missing, due 31 December)
    assert _counts(page.select_one(f'tr[data-department="{env["id"]}"]')) == {
        "expected": 3, "submitted": 0, "approved": 1, "returned": 1, "overdue": 1, "missing": 1}
    assert _counts(page.select_one(f'tr[data-department="{year_open["city"]["id"]}"]')) == {
        "expected": 97, "submitted": 0, "approved": 0, "returned": 0, "overdue": 0, "missing": 97}
    assert _counts(page.select_one("#ua-totals")) == {
        "expected": 100, "submitted": 0, "approved": 1, "returned": 1, "overdue": 1, "missing": 98}
    rows = {r["data-code"]: r for r in page.select("#ua-items tbody tr[data-code]")}
    assert len(rows) == 100
    assert (rows[SINGLE_CODE]["data-status"], rows[SHARE_CODE]["data-status"],
            rows[PER_100K_CODE]["data-status"], rows[PER_100K_CODE]["data-overdue"]) == (
        "approved", "returned", "missing", "yes")
    cells = [td.get_text(strip=True) for td in rows[PER_100K_CODE].find_all("td")]
    assert cells[2:6] == ["Wydział Środowiska", "steward-env", "wydział – własne rejestry", f"{YEAR + 1}-01-01"]
    assert rows[PER_100K_CODE].find("a", string="formularz wartości")["href"] == \
        f"/audit/kielce/{YEAR}/value/{PER_100K_CODE}"

    overdue = _soup(app.get(f"/audit/kielce/{YEAR}?department={env['id']}&status=overdue",
                            headers=_headers("analityk2")))
    assert [r["data-code"] for r in overdue.select("#ua-items tbody tr[data-code]")] == [PER_100K_CODE]
    only_returned = _soup(app.get(f"/audit/kielce/{YEAR}?status=returned", headers=_headers("analityk2")))
    assert [r["data-code"] for r in only_returned.select("#ua-items tbody tr[data-code]")] == [SHARE_CODE]

    remind = {li["data-user"]: li.get_text() for li in page.select("#ua-remind li")}
    assert PER_100K_CODE in remind["steward-env"] and SHARE_CODE in remind["steward-env"]
    assert SINGLE_CODE not in remind["steward-env"]
    assert OTHER_CODE in remind[""] and "Urząd Miasta Kielce" in remind[""]
    assert not any(SINGLE_CODE in text for text in remind.values())
    # test.ini configures no mail server: no button, and the page says why
    assert page.select_one("#ua-send-reminders") is None
    assert page.select_one("#ua-no-smtp") is not None


def test_send_reminders_mails_each_person_and_the_department_admins(app, year_open, monkeypatch):
    admin = factories.User(name="admin-um", email="sekretariat@um.kielce.example")
    helpers.call_action("organization_member_create", id=year_open["city"]["id"], username="admin-um", role="admin")
    steward = model.User.get("steward-env")
    steward.email = "steward@um.kielce.example"
    model.Session.commit()
    approved = _submit("steward-env", indicator_code=SINGLE_CODE, value=11)
    helpers.call_action("urbanaudit_value_review", _as("analityk1"), id=approved["id"], decision="approve")

    sink = SmtpSink().start()
    try:
        monkeypatch.setitem(tk.config, "smtp.server", sink.address)
        monkeypatch.setitem(tk.config, "smtp.mail_from", "audyt@um.kielce.example")
        page = _soup(app.get(f"/audit/kielce/{YEAR}", headers=_headers("analityk1")))
        assert page.select_one("#ua-send-reminders") is not None and page.select_one("#ua-no-smtp") is None
        sent = app.post(f"/audit/kielce/{YEAR}/remind", headers=_headers("analityk1"))
        assert sent.status_code == 200
    finally:
        sink.stop()
    to_steward = sink.to("steward@um.kielce.example")
    assert len(to_steward) == 1
    body = to_steward[0].get_body().get_content()
    assert SHARE_CODE in body and PER_100K_CODE in body and SINGLE_CODE not in body
    assert f"/audit/kielce/{YEAR}/questionnaire" in body
    assert "Stopa bezrobocia w mieście" in body and "City's unemployment rate" in body  # Polish, then English
    assert body.index("Stopa bezrobocia") < body.index("City's unemployment rate")
    to_admin = sink.to(admin["email"])
    assert len(to_admin) == 1
    admin_body = to_admin[0].get_body().get_content()
    assert OTHER_CODE in admin_body and SHARE_CODE not in admin_body and SINGLE_CODE not in admin_body
    assert str(YEAR) in to_steward[0]["Subject"]


def test_the_remind_command_lists_in_a_dry_run_and_refuses_without_smtp(cli, year_open):
    steward = model.User.get("steward-env")
    steward.email = "steward@um.kielce.example"
    model.Session.commit()
    result = cli.invoke(audit_cli, ["remind", "--city", "kielce", "--year", str(YEAR), "--dry-run"])
    assert result.exit_code == 0, result.output
    line = next(x for x in result.output.splitlines() if "steward@um.kielce.example" in x)
    assert line.startswith("would send") and SHARE_CODE in line and PER_100K_CODE in line
    refused = cli.invoke(audit_cli, ["remind", "--city", "kielce", "--year", str(YEAR)])
    assert refused.exit_code != 0 and "smtp" in refused.output


# ------------------------------------------------------------------------------------------- review

def test_review_page_approves_returns_and_keeps_the_history(app, year_open):
    _submit("analityk2", indicator_code=SINGLE_CODE, value=10, period=str(YEAR - 1))
    helpers.call_action("urbanaudit_value_review", _as("analityk1"),
                        id=helpers.call_action("urbanaudit_submission_list", _as("analityk1"), city="kielce")[0]["id"],
                        decision="approve")
    plain = _submit("steward-env", indicator_code=SINGLE_CODE, value=11, comment="Pomiar stacji WIOŚ")
    warned = _submit("steward-env", indicator_code=SHARE_CODE, numerator=120, denominator=100,
                     acknowledge_warnings=True)
    ratio = _submit("steward-env", indicator_code=PER_100K_CODE, numerator=150, denominator=200000)

    page = _soup(app.get(f"/audit/kielce/{YEAR}/review", headers=_headers("analityk1")))
    cards = {c["data-code"]: c for c in page.select("section.ua-review")}
    assert set(cards) == {SINGLE_CODE, SHARE_CODE, PER_100K_CODE}
    single = cards[SINGLE_CODE]
    assert single.select_one(".ua-value").get_text(" ", strip=True).startswith("11")
    assert single.select_one(".ua-previous").get_text(strip=True).startswith("10")
    assert "steward-env" in single.select_one(".ua-submitter").get_text() and "Pomiar stacji WIOŚ" in single.get_text()
    assert single.select_one('input[name="acknowledge_warnings"]') is None
    assert cards[PER_100K_CODE].select_one(".ua-inputs").get_text(strip=True) == "150 / 200 000"
    warnings = cards[SHARE_CODE].select_one(".ua-warnings").get_text()
    assert "120" in warnings and "100" in warnings  # the share and the percentage beyond 100
    assert cards[SHARE_CODE].select_one('input[name="acknowledge_warnings"]') is not None
    assert cards[SHARE_CODE].find("a", string="Historia tej wartości")["href"] == f"/audit/submission/{warned['id']}"

    # approving a value with warnings needs the checkbox; returning needs a comment
    _review(app, "analityk1", warned["id"], decision="approve")
    assert helpers.call_action("urbanaudit_submission_show", _as("analityk1"), id=warned["id"])["status"] == "submitted"
    _review(app, "analityk1", ratio["id"], decision="return", comment="")
    assert helpers.call_action("urbanaudit_submission_show", _as("analityk1"), id=ratio["id"])["status"] == "submitted"
    _review(app, "analityk1", warned["id"], decision="approve", acknowledge_warnings="true")
    _review(app, "analityk1", ratio["id"], decision="return", comment="Liczba strażaków bez ochotników?")
    after = app.get(f"/audit/kielce/{YEAR}/review", headers=_headers("analityk1"))
    assert {c["data-code"] for c in _soup(after).select("section.ua-review")} == {SINGLE_CODE}
    assert helpers.call_action("urbanaudit_submission_show", _as("analityk1"), id=warned["id"])["status"] == "approved"
    assert helpers.call_action("urbanaudit_submission_show", _as("analityk1"), id=ratio["id"])["status"] == "returned"
    public = helpers.call_action("urbanaudit_indicator_values", {"user": ""}, indicator_code=SHARE_CODE, city="kielce")
    assert [(v["period"], v["value"]) for v in public] == [(str(YEAR), pytest.approx(120))]

    history = _soup(app.get(f"/audit/submission/{ratio['id']}", headers=_headers("analityk2")))
    events = [[td.get_text(" ", strip=True) for td in tr.find_all("td")]
              for tr in history.select("#ua-history tbody tr")]
    assert [e[2] for e in events] == ["przekazane", "zwrócone"]
    assert "(steward-env)" in events[0][1] and "(analityk1)" in events[1][1]
    assert events[0][4] == "75" and events[1][6] == "Liczba strażaków bez ochotników?"
    assert events[1][5] == "przekazane → zwrócone"
    assert plain["status"] == "submitted"


def test_a_submitter_cannot_approve_their_own_value_on_the_page_or_through_the_api(app, year_open):
    own = _submit("analityk1", indicator_code=SINGLE_CODE, value=11)
    mine = _soup(app.get(f"/audit/kielce/{YEAR}/review", headers=_headers("analityk1")))
    card = mine.select_one(f"#ua-review-{own['id']}")
    assert card.select("form") == []
    assert "inny analityk" in card.select_one(".ua-own").get_text()
    theirs = _soup(app.get(f"/audit/kielce/{YEAR}/review", headers=_headers("analityk2")))
    assert theirs.select_one(f"#ua-review-{own['id']} form.ua-approve") is not None

    refused = app.post(f"/audit/submission/{own['id']}/review", data={"decision": "approve"},
                       headers=_headers("analityk1"))
    assert "Nikt nie zatwierdza" in refused.get_data(as_text=True)
    with pytest.raises(tk.NotAuthorized):
        helpers.call_action("urbanaudit_value_review", _as("analityk1"), id=own["id"], decision="approve")
    assert helpers.call_action("urbanaudit_submission_show", _as("analityk2"), id=own["id"])["status"] == "submitted"
    assert helpers.call_action("urbanaudit_indicator_values", {"user": ""}, indicator_code=SINGLE_CODE,
                               city="kielce") == []




@pytest.mark.ckan_config("WTF_CSRF_ENABLED", True)
def test_review_forms_refuse_a_post_without_the_csrf_token(app, year_open):
    user = model.User.get("analityk1")
    user.password = "analiza-2026-correct"
    model.Session.commit()
    sub = _submit("steward-env", indicator_code=SINGLE_CODE, value=11)
    client = login_client(app, "analityk1", "analiza-2026-correct")
    page = client.get(f"/audit/kielce/{YEAR}/review")
    assert page.status_code == 200
    form = _soup(page).select_one(f"#ua-review-{sub['id']} form.ua-approve")
    token = form.find("input", attrs={"name": CSRF_FIELD})["value"]
    forged = client.post(f"/audit/submission/{sub['id']}/review", data={"decision": "approve"})
    assert forged.status_code in (400, 403)
    assert helpers.call_action("urbanaudit_submission_show", _as("analityk1"), id=sub["id"])["status"] == "submitted"
    accepted = client.post(f"/audit/submission/{sub['id']}/review", data={"decision": "approve", CSRF_FIELD: token})
    assert accepted.status_code in (200, 302)
    assert helpers.call_action("urbanaudit_submission_show", _as("analityk1"), id=sub["id"])["status"] == "approved"


# ------------------------------------------------------------------------------------------- assignments

GOOD = ("indicator_code;department;responsible;source_kind;source_ref;due\n"
        f"{OTHER_CODE};kielce-wydzial-edukacji;steward-edu;department;;04-30\n")


def _upload(app, text, user="analityk1", name="odpowiedzialnosc.csv"):
    return app.post("/audit/kielce/assignments", data={"upload": (io.BytesIO(text.encode()), name)},
                    headers=_headers(user))


def _assigned():
    return {a.indicator_code: (a.department_id, a.responsible_id, a.due)
            for a in model.Session.query(Assignment).filter_by(city_teryt="2661011")}


def test_an_assignment_file_with_a_bad_row_stores_nothing_and_names_row_and_column(app, audit_world):
    before = _assigned()
    bad = GOOD + ("ISO37120:2014:6.2;kielce-wydzial-edukacji;nikt-taki;department;;04-30\n"
                  "ISO37120:2014:6.3;kielce-wydzial-edukacji;;department;;31-04\n")
    response = _upload(app, bad)
    assert response.status_code == 400
    errors = [(tr["data-row"], tr["data-column"]) for tr in _soup(response).select("#ua-assign-errors tbody tr")]
    assert errors == [("3", "responsible"), ("4", "due")]
    assert "nikt-taki" in response.get_data(as_text=True)
    assert _assigned() == before

    unknown = _upload(app, "indicator_code;osoba\nX;Y\n")
    assert unknown.status_code == 400 and "osoba" in _soup(unknown).select_one("#ua-assign-error").get_text()

    saved = _upload(app, GOOD)
    assert saved.status_code == 200
    assert "1" in _soup(saved).select_one("#ua-assign-result").get_text()
    edu = model.Group.get("kielce-wydzial-edukacji")
    assert _assigned()[OTHER_CODE] == (edu.id, model.User.get("steward-edu").id, "04-30")
    row = _soup(saved).select_one(f'#ua-assignments tr[data-code="{OTHER_CODE}"]')
    assert "Wydział Edukacji" in row.get_text() and "04-30" in row.get_text()


def test_the_assignment_table_downloads_as_csv_that_uploads_back_unchanged(app, audit_world, tmp_path, cli):
    _upload(app, GOOD)
    download = app.get("/audit/kielce/assignments.csv", headers=_headers("analityk2"))
    assert download.status_code == 200 and download.mimetype == "text/csv"
    text = download.get_data(as_text=True).lstrip("\ufeff")
    lines = text.splitlines()
    assert lines[0] == "indicator_code,department,responsible,source_kind,source_ref,due"
    assert f"{OTHER_CODE},kielce-wydzial-edukacji,steward-edu,department,,04-30" in lines
    assert f"{SHARE_CODE},kielce-wydzial-srodowiska,steward-env,department,," in text
    assert len(lines) == 101  # the 100 indicators of ISO 37120:2014, one header
    # the file carries the effective due day: the configured default where an assignment leaves it open
    before = {code: (dept, person, due or "03-31") for code, (dept, person, due) in _assigned().items()}

    path = tmp_path / "odpowiedzialnosc.csv"
    path.write_text(text, encoding="utf-8")
    result = cli.invoke(audit_cli, ["assign", "--city", "kielce", str(path)])
    assert result.exit_code == 0, result.output
    assert "96 created, 4 updated" in result.output  # the 4 assigned before, 96 defaults made explicit
    after = _assigned()
    assert {k: after[k] for k in before} == before

    bad = tmp_path / "zle.csv"
    bad.write_text("indicator_code,department\nISO37120:2014:6.2,nie-ma-takiego\n", encoding="utf-8")
    refused = cli.invoke(audit_cli, ["assign", "--city", "kielce", str(bad)])
    assert refused.exit_code != 0 and "row 2, column department" in refused.output


def test_a_formula_in_a_cell_is_downloaded_as_text(app, audit_world):
    helpers.call_action("urbanaudit_assignment_set", _as("analityk1"), city="kielce", assignments=[
        {"indicator_code": OTHER_CODE, "source_kind": "inventory", "source_ref": "=HYPERLINK(\"x\")"}])
    text = app.get("/audit/kielce/assignments.csv", headers=_headers("analityk1")).get_data(as_text=True)
    assert "'=HYPERLINK" in text


# ------------------------------------------------------------------------------------------- indicator page

def test_the_indicator_page_shows_the_team_who_answers_and_the_status(app, year_open):
    sub = _submit("steward-env", indicator_code=SHARE_CODE, numerator=5000, denominator=100000)
    url = f"/indicator/{SHARE_CODE}?city=kielce"
    box = _soup(app.get(url, headers=_headers("analityk2"))).select_one("#ua-audit-box")
    assert box is not None
    text = box.get_text(" ", strip=True)
    assert "Wydział Środowiska" in text and "steward-env" in text and "12-31" in text
    assert box.select_one(".ua-status")["data-status"] == "submitted"
    links = {a.get_text(strip=True): a["href"] for a in box.find_all("a")}
    assert links["formularz wartości"] == f"/audit/kielce/{YEAR}/value/{SHARE_CODE}"
    assert links["Historia tej wartości"] == f"/audit/submission/{sub['id']}"
    for outsider in (None, "steward-env", "mieszkaniec"):
        page = app.get(url, headers=_headers(outsider) if outsider else {})
        assert page.status_code == 200
        assert _soup(page).select_one("#ua-audit-box") is None, outsider
        if outsider != "steward-env":  # (the steward's own name is in the page header)
            assert "steward-env" not in page.get_data(as_text=True), outsider
