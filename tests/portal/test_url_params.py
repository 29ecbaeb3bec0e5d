"""The chained h.add_url_param / h.remove_url_param (portal/url_params.py: the page's own URL built once per request)
give exactly the links CKAN's own helpers give, for every kind of call the templates make; and a search page's
facet links come out of them."""
from __future__ import annotations

import ckan.lib.helpers as core
import ckan.plugins.toolkit as tk
import pytest
from bs4 import BeautifulSoup
from ckan.tests import factories

PAGES = ["/dataset/?q=powietrze+%C5%9Bl%C4%85sk&tags=a&tags=b&page=3&res_format=CSV", "/dataset/", "/organization/",
         "/dataset/?_tags_limit=0&tags=a"]
ADD = [{}, {"new_params": {"res_format": "PDF"}}, {"new_params": {"tags": "łódź ó"}},
       {"new_params": {"q": "x"}, "controller": "dataset", "action": "search"},
       {"new_params": {"q": "x"}, "extras": {"package_type": "dataset"}},
       {"new_params": {"a": 1}, "alternative_url": "/elsewhere"}, {"extras": {"id": ["unhashable"]}}]
REMOVE = [(("tags", "a"), {}), (("tags",), {}), ((["tags", "q"],), {}), (("res_format",), {"replace": "0"}),
          (("_tags_limit",), {"replace": 0}), (("q",), {"extras": {"package_type": "dataset"}}),
          (("q",), {"controller": "organization", "action": "index"}), (("ext_bbox",), {}),
          (("tags", "a"), {"alternative_url": "/elsewhere"})]


def _answer(helper, *args, **kwargs):
    try:
        return helper(*args, **kwargs)
    except Exception as error:  # the same error is the same answer
        return type(error)


@pytest.mark.parametrize("page", PAGES)
def test_the_links_are_those_of_ckans_own_helpers(app, page):
    with app.flask_app.test_request_context(page):
        app.flask_app.preprocess_request()
        assert tk.h.add_url_param is not core.add_url_param  # the chained helper is the one templates call
        answers = []
        for kwargs in ADD * 2:  # twice: the second round reads the page's URL kept for the request
            answers.append(_answer(tk.h.add_url_param, **kwargs))
            assert answers[-1] == _answer(core.add_url_param, **kwargs), kwargs
        for args, kwargs in REMOVE * 2:
            answers.append(_answer(tk.h.remove_url_param, *args, **kwargs))
            assert answers[-1] == _answer(core.remove_url_param, *args, **kwargs), (args, kwargs)
        # what the comparison covered: links with query strings, and a pair that is not there refused alike
        assert sum(isinstance(a, str) and "?" in a for a in answers) >= 8
        assert _answer(tk.h.remove_url_param, "tags", "zzz") is ValueError
        if "tags=a&tags=b" in page:
            assert tk.h.remove_url_param("tags", "a") == "/dataset/?q=powietrze+%C5%9Bl%C4%85sk&tags=b&res_format=CSV"


@pytest.mark.usefixtures("clean_db", "clean_index")
def test_a_search_pages_facet_links_add_and_remove_their_value(app):
    org = factories.Organization(name="wydzial-srodowiska")
    factories.Dataset(owner_org=org["id"], name="powietrze", tags=[{"name": "smog"}], title="Powietrze")
    page = BeautifulSoup(app.get("/dataset/?q=powietrze&page=1").get_data(as_text=True), "html.parser")
    links = {a["href"] for a in page.select("nav.nav-facet a, .nav-facet a")}
    assert "/dataset/?q=powietrze&tags=smog" in links
    chosen = BeautifulSoup(app.get("/dataset/?q=powietrze&tags=smog").get_data(as_text=True), "html.parser")
    assert "/dataset/?q=powietrze" in {a["href"] for a in chosen.select(".nav-facet a")}
