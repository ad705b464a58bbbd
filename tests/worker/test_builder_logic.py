"""The builder's pure parts: test-output judging, cutting, plans, budgets, prompts, transcript."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from openai.types.chat import ChatCompletionMessage
from pydantic import ValidationError

from kiln.settings import Settings
from worker.builder import Budget, BuildRequest, Plan, Prices, StopReason, Usage
from worker.builder.budget import Meter
from worker.builder.excerpt import cut_middle
from worker.builder.outcome import judge
from worker.builder.paths import clean_path
from worker.builder.plan import plan_response_format
from worker.builder.planner import json_text, with_overrides
from worker.builder.prompts import Prompt, render
from worker.builder.runner import task_prompt
from worker.builder.testfiles import is_test_path
from worker.builder.tools import TOOLS
from worker.builder.transcript import ELIDE_BATCH_CHARS, ELIDED_ARGUMENTS, ELIDED_OUTPUT, Transcript
from worker.builder.treemap import tree_map
from worker.llm import make_llm


@pytest.mark.parametrize(("command", "exit_code", "output", "passed", "summary", "collected"), [
    ("pytest -q", 0, "..\n2 passed in 0.01s\n", True, "2 passed", 2),
    ("pytest -q", 1, "F.\nFAILED t.py::x\n1 failed, 1 passed in 0.02s", False,
     "1 passed, 1 failed", 2),
    ("pytest", 0, "===== 3 passed, 1 skipped, 2 warnings in 0.1s =====", True, "3 passed", 4),
    ("pytest -q", 5, "\nno tests ran in 0.01s\n", False, "no tests ran", 0),
    ("pytest", 2, "==== 1 error in 0.12s ====", False, "1 failed", 1),
    ("node --test", 0, "TAP version 13\n# tests 3\n# pass 3\n# fail 0\n", True, "3 passed", 3),
    ("node --test", 1, "\x1b[34mℹ tests 3\x1b[39m\nℹ pass 2\nℹ fail 1\n", False,
     "2 passed, 1 failed", 3),
    ("python3 -m unittest", 0, "....\nRan 4 tests in 0.001s\n\nOK\n", True, "4 passed", 4),
    ("npx jest", 1, "Tests:       1 failed, 3 passed, 4 total", False, "3 passed, 1 failed", 4),
    ("npx mocha", 0, "  5 passing (8ms)\n", True, "5 passed", 5),
    ("./check.sh", 0, "all good\n", False, "exit code 0, no test count found in the output", 0),
])
def test_judge_reads_runner_summaries(command: str, exit_code: int, output: str, passed: bool,
                                      summary: str, collected: int) -> None:
    outcome = judge(command, exit_code, output)
    assert (outcome.passed, outcome.summary, outcome.collected) == (passed, summary, collected)


def test_exit_zero_with_only_skipped_tests_is_not_a_pass() -> None:
    assert not judge("pytest", 0, "1 skipped in 0.01s").passed


def test_timeouts_and_long_output_in_the_excerpt() -> None:
    outcome = judge("pytest", 124, "x\n" * 10_000 + "1 failed in 9s", timed_out=True)
    assert outcome.summary == "timed out" and not outcome.passed
    assert "characters cut" in outcome.excerpt and outcome.excerpt.endswith("1 failed in 9s")
    assert len(outcome.excerpt) < 6_100


def test_cut_middle_keeps_head_and_tail_and_states_the_cut() -> None:
    text = "".join(f"line {n}\n" for n in range(1000))
    cut = cut_middle(text, 200)
    match = re.fullmatch(r"(.*)\n\[\.\.\. (\d+) characters cut \.\.\.\]\n(.*)", cut, re.DOTALL)
    assert match is not None
    head, removed, tail = match.group(1), int(match.group(2)), match.group(3)
    assert text.startswith(head) and text.endswith(tail) and head.endswith("\n")
    assert removed == len(text) - len(head) - len(tail) and len(cut) < 260
    assert cut_middle("short", 200) == "short"


@pytest.mark.parametrize("bad", ["", "/etc/passwd", "../up", "a/../../b", ".git/config"])
def test_clean_path_rejects_escapes(bad: str) -> None:
    with pytest.raises(ValueError):
        clean_path(bad)


def test_clean_path_normalises() -> None:
    assert clean_path("./src//a.py") == "src/a.py"


PLAN = {"goal": "g", "language": "python", "files": ["a.py"], "install_command": "  ",
        "test_command": "pytest -q", "steps": ["s"]}


def test_plan_validation_and_config_overrides() -> None:
    plan = Plan.model_validate(PLAN)
    assert plan.install_command is None
    with pytest.raises(ValidationError, match="language"):
        Plan.model_validate({**PLAN, "language": "rust"})
    with pytest.raises(ValidationError, match="outside the workspace"):
        Plan.model_validate({**PLAN, "files": ["../x"]})
    request = make_request(language="node", test_command="npm test")
    fixed = with_overrides(plan, request)
    assert (fixed.language, fixed.test_command, fixed.goal) == ("node", "npm test", "g")


def test_a_fenced_plan_is_read() -> None:
    fenced = "```json\n" + json.dumps(PLAN) + "\n```"
    assert Plan.model_validate_json(json_text(fenced)).goal == "g"
    assert json_text(None) == ""


def test_plan_format_is_strict_json_schema() -> None:
    schema = plan_response_format()["json_schema"]["schema"]
    assert schema["additionalProperties"] is False
    assert set(schema["required"]) == set(Plan.model_fields)
    assert "minLength" not in json.dumps(schema)


def test_tool_definitions_are_fixed() -> None:
    names = [tool["function"]["name"] for tool in TOOLS]
    assert names == ["list_files", "read_file", "write_file", "edit_file", "delete_file",
                     "run_command", "run_tests", "finish"]
    assert json.dumps(TOOLS) == json.dumps(TOOLS)
    assert all(tool["function"]["description"] for tool in TOOLS)


def test_cost_prices_cached_prompt_tokens_apart() -> None:
    usage = Usage(prompt_tokens=1_000_000, completion_tokens=500_000, cached_tokens=400_000)
    assert Prices(0.40, 0.10, 1.60).cost(usage) == pytest.approx(0.24 + 0.04 + 0.80)


def test_budget_and_prices_from_settings(make_settings: Callable[..., Settings]) -> None:
    settings = make_settings(budget_tokens=1234, budget_wall_seconds=60)
    assert Budget.from_settings(settings) == Budget(1234, 60, 15, 60.0)
    assert Prices.from_settings(settings) == Prices(0.40, 0.10, 1.60)


def test_meter_names_the_budget_that_ran_out() -> None:
    now = [0.0]
    meter = Meter(Budget(tokens=100, model_calls=2, test_runs=1, wall_seconds=30), lambda: now[0])
    assert meter.model_spent() is None and meter.tests_spent() is None
    meter.test_runs = 1
    assert meter.tests_spent() is StopReason.TEST_RUNS
    meter.usage.add(None)
    meter.usage.add(None)
    assert meter.model_spent() is StopReason.MODEL_CALLS
    meter.usage.prompt_tokens = 100
    assert meter.model_spent() is StopReason.TOKENS
    meter.usage = Usage()
    now[0] = 31.0
    assert meter.model_spent() is StopReason.WALL_CLOCK and meter.remaining_seconds() == 0


def make_request(**changes: Any) -> BuildRequest:
    values: dict[str, Any] = {"title": "T", "body": "B", "files": {}, "model": "m",
                              "budget": Budget(1, 1, 1, 1.0), "prices": Prices(0, 0, 0)}
    return BuildRequest(**{**values, **changes})


def test_task_prompt_maps_the_tree_without_contents() -> None:
    files = {f"pkg/m{n:03}.py": b"SECRET" * n for n in range(500)}
    text = task_prompt(make_request(files=files, instructions="Use tabs.", test_command="tox"))
    assert "pkg/m001.py (6 B)" in text and "SECRET" not in text
    assert "... and 100 more files (use list_files)" in text
    assert "Use tabs." in text and "- test_command: tox" in text
    assert "new project" in task_prompt(make_request())


def test_tree_map_sizes() -> None:
    assert tree_map({"b": b"x" * 2048, "a": b""}) == "a (0 B)\nb (2.0 KB)"


def test_system_prompt_is_constant() -> None:
    assert render(Prompt.SYSTEM) == render(Prompt.SYSTEM)
    assert "{{" not in render(Prompt.SYSTEM)


@pytest.mark.parametrize(("path", "expected"), [
    ("tests/test_a.py", True), ("test_a.py", True), ("pkg/a_test.py", True),
    ("src/app.test.js", True), ("__tests__/x.js", True), ("conftest.py", True),
    ("src/app.py", False), ("testing.md", False), ("contest.py", False),
])
def test_is_test_path(path: str, expected: bool) -> None:
    assert is_test_path(path) is expected


def assistant_call(call_id: str, name: str, arguments: dict[str, Any]) -> ChatCompletionMessage:
    call = {"id": call_id, "type": "function",
            "function": {"name": name, "arguments": json.dumps(arguments)}}
    return ChatCompletionMessage.model_validate(
        {"role": "assistant", "content": None, "tool_calls": [call]})


def test_transcript_elides_superseded_bulk_in_batches_only() -> None:
    transcript = Transcript("system")
    big = "x" * (ELIDE_BATCH_CHARS // 2)
    snapshots = []
    for n in range(4):
        arguments = {"path": "a.py", "content": big}
        transcript.assistant(assistant_call(f"w{n}", "write_file", arguments))
        transcript.tool(f"w{n}", "wrote a.py", "file:a.py")
        snapshots.append(json.dumps(transcript.messages))
    # Two superseded writes (one batch's worth) are elided together on the third write; the
    # conversation only grows otherwise.
    assert transcript.elided_batches == 1
    writes = [m["tool_calls"][0]["function"]["arguments"] for m in transcript.messages
              if m.get("tool_calls")]
    assert writes[:2] == [ELIDED_ARGUMENTS] * 2 and big in writes[2] and big in writes[3]
    assert snapshots[1].startswith(snapshots[0][:-1])
    assert not snapshots[2].startswith(snapshots[1][:-1])
    assert snapshots[3].startswith(snapshots[2][:-1])


def test_transcript_keeps_small_and_topicless_outputs() -> None:
    transcript = Transcript("system")
    for n in range(3):
        transcript.assistant(assistant_call(f"t{n}", "run_tests", {}))
        transcript.tool(f"t{n}", "y" * ELIDE_BATCH_CHARS, "tests")
    outputs = [m["content"] for m in transcript.messages if m["role"] == "tool"]
    assert outputs[0] == ELIDED_OUTPUT and outputs[2] == "y" * ELIDE_BATCH_CHARS
    transcript.assistant(assistant_call("c", "run_command", {"command": "ls"}))
    transcript.tool("c", "z" * ELIDE_BATCH_CHARS)
    assert transcript.messages[-1]["content"] == "z" * ELIDE_BATCH_CHARS


def test_make_llm_takes_everything_from_settings(make_settings: Callable[..., Settings]) -> None:
    settings = make_settings(openai_base_url="http://127.0.0.1:9/v1", model_timeout_seconds=7.5,
                             model_max_retries=4)
    with make_llm(settings) as llm:
        assert (str(llm.base_url), llm.api_key) == ("http://127.0.0.1:9/v1/", "test-key")
        assert (llm.timeout, llm.max_retries) == (7.5, 4)
    with pytest.raises(ValueError, match="OPENAI_API_KEY"):
        make_llm(make_settings(openai_api_key=None))
