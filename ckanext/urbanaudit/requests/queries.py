"""Read-only questions about data requests shared by the actions and the pages: is a data set a valid answer,
and which requests name an indicator or a theme of a city (the gaps page)."""
from __future__ import annotations

from typing import Any

from ckan import model
from ckan.types import Context

from ckanext.urbanaudit.indicators import visibility
from ckanext.urbanaudit.requests.model import DataRequest


def public_dataset(name_or_id: str | None) -> dict[str, str] | None:
    """The data set's id, name and title when it exists, is active and public; else None."""
    pkg = model.Package.get(name_or_id) if name_or_id else None
    if pkg is None or pkg.state != "active" or pkg.private:
        return None
    return {"id": pkg.id, "name": pkg.name, "title": pkg.title or pkg.name}



def asked_for(city_teryt: str, context: Context) -> list[dict[str, Any]]:
    """The city's data requests naming an indicator or an ISO 37120 theme (the gaps page's "residents asked for
    this"), public parts only, leaving out indicators the caller may not see."""
    seen = visibility.for_context(context)
    rows = (model.Session.query(DataRequest).filter(DataRequest.city_teryt == city_teryt)
            .filter((DataRequest.indicator_code.isnot(None)) | (DataRequest.theme.isnot(None)))
            .order_by(DataRequest.created_at.desc(), DataRequest.id.desc()).all())
    return [r.public_dict() for r in rows if not (r.indicator_code and seen.is_hidden(r.indicator_code))]
