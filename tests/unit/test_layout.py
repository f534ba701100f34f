"""Static checks of what ties the pieces together: schema revision, compose file, import direction, no
import cycles."""

import ast
from pathlib import Path

import yaml

from infra import migrate
from infra.cli import main
from services.store.meta import SCHEMA_REVISION

REPO = Path(__file__).resolve().parents[2]


def test_code_expects_the_migration_head():
    assert migrate.head_revision() == SCHEMA_REVISION


def test_every_compose_command_is_a_real_paperfeed_subcommand():
    compose = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    subcommands = set(main.commands)
    image_services = {name: svc for name, svc in compose["services"].items() if "build" in svc or
                      str(svc.get("image", "")).startswith("paperfeed")}
    assert {"migrate", "api", "worker", "beat"} <= set(image_services)
    for name, svc in image_services.items():
        command = svc["command"]
        argv = command.split() if isinstance(command, str) else command
        assert argv[0] == "paperfeed", name
        assert argv[1] in subcommands, f"{name}: {argv[1]} is not a paperfeed subcommand"
    assert {"postgres", "redis"} <= set(compose["services"])


FORBIDDEN = {
    "services/store": ("flask", "celery", "services.api", "services.dashboard", "workers"),
    "services/catalog": ("flask", "celery", "services.api", "services.dashboard", "workers"),
    "services/recommender": ("flask", "celery", "services.api", "services.dashboard", "workers"),
    "services/alerts": ("flask", "celery", "services.api", "services.dashboard", "workers"),
    "services/sources": ("flask", "celery", "services.api", "services.dashboard", "workers", "services.config"),
    "schemas": ("flask", "celery", "psycopg", "services", "workers"),
    # The two Flask faces share services/web and never import each other; services.app composes them.
    "services/web": ("services.api", "services.dashboard", "services.app", "workers"),
    "services/api": ("services.dashboard", "services.app", "workers"),
    "services/dashboard": ("services.api", "services.app", "workers"),
}


def test_import_direction():
    for folder, banned in FORBIDDEN.items():
        for path in (REPO / folder).rglob("*.py"):
            tree = ast.parse(path.read_text())
            for node in ast.walk(tree):
                names = []
                if isinstance(node, ast.Import):
                    names = [a.name for a in node.names]
                elif isinstance(node, ast.ImportFrom) and node.module:
                    names = [node.module]
                for name in names:
                    assert not any(name == b or name.startswith(b + ".") for b in banned), f"{path}: {name}"


# Our code: every module of these packages is a node of the import graph.
PACKAGES = ("services", "workers", "schemas", "infra")


def _module_files() -> dict[str, Path]:
    modules = {}
    for package in PACKAGES:
        for path in (REPO / package).rglob("*.py"):
            parts = list(path.relative_to(REPO).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            modules[".".join(parts)] = path
    return modules


def _imports(module: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """Our modules that ``module`` imports anywhere in its file: at the top, inside functions, under
    TYPE_CHECKING. ``from a import b`` counts as importing ``a.b`` when that is a module, else ``a``."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            targets = [f"{base}.{alias.name}" for alias in node.names if f"{base}.{alias.name}" in modules]
            targets = targets or [base]
        else:
            continue
        for target in targets:
            while target and target not in modules:  # a name inside a module: the module
                target = target.rpartition(".")[0]
            # A module importing the package it lives in (its __init__) runs that first anyway: no edge.
            if target and target != module and not module.startswith(target + "."):
                found.add(target)
    return found


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan's algorithm, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_no_import_cycles_counting_imports_inside_functions():
    modules = _module_files()
    graph = {name: _imports(name, path, modules) for name, path in modules.items()}
    cycles = _cycles(graph)
    assert not cycles, "import cycles (an import inside a function counts too): " + "; ".join(
        " <-> ".join(cycle) for cycle in cycles)


def test_the_cycle_check_finds_a_cycle_made_by_an_import_inside_a_function():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _cycles(graph) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []
