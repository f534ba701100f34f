"""docker-compose.yml follows the deployment rules of docs/operations.md."""

from __future__ import annotations

from pathlib import Path

import yaml

from infra.cli import main

REPO = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((REPO / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
ONE_SHOT = {"migrate"}


def test_the_secret_key_has_no_default():
    for name, svc in SERVICES.items():
        secret = (svc.get("environment") or {}).get("SECRET_KEY")
        if secret is not None:
            assert secret.startswith("${SECRET_KEY:?"), name


def test_every_image_is_pinned():
    for name, svc in SERVICES.items():
        image = svc["image"]
        repo, _, tag = image.rpartition(":")
        assert repo and tag and tag != "latest", f"{name}: {image} is not pinned to a version"


def test_long_running_services_have_health_checks_and_restart_policies():
    for name, svc in SERVICES.items():
        if name in ONE_SHOT:
            assert svc.get("restart") == "no", name
            continue
        assert svc.get("restart") in {"always", "unless-stopped"}, name
        test = svc.get("healthcheck", {}).get("test")
        assert test, f"{name} has no health check"
        if test[:2] == ["CMD", "paperfeed"]:
            assert test[2] in main.commands, f"{name}: {test[2]} is not a paperfeed subcommand"


def test_processes_start_after_the_migration_on_healthy_servers_and_share_artifacts():
    for name in ("api", "worker", "beat"):
        svc = SERVICES[name]
        assert svc["depends_on"]["migrate"]["condition"] == "service_completed_successfully", name
        assert svc["depends_on"]["postgres"]["condition"] == "service_healthy", name
        assert svc["depends_on"]["redis"]["condition"] == "service_healthy", name
        assert svc["environment"]["ARTIFACT_URL"] == "postgresql", name  # no shared filesystem needed
    assert {"pgdata", "artifacts"} <= set(COMPOSE["volumes"])
