"""The plan the model writes before building, validated by pydantic."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from worker.builder.paths import clean_path
from worker.builder.runners import RECOGNISED, check


class Plan(BaseModel):
    """What the model means to build: goal, files, language, and how to install and test."""

    model_config = ConfigDict(extra="forbid")

    goal: str = Field(min_length=1, description="One sentence: what the change achieves.")
    language: Literal["python", "node"]
    files: list[str] = Field(description="Workspace-relative paths to create or change.")
    install_command: str | None = Field(
        description="Installs dependencies from the manifests, or null when there are none.")
    test_command: str = Field(
        min_length=1, description=(
            "Runs the whole test suite, existing tests included, with one recognised runner: "
            f"{RECOGNISED}. Its words run as given, without a shell: no ;, &&, pipes or $."))
    steps: list[str] = Field(min_length=1, description="Short ordered steps.")

    @field_validator("files")
    @classmethod
    def _relative_paths(cls, files: list[str]) -> list[str]:
        return [clean_path(path) for path in files]

    @field_validator("test_command")
    @classmethod
    def _recognised_runner(cls, command: str) -> str:
        # Only a recognised runner's own report can judge a build; anything else never passes.
        check(command)
        return command

    @field_validator("install_command")
    @classmethod
    def _blank_is_none(cls, command: str | None) -> str | None:
        return command if command and command.strip() else None


# Strict structured output rejects some validation keywords; pydantic still enforces them.
UNSUPPORTED_KEYWORDS = frozenset({"minLength", "minItems"})


def plan_response_format() -> dict[str, Any]:
    """The structured-output format that asks for a Plan (strict: every field required)."""
    schema = _without(Plan.model_json_schema(), UNSUPPORTED_KEYWORDS)
    return {"type": "json_schema",
            "json_schema": {"name": "plan", "strict": True, "schema": schema}}


def _without(node: Any, keys: frozenset[str]) -> Any:
    if isinstance(node, dict):
        return {key: _without(value, keys) for key, value in node.items() if key not in keys}
    if isinstance(node, list):
        return [_without(item, keys) for item in node]
    return node
