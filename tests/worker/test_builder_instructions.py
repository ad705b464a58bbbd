"""The repository's instruction files: which reach the task prompt, cut how, and the nearest
`AGENTS.md` handed out once per directory."""

from __future__ import annotations

import json

from worker.builder.excerpt import CUT_MARK
from worker.builder.instruction_files import (
    FILE_LIMIT_CHARS,
    InstructionFile,
    NestedInstructions,
    instructions_line,
    nearest_agents_file,
    root_instructions,
)
from worker.builder.transcript import ELIDE_BATCH_CHARS, ELIDED_OUTPUT, Transcript


def call(path: str) -> str:
    return json.dumps({"path": path})


def test_root_files_come_in_order_and_a_repeated_text_or_a_link_only_once() -> None:
    files = {"CLAUDE.md": b"AGENTS.md", "AGENTS.md": b"Use tabs.\n",
             ".github/copilot-instructions.md": b"Use tabs.", "docs/AGENTS.md": b"Docs."}
    assert root_instructions(files) == (InstructionFile("AGENTS.md", "Use tabs."),)
    files.update({"CLAUDE.md": b"Run make lint.", ".github/copilot-instructions.md": b"  "})
    assert [item.path for item in root_instructions(files)] == ["AGENTS.md", "CLAUDE.md"]


def test_a_long_file_is_cut_visibly_and_the_log_line_says_so() -> None:
    (item,) = root_instructions({"AGENTS.md": ("rule\n" * FILE_LIMIT_CHARS).encode()})
    assert item.cut and len(item.text) <= FILE_LIMIT_CHARS + len(CUT_MARK) + 10
    assert item.text.startswith("rule\n") and "characters cut" in item.text
    assert instructions_line((item, InstructionFile("CLAUDE.md", "x"))) == (
        "repository instructions: AGENTS.md (cut), CLAUDE.md")


def test_the_nearest_agents_file_is_the_deepest_above_the_path_but_not_the_roots() -> None:
    files = {"AGENTS.md": b"root", "pkg/AGENTS.md": b"pkg", "pkg/sub/AGENTS.md": b"sub"}
    assert nearest_agents_file("pkg/sub/deep/x.py", files) == "pkg/sub/AGENTS.md"
    assert nearest_agents_file("pkg/x.py", files) == "pkg/AGENTS.md"
    assert nearest_agents_file("pkgs/x.py", files) is None
    assert nearest_agents_file("x.py", files) is None


def test_each_nested_file_is_handed_out_once_for_any_tool_naming_a_path_there() -> None:
    nested = NestedInstructions({"pkg/AGENTS.md": b"Keep pkg pure.", "pkg/a.py": b""})
    assert nested.for_call(call("./pkg/a.py")) == InstructionFile("pkg/AGENTS.md",
                                                                  "Keep pkg pure.")
    assert nested.for_call(call("pkg/b.py")) is None
    assert nested.for_call("not json") is None and nested.for_call("{}") is None
    assert NestedInstructions({"pkg/AGENTS.md": b"x"}).for_call(call("../pkg/a.py")) is None


def test_text_kept_with_a_tool_result_outlives_its_elision() -> None:
    transcript = Transcript("system")
    big, kept = "x" * ELIDE_BATCH_CHARS, "\n\nKeep pkg pure."
    transcript.tool("call-1", big + kept, "file:pkg/a.py", kept=kept)
    transcript.tool("call-2", big, "file:pkg/a.py")
    transcript.tool("call-3", big, "file:pkg/a.py")
    first = transcript.messages[1]
    assert first["content"] == ELIDED_OUTPUT + kept
