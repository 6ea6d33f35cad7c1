"""The layering rule of docs/architecture.md, checked on the source: an app imports only from
the apps below it, never from one above it or beside it; no module-level import cycle; no
import placed inside a function to dodge one (an AppConfig.ready() is where hooks are
registered, and the only place allowed to import inside a function)."""

import ast
import pathlib
import re

import pytest
from django.urls import URLResolver, get_resolver

ROOT = pathlib.Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "weibao"

# Lowest first. An app may import from any app on a lower line, from no other app. Keep it the
# same as the table in docs/architecture.md (test_the_architecture_doc_lists_every_layer).
LAYERS = [
    ["core"],
    ["areas"],
    ["accounts"],
    ["audit", "notifications"],
    ["security", "staff"],
    ["children", "training"],
    ["visits", "duplicates"],
    ["reports", "partners"],
    ["cases"],
    ["ledger", "referrals", "protection"],
    ["transfers"],
    ["safekeeping", "stations", "administration"],
    ["activities", "suggestions", "inspections"],
    ["council"],
    ["dashboards", "archive", "imports"],
    ["front", "demo"],
]
RANK = {app: rank for rank, apps in enumerate(LAYERS) for app in apps}
# The project package's own modules (settings, the Celery app, the command-line entry point, the
# WSGI entry point) sit above every app.
TOP = len(LAYERS)


def _app_of(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != "weibao":
        return None
    if len(parts) > 1 and (PACKAGE / parts[1]).is_dir():
        return parts[1]
    return ""  # a module of the project package itself


def _modules() -> dict[str, pathlib.Path]:
    modules = {}
    for path in PACKAGE.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        parts = path.relative_to(ROOT).with_suffix("").parts
        name = ".".join(parts[:-1] if path.name == "__init__.py" else parts)
        modules[name] = path
    return modules


def _imports(tree: ast.AST, module: str, is_package: bool):
    """(node, imported module) for every import of a weibao module in the tree."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node, alias.name
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                package = module.split(".")
                package = package if is_package else package[:-1]
                package = package[: len(package) - node.level + 1]
                base = ".".join([*package, *([node.module] if node.module else [])])
            yield node, base
            for alias in node.names:
                yield node, f"{base}.{alias.name}"


def _rank(app: str | None) -> int | None:
    if app is None:
        return None
    return TOP if app == "" else RANK.get(app)


def test_every_app_has_a_layer():
    apps = {p.name for p in PACKAGE.iterdir() if (p / "apps.py").exists()}
    assert apps == set(RANK), "add the new app to LAYERS and to docs/architecture.md"


def _wrong_imports(module: str, source: str, is_package: bool = False) -> list[str]:
    """The imports in `source` (the text of `module`) of an app above or beside its own."""
    source_app = _app_of(module)
    source_rank = _rank(source_app)
    wrong = []
    for node, target in _imports(ast.parse(source), module, is_package):
        target_app = _app_of(target)
        if target_app is None or target_app == source_app or target_app == "":
            continue
        if _rank(target_app) >= source_rank:
            wrong.append(f"{node.lineno} imports {target}")
    return wrong


def test_no_app_imports_from_an_app_above_or_beside_it():
    wrong = []
    for module, path in _modules().items():
        text = path.read_text(encoding="utf-8")
        for line in _wrong_imports(module, text, path.name == "__init__.py"):
            wrong.append(f"{path.relative_to(ROOT)}:{line}")
    assert sorted(set(wrong)) == []


def test_no_import_inside_a_function_except_app_ready():
    hidden = []
    for module, path in _modules().items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for function in ast.walk(tree):
            if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            if function.name == "ready" and path.name == "apps.py":
                continue
            for node, target in _imports(function, module, path.name == "__init__.py"):
                if target.startswith("weibao"):
                    hidden.append(f"{path.relative_to(ROOT)}:{node.lineno} imports {target}")
    assert sorted(set(hidden)) == []


def test_no_module_level_import_cycle():
    modules = _modules()
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for module, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in tree.body:
            if not isinstance(node, ast.Import | ast.ImportFrom):
                continue
            for _, target in _imports(node, module, path.name == "__init__.py"):
                if target in modules and target != module:
                    graph[module].add(target)
    cycles = []
    state: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(name: str, path: list[str]) -> None:
        state[name] = 1
        for target in sorted(graph[name]):
            if state.get(target) == 1:
                cycles.append(" → ".join([*path[path.index(target) :], target]))
            elif target not in state:
                visit(target, [*path, target])
        state[name] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    assert cycles == []


def test_the_architecture_doc_lists_every_layer():
    doc = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    table = re.search(r"<!-- layers -->(.*?)<!-- /layers -->", doc, re.S)
    assert table, "docs/architecture.md has lost its layer table"
    rows = [
        [app.strip("` ") for app in line.split("|")[2].split(",")]
        for line in table.group(1).strip().splitlines()[2:]
    ]
    assert rows == LAYERS


@pytest.mark.parametrize(
    "module, source, wrong",
    [
        ("weibao.cases.services", "from weibao.visits.models import Visit", []),
        ("weibao.visits.services", "from weibao.cases.models import Case", ["1 imports"]),
        ("weibao.ledger.views", "import weibao.referrals.models", ["1 imports"]),
        ("weibao.core.api", "\n\nfrom weibao.accounts import models", ["3 imports"]),
        ("weibao.reports.views", "from weibao.partners.models import Partner", ["1 imports"]),
        ("weibao.reports.views", "from . import services", []),
        ("weibao.reports.views", "from ..cases import services", ["1 imports"]),
    ],
)
def test_an_import_is_wrong_when_it_reaches_up_or_sideways(module, source, wrong):
    found = [line.split(" weibao")[0] for line in _wrong_imports(module, source)]
    assert sorted(set(found)) == wrong


# --- templates ----------------------------------------------------------------------------

TEMPLATES = PACKAGE / "templates"
URL_TAG = re.compile(r"""\{%\s*url\s+['"](\w+:\w+)['"]""")


def _views(resolver, namespace=""):
    """(namespaced URL name, the module of its view) for every named URL."""
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _views(pattern, inner)
        elif pattern.name:
            yield namespace + pattern.name, pattern.lookup_str.rsplit(".", 1)[0]


def _url_apps() -> dict[str, str | None]:
    """'namespace:name' → the app whose view answers it (`concerns:detail` → visits)."""
    return {name: _app_of(module) for name, module in _views(get_resolver())}


def test_a_template_links_only_to_its_own_app_and_the_apps_below():
    """A higher app adds a section to a lower app's page through a hook that returns a Panel
    (core.hooks), whose template lives in the higher app's folder."""
    owners = _url_apps()
    wrong = []
    for path in TEMPLATES.rglob("*.html"):
        app = path.relative_to(TEMPLATES).parts[0]
        if app not in RANK:
            continue  # the site's own templates (base, errors, home) sit above every app
        for name in URL_TAG.findall(path.read_text()):
            assert name in owners, f"{path.relative_to(ROOT)}: no URL named {name}"
            target = owners[name]
            if target and _rank(target) > RANK[app]:
                wrong.append(f"{path.relative_to(ROOT)} links to {name} ({target})")
    assert wrong == []


def test_the_template_check_sees_the_links_of_every_app():
    apps = {app for app in _url_apps().values() if app}
    assert {"children", "visits", "reports", "cases", "referrals", "protection"} <= apps
