"""Two SYNTHETIC data requests of residents for the demo (titles end with "[dane syntetyczne]"): one answered
with the demo's tree register, one refused because the data are personal. Idempotent: a request whose title is
already there is left as it is."""
from __future__ import annotations

import ckan.plugins.toolkit as tk
from ckan import model

from ckanext.urbanaudit import config
from ckanext.urbanaudit.cities.model import City
from ckanext.urbanaudit.demo.content import SUFFIX
from ckanext.urbanaudit.requests.model import DataRequest

REQUESTS = [
    ({"title": "Gdzie rosną drzewa w pasach drogowych?" + SUFFIX,
      "purpose": "Chcę sprawdzić, ile drzew rośnie przy ulicach mojego osiedla (prośba wymyślona na potrzeby "
                 "demonstracji).",
      "theme": "8"},
     {"status": "answered", "answer_dataset": "demo-rejestr-drzew",
      "comment": "Odpowiedź demonstracyjna (dane syntetyczne)."}),
    ({"title": "Imienny wykaz właścicieli psów z adresami" + SUFFIX,
      "purpose": "Chcę wiedzieć, kto w mojej okolicy ma psa (prośba wymyślona na potrzeby demonstracji)."},
     {"status": "refused", "refusal_reason": "personal_data",
      "refusal_text": "Wykaz zawiera dane osobowe, których miasto nie publikuje (odpowiedź demonstracyjna)."}),
]


def load(admin: str) -> int:
    """Create the demo's data requests that are missing; returns how many were created (0 without the city)."""
    city = City.get(config.city())
    if city is None:
        return 0
    context = {"user": admin, "ignore_auth": True}
    created = 0
    for request, decision in REQUESTS:
        if model.Session.query(DataRequest).filter_by(city_teryt=city.teryt, title=request["title"]).first():
            continue
        filed = tk.get_action("urbanaudit_data_request_create")(dict(context), {**request, "city": city.teryt})
        tk.get_action("urbanaudit_data_request_update")(dict(context), {**decision, "id": filed["id"]})
        created += 1
    return created
