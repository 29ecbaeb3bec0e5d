"""Installed-package smoke test: the wheel of this project, installed non-editable into a scratch
virtualenv, works on its own -- without the source tree that the editable install of .venv points at.

How (once per module, ~10-20 s):

1. snapshot the working tree (the files git sees: tracked plus untracked-not-ignored, i.e. a clean
   checkout with the work in progress, without .venv, build/, *.egg-info and the gitignored *.mo files)
   into a temporary directory, so the build writes nothing into the repository;
2. compile the message catalogues there (scripts/i18n_compile.py: the *.mo files are gitignored and the
   build does not compile them), then build the wheel offline
   (``pip wheel --no-deps --no-build-isolation --no-index``);
3. ``python -m venv`` a scratch environment and ``pip install --no-deps --no-index`` the wheel into it;
4. only then (so that pip never sees -- nor tries to uninstall -- the editable install of .venv) add a
   ``.pth`` file to the scratch site-packages whose first line is the path of .venv's site-packages: a
   path line is appended to sys.path and the ``.pth`` files *inside* that directory are not processed, so
   the ``__editable__`` finder of this project is never installed (the probe asserts this). CKAN ships
   ``ckanext`` as a regular package (an empty ``ckanext/__init__.py``, glued together in .venv by the
   ``*-nspkg.pth`` files that a path line does not run), so the second line of that ``.pth`` puts the
   scratch ``ckanext`` directory on ``ckanext.__path__`` -- what a real install gets for free by landing in
   the same ``ckanext`` directory as CKAN;
5. run a probe script with the scratch Python, from a working directory outside the repository, which
   reports (JSON) where the package was imported from, whether every entry point loads, whether every
   module imports, and whether the resources the code loads at run time are where CKAN, ckanext-scheming
   and the code itself look for them.

Nothing here hard-codes a Python module path of the extension: entry points come from the installed
distribution's metadata, packages from walking the installed tree, and resource locations from the
plugins themselves (CKAN's own path logic for templates, public files, assets, translations, alembic
migrations and config declarations; ``importlib.resources.files(...)`` calls found in the installed code;
``package:file`` scheming references in the *.ini files). Names that are part of the configuration
contract are used as such: the ``urbanaudit`` plugin, the ``ckanext.urbanaudit.schemas`` package named in
``scheming.*_schemas``, the schema and vocabulary file names.

No CKAN config and no database is needed: this module overrides tests/conftest.py's autouse plugin-loading
fixture, so besides the default run (``--ckan-ini=test.ini`` from pyproject's addopts, whose session start
loads the plugins of the source tree) it also runs without CKAN's pytest plugin:
``pytest tests/test_installed_package.py -p no:ckan -o addopts="-p no:cacheprovider"``.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import textwrap
import tomllib
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DIST = "ckanext-urbanaudit"
PACKAGE = "ckanext.urbanaudit"
MAIN_PLUGIN = "urbanaudit"  # the ckan.plugins entry point of the extension proper (migrations, templates, i18n)
I18N_COMPILE = Path("scripts/i18n_compile.py")
LANGUAGES = ("pl", "en")
MIN_MIGRATIONS = 4
SCHEMAS_PACKAGE = f"{PACKAGE}.schemas"
REQUIRED_SCHEMAS = ("inventory.yaml", "indicator.yaml", "department.yaml", "indicators/catalogue.yaml")
SCHEMA_GLOBS = {"cities/*.yaml": "yaml", "vocabularies/*.json": "json"}

# Environment variables that would leak the repository or .venv into the scratch interpreter
_SCRUB = ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "PYTHONSAFEPATH", "VIRTUAL_ENV", "CKAN_INI",
          "__PYVENV_LAUNCHER__")


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _SCRUB and not k.startswith("PIP_")}
    env.update(PYTHONNOUSERSITE="1", PYTHONDONTWRITEBYTECODE="1", PIP_NO_INDEX="1",
               PIP_DISABLE_PIP_VERSION_CHECK="1", PIP_NO_INPUT="1")
    return env


def _run(cmd: list[str], cwd: Path, what: str, timeout: int = 300) -> subprocess.CompletedProcess:
    proc = subprocess.run([str(c) for c in cmd], cwd=cwd, env=_env(), capture_output=True, text=True,
                          timeout=timeout, check=False)
    if proc.returncode:
        pytest.fail(f"{what} failed ({proc.returncode}): {' '.join(map(str, cmd))}\n"
                    f"--- stdout\n{proc.stdout[-6000:]}\n--- stderr\n{proc.stderr[-6000:]}", pytrace=False)
    return proc


def _snapshot(dst: Path) -> None:
    """Copy the files git sees (tracked + untracked-not-ignored) of the working tree to ``dst``."""
    listing = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                             cwd=REPO, capture_output=True, check=True).stdout.decode()
    for rel in filter(None, listing.split("\0")):
        src = REPO / rel
        if not src.is_file():  # deleted or moved away in the working tree (not staged yet)
            continue
        target = dst / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, target)


def _source_roots(src: Path) -> list[tuple[Path, Path, list[Path]]]:
    """(source dir, installed dir relative to site-packages, installed subtrees to skip) from pyproject's
    [tool.setuptools] package-dir: the extension's tree plus the top-level dirs mapped into it."""
    setuptools_cfg = tomllib.loads((src / "pyproject.toml").read_text("utf-8")).get("tool", {}).get("setuptools", {})
    package_dir = {k: v for k, v in setuptools_cfg.get("package-dir", {}).items() if k}
    mapped = {pkg: Path(*pkg.split(".")) for pkg in package_dir}
    roots = []
    for pkg in sorted({PACKAGE, *[p for p in package_dir if p == PACKAGE or p.startswith(PACKAGE + ".")]}):
        source = src / package_dir.get(pkg, Path(*pkg.split(".")))
        installed = Path(*pkg.split("."))
        skip = [path for other, path in mapped.items() if other != pkg and other.startswith(pkg + ".")]
        roots.append((source, installed, skip))
    return roots


def _tree(root: Path) -> dict[Path, set[str]]:
    """{relative dir: file names} of ``root``, without __pycache__ and compiled files."""
    out: dict[Path, set[str]] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d != "__pycache__"]
        names = {f for f in filenames if not f.endswith((".pyc", ".pyo"))}
        if names:
            out[Path(dirpath).relative_to(root)] = names
    return out


def _within(rel: Path, skip: list[Path], installed: Path) -> bool:
    return any((installed / rel).is_relative_to(s) for s in skip)


def _scheming_references(src: Path) -> list[str]:
    """``package:file`` schema references of this extension in the snapshot's *.ini files."""
    pattern = re.compile(r"\b(" + re.escape(PACKAGE) + r"(?:\.\w+)*:[\w./-]+\.(?:ya?ml|json))")
    refs = set()
    for ini in src.rglob("*.ini"):
        refs.update(pattern.findall(ini.read_text("utf-8", errors="replace")))
    return sorted(refs)


PROBE = textwrap.dedent(r'''
    """Runs inside the scratch environment: argv = scratch site-packages, output JSON, scheming refs (JSON)."""
    import ast, gettext, importlib, importlib.metadata as md, importlib.resources as ir, inspect, json, os
    import pkgutil, sys, traceback
    import xml.etree.ElementTree as ET
    from pathlib import Path

    SCRATCH = Path(sys.argv[1]).resolve()
    OUT = Path(sys.argv[2])
    REFS = json.loads(sys.argv[3])
    DIST, PACKAGE, MAIN_PLUGIN, SCHEMAS_PACKAGE = json.loads(sys.argv[4])
    LANGUAGES, REQUIRED_SCHEMAS, SCHEMA_GLOBS, MIN_MIGRATIONS = json.loads(sys.argv[5])
    report = {"problems": {}}


    def problem(section, text):
        report["problems"].setdefault(section, []).append(text)


    def inside(path):
        return path is not None and Path(path).resolve().is_relative_to(SCRATCH)


    def short_tb():
        """The exception, and the innermost frame of the installed package (else the innermost frame)."""
        exc = sys.exc_info()[1]
        frames = traceback.extract_tb(exc.__traceback__)
        ours = [f for f in frames if inside(f.filename)] or frames[-1:]
        where = f" (at {ours[-1].filename}:{ours[-1].lineno})" if ours else ""
        return "".join(traceback.format_exception_only(type(exc), exc)).strip() + where


    def guard(section, what):
        """Decorator-ish helper: run what(), recording an exception as a problem of section."""
        try:
            return what()
        except Exception:
            problem(section, short_tb())


    # --- where things come from ---------------------------------------------------------------
    report["sys_path"] = sys.path
    report["meta_path"] = [repr(f) for f in sys.meta_path]
    report["cwd"] = os.getcwd()
    if any("editable" in repr(f).lower() for f in sys.meta_path):
        problem("location", f"an editable finder is on sys.meta_path: {report['meta_path']}")
    report["editable_modules"] = sorted(m for m in sys.modules if "__editable__" in m)
    if report["editable_modules"]:
        problem("location", f"the editable install's finder was imported: {report['editable_modules']}")
    import ckanext
    import ckanext.urbanaudit as pkg
    report["package_file"] = pkg.__file__
    report["ckanext_path"] = list(ckanext.__path__)
    if not inside(pkg.__file__):
        problem("location", f"{PACKAGE} imported from {pkg.__file__}, not from the scratch env {SCRATCH}")
    dist = md.distribution(DIST)
    report["dist_location"] = str(dist.locate_file(""))
    if not inside(dist.locate_file("")):
        problem("location", f"distribution {DIST} found at {dist.locate_file('')}, not in the scratch env")
    guard("location", lambda: importlib.import_module("ckanext.scheming.plugins"))  # deps of .venv visible

    import ckan.plugins.toolkit as tk  # noqa: F401 -- must be importable before the extension's modules
    import ckan.plugins as p

    # --- entry points ---------------------------------------------------------------------------
    report["entry_points"] = []
    loaded = {}
    for ep in dist.entry_points:
        row = {"group": ep.group, "name": ep.name, "value": ep.value}
        try:
            obj = ep.load()
        except Exception:
            row["error"] = short_tb()
            problem("entry_points", f"{ep.group}:{ep.name} = {ep.value}: {row['error']}")
        else:
            row["file"] = getattr(sys.modules.get(ep.module), "__file__", None)
            if not inside(row["file"]):
                problem("entry_points", f"{ep.group}:{ep.name} loaded from {row['file']}, not the scratch env")
            loaded[(ep.group, ep.name)] = obj
        report["entry_points"].append(row)

    # --- every module of the installed package imports ----------------------------------------
    report["modules"], report["packages"] = [], []
    report["import_errors"] = {}


    def walk(path, prefix):
        for info in sorted(pkgutil.iter_modules(path, prefix), key=lambda i: i.name):
            report["modules"].append(info.name)
            try:
                module = importlib.import_module(info.name)
            except BaseException:  # noqa: BLE001 -- SystemExit from a module counts too
                report["import_errors"][info.name] = short_tb()
                continue
            if info.ispkg:
                report["packages"].append(info.name)
                walk(module.__path__, info.name + ".")


    report["packages"].append(PACKAGE)
    walk(pkg.__path__, PACKAGE + ".")
    for name, module in sorted(sys.modules.items()):
        if (name == PACKAGE or name.startswith(PACKAGE + ".")) and getattr(module, "__file__", None):
            if not inside(module.__file__):
                problem("location", f"module {name} imported from {module.__file__}, not the scratch env")

    # --- plugins, the way CKAN instantiates them (ckan.plugins.core._get_service) -------------
    plugins = {}
    for (group, name), obj in loaded.items():
        if group == "ckan.plugins":
            try:
                plugins[name] = obj(name=name)
            except Exception:
                problem("plugins", f"{name}: instantiation failed: {short_tb()}")
    if MAIN_PLUGIN not in plugins:
        problem("plugins", f"no loadable ckan.plugins entry point {MAIN_PLUGIN!r}")

    # --- IConfigurer: template, public and webassets directories (paths computed by CKAN's toolkit) ---
    import yaml
    import ckan.lib.webassets_tools as wat

    libraries = []
    wat.create_library = lambda name, path: libraries.append((name, path))
    wat.add_public_path = lambda path, url: None
    configured = {"plugin_template_paths": [], "plugin_public_paths": []}
    for name, plugin in plugins.items():
        if p.IConfigurer.implemented_by(type(plugin)):
            cfg = {}
            guard("configurer", lambda: plugin.update_config(cfg))
            for key in configured:
                configured[key] += [(name, path) for path in cfg.get(key, [])]
    report["template_dirs"] = configured["plugin_template_paths"]
    report["public_dirs"] = configured["plugin_public_paths"]
    report["asset_libraries"] = libraries
    for kind, suffix in (("template_dirs", ".html"), ("public_dirs", "")):
        for name, path in report[kind]:
            files = [f for f in Path(path).rglob("*" + suffix) if f.is_file()] if Path(path).is_dir() else []
            if not inside(path) or not files:
                problem("configurer", f"{name}: {kind[:-5]} directory {path}: {len(files)} files"
                        f"{'' if inside(path) else ' (not in the scratch env)'}")
    if not any(name == MAIN_PLUGIN for name, _ in report["template_dirs"]):
        problem("configurer", f"{MAIN_PLUGIN} registers no template directory")
    if not libraries:
        problem("configurer", "no webassets library registered (toolkit.add_resource)")
    report["asset_bundles"] = {}
    for name, path in libraries:
        folder = Path(path)
        config = next((folder / f for f in ("webassets.yaml", "webassets.yml") if (folder / f).is_file()), None)
        if config is None or not inside(folder):
            problem("assets", f"library {name} at {path}: no webassets.yml/.yaml in the scratch env")
            continue
        bundles = yaml.safe_load(config.read_text("utf-8")) or {}
        report["asset_bundles"][name] = sorted(bundles)
        for bundle, spec in bundles.items():
            for item in (spec or {}).get("contents", []):
                if isinstance(item, str) and not (folder / item).is_file():
                    problem("assets", f"library {name}, bundle {bundle}: {item} missing under {folder}")
        guard("assets", lambda: __import__("webassets.loaders", fromlist=["YAMLLoader"]).YAMLLoader(
            str(config)).load_bundles())

    # --- ITranslation: compiled catalogues where DefaultTranslation looks for them --------------
    report["translations"] = {}
    for name, plugin in plugins.items():
        if not p.ITranslation.implemented_by(type(plugin)):
            continue
        try:
            directory, domain = plugin.i18n_directory(), plugin.i18n_domain()
            locales = sorted(plugin.i18n_locales())
        except Exception:
            problem("i18n", f"{name}: {short_tb()}")
            continue
        row = report["translations"][name] = {"directory": directory, "domain": domain, "locales": locales}
        if not inside(directory):
            problem("i18n", f"{name}: i18n directory {directory} is not in the scratch env")
        wanted = set(LANGUAGES) | {d.parent.parent.name for d in Path(directory).glob(f"*/LC_MESSAGES/{domain}.po")}
        for lang in sorted(wanted):
            mo = Path(directory) / lang / "LC_MESSAGES" / f"{domain}.mo"
            if not mo.is_file():
                problem("i18n", f"{name}: {mo} missing (compile: scripts/i18n_compile.py)")
                continue
            with mo.open("rb") as f:
                catalog = gettext.GNUTranslations(f)
            row[lang] = len(catalog._catalog)
            if len(catalog._catalog) < 2:
                problem("i18n", f"{name}: {mo} holds no messages")
    if MAIN_PLUGIN in plugins and MAIN_PLUGIN not in report["translations"]:
        problem("i18n", f"{MAIN_PLUGIN} does not implement ITranslation")

    # --- alembic migrations: the directory `ckan db upgrade -p <plugin>` resolves ------------------
    report["migrations"] = {}
    try:
        import ckan.cli.db as dbcli
        p.get_plugin = dbcli.p.get_plugin = lambda name: plugins.get(name)
        for name in plugins:
            ini = Path(dbcli._resolve_alembic_config(name))
            if ini.parent.is_dir():
                report["migrations"][name] = str(ini.parent)
    except Exception:
        problem("migrations", short_tb())
    if MAIN_PLUGIN not in report["migrations"]:
        problem("migrations", f"no migration directory for plugin {MAIN_PLUGIN}")
    for name, folder in report["migrations"].items():
        folder = Path(folder)
        versions = sorted(f.name for f in (folder / "versions").glob("*.py"))
        report["migrations"][name] = {"dir": str(folder), "versions": versions}
        if not inside(folder):
            problem("migrations", f"{name}: {folder} is not in the scratch env")
        for needed in ("alembic.ini", "env.py"):
            if not (folder / needed).is_file():
                problem("migrations", f"{name}: {folder / needed} missing")
        if name == MAIN_PLUGIN and len(versions) < MIN_MIGRATIONS:
            problem("migrations", f"{name}: only {len(versions)} revisions in {folder / 'versions'}")
        try:
            from alembic.script import ScriptDirectory
            script = ScriptDirectory(str(folder))
            heads = script.get_heads()
            revisions = list(script.walk_revisions())
            report["migrations"][name].update(heads=list(heads), revisions=len(revisions))
            if len(heads) != 1 or len(revisions) != len(versions):
                problem("migrations", f"{name}: heads {heads}, {len(revisions)} revisions for {len(versions)} files")
        except Exception:
            problem("migrations", f"{name}: {short_tb()}")

    # --- config declarations (CKAN's loader, via the entry point) --------------------------------
    from ckan.config.declaration import Declaration
    report["config_declarations"] = {}
    for name, plugin in plugins.items():
        if p.IConfigDeclaration.implemented_by(type(plugin)):
            declaration = Declaration()
            guard("config_declaration", lambda: declaration.load_plugin(name))
            report["config_declarations"][name] = sorted(str(k) for k in declaration.iter_options())
            if not len(declaration):
                problem("config_declaration", f"{name}: declares no options (config_declaration.* not found?)")
    if not any(keys for keys in report["config_declarations"].values()
               if any(k.startswith(PACKAGE + ".") for k in keys)):
        problem("config_declaration", f"no plugin declares a {PACKAGE}.* option")
    try:
        from ckan.plugins.blanket import _declaration_file_extractor
        if MAIN_PLUGIN in plugins:
            path = _declaration_file_extractor(type(plugins[MAIN_PLUGIN]))
            report["config_declaration_file"] = path
            if not inside(path):
                problem("config_declaration", f"{path} is not in the scratch env")
    except ImportError:
        pass

    # --- scheming schemas and vocabularies -----------------------------------------------------
    report["schemas"] = []
    try:
        root = ir.files(SCHEMAS_PACKAGE)
    except Exception:
        problem("schemas", short_tb())
        root = None
    if root is not None:
        if not inside(str(root)):
            problem("schemas", f"{SCHEMAS_PACKAGE} resolves to {root}, not the scratch env")
        for rel in REQUIRED_SCHEMAS:
            resource = root.joinpath(*rel.split("/"))
            data = guard("schemas", lambda: yaml.safe_load(resource.read_text("utf-8")))
            if not isinstance(data, dict):
                problem("schemas", f"{SCHEMAS_PACKAGE}/{rel}: not a YAML mapping ({type(data).__name__})")
            report["schemas"].append(rel)
        for pattern, kind in SCHEMA_GLOBS.items():
            folder, _, glob = pattern.partition("/")
            found = sorted(Path(str(root.joinpath(folder))).glob(glob))
            if not found:
                problem("schemas", f"{SCHEMAS_PACKAGE}/{pattern}: no files")
            for path in found:
                text = path.read_text("utf-8")
                data = guard("schemas", lambda: json.loads(text) if kind == "json" else yaml.safe_load(text))
                if not data:
                    problem("schemas", f"{path}: empty or unreadable {kind}")
                report["schemas"].append(f"{folder}/{path.name}")
    from ckanext.scheming.plugins import _load_schema_module_path
    report["scheming_refs"] = {}
    for ref in REFS:
        schema = guard("schemas", lambda: _load_schema_module_path(ref))
        report["scheming_refs"][ref] = sorted(schema) if isinstance(schema, dict) else None
        if not isinstance(schema, dict):
            problem("schemas", f"ckanext-scheming cannot load {ref}")

    # --- importlib.resources.files("ckanext.urbanaudit...") / "..." in the installed code ---------
    report["files_calls"] = []


    def parts_of(node, constants):
        """(package, [parts]) of files("pkg") / "a" / NAME / ... ; non-constant parts as None."""
        parts = []
        while isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
            right = node.right
            if isinstance(right, ast.Constant) and isinstance(right.value, str):
                parts.append(right.value)
            elif isinstance(right, ast.Name) and right.id in constants:
                parts.append(constants[right.id])
            else:
                parts.append(None)
            node = node.left
        if (isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", None)) == "files"
                and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
            return node.args[0].value, parts[::-1]
        return None


    for source in sorted(Path(pkg.__file__).parent.rglob("*.py")):
        try:
            tree = ast.parse(source.read_text("utf-8"))
        except SyntaxError:
            continue  # an import error above already says so
        constants = {t.id: n.value.value for n in tree.body if isinstance(n, ast.Assign)
                     and isinstance(n.value, ast.Constant) and isinstance(n.value.value, str)
                     for t in n.targets if isinstance(t, ast.Name)}
        seen = set()
        for node in ast.walk(tree):
            if not isinstance(node, (ast.BinOp, ast.Call)) or id(node) in seen:
                continue
            found = parts_of(node, constants)
            if not found:
                continue
            for child in ast.walk(node):
                seen.add(id(child))
            package, parts = found
            known = []
            for part in parts:
                if part is None:
                    break
                known.append(part)
            where = f"{source.relative_to(SCRATCH)}:{node.lineno}"
            try:
                resource = ir.files(package).joinpath(*known)
                # a fully known path names a file or a folder of the package (e.g. schemas/cities); a partly
                # known one (a file name computed at run time) needs its folder
                ok = (resource.is_file() or resource.is_dir()) if len(known) == len(parts) and known \
                    else resource.is_dir()
            except Exception:
                ok = False
            report["files_calls"].append([where, package, parts, ok])
            if not ok:
                problem("files_calls", f"{where}: files({package!r}) / {parts}: not found in the installed package")

    # --- XML schemas shipped for validation (danegovpl) -----------------------------------------
    report["xsd"] = []
    for xsd in sorted(Path(pkg.__file__).parent.rglob("*.xsd")):
        report["xsd"].append(str(xsd.relative_to(SCRATCH)))
        guard("xsd", lambda: ET.parse(xsd))

    OUT.write_text(json.dumps(report, indent=1, default=str), "utf-8")
''')


@pytest.fixture(autouse=True)
def _load_plugins():
    """Overrides tests/conftest.py's autouse fixture for this module: the installed package is exercised in a
    separate interpreter, the plugins of this process (loaded from the source tree) play no part."""


class Installed:
    def __init__(self, root: Path):
        self.root = root
        self.src = root / "src"
        self.wheel_dir = root / "wheel"
        self.env = root / "env"
        self.work = root / "work"  # cwd of the probe: outside the repository
        self.site: Path
        self.wheel: Path
        self.report: dict


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Installed:
    inst = Installed(tmp_path_factory.mktemp("installed_package"))
    python = Path(sys.executable)

    _snapshot(inst.src)
    if (inst.src / I18N_COMPILE).is_file():
        _run([python, inst.src / I18N_COMPILE, "-q"], inst.src, "compiling the message catalogues")
    _run([python, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-q",
          "-w", inst.wheel_dir, inst.src], inst.root, "building the wheel")
    wheels = sorted(inst.wheel_dir.glob("*.whl"))
    assert len(wheels) == 1, wheels
    inst.wheel = wheels[0]

    _run([python, "-m", "venv", "--without-pip", inst.env], inst.root, "creating the scratch virtualenv")
    scratch_python = inst.env / "bin" / "python"
    inst.site = Path(_run([scratch_python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          inst.root, "locating site-packages").stdout.strip())
    # installed before the .pth below exists: pip sees only the scratch env
    _run([python, "-m", "pip", "--python", scratch_python, "install", "--no-deps", "--no-index", "-q",
          inst.wheel], inst.root, "installing the wheel")

    deps = [sysconfig.get_paths()[k] for k in ("purelib", "platlib")]
    deps = list(dict.fromkeys(d for d in deps if Path(d).is_dir() and Path(d) != inst.site))
    ours = str(inst.site / "ckanext")
    (inst.site / "00-urbanaudit-smoke-deps.pth").write_text(
        "".join(f"{d}\n" for d in deps)
        + f"import ckanext; p = {ours!r}; p in ckanext.__path__ or ckanext.__path__.insert(0, p)\n", "utf-8")

    inst.work.mkdir()
    probe = inst.work / "probe.py"
    probe.write_text(PROBE, "utf-8")
    out = inst.work / "report.json"
    _run([scratch_python, probe, inst.site, out, json.dumps(_scheming_references(inst.src)),
          json.dumps([DIST, PACKAGE, MAIN_PLUGIN, SCHEMAS_PACKAGE]),
          json.dumps([LANGUAGES, REQUIRED_SCHEMAS, SCHEMA_GLOBS, MIN_MIGRATIONS])],
         inst.work, "the probe in the scratch env")
    inst.report = json.loads(out.read_text("utf-8"))
    return inst


def _problems(installed: Installed, *sections: str) -> list[str]:
    return [f"[{s}] {text}" for s in sections for text in installed.report["problems"].get(s, [])]


def _main_plugin_loaded(installed: Installed) -> None:
    """Fail the test with the reason when the main plugin could not be loaded (the checks below need it)."""
    loaded = [e for e in installed.report["entry_points"]
              if e["group"] == "ckan.plugins" and e["name"] == MAIN_PLUGIN and "error" not in e]
    if not loaded or _problems(installed, "plugins"):
        pytest.fail(f"plugin {MAIN_PLUGIN!r} did not load in the installed package, nothing to check:\n"
                    + "\n".join(_problems(installed, "entry_points", "plugins")), pytrace=False)


def test_wheel_holds_only_the_extension(installed):
    """Nothing but ckanext/urbanaudit/** and the dist-info; never ckanext/__init__.py (CKAN's namespace)."""
    names = zipfile.ZipFile(installed.wheel).namelist()
    stray = [n for n in names if not n.startswith(PACKAGE.replace(".", "/") + "/") and ".dist-info/" not in n]
    assert not stray, f"files outside {PACKAGE} in the wheel: {stray}"


def test_installed_copy_is_imported_not_the_source_tree(installed):
    report = installed.report
    assert not _problems(installed, "location"), "\n".join(_problems(installed, "location"))
    assert Path(report["package_file"]).is_relative_to(installed.site)
    assert not Path(report["package_file"]).is_relative_to(REPO)
    assert not Path(report["cwd"]).is_relative_to(REPO)
    assert not any(Path(p).resolve() == REPO for p in report["sys_path"] if p), report["sys_path"]
    assert not any("__editable__" in f for f in report["meta_path"]), report["meta_path"]


def _source_dirs(installed) -> list[tuple[Path, Path, set[str], Path]]:
    """(source root, directory relative to it, its file names, the installed directory) of every source tree."""
    found = []
    for source, rel_installed, skip in _source_roots(installed.src):
        for rel, names in sorted(_tree(source).items()):
            if not _within(rel, skip, rel_installed):
                found.append((source, rel, names, installed.site / rel_installed / rel))
    return found


def test_python_packages_and_modules_are_all_in_the_wheel(installed):
    """Every source directory with .py files (ckanext/urbanaudit and the dirs mapped into it by pyproject's
    package-dir) is installed with the same .py files: a subpackage missing from [tool.setuptools] packages
    fails here."""
    missing = []
    for source, rel, names, target in _source_dirs(installed):
        py = {n for n in names if n.endswith(".py")}
        absent = sorted(n for n in py if not (target / n).is_file())
        if absent:
            missing.append(f"{source.relative_to(installed.src) / rel}: {absent} not installed in {target}")
    assert not missing, "source modules missing from the wheel:\n" + "\n".join(missing)


def test_data_files_are_all_in_the_wheel(installed):
    """Every non-Python file of those source trees (templates, assets, public files, translations,
    migrations' alembic.ini, schemas, vocabularies, XSD, config_declaration.yaml ...) is installed too:
    package-data globs are per package, so a template directory moved into a new subpackage fails here."""
    missing = [str(source.relative_to(installed.src) / rel / name)
               for source, rel, names, target in _source_dirs(installed)
               for name in sorted(n for n in names if not n.endswith(".py")) if not (target / name).is_file()]
    assert not missing, "source files missing from the wheel (pyproject [tool.setuptools.package-data]):\n" + \
        "\n".join(missing)


def test_every_entry_point_loads(installed):
    eps = installed.report["entry_points"]
    assert {e["group"] for e in eps} >= {"ckan.plugins", "ckan.rdf.profiles"}, eps
    assert any(e["group"] == "ckan.plugins" and e["name"] == MAIN_PLUGIN for e in eps), eps
    problems = _problems(installed, "entry_points", "plugins")
    assert not problems, "\n".join(problems)


def test_every_module_imports_without_ckan_config(installed):
    report = installed.report
    installed_pkgs = {".".join(init.parent.relative_to(installed.site).parts)
                      for init in (installed.site / Path(*PACKAGE.split("."))).rglob("__init__.py")}
    assert installed_pkgs <= set(report["packages"]) | set(report["import_errors"]), \
        f"packages not reached by the walk: {sorted(installed_pkgs - set(report['packages']))}"
    assert len(report["modules"]) > 20, report["modules"]
    errors = report["import_errors"]
    assert not errors, f"{len(errors)} modules fail to import in the installed package:\n" + \
        "\n\n".join(f"{name}:\n{tb}" for name, tb in errors.items())


def test_templates_public_files_and_assets_where_ckan_looks(installed):
    _main_plugin_loaded(installed)
    report = installed.report
    problems = _problems(installed, "configurer", "assets")
    assert not problems, "\n".join(problems)
    assert any(Path(d).is_relative_to(installed.site) for _, d in report["template_dirs"]), report["template_dirs"]
    assert report["asset_bundles"], report["asset_libraries"]


def test_compiled_translations_where_default_translation_looks(installed):
    _main_plugin_loaded(installed)
    problems = _problems(installed, "i18n")
    assert not problems, "\n".join(problems)
    translations = installed.report["translations"][MAIN_PLUGIN]
    for lang in LANGUAGES:
        assert lang in translations["locales"], translations
        assert translations[lang] > 1, translations


def test_alembic_migrations_where_ckan_db_looks(installed):
    _main_plugin_loaded(installed)
    problems = _problems(installed, "migrations")
    assert not problems, "\n".join(problems)
    main = installed.report["migrations"][MAIN_PLUGIN]
    assert len(main["versions"]) >= MIN_MIGRATIONS, main
    assert len(main["heads"]) == 1, main


def test_config_declaration_loads(installed):
    _main_plugin_loaded(installed)
    problems = _problems(installed, "config_declaration")
    assert not problems, "\n".join(problems)
    keys = installed.report["config_declarations"].get(MAIN_PLUGIN, [])
    assert any(k.startswith(PACKAGE + ".") for k in keys), keys


def test_scheming_schemas_and_vocabularies_load(installed):
    problems = _problems(installed, "schemas")
    assert not problems, "\n".join(problems)
    report = installed.report
    assert set(REQUIRED_SCHEMAS) <= set(report["schemas"]), report["schemas"]
    for pattern in SCHEMA_GLOBS:
        folder = pattern.split("/")[0]
        assert any(s.startswith(folder + "/") for s in report["schemas"]), (pattern, report["schemas"])
    assert report["scheming_refs"], "no ckanext.urbanaudit.*:<file> scheming references in the *.ini files"


def test_resources_named_in_the_code_are_installed(installed):
    """``importlib.resources.files("ckanext.urbanaudit...") / ...`` calls of the installed code resolve,
    and every shipped XSD parses."""
    problems = _problems(installed, "files_calls", "xsd")
    assert not problems, "\n".join(problems)
    assert installed.report["files_calls"], "no importlib.resources.files(...) call found in the installed code"
    assert installed.report["xsd"], "no .xsd in the installed package (danegovpl XML schema)"
