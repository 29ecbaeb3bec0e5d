"""The demo's two synthetic data requests (`ckan urbanaudit demo load`): labelled, one answered with the demo's tree
register, one refused as personal data; a second load creates nothing."""
from __future__ import annotations

from ckan.tests import helpers

from ckanext.urbanaudit.cli import urbanaudit


def test_demo_load_files_two_labelled_requests_once(cli, app, cities):
    for _ in range(2):
        result = cli.invoke(urbanaudit, ["demo", "load", "--password", "demo-pass-123"])
        assert result.exit_code == 0, result.output
    found = helpers.call_action("urbanaudit_data_request_list", {"user": ""})
    assert found["count"] == 2
    by_status = {r["status"]: r for r in found["results"]}
    assert set(by_status) == {"answered", "refused"}
    assert all(r["title"].endswith("[dane syntetyczne]") for r in found["results"])
    assert by_status["answered"]["answer_dataset"]["name"] == "demo-rejestr-drzew"
    assert by_status["refused"]["refusal_reason"] == "personal_data"
    page = app.get(f"/prosby-o-dane/{by_status['answered']['id']}").get_data(as_text=True)
    assert 'href="/dataset/demo-rejestr-drzew"' in page
    # it names a theme, so /gaps shows it
    assert f"/prosby-o-dane/{by_status['answered']['id']}\"" in app.get("/gaps").get_data(as_text=True)
