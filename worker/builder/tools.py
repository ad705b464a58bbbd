"""The tools the model may call: argument models, and their definitions sent with every request."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class _Args(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ListFiles(_Args):
    """List the workspace's files with their sizes, a page at a time (its last line says more)."""

    directory: str = Field(default="", description="Directory to list; empty for everything.")
    offset: int = Field(default=0, ge=0, description="Paths to skip, for the next page.")


class ReadFile(_Args):
    """Read one file of the workspace."""

    path: str


class WriteFile(_Args):
    """Create or overwrite a file with the whole of its new content."""

    path: str
    content: str


class EditFile(_Args):
    """Replace one exact snippet of a file (it must occur exactly once); other bytes are kept."""

    path: str
    old: str = Field(min_length=1, description="Exact text to replace, whitespace included.")
    new: str = Field(description="Replacement text.")


class DeleteFile(_Args):
    """Delete a file (a symlink itself, not what it points to)."""

    path: str


class RunCommand(_Args):
    """Run a shell command in the workspace (no network); prints exit code and output."""

    command: str = Field(min_length=1)
    timeout: int = Field(default=120, ge=1, le=600, description="Seconds before it is killed.")


class RunTests(_Args):
    """Run the project's test command, exactly as Kiln will to judge the result."""


class CompleteStep(_Args):
    """Tick off a plan step (numbered from 1) once it is done; a later run goes on from the
    steps left."""

    step: int = Field(ge=1)
    note: str = Field(default="", description="What was done.")


class Reply(_Args):
    """What was done about one review comment."""

    comment_id: int
    reply: str


class Finish(_Args):
    """Declare the work done. Kiln then runs the tests itself; a failure comes back here."""

    summary: str = Field(min_length=1, description="What was built or changed, for the PR.")
    replies: list[Reply] = Field(default_factory=list, description="One reply per review comment.")


TOOL_ARGS: dict[str, type[_Args]] = {
    "list_files": ListFiles, "read_file": ReadFile, "write_file": WriteFile,
    "edit_file": EditFile, "delete_file": DeleteFile, "run_command": RunCommand,
    "run_tests": RunTests, "complete_step": CompleteStep, "finish": Finish,
}


def _definition(name: str, model: type[_Args]) -> dict[str, Any]:
    schema = model.model_json_schema()
    schema.pop("description", None)  # pydantic's copy of the docstring: sent once is enough
    return {"type": "function", "function": {
        "name": name, "description": (model.__doc__ or "").strip(), "parameters": schema}}


# Built once at import and never changed, so every request of every run sends the same bytes.
TOOLS: tuple[dict[str, Any], ...] = tuple(_definition(n, m) for n, m in TOOL_ARGS.items())
