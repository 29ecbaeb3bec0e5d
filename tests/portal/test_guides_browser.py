"""axe-core (WCAG 2.1 A/AA, as tests/portal/test_accessibility.py) on the residents' guides: the index, one guide
and the page about the project, in Polish and English, must show no serious or critical violation."""
from __future__ import annotations

from tests.browser_support import axe_violations, describe, open_page

TEXT, LIST = "#urbanaudit-guide-text h1", ".urbanaudit-guide-list h2"
# (path, screenshot name, the element that shows the page's own text is drawn)
PAGES = [
    ("/poradnik", "a11y-guides", LIST),
    ("/poradnik/jak-czytac-wskaznik", "a11y-guide-indicator", TEXT),
    ("/o-projekcie", "a11y-about", TEXT),
    ("/en/poradnik", "a11y-en-guides", LIST),
    ("/en/poradnik/jak-czytac-wskaznik", "a11y-en-guide-indicator", TEXT),
    ("/en/o-projekcie", "a11y-en-about", TEXT),
]


def test_the_guides_have_no_serious_or_critical_wcag_violations(server, page, cities):
    failures = []
    for path, name, ready in PAGES:
        open_page(page, server + path, name, ready)
        assert page.find_element("css selector", ready).text, path
        found = axe_violations(page)
        if found:
            failures.append(describe(path, found))
    assert not failures, "axe-core (WCAG 2.1 A/AA):\n" + "\n".join(failures)
