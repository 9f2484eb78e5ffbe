"""The import rule of the README's layout section, checked on every module of api/."""

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

API = Path(__file__).resolve().parent.parent / "api"
TOP_LEVEL = {"__init__.py", "__main__.py", "main.py", "deps.py", "worker.py"}
# A schema is data: it reaches no service, no route, no HTTP edge and no database.
SCHEMA_MUST_NOT = ("api.services", "api.routers", "api.edge", "api.kernel.db", "api.models")
SCHEMA_MUST_NOT_THIRD_PARTY = ("sqlalchemy", "sqlmodel")


def module_name(path: Path) -> str:
    parts = path.relative_to(API.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> Iterator[tuple[str, ast.Module]]:
    for path in sorted(API.rglob("*.py")):
        yield module_name(path), ast.parse(path.read_text(encoding="utf-8"))


def imports(tree: ast.Module) -> Iterator[tuple[str, str | None]]:
    """(module, imported name or None) for every absolute import, TYPE_CHECKING ones included."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, None
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                yield node.module, alias.name


def domain_of(module: str) -> str:
    """The package that owns a module: `api.services.sync` for api.services.sync.pulls."""
    parts = module.split(".")
    depth = 3 if parts[:2] == ["api", "services"] else 2
    return ".".join(parts[:depth])


def targets(module: str, name: str | None) -> str:
    return module if name is None else f"{module}.{name}"


ALL = dict(modules())


def within(prefix: str) -> list[str]:
    return [m for m in ALL if m == prefix or m.startswith(prefix + ".")]


def test_the_top_of_api_holds_only_the_entry_points() -> None:
    loose = {p.name for p in API.glob("*.py")} - TOP_LEVEL
    assert not loose, f"modules at the top of api/: {sorted(loose)}"


@pytest.mark.parametrize("module", within("api.schemas"))
def test_a_schema_imports_no_service_route_edge_or_database(module: str) -> None:
    wrong = [
        targets(m, n)
        for m, n in imports(ALL[module])
        if m.startswith(SCHEMA_MUST_NOT) or m.split(".")[0] in SCHEMA_MUST_NOT_THIRD_PARTY
    ]
    assert not wrong, f"{module} imports {wrong}"


@pytest.mark.parametrize("module", within("api.kernel") + within("api.models"))
def test_the_kernel_and_the_models_import_no_domain(module: str) -> None:
    wrong = [
        targets(m, n)
        for m, n in imports(ALL[module])
        if m.startswith("api") and not m.startswith(("api.kernel", "api.models"))
    ]
    assert not wrong, f"{module} imports {wrong}"


@pytest.mark.parametrize("module", within("api"))
def test_no_module_reaches_into_another_packages_internals(module: str) -> None:
    wrong = [
        targets(m, n)
        for m, n in imports(ALL[module])
        if m.startswith("api")
        and domain_of(m) != domain_of(module)
        and any(part.startswith("_") and part != "__init__" for part in targets(m, n).split("."))
    ]
    assert not wrong, f"{module} imports private {wrong}"


@pytest.mark.parametrize("module", within("api.services") + within("api.content"))
def test_a_domain_knows_nothing_of_http(module: str) -> None:
    wrong = [
        targets(m, n)
        for m, n in imports(ALL[module])
        if m.startswith(("api.routers", "api.edge", "api.deps", "api.main", "fastapi"))
    ]
    assert not wrong, f"{module} imports {wrong}"


def test_the_rules_see_every_layer() -> None:
    # A rule over an empty list would pass for ever: the layout the rules name must exist.
    for layer in ("api.kernel", "api.edge", "api.schemas", "api.services.sync", "api.models"):
        assert len(within(layer)) > 1, layer
