"""What Kiln will do in a repository, decided as a build would decide it: `/kiln help`'s answer.

Everything comes from the default branch (its `.github/kiln.yml` and the files the test
command is derived from) and the operator's settings, through the same functions a build
uses, so the answer cannot drift from what a build does.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from kiln.settings import Settings
from sandbox.config import SandboxConfig
from worker.builder import Budget
from worker.builder.instruction_files import AGENTS_FILE, ROOT_FILES, root_instructions
from worker.flows.briefing import Cap, ModelChoice, asked_budget, capped, ceiling_for, choose_model
from worker.flows.continuation import allowed_continuations
from worker.flows.repo_config import (
    CONFIG_PATH,
    Mode,
    RepoConfig,
    RepoConfigError,
    parse_repo_config,
)
from worker.flows.test_command import PYTEST_SECTIONS, WORKFLOWS_DIR, FixedTest, fixed_test
from worker.thread.template import find_template, template_paths

# The files `worker.flows.test_command.derive` reads the content of (test files it only lists).
DERIVATION_FILES = frozenset({"package.json", "pyproject.toml", *PYTEST_SECTIONS})


@dataclass(frozen=True)
class Sandbox:
    """The image builds run in: the config's, or Kiln's base image per language."""

    configured: str | None
    refused: bool
    base_images: Mapping[str, str]
    language: str | None


@dataclass(frozen=True)
class Overview:
    """A repository's effective configuration: what it asked for, within the operator's rules."""

    config: RepoConfig
    has_config: bool  # whether the branch has `.github/kiln.yml` at all
    model: ModelChoice
    budget: Budget
    caps: tuple[Cap, ...]
    test: FixedTest
    sandbox: Sandbox
    instruction_files: tuple[str, ...]
    directory_instructions: tuple[str, ...]
    template: str | None
    continuations: int = 0  # automatic runs after a budget stop, within the operator's ceiling


@dataclass(frozen=True)
class ConfigProblem:
    """`.github/kiln.yml` cannot be read: builds stop until it is fixed."""

    error: str


def overview_inputs(paths: list[str]) -> Iterable[str]:
    """The paths whose content the overview reads (for ``worker.github.outline``)."""
    root = {CONFIG_PATH, *DERIVATION_FILES, *ROOT_FILES, *template_paths(paths)}
    return [path for path in paths if path in root or _is_workflow(path)]


def _is_workflow(path: str) -> bool:
    name = path.removeprefix(WORKFLOWS_DIR)
    return name != path and "/" not in name and name.endswith((".yml", ".yaml"))


def overview(settings: Settings, files: Mapping[str, bytes]) -> Overview | ConfigProblem:
    """What a build of this tree would get, or why none would start."""
    raw = files.get(CONFIG_PATH)
    try:
        config = parse_repo_config(raw.decode() if raw is not None else None)
    except (RepoConfigError, UnicodeDecodeError) as exc:
        return ConfigProblem(str(exc))
    budget, caps = capped(asked_budget(settings, config), ceiling_for(settings))
    # A new repository starts empty, as in `issue_build`: nothing of this tree goes to it.
    tree = {} if config.mode is Mode.NEW_REPOSITORY else files
    test = fixed_test(config.test, tree)
    template = find_template(tree)
    return Overview(
        config=config, has_config=raw is not None, model=choose_model(settings, config.model),
        budget=budget, caps=caps, test=test,
        sandbox=sandbox_for(settings, config, config.language or test.language),
        instruction_files=tuple(item.path for item in root_instructions(tree)),
        directory_instructions=tuple(sorted(path for path in tree
                                            if path.endswith(f"/{AGENTS_FILE}"))),
        template=template.path if template else None,
        continuations=allowed_continuations(config.continuations,
                                            settings.continuations_ceiling))


def sandbox_for(settings: Settings, config: RepoConfig, language: str | None) -> Sandbox:
    images = SandboxConfig.from_settings(settings)
    refused = config.image is not None and not images.allowlist.allows(config.image)
    return Sandbox(config.image, refused, images.images, language)
