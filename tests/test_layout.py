"""One layout for every app (README, Architecture; DESIGN §4), checked on the files.

A layer has one name; it is a module while small and a package once it grows; inside a
package one module per concern, with the same concern names in every layer; the audience
(public, org, audit, office) goes into function names, never module names. `make lint` runs
this module beside the import contracts (`lint-imports`, pyproject.toml).
"""

import ast
import re
from pathlib import Path

import pytest
from django.urls import URLResolver, get_resolver

ROOT = Path(__file__).resolve().parent.parent

LAYERS = {"models", "services", "selectors", "forms", "views", "api"}

# Modules every app may have beside its layers.
COMMON = {
    "__init__",
    "apps",
    "admin",
    "urls",
    "tasks",
    "documents",
    "demo",
    "personal_data",
    "extensions",
    "signals",
    "middleware",
    "decorators",
}

# Django's own folders.
DJANGO_DIRS = {"migrations", "management", "templatetags", "__pycache__"}

CONCERNS = {
    "criteria": {"catalogue", "schemes"},
    "signees": {"signing", "statements"},
    "certification": {
        "applications",
        "auditors",
        "self_assessment",
        "audits",
        "certificates",
        "seal",
        "agreements",
        "plans",
        "deadlines",
        "findings",
        "clarifications",
        "working_papers",
        "complaints",
        "appeals",
    },
    "community": {"membership", "conference", "elections", "proposals", "reports"},
}

# Pure domain helpers: modules of one purpose that are no layer, each with its reason.
HELPERS = {
    "criteria": {
        "diff",  # the difference between two catalogue versions
        "groups",  # the three signee groups, shared with signees
        "interchange",  # the documented import/export format of the catalogue
    },
    "signees": {
        "declaration",  # the text of the declaration a signatory signs
        "logo",  # the CPO logo pack
    },
    "certification": {
        "badge",  # the SVG seal badge
        "duration",  # the documented rule for an audit's duration in person-days
        "figures",  # certificate figures shown on signee pages
        "issuer",  # the certification body named on certificates (issue 16, certificate)
        "notify",  # the e-mails of the certification process
        "pass_rule",  # the pass rule of a scheme
        "qr",  # the QR code printed on a certificate
        "signing",  # the PAdES signature of certificate PDFs
        "uploads",  # evidence files checked by content
    },
    "community": {
        "charts",  # the SVG charts of the annual report
        "ical",  # the conference's calendar file
        "markdown",  # the Core Team's report text
        "member_list",  # the prostep ivip member list file (CSV) and its matching keys
        "report_figures",  # the figures of the annual report
    },
}

# A module name that names an audience or glues a layer to something is the second naming
# scheme this layout replaces (`forms_office`, `office_views`, `seal_selectors`, `api_urls`).
AUDIENCES = {"public", "office", "org", "company", "audit", "staff"}
GLUED = re.compile(rf"^({'|'.join(LAYERS | {'urls'})})_|_({'|'.join(LAYERS | {'urls'})})$")


def _modules(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.name not in DJANGO_DIRS)


def _name(path: Path) -> str:
    return path.stem if path.suffix == ".py" else path.name


@pytest.mark.parametrize("app", sorted(CONCERNS))
def test_app_modules_follow_the_layout(app):
    allowed = LAYERS | COMMON | HELPERS[app]
    strays = [
        p.name
        for p in _modules(ROOT / app)
        if (p.suffix == ".py" or p.is_dir()) and _name(p) not in allowed
    ]
    assert strays == [], f"{app}: modules outside the layout (README, Architecture): {strays}"


@pytest.mark.parametrize("app", sorted(CONCERNS))
def test_layer_packages_hold_one_module_per_concern(app):
    wrong = []
    for layer in LAYERS:
        package = ROOT / app / layer
        if not package.is_dir():
            continue
        extra = {"urls"} if layer == "api" else set()
        for module in _modules(package):
            if module.suffix == ".py" and _name(module) not in CONCERNS[app] | extra | {"__init__"}:
                wrong.append(f"{layer}/{module.name}")
            elif module.is_dir():
                wrong.append(f"{layer}/{module.name}/")
    assert wrong == [], f"{app}: not a concern of {sorted(CONCERNS[app])}: {wrong}"


def _layer_inits():
    for top in [*CONCERNS, "cpo_portal"]:
        yield from sorted((ROOT / top).glob("**/services/__init__.py"))
        yield from sorted((ROOT / top).glob("**/selectors/__init__.py"))


@pytest.mark.parametrize("init", list(_layer_inits()), ids=lambda p: str(p.relative_to(ROOT)))
def test_layer_packages_reexport_nothing(init):
    tree = ast.parse(init.read_text())
    statements = [
        node
        for node in tree.body
        if not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant))
    ]
    assert statements == [], f"{init.relative_to(ROOT)} re-exports; import the concern module"


def _all_modules():
    for top in [*CONCERNS, "cpo_portal"]:
        for path in sorted((ROOT / top).rglob("*.py")):
            if not DJANGO_DIRS & set(path.relative_to(ROOT).parts):
                yield path


def test_no_module_is_named_after_an_audience_or_glues_a_layer():
    wrong = []
    for path in _all_modules():
        words = set(path.stem.split("_"))
        if words & AUDIENCES or GLUED.search(path.stem):
            wrong.append(str(path.relative_to(ROOT)))
    assert wrong == [], f"the audience goes into function names, not module names: {wrong}"


@pytest.mark.parametrize("app", sorted(CONCERNS))
def test_templates_are_grouped_by_concern(app):
    folder = ROOT / "templates" / app
    wrong = [
        p.name
        for p in sorted(folder.iterdir())
        if not (p.is_dir() and p.name in CONCERNS[app]) and not p.name.startswith("_")
    ]
    assert wrong == [], f"templates/{app}/: not a concern folder or a shared partial: {wrong}"


@pytest.mark.parametrize("app", sorted(CONCERNS))
def test_tests_mirror_the_code(app):
    modules = COMMON | HELPERS[app] | {"migrations"}
    wrong = []
    for path in sorted((ROOT / "tests" / app).glob("test_*.py")):
        name = path.stem.removeprefix("test_")
        concern = next((c for c in CONCERNS[app] if name.startswith(f"{c}_") or name == c), None)
        if concern is None and name not in modules:
            wrong.append(path.name)
    assert wrong == [], (
        f"tests/{app}/: name a test file test_<concern>_<layer>.py or test_<module>.py: {wrong}"
    )


def test_one_url_namespace_per_app():
    namespaces = [
        entry.namespace
        for entry in get_resolver().url_patterns
        if isinstance(entry, URLResolver) and entry.namespace
    ]
    duplicates = {ns for ns in namespaces if namespaces.count(ns) > 1}
    assert set(CONCERNS) <= set(namespaces)
    assert duplicates == set(), f"a namespace mounted twice: {duplicates}"
    strays = [ns for ns in namespaces if any(ns.startswith(f"{app}_") for app in CONCERNS)]
    assert strays == [], f"a second namespace of an app: {strays}"
