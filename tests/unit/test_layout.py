"""Static checks of what ties the pieces together: schema revision, compose file, import direction."""

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
