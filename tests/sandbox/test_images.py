"""Which images a sandbox may run, and that a missing one is never pulled implicitly."""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import docker
import pytest

from kiln.settings import Settings
from sandbox import Sandbox, SandboxConfig
from sandbox.allowlist import ImageAllowlist, parse_patterns
from sandbox.container import create_container
from sandbox.images import (
    APT_PACKAGES,
    CONTENT_LABEL,
    ImageMissing,
    content_digest,
    up_to_date,
)
from tests.sandbox.conftest import leftovers

BASE = ("kiln-sandbox-python:bookworm", "kiln-sandbox-node:bookworm")


def test_the_setting_is_a_comma_separated_list() -> None:
    assert parse_patterns(" ghcr.io/acme/*:* , python:3.12,,") == ("ghcr.io/acme/*:*",
                                                                   "python:3.12")
    assert parse_patterns("") == ()


def test_without_a_setting_only_kilns_base_images_are_allowed() -> None:
    allowlist = ImageAllowlist.of(BASE)

    assert allowlist.allows("kiln-sandbox-python:bookworm")
    assert not allowlist.allows("python:3.12")
    assert not allowlist.allows("evil.example/kiln-sandbox-python:bookworm")


def test_patterns_match_whole_names() -> None:
    allowlist = ImageAllowlist.of(BASE, ["python:*", "ghcr.io/acme/*"])

    assert allowlist.allows("python:3.12")
    assert not allowlist.allows("evil.example/python:3.12")
    assert allowlist.allows("ghcr.io/acme/builder:1")
    assert not allowlist.allows("ghcr.io/acme-evil/builder:1")


def test_an_untagged_name_is_its_latest_tag() -> None:
    assert ImageAllowlist.of(BASE, ["acme/app:latest"]).allows("acme/app")
    assert ImageAllowlist.of(BASE, ["acme/app"]).allows("acme/app:latest")
    assert not ImageAllowlist.of(BASE, ["acme/app"]).allows("acme/app:2")
    assert ImageAllowlist.of(["registry:5000/base"]).allows("registry:5000/base:latest")


def test_the_settings_reach_the_sandbox_config(make_settings: Callable[..., Settings]) -> None:
    config = SandboxConfig.from_settings(make_settings(
        sandbox_image_allow="python:*", sandbox_pull_images=True))

    assert (config.image_allow, config.pull_images) == (("python:*",), True)
    assert config.allowlist.allows("python:3.12")
    assert config.allowlist.allows(config.image_for("node"))
    assert not SandboxConfig.from_settings(make_settings()).pull_images


class FakeEngine:
    """A Docker client without the image: records what it was asked to do."""

    def __init__(self) -> None:
        self.calls: list[str] = []
        self.pulled = False
        self.containers, self.images = self, self

    def create(self, image: str, **options: Any) -> str:
        self.calls.append(f"create {image}")
        if not self.pulled:
            raise docker.errors.ImageNotFound(f"No such image: {image}")
        return "container"

    def pull(self, image: str) -> None:
        self.calls.append(f"pull {image}")
        self.pulled = True


def test_a_missing_image_is_an_error_not_a_pull() -> None:
    engine = FakeEngine()

    with pytest.raises(ImageMissing, match="'acme/app:1' is not on this Docker engine"):
        create_container(engine, "acme/app:1", False, command=["x"])  # type: ignore[arg-type]

    assert engine.calls == ["create acme/app:1"]


def test_a_missing_image_is_pulled_only_when_the_operator_allows_it() -> None:
    engine = FakeEngine()

    assert create_container(engine, "acme/app:1", True) == "container"  # type: ignore[arg-type]

    assert engine.calls == ["create acme/app:1", "pull acme/app:1", "create acme/app:1"]


@pytest.mark.docker
def test_a_sandbox_of_a_missing_image_fails_before_anything_runs(
        docker_client: docker.DockerClient, config: SandboxConfig,
        job_label: dict[str, str]) -> None:
    with pytest.raises(ImageMissing):
        Sandbox.start(docker_client, "kiln-test-absent:never", config, job_label)

    assert leftovers(docker_client, job_label) == []


class LabelledImages:
    """A Docker client's ``images`` holding one image with a content label, or none."""

    def __init__(self, label: str | None) -> None:
        self.label = label
        self.images = self

    def get(self, image: str) -> SimpleNamespace:
        if self.label is None:
            raise docker.errors.ImageNotFound(f"No such image: {image}")
        return SimpleNamespace(labels={CONTENT_LABEL: self.label})


def test_a_base_image_built_from_other_packages_counts_as_missing() -> None:
    current = content_digest("python")
    assert "ripgrep" in APT_PACKAGES["python"] and current != content_digest("node")
    assert up_to_date(LabelledImages(current), "python", "img", pull=False)  # type: ignore[arg-type]
    assert not up_to_date(LabelledImages("older"), "python", "img", pull=False)  # type: ignore[arg-type]
    assert not up_to_date(LabelledImages(None), "python", "img", pull=False)  # type: ignore[arg-type]
    # A registry's image is the operator's to keep current.
    assert up_to_date(LabelledImages(""), "python", "img", pull=True)  # type: ignore[arg-type]
