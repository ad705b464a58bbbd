"""The instruction files a repository keeps for coding agents, as the model is given them.

`AGENTS.md` at the root, `.github/copilot-instructions.md` and `CLAUDE.md` go into the task
prompt. An `AGENTS.md` deeper in the tree applies to the files under its directory: it reaches
the model once, the first time the model touches a file there (as Codex reads the nearest
one). Each file is cut to FILE_LIMIT_CHARS, visibly: its text is resent with every model call.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

from worker.builder.excerpt import cut_middle
from worker.builder.paths import clean_path

AGENTS_FILE = "AGENTS.md"
ROOT_FILES = (AGENTS_FILE, ".github/copilot-instructions.md", "CLAUDE.md")
FILE_LIMIT_CHARS = 8_000


@dataclass(frozen=True)
class InstructionFile:
    """One instruction file's path and text (cut when it was longer than the limit)."""

    path: str
    text: str
    cut: bool = False


def read_instructions(files: Mapping[str, bytes], path: str) -> InstructionFile | None:
    """The file at `path` as instructions; None when absent, empty or only a link's target."""
    raw = files.get(path)
    text = raw.decode(errors="replace").strip() if raw is not None else ""
    if not text or _is_link(text):
        return None
    shown = cut_middle(text, FILE_LIMIT_CHARS, head_share=1.0)
    return InstructionFile(path, shown, cut=shown != text)


def _is_link(text: str) -> bool:
    # A symlink's blob is its target's path: CLAUDE.md is often a link to AGENTS.md.
    return "\n" not in text and text.endswith(".md") and " " not in text


def root_instructions(files: Mapping[str, bytes]) -> tuple[InstructionFile, ...]:
    """The repository-wide instruction files present in `files`, a text repeated only once."""
    found: list[InstructionFile] = []
    for path in ROOT_FILES:
        item = read_instructions(files, path)
        if item is not None and all(item.text != seen.text for seen in found):
            found.append(item)
    return tuple(found)


def instructions_line(found: tuple[InstructionFile, ...]) -> str:
    """E.g. "repository instructions: AGENTS.md, CLAUDE.md (cut)", for the build log."""
    names = ", ".join(f"{item.path}{' (cut)' if item.cut else ''}" for item in found)
    return f"repository instructions: {names}"


def nearest_agents_file(path: str, files: Mapping[str, bytes]) -> str | None:
    """The `AGENTS.md` of the deepest directory above `path` that has one, the root's aside
    (the task prompt carries it)."""
    parts = path.split("/")[:-1]
    for depth in range(len(parts), 0, -1):
        candidate = "/".join([*parts[:depth], AGENTS_FILE])
        if candidate in files:
            return candidate
    return None


class NestedInstructions:
    """Hands out each nested `AGENTS.md` once, for the file a tool call names."""

    def __init__(self, files: Mapping[str, bytes]) -> None:
        self.files = files
        self.shown: set[str] = set()

    def for_call(self, arguments: str) -> InstructionFile | None:
        """The instructions a tool call's `path` brings in for the first time, if any."""
        path = _path_argument(arguments)
        found = nearest_agents_file(path, self.files) if path else None
        if found is None or found in self.shown:
            return None
        self.shown.add(found)
        return read_instructions(self.files, found)


def _path_argument(arguments: str) -> str | None:
    try:
        value = json.loads(arguments or "{}")
    except json.JSONDecodeError:
        return None
    path = value.get("path") if isinstance(value, dict) else None
    if not isinstance(path, str):
        return None
    try:
        return clean_path(path)
    except ValueError:  # the tool refuses it too
        return None
