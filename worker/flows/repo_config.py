"""The per-repository configuration file `.github/kiln.yml`, validated with pydantic."""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from worker.builder.protected import Protection
from worker.builder.runners import check

CONFIG_PATH = ".github/kiln.yml"
REPO_NAME_PATTERN = re.compile(r"^[A-Za-z0-9._-]{1,100}$")


class RepoConfigError(ValueError):
    """`.github/kiln.yml` could not be read; the message is fit to quote on the issue."""


class Mode(StrEnum):
    """Where a build's result goes."""

    PULL_REQUEST = "pull_request"
    NEW_REPOSITORY = "new_repository"


class Budgets(BaseModel):
    """Per-repository overrides of the settings' budgets; unset fields keep the settings."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    tokens: int | None = Field(default=None, gt=0)
    model_calls: int | None = Field(default=None, gt=0)
    test_runs: int | None = Field(default=None, gt=0)
    wall_seconds: int | None = Field(default=None, gt=0)


class NewRepository(BaseModel):
    """Where new-repository builds go: an organization and a name rule for the repository."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    org: str = Field(min_length=1)
    name: str = Field(default="{slug}", min_length=1)
    private: bool = False

    @field_validator("name")
    @classmethod
    def _known_fields(cls, value: str) -> str:
        try:
            value.format(slug="x", number=1)
        except (KeyError, IndexError, ValueError) as exc:
            raise ValueError("may use only {slug} and {number}") from exc
        return value

    def repo_name(self, title: str, number: int) -> str:
        """The repository name for an issue, from the rule (`{slug}` and `{number}`)."""
        slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:60] or f"issue-{number}"
        name = self.name.format(slug=slug, number=number)
        if not REPO_NAME_PATTERN.match(name):
            raise RepoConfigError(
                f"new_repository.name gives {name!r}, not a valid repository name")
        return name


class RepoConfig(BaseModel):
    """Everything `.github/kiln.yml` may say; every field is optional."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    model: str | None = None
    language: Literal["python", "node"] | None = None
    image: str | None = None
    install: str | None = None
    test: str | None = None
    budgets: Budgets = Budgets()
    mode: Mode = Mode.PULL_REQUEST
    new_repository: NewRepository | None = None
    draft_on_failure: bool = True
    instructions: str = ""
    allow_workflow_changes: bool = False  # re-allows `.github/workflows/`, nothing else
    protected_paths: tuple[Annotated[str, Field(min_length=1)], ...] = ()  # added to Kiln's own
    # How many revisions the repository's failing CI may ask for after a publish (0: Kiln does
    # not follow CI at all).
    ci_rounds: int = Field(default=2, ge=0, le=10)
    continuations: int = Field(default=0, ge=0)  # runs after a budget stop without a command

    @field_validator("test")
    @classmethod
    def _recognised_runner(cls, command: str | None) -> str | None:
        # Only a recognised runner's own report can judge a build: say so before any build.
        if command:
            check(command)
        return command

    @model_validator(mode="after")
    def _target_known(self) -> RepoConfig:
        if self.mode is Mode.NEW_REPOSITORY and self.new_repository is None:
            raise ValueError("mode new_repository needs a new_repository section with an org")
        return self

    def protection(self) -> Protection:
        """The paths a build for this repository may not change."""
        return Protection(self.protected_paths, self.allow_workflow_changes)


def parse_repo_config(text: str | None) -> RepoConfig:
    """Parse the file's text (None when the repository has none) or raise RepoConfigError."""
    if text is None or not text.strip():
        return RepoConfig()
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise RepoConfigError(f"{CONFIG_PATH} is not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise RepoConfigError(f"{CONFIG_PATH} must be a mapping of settings")
    try:
        return RepoConfig.model_validate(data)
    except ValidationError as exc:
        raise RepoConfigError(_describe(exc)) from None


def _describe(exc: ValidationError) -> str:
    lines = [f"{CONFIG_PATH} is invalid:"]
    for err in exc.errors():
        where = ".".join(str(part) for part in err["loc"]) or "(top level)"
        lines.append(f"- {where}: {err['msg']}")
    return "\n".join(lines)
