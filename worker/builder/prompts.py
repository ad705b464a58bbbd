"""The builder's prompt templates (``prompts/*.j2``), rendered by name."""

from __future__ import annotations

from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

PROMPT_DIR = Path(__file__).parent / "prompts"


class Prompt(StrEnum):
    """One template per message Kiln writes to the model."""

    SYSTEM = "system"
    TASK = "task"
    PLAN_INVALID = "plan_invalid"
    BUILD_START = "build_start"
    TESTS_RESULT = "tests_result"
    COMMAND_RESULT = "command_result"
    NUDGE = "nudge"
    DIRECTORY_INSTRUCTIONS = "directory_instructions"
    CONTINUATION = "continuation"  # a continuing run's summary of the runs before it (#15)


@cache
def _environment() -> Environment:
    return Environment(loader=FileSystemLoader(PROMPT_DIR), undefined=StrictUndefined,
                       autoescape=False, trim_blocks=True, keep_trailing_newline=False)


def render(prompt: Prompt, **values: Any) -> str:
    """The prompt's text with ``values`` filled in, surrounding whitespace stripped."""
    return _environment().get_template(f"{prompt.value}.j2").render(**values).strip()
