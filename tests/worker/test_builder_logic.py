"""The builder's pure parts: test-output judging, cutting, plans, budgets, prompts, transcript."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import openai
import pytest
from openai.types.chat import ChatCompletionMessage
from pydantic import ValidationError

from kiln.settings import Settings
from worker.builder import Budget, BuildRequest, Feedback, Plan, Prices, StopReason, Usage
from worker.builder.budget import (
    MIN_ANSWER_TOKENS,
    Estimate,
    Limits,
    Meter,
    answer_allowance,
    call_limits,
)
from worker.builder.chat import seconds_of
from worker.builder.errors import brief_errors
from worker.builder.estimate import answer_tokens, prompt_tokens, tokens_of
from worker.builder.excerpt import cut_middle
from worker.builder.origin import CONFIGURED, PLANNED, derived_from
from worker.builder.outcome import Counts, judge, not_run
from worker.builder.paths import clean_path
from worker.builder.plan import plan_response_format
from worker.builder.planner import json_text, with_overrides
from worker.builder.prompts import Prompt, render
from worker.builder.runner import task_prompt
from worker.builder.testfiles import is_test_path
from worker.builder.tools import TOOLS
from worker.builder.transcript import ELIDE_BATCH_CHARS, ELIDED_ARGUMENTS, ELIDED_OUTPUT, Transcript
from worker.llm import make_llm


@pytest.mark.parametrize(("exit_code", "reading", "passed", "summary", "collected"), [
    (0, Counts(2, 2, 0), True, "2 passed", 2),
    (1, Counts(2, 1, 1), False, "1 passed, 1 failed", 2),
    (0, Counts(4, 3, 0), True, "3 passed", 4),
    (5, Counts(0, 0, 0), False, "no tests ran", 0),
    (0, Counts(1, 0, 0), False, "0 passed", 1),  # only skipped tests: not a pass
    (0, Counts(3, 2, 1), False, "2 passed, 1 failed", 3),  # exit 0 cannot hide a failure
    (1, Counts(3, 3, 0), False, "3 passed, exit code 1", 3),
    (0, "the runner wrote no report", False, "the runner wrote no report (exit code 0)", 0),
])
def test_judge_goes_by_the_report_and_the_exit_code(exit_code: int, reading: Counts | str,
                                                    passed: bool, summary: str,
                                                    collected: int) -> None:
    outcome = judge("pytest -q", exit_code, "what it printed", reading)
    assert (outcome.passed, outcome.summary, outcome.collected) == (passed, summary, collected)
    assert outcome.excerpt == "what it printed"


def test_printed_summaries_count_for_nothing() -> None:
    printed = "..\n===== 5 passed in 0.01s =====\nRan 4 tests in 0.001s\n\nOK\n# pass 3\n"
    outcome = judge("python3 -m pytest", 0, printed, "the runner wrote no report")
    assert not outcome.passed and outcome.collected == 0


def test_timeouts_and_long_output_in_the_excerpt() -> None:
    outcome = judge("pytest", 124, "x\n" * 10_000 + "1 failed in 9s", Counts(1, 1, 0),
                    timed_out=True)
    assert outcome.summary == "timed out" and not outcome.passed
    assert "characters cut" in outcome.excerpt and outcome.excerpt.endswith("1 failed in 9s")
    assert len(outcome.excerpt) < 6_100


def test_an_outcome_says_who_chose_its_command() -> None:
    outcome = judge("npm test", 0, "", Counts(1, 1, 0), origin=derived_from("package.json"))
    assert outcome.judged_by == "`npm test`, derived from package.json"
    assert judge("pytest", 0, "", Counts(1, 1, 0), origin=CONFIGURED).judged_by == \
        "`pytest`, from .github/kiln.yml"
    assert not_run("make", "no", PLANNED).judged_by == "`make`, chosen by the model's plan"
    assert judge("pytest", 0, "", Counts(1, 1, 0)).judged_by == "`pytest`"


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


@pytest.mark.parametrize(("command", "says"), [
    ('echo "1 passed"', "`echo 1 passed` is not a recognised test runner; use pytest"),
    ("pytest -q && echo ok", "`&&` is shell syntax"),
    ("pytest -q; true", "`;` is shell syntax"),
    ("pytest | tee log", "`|` is shell syntax"),
    ("pytest > log", "`>` is shell syntax"),
    ("(pytest)", "`(` is shell syntax"),
    ("pytest $(cat args)", "`$`, backquotes"),
    ("sh -c pytest", "`sh -c pytest` is not a recognised test runner"),
    ("./run_tests.sh", "is a path: name the runner itself"),
    ("PATH=bin pytest", "`PATH` may not be set before the runner"),
    ("pytest --junitxml=mine.xml", "`--junitxml` is set by Kiln itself"),
])
def test_a_plan_must_test_with_a_recognised_runner(command: str, says: str) -> None:
    with pytest.raises(ValidationError) as raised:
        Plan.model_validate({**PLAN, "test_command": command})
    assert says in brief_errors(raised.value)
    assert brief_errors(raised.value).startswith("test_command: ")


@pytest.mark.parametrize("command", [
    "pytest -q", "python3 -m pytest -q tests", "python -m unittest discover -p 'test_*.py'",
    "node --test", "npm test", "npm run test -- --coverage", "npx jest --ci", "vitest run",
    "mocha", "tox -e py", "PYTHONPATH=src pytest",
])
def test_recognised_runners_make_a_valid_plan(command: str) -> None:
    assert Plan.model_validate({**PLAN, "test_command": command}).test_command == command


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
                     "run_command", "run_tests", "complete_step", "finish"]
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


def test_tokens_are_estimated_at_three_characters_each_rounded_up() -> None:
    assert (tokens_of(""), tokens_of("abc"), tokens_of("abcd")) == (0, 1, 2)
    messages = [{"role": "user", "content": "x" * 300}]
    counted = len(json.dumps({"tools": TOOLS, "tool_choice": "none", "messages": messages},
                             separators=(",", ":")))
    assert prompt_tokens(messages, TOOLS, {"tool_choice": "none"}) == -(-counted // 3)
    # Non-ASCII is counted escaped (six characters), so it weighs more than ASCII.
    assert prompt_tokens([{"c": "é" * 30}], [], {}) > prompt_tokens([{"c": "e" * 30}], [], {})
    assert answer_tokens(assistant_call("c1", "write_file", {"path": "a.py"})) == tokens_of(
        'write_file{\\"path\\": \\"a.py\\"}')
    assert answer_tokens(None) == 0


def test_answer_allowance_fits_the_answer_in_what_the_budget_leaves() -> None:
    assert answer_allowance(tokens_left=10_000, prompt_tokens=2_000, cap=16_384) == 8_000
    assert answer_allowance(10_000, 2_000, cap=4_096) == 4_096
    assert answer_allowance(2_000 + MIN_ANSWER_TOKENS, 2_000, 4_096) == MIN_ANSWER_TOKENS
    assert answer_allowance(2_000 + MIN_ANSWER_TOKENS - 1, 2_000, 4_096) is None
    assert answer_allowance(1_000, 2_000, 4_096) is None
    assert answer_allowance(1_000, 900, cap=50) == 50  # a cap below the minimum is still usable


def test_call_limits_keep_a_model_call_within_the_time_left() -> None:
    assert call_limits(timeout=120.0, retries=3, seconds_left=1_000.0) == (120.0, 3)
    assert call_limits(120.0, 3, seconds_left=300.0) == (120.0, 1)
    assert call_limits(120.0, 3, seconds_left=50.0) == (50.0, 0)
    assert call_limits(None, 2, seconds_left=30.0) == (30.0, 0)
    assert seconds_of(7) == 7.0 and seconds_of(openai.Timeout(5.0, read=9.0)) == 9.0
    assert seconds_of(openai.OpenAI(api_key="k").timeout) == 600  # openai's default
    assert seconds_of(None) is None


def test_an_answer_without_usage_is_counted_at_the_estimate() -> None:
    usage = Usage()
    usage.add(None, Estimate(100, 20))
    usage.add(SimpleNamespace(prompt_tokens=0, completion_tokens=0), Estimate(50, 5))
    assert (usage.prompt_tokens, usage.completion_tokens, usage.estimated_calls) == (150, 25, 2)
    reported = SimpleNamespace(prompt_tokens=40, completion_tokens=None,
                               prompt_tokens_details=SimpleNamespace(cached_tokens=8))
    usage.add(reported, Estimate(999, 7))
    assert (usage.prompt_tokens, usage.completion_tokens, usage.cached_tokens) == (190, 32, 8)
    usage.add(SimpleNamespace(prompt_tokens=10, completion_tokens=2), Estimate(999, 999))
    assert (usage.total, usage.calls, usage.estimated_calls) == (234, 4, 3)


def test_commands_and_installs_are_bounded_by_the_time_left(
        make_settings: Callable[..., Settings]) -> None:
    now = [0.0]
    limits = Limits.from_settings(make_settings(sandbox_exec_timeout_seconds=60))
    assert (limits.command_seconds, limits.install_seconds) == (60.0, 900.0)
    meter = Meter(Budget(100, 2, 1, wall_seconds=1000), lambda: now[0], limits)
    assert (meter.command_timeout(), meter.install_timeout()) == (60.0, 900.0)
    now[0] = 970.0
    assert (meter.command_timeout(), meter.install_timeout()) == (30.0, 30.0)
    assert meter.bounded(10.0) == 10.0


def make_request(**changes: Any) -> BuildRequest:
    values: dict[str, Any] = {"title": "T", "body": "B", "files": {}, "model": "m",
                              "budget": Budget(1, 1, 1, 1.0), "prices": Prices(0, 0, 0)}
    return BuildRequest(**{**values, **changes})


def test_task_prompt_maps_the_tree_without_contents() -> None:
    files = {f"pkg/m{n:03}.py": b"SECRET" * n for n in range(500)}
    text = task_prompt(make_request(files=files, instructions="Use tabs.", test_command="tox",
                                    body="The bug is in pkg/m321.py.",
                                    feedback=(Feedback("Rename it.", path="pkg/m007.py"),)))
    assert "\npkg/ (500, 731.0 KB)\n  m000.py (0 B)\n  m001.py (6 B)\n" in text
    assert "SECRET" not in text and "  ... 475 more files" in text
    assert "Named in the request:\npkg/m321.py (1.9 KB)\npkg/m007.py (42 B)\n" in text
    assert "Use tabs." in text and "- test_command: tox" in text
    assert "new project" in task_prompt(make_request())


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
