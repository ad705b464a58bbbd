"""The repository's own instruction files reach the model, and its pull request template shapes
the pull request's description: a build in process against the emulator."""

from __future__ import annotations

import json

from emulators.model import ToolCall, Turn
from tests.worker import e2e_scripts as script
from tests.worker.conftest import OWNER, REPO
from tests.worker.flows.conftest import Flows

NESTED = "Everything under pkg/ is fully typed."
TEMPLATE = ("## Summary\n<!-- What and why -->\n\n## Testing\n\n"
            "## Checklist\n- [ ] Docs updated\n")


def build_log(flows: Flows) -> list[str]:
    record = flows.records.of_job("job-build")
    assert record is not None
    return [line.message for line in flows.records.history.lines(record.id)]


def test_instruction_files_reach_the_model_and_a_directory_s_when_it_works_there(
        flows: Flows) -> None:
    flows.emulator.push(OWNER, REPO, "main", {
        "AGENTS.md": "Use tabs for indentation.", "CLAUDE.md": "AGENTS.md",
        ".github/copilot-instructions.md": "Prefer pure functions.",
        "pkg/AGENTS.md": NESTED, "pkg/__init__.py": ""}, "instructions")
    number = flows.open_issue()
    turns = [script.plan(expect="Prefer pure functions."),
             Turn.tool_calls([ToolCall("read_file", {"path": "pkg/__init__.py"}),
                              script.write("calc.py", script.CALC),
                              script.write("test_calc.py", script.CALC_TEST)]),
             Turn.tool_calls([script.write("pkg/util.py", "X = 1\n"), script.finish()],
                             expect=NESTED)]

    model = flows.build(number, turns)

    model.assert_done()
    task = model.requests[0]["messages"][1]["content"]
    assert '<repository-instructions source="AGENTS.md">\nUse tabs for indentation.' in task
    assert '<repository-instructions source=".github/copilot-instructions.md">' in task
    assert 'source="CLAUDE.md"' not in task and NESTED not in task  # a link; not yet
    assert json.dumps(model.requests[-1]["messages"]).count(NESTED) == 1
    log = build_log(flows)
    assert "repository instructions: AGENTS.md, .github/copilot-instructions.md" in log
    assert log.count("directory instructions: pkg/AGENTS.md") == 1


def test_the_pull_request_follows_the_repository_s_template(flows: Flows) -> None:
    flows.emulator.push(OWNER, REPO, "main", {".github/pull_request_template.md": TEMPLATE},
                        "template")
    number = flows.open_issue()

    flows.build(number, script.passing_build())

    (pull,) = flows.emulator.pulls(OWNER, REPO)
    body = pull.body or ""
    summary, testing, checklist = (body.index(heading) for heading in
                                   ("## Summary", "## Testing", "## Checklist"))
    assert summary < body.index("Added calc.sub.") < testing
    assert testing < body.index("passing: 2 passed") < checklist
    assert "- [ ] Docs updated" in body and "<!-- What and why -->" in body
    assert body.index(f"Closes #{number}") > checklist
