"""``ckan urbanaudit city new``: a city file written from the sources' own registries.

- the BDL unit ids: GUS BDL ``units/search?name=<name>&level=5`` (the powiat of a city with powiat rights,
  "Powiat m. <name>") and ``level=6`` (the gmina); an id counts only when the TERYT digits BDL embeds in it
  equal the city's TERYT (a name alone is not trusted);
- the Urban Audit code: the ``cities`` labels of Eurostat's urb_cpop1 (a city code ``PLnnnC`` whose label,
  without "(greater city)" and stray spaces, is the city's name);
- the GIOŚ stations: the v1 station list filtered by "Nazwa miasta";
- peers (the other voivodeship capitals) and a department template to adjust.

What no registry confirmed is written as null with a "# to verify" comment, never guessed. The file is checked
with :func:`city_file.read` before it is written; any source that cannot be read stops the command and nothing
is written.
"""
from __future__ import annotations

import os
import re
import tempfile
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path

import ckan.plugins.toolkit as tk
import yaml
from ckanext.urbanaudit.harvesters.http import PageGuard, SourceClient, SourceError
from ckanext.urbanaudit.harvesters.jsonstat import labels

from ckanext.urbanaudit import config as ua_config
from ckanext.urbanaudit.cities import city_file
from ckanext.urbanaudit.utils import utcnow

CITIES = Path(str(files("ckanext.urbanaudit.schemas") / "cities"))
# the 18 voivodeship capitals whose city files ship in schemas/cities (slugs)
CAPITALS = (
    "bialystok", "bydgoszcz", "gdansk", "gorzow-wielkopolski", "katowice", "kielce", "krakow", "lublin", "lodz",
    "olsztyn", "opole", "poznan", "rzeszow", "szczecin", "torun", "warszawa", "wroclaw", "zielona-gora",
)
PEER_GROUPS = ("voivodeship-capitals", "none")
BDL_PAGE_SIZE = 100
GIOS_PAGE_SIZE = 500  # the API's maximum
GIOS_STATIONS = "Lista stacji pomiarowych"
UA_DATASET, UA_INDICATOR = "urb_cpop1", "DE1001V"
UA_CITY = re.compile(r"^PL\d{3}C$")
# the usual departments of a Polish city office: a template, to be adjusted to the city's own structure
DEPARTMENT_TEMPLATE = (
    ("wydzial-srodowiska", "Wydział Środowiska"),
    ("wydzial-edukacji", "Wydział Edukacji"),
    ("wydzial-urbanistyki", "Wydział Urbanistyki i Architektury"),
    ("wydzial-komunikacji", "Wydział Transportu i Komunikacji"),
    ("wydzial-spraw-spolecznych", "Wydział Spraw Społecznych i Zdrowia"),
    ("wydzial-kultury", "Wydział Kultury i Sportu"),
    ("wydzial-finansow", "Wydział Budżetu i Finansów"),
    ("biuro-geodezji", "Wydział Geodezji, Kartografii i Katastru"),
)


class CityNewError(Exception):
    """The city file cannot be written; the message says why (nothing was written)."""


@dataclass
class Found:
    """What the registries answered for one city, with where each answer came from."""

    name: str
    teryt: str
    slug: str
    bdl_unit_id: str | None = None
    bdl_gmina_id: str | None = None
    urban_audit_code: str | None = None
    gios_stations: list[tuple[int, str]] = field(default_factory=list)
    notes: dict[str, str] = field(default_factory=dict)  # field -> where it came from / what to verify


def city_slug(name: str) -> str:
    """ASCII slug of a Polish city name: "Gorzów Wielkopolski" -> "gorzow-wielkopolski"."""
    text = name.lower().replace("ł", "l")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


def bdl_teryt(unit_id: str, level: int) -> str:
    """The TERYT digits BDL embeds in a unit id (level 5: the powiat's 4, level 6: the gmina's 7).

    E.g. powiat 052615261000 -> 2661 (Kielce), gmina 023016121132 -> 3021132."""
    powiat = unit_id[2:4] + unit_id[7:9]
    return powiat if level == 5 else powiat + unit_id[9:12]


def shipped_name(teryt: str, folder: Path = CITIES) -> str | None:
    """The city name the project's own city files give for a TERYT code (None when no file has it)."""
    for path in sorted(folder.glob("*.yaml")):
        data = yaml.safe_load(path.read_text("utf-8")) or {}
        if str(data.get("teryt")) == teryt:
            return str(data["name"])
    return None


def _client(source: str, title: str) -> SourceClient:
    return SourceClient(title, ua_config.source_url(source), namespace=tk.config["ckan.site_id"],
                        conditional=False, **ua_config.http_settings())


def _bdl_units(client: SourceClient, name: str, level: int) -> Iterator[dict]:
    params = {"name": name, "level": level, "page": 0, "page-size": BDL_PAGE_SIZE, "format": "json", "lang": "pl"}
    return client.follow_next("units/search", params, "results")


def find_bdl(client: SourceClient, found: Found) -> None:
    """The level-5 unit "Powiat m. <name>" and the level-6 gmina whose embedded TERYT is the city's."""
    when = utcnow().strftime("%Y-%m-%d")
    for level, attribute in ((5, "bdl_unit_id"), (6, "bdl_gmina_id")):
        wanted = found.teryt[:4] if level == 5 else found.teryt
        matches = sorted({unit["id"] for unit in _bdl_units(client, found.name, level)
                          if len(str(unit.get("id", ""))) == 12 and bdl_teryt(unit["id"], level) == wanted
                          and int(unit.get("level", level)) == level})
        if len(matches) == 1:
            setattr(found, attribute, matches[0])
            found.notes[attribute] = (f"GUS BDL units/search?name={found.name}&level={level} ({when}): "
                                      f"{matches[0]}, TERYT digits {wanted} match")
        else:
            found.notes[attribute] = (f"to verify: GUS BDL units/search?name={found.name}&level={level} ({when}) "
                                      f"gave {len(matches)} unit(s) whose TERYT digits are {wanted}")


def find_urban_audit(client: SourceClient, found: Found) -> None:
    """The Urban Audit city code whose urb_cpop1 label is the city's name."""
    when = utcnow().strftime("%Y-%m-%d")
    document = client.get_json(f"data/{UA_DATASET}", {"format": "JSON", "lang": "EN", "indic_ur": UA_INDICATOR,
                                                       "lastTimePeriod": 1})
    cities = labels(document, "cities")
    if not cities:
        raise SourceError(f"Eurostat: the answer for {UA_DATASET} has no 'cities' dimension")
    wanted = _plain(found.name)
    matches = sorted(code for code, label in cities.items()
                     if UA_CITY.match(code) and _plain(label.replace("(greater city)", "")) == wanted)
    if len(matches) == 1:
        found.urban_audit_code = matches[0]
        found.notes["urban_audit_code"] = (f"Eurostat {UA_DATASET} 'cities' labels ({when}): "
                                           f"{matches[0]} \"{cities[matches[0]]}\"")
    else:
        found.notes["urban_audit_code"] = (f"to verify: Eurostat {UA_DATASET} 'cities' labels ({when}) have "
                                           f"{len(matches)} city code(s) labelled {found.name}")


def find_gios(client: SourceClient, found: Found) -> None:
    """The GIOŚ stations whose "Nazwa miasta" is the city's name (the station list, every page)."""
    when = utcnow().strftime("%Y-%m-%d")
    stations: list[dict] = []
    page, total = 0, 1
    pages = PageGuard(client, client.url("station/findAll"))
    while page < total:  # links.next is present even on the last page: stop on totalPages
        if page:
            pages.next_page()
        answer = client.get_json("station/findAll", {"page": page, "size": GIOS_PAGE_SIZE})
        if not isinstance(answer, dict) or not isinstance(answer.get(GIOS_STATIONS), list):
            raise SourceError(f"GIOŚ: the station list has no '{GIOS_STATIONS}'")
        stations += pages.new_items(answer[GIOS_STATIONS], key="Identyfikator stacji")
        total = int(answer.get("totalPages") or 1)
        page += 1
        if not answer[GIOS_STATIONS]:
            break
    found.gios_stations = sorted((int(s["Identyfikator stacji"]), " ".join(str(s.get("Nazwa stacji", "")).split()))
                                 for s in stations if str(s.get("Nazwa miasta", "")).strip() == found.name)
    found.notes["gios"] = (f"GIOŚ station/findAll ({when}): {len(found.gios_stations)} of {len(stations)} "
                           f"stations have \"Nazwa miasta\" {found.name}")


def _plain(text: str) -> str:
    return " ".join(str(text).split()).casefold()


def discover(name: str, teryt: str) -> Found:
    """Ask BDL, Eurostat and GIOŚ about the city; a source that cannot be read is a CityNewError."""
    found = Found(name=name, teryt=teryt, slug=city_slug(name))
    try:
        find_bdl(_client("bdl", "GUS BDL"), found)
        find_urban_audit(_client("eurostat", "Eurostat"), found)
        find_gios(_client("gios", "GIOŚ"), found)
    except SourceError as e:
        raise CityNewError(f"A source could not be read, nothing was written: {e}") from None
    except (KeyError, TypeError, ValueError) as e:
        raise CityNewError(f"A source answered in an unexpected shape, nothing was written: "
                           f"{type(e).__name__}: {e}") from None
    if not found.bdl_unit_id and not found.bdl_gmina_id and not found.urban_audit_code:
        raise CityNewError(f"No registry knows a city {name} with TERYT {teryt} (no BDL unit with these TERYT "
                           f"digits, no Urban Audit city of this name); check the name and the TERYT code. "
                           f"Nothing was written.")
    return found


def _quote(value: str | None) -> str:
    return "null" if value is None else f'"{value}"'


def _comment(found: Found, key: str) -> str:
    note = found.notes.get(key, "")
    return f"  # {note}" if note else ""


def render(found: Found, peers: list[str]) -> str:
    """The city file's text (YAML with comments saying which registry answered each code and when)."""
    s, name = found.slug, found.name
    org = f"um-{s}"
    lines = [
        f"# City file: {name}. Written by `ckan urbanaudit city new` on {utcnow().strftime('%Y-%m-%d %H:%M')} UTC",
        "# from the sources' own registries (a code no registry confirmed is null and marked \"to verify\"):",
        f"#   TERYT {found.teryt}: given on the command line; BDL: {found.notes.get('bdl_unit_id', '-')}",
        f"#   BDL gmina: {found.notes.get('bdl_gmina_id', '-')}",
        f"#   Urban Audit: {found.notes.get('urban_audit_code', '-')}",
        f"#   GIOŚ: {found.notes.get('gios', '-')}",
        f"# Load (idempotent): ckan -c ckan.ini urbanaudit city load schemas/cities/{s}.yaml",
        f"slug: {s}",
        f"name: {name}",
        f'teryt: "{found.teryt}"',
        f"bdl_unit_id: {_quote(found.bdl_unit_id)}{_comment(found, 'bdl_unit_id')}",
        f"# BDL gmina unit: {found.bdl_gmina_id or 'null'}",
        f"urban_audit_code: {found.urban_audit_code or 'null'}{_comment(found, 'urban_audit_code')}",
        f"peers: [{', '.join(peers)}]",
        "gios:",
        f"  city_name: {name}                 # GIOŚ \"Nazwa miasta\" of the city's stations",
    ]
    if found.gios_stations:
        lines.append("  # stations found: " + "; ".join(f"{sid} {title}" for sid, title in found.gios_stations))
    else:
        lines.append("  # to verify: the GIOŚ station list names no station in this city")
    lines += [
        "danegovpl:",
        "  # to verify: the dane.gov.pl institution id of the city office (https://dane.gov.pl/pl/institution)",
        "  institution_id: null",
        f"  institution_name: Urząd Miasta {name}",
        "organization:",
        f"  name: {org}",
        f"  title: Urząd Miasta {name}",
        "  unit_type: department",
        "# TEMPLATE: the usual departments of a Polish city office; adjust names and titles to the city's own",
        "# structure before loading (the organizations are created as written here).",
        "departments:",
    ]
    for suffix, title in DEPARTMENT_TEMPLATE:
        lines += [f"  - name: {s}-{suffix}", f"    title: {title}", "    unit_type: department"]
    sources, gaps = [], []
    if found.urban_audit_code:
        sources += [f"  - name: {s}-eurostat-urban-audit", f"    title: Eurostat Urban Audit — {name}",
                    "    type: urbanaudit_eurostat", "    frequency: MONTHLY",
                    f"    config: {{datasets: [{UA_DATASET}], indicators: [{UA_INDICATOR}]}}"]
    else:
        gaps.append("# no Eurostat source: no Urban Audit code was confirmed")
    if found.bdl_unit_id:
        sources += [f"  - name: {s}-gus-bdl", f"    title: GUS Bank Danych Lokalnych — {name}",
                    "    type: urbanaudit_bdl", "    frequency: MONTHLY",
                    "    # BDL variable 72305 = ludność ogółem (subject P2137)", "    config: {variables: [72305]}"]
    else:
        gaps.append("# no BDL source: a BDL harvest needs the city's BDL unit id")
    if found.gios_stations:
        sources += [f"  - name: {s}-gios-powietrze", f"    title: GIOŚ — jakość powietrza, {name}",
                    "    type: urbanaudit_gios", "    frequency: WEEKLY", f"    owner: {s}-wydzial-srodowiska",
                    "    config: {}"]
    lines += gaps + (["harvest_sources:", *sources] if sources else ["harvest_sources: []"])
    return "\n".join(lines) + "\n"


def peer_slugs(group: str, slug: str, folder: Path) -> list[str]:
    """The peers of ``group`` that have a city file in ``folder`` (city load needs their files there)."""
    if group == "none":
        return []
    if group != "voivodeship-capitals":
        raise CityNewError(f"Unknown peer group {group!r}: use one of {', '.join(PEER_GROUPS)}")
    return [c for c in CAPITALS if c != slug and (folder / f"{c}.yaml").is_file()]


def write(found: Found, out: Path, *, peers: str = "voivodeship-capitals", force: bool = False) -> Path:
    """Write the city file to ``out`` (atomically, after :func:`city_file.read` accepts it)."""
    if out.exists() and not force:
        raise CityNewError(f"{out} exists; give --force to overwrite it")
    text = render(found, peer_slugs(peers, found.slug, out.parent))
    out.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{found.slug}-", suffix=".yaml", dir=out.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        city_file.read(temporary)
        os.replace(temporary, out)
    except city_file.CityFileError as e:
        problems = str(e).replace(temporary, str(out))
        raise CityNewError(f"The written file would not load, nothing was written: {problems}") from None
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
    return out


def resolve_name(name: str | None, teryt: str | None) -> tuple[str, str]:
    """The city's name and TERYT from the options (a TERYT alone is named from the shipped city files)."""
    if teryt is not None and not city_file.TERYT.match(teryt):
        raise CityNewError(f"--teryt {teryt!r} is not a 7-digit TERYT code, e.g. 2661011")
    if name is None and teryt is None:
        raise CityNewError("Give --teryt and/or --name")
    if name is None:
        name = shipped_name(teryt)
        if name is None:
            raise CityNewError(f"No shipped city file has TERYT {teryt}; give the city's --name too")
    if teryt is None:
        raise CityNewError(f"Give the TERYT code of {name} (--teryt): a BDL unit is accepted only when its "
                           f"TERYT digits match")
    return " ".join(name.split()), teryt


def new_city(name: str | None, teryt: str | None, out: str | None = None, *, peers: str = "voivodeship-capitals",
             force: bool = False) -> tuple[Path, Found]:
    """``city new``: ask the registries and write the file; returns its path and what was found."""
    name, teryt = resolve_name(name, teryt)
    path = Path(out) if out else CITIES / f"{city_slug(name)}.yaml"
    if path.exists() and not force:  # before asking any source
        raise CityNewError(f"{path} exists; give --force to overwrite it")
    found = discover(name, teryt)
    return write(found, path, peers=peers, force=force), found


def summary(found: Found) -> list[str]:
    return [f"{key}: {value}" for key, value in found.notes.items()]

