"""run_build end to end: a scripted model over real HTTP, tests in FakeBoxes (a few in Docker)."""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from emulators.model import ScriptedModel, ToolCall, Turn
from kiln.settings import Settings
from tests.worker.blobs import blob_id
from tests.worker.fake_box import FakeSandboxes
from worker.builder import (
    Budget,
    BuildRequest,
    BuildResult,
    Feedback,
    Prices,
    Step,
    StepKind,
    StopReason,
    run_build,
)
from worker.builder.budget import Limits
from worker.builder.estimate import prompt_tokens
from worker.builder.origin import derived_from
from worker.builder.report import READ_SECONDS
from worker.llm import make_llm

TEST_COMMAND = "python3 -m pytest -q"
CALC = "def add(a, b):\n    return a + b\n"
CALC_TEST = "from calc import add\n\n\ndef test_add():\n    assert add(2, 3) == 5\n"


def plan_turn(expect: str | None = None, **changes: Any) -> Turn:
    plan = {"goal": "an adder", "language": "python", "files": ["calc.py", "test_calc.py"],
            "install_command": None, "test_command": TEST_COMMAND, "steps": ["write it", "test it"]}
    return Turn.json({**plan, **changes}, expect=expect)


def write(path: str, content: str) -> ToolCall:
    return ToolCall("write_file", {"path": path, "content": content})


def finish(summary: str = "built an adder", replies: list[Any] | None = None) -> ToolCall:
    return ToolCall("finish", {"summary": summary, "replies": replies or []})


def request(**changes: Any) -> BuildRequest:
    values: dict[str, Any] = {
        "title": "Add an adder", "body": "calc.add(a, b) returns the sum.", "files": {},
        "model": "gpt-4.1-mini", "budget": Budget(100_000, 20, 10, 300.0),
        "prices": Prices(0.40, 0.10, 1.60)}
    return BuildRequest(**{**values, **changes})


Build = Callable[..., tuple[BuildResult, Any]]


def builder(serve_model: Callable[..., Any], open_sandbox: Callable[[str], Any],
            make_settings: Callable[..., Settings]) -> Build:
    """Runs one build against a script; returns the result and the scripted model."""

    def run(turns: list[Turn], req: BuildRequest | None = None, **kwargs: Any) -> tuple[
            BuildResult, Any]:
        settings = make_settings(model_max_retries=kwargs.pop("retries", 2))
        model, llm = serve_model(turns, settings)
        seen: list[Step] = []
        result = run_build(req or request(), llm=llm, open_sandbox=open_sandbox,
                           on_step=seen.append, **kwargs)
        assert seen == result.steps
        model.assert_ok()
        return result, model

    return run


@pytest.fixture
def sandboxes(tmp_path: Path) -> FakeSandboxes:
    return FakeSandboxes(tmp_path)


@pytest.fixture
def build(serve_model: Callable[..., Any], sandboxes: FakeSandboxes,
          make_settings: Callable[..., Settings]) -> Build:
    """Builds in FakeBoxes; every box the build opened is closed when it returns."""
    run = builder(serve_model, sandboxes, make_settings)

    def run_and_check(*args: Any, **kwargs: Any) -> tuple[BuildResult, Any]:
        outcome = run(*args, **kwargs)
        assert all(box.stopped for box in sandboxes.boxes)
        return outcome

    return run_and_check


@pytest.fixture
def docker_build(serve_model: Callable[..., Any], open_sandbox: Callable[[str], Any],
                 make_settings: Callable[..., Settings]) -> Build:
    """Builds in real sandboxes, for what only the images can show."""
    return builder(serve_model, open_sandbox, make_settings)


@pytest.fixture(params=["fake", pytest.param("docker", marks=pytest.mark.docker)])
def either_build(request: pytest.FixtureRequest) -> Build:
    build: Build = request.getfixturevalue("build" if request.param == "fake" else "docker_build")
    return build


def test_one_pass_build_passes_and_reports(either_build: Build) -> None:
    result, model = either_build([
        plan_turn(),
        Turn.tool_calls([write("calc.py", CALC), write("test_calc.py", CALC_TEST)],
                        expect="Test command (Kiln runs exactly this"),
        Turn.tool_calls([finish()]),
    ])
    model.assert_done()
    assert result.passed and result.stop_reason is StopReason.PASSED
    assert result.files == {"calc.py": CALC.encode(), "test_calc.py": CALC_TEST.encode()}
    assert result.changes == result.files
    assert result.tests is not None and result.tests.summary == "1 passed"
    assert result.plan is not None and result.plan.test_command == TEST_COMMAND
    assert (result.iterations, result.usage.calls, result.summary) == (2, 3, "built an adder")
    assert result.usage.total > 0 and result.cost_usd > 0
    kinds = [step.kind for step in result.steps]
    assert kinds[0] is StepKind.PLAN and kinds[-1] is StepKind.STOP and StepKind.TEST in kinds
    assert result.steps[-1].message == "done: tests passed (1 passed)"


def test_system_prompt_and_tools_are_byte_identical_and_history_only_grows(
        build: Callable[..., Any]) -> None:
    _result, model = build([
        plan_turn(),
        Turn.tool_calls([write("calc.py", CALC)]),
        Turn.tool_calls([write("test_calc.py", CALC_TEST), ToolCall("run_tests", {})]),
        Turn.tool_calls([finish()]),
    ])
    requests = model.requests
    assert len(requests) == 4
    assert len({json.dumps(body["messages"][0]) for body in requests}) == 1
    assert len({json.dumps(body["tools"]) for body in requests}) == 1
    for before, after in itertools.pairwise(requests):
        assert after["messages"][:len(before["messages"])] == before["messages"]


def test_failing_output_reaches_the_model_and_the_fix_passes(build: Callable[..., Any]) -> None:
    buggy = CALC.replace("a + b", "a - b")
    result, model = build([
        plan_turn(),
        Turn.tool_calls([write("calc.py", buggy), write("test_calc.py", CALC_TEST),
                         ToolCall("run_tests", {})]),
        Turn.tool_calls([ToolCall("edit_file", {"path": "calc.py", "old": "a - b",
                                                "new": "a + b"})],
                        expect="assert -1 == 5"),
        Turn.tool_calls([finish()], expect="edited calc.py at line 2"),
    ])
    model.assert_done()
    assert result.passed and result.files["calc.py"] == CALC.encode()
    tests = [step.message for step in result.steps if step.kind is StepKind.TEST]
    assert tests == ["iteration 1: tests 1 failed", "iteration 3: tests 1 passed"]
    assert result.best_tests is not None and result.best_tests.passed


def test_existing_tests_that_break_are_caught_and_reported(build: Callable[..., Any]) -> None:
    files = {"calc.py": CALC.encode(), "tests/test_calc.py": CALC_TEST.replace(
        "from calc", "from calc").encode(), "README.md": b"# calc\n"}
    only_mul = "def mul(a, b):\n    return a * b\n"
    mul_test = "from calc import mul\n\n\ndef test_mul():\n    assert mul(2, 3) == 6\n"
    req = request(title="Add mul", body="calc.mul(a, b)", files=files,
                  instructions="Keep functions tiny.", test_command="python3 -m pytest -q tests",
                  feedback=(Feedback("please add mul", path="calc.py", line=2, comment_id=77),))
    result, model = build([
        plan_turn(expect="calc.py (", test_command="pytest"),
        Turn.tool_calls([write("calc.py", only_mul), write("tests/test_mul.py", mul_test),
                         finish("added mul")]),
        Turn.tool_calls([write("calc.py", CALC + "\n\n" + only_mul),
                         ToolCall("edit_file", {"path": "tests/test_calc.py", "old": "== 5",
                                                "new": "== 5\n    assert add(0, 0) == 0"}),
                         finish("added mul", [{"comment_id": 77, "reply": "added mul"}])],
                        expect="cannot import name 'add'"),
    ], req)
    model.assert_done()
    first_prompt = model.requests[0]["messages"][1]["content"]
    assert "\ntests/ (1, " in first_prompt and "\n  test_calc.py (" in first_prompt
    assert "Keep functions tiny." in first_prompt
    assert "[comment 77] calc.py:2: please add mul" in first_prompt
    assert "return a + b" not in first_prompt
    assert "Not finished" in model.requests[2]["messages"][-1]["content"]
    assert result.passed and result.plan is not None
    assert result.plan.test_command == "python3 -m pytest -q tests"
    assert result.tests is not None and result.tests.summary == "2 passed"
    assert result.existing_tests_changed == ["tests/test_calc.py"]
    assert set(result.changes) == {"calc.py", "tests/test_mul.py", "tests/test_calc.py"}
    assert result.replies == {77: "added mul"}


def test_endless_model_is_stopped_by_the_call_budget_with_its_best_attempt(
        build: Callable[..., Any]) -> None:
    result, _model = build([
        plan_turn(),
        Turn.tool_calls([write("calc.py", CALC.replace("+", "-")),
                         write("test_calc.py", CALC_TEST), ToolCall("run_tests", {})]),
        Turn.endless(ToolCall("list_files", {})),
    ], request(budget=Budget(100_000, 6, 10, 300.0)))
    assert not result.passed and result.stop_reason is StopReason.MODEL_CALLS
    assert (result.iterations, result.usage.calls) == (5, 6)
    assert set(result.files) == {"calc.py", "test_calc.py"}
    assert result.tests is not None and result.tests.summary == "1 failed"
    assert result.steps[-1].message == "stopped: model call budget spent (1 failed)"


def test_token_and_wall_clock_budgets_stop_the_run(build: Callable[..., Any]) -> None:
    endless = [plan_turn(), Turn.endless(ToolCall("list_files", {}))]
    result, _ = build(endless, request(budget=Budget(3_000, 100, 10, 300.0)))
    # The call that would cross the budget is refused before it is sent: no overshoot.
    assert result.stop_reason is StopReason.TOKENS and 0 < result.usage.total <= 3_000
    assert "would not fit" in result.steps[-1].detail
    ticks = iter(range(0, 10_000, 10))
    result, _ = build(endless, request(budget=Budget(10**9, 100, 10, 55.0)),
                      clock=lambda: float(next(ticks)))
    assert result.stop_reason is StopReason.WALL_CLOCK and 0 < result.iterations < 6


def test_malformed_tool_arguments_are_survived(build: Callable[..., Any]) -> None:
    result, model = build([
        plan_turn(),
        Turn.tool_calls([ToolCall("write_file", '{"path": "calc.py", "content": "def'),
                         ToolCall("write_file", {"path": 3, "content": None}),
                         ToolCall("launch_rockets", {})]),
        Turn.tool_calls([write("calc.py", CALC), write("test_calc.py", CALC_TEST)],
                        expect="unknown tool 'launch_rockets'"),
        Turn.tool_calls([finish()]),
    ])
    model.assert_done()
    errors = [message["content"] for message in model.requests[2]["messages"][-3:]]
    assert errors[0].startswith("Error: invalid arguments for write_file: ")
    assert "Invalid JSON" in errors[0]
    assert "path: Input should be a valid string" in errors[1]
    assert result.passed


def test_a_429_is_retried_and_the_build_goes_on(build: Callable[..., Any]) -> None:
    result, model = build([
        Turn.error(429, retry_after=0.1), plan_turn(),
        Turn.tool_calls([write("calc.py", CALC), write("test_calc.py", CALC_TEST), finish()]),
    ])
    model.assert_done()
    assert result.passed and len(model.requests) == 3 and result.usage.calls == 2


def test_an_unreachable_model_ends_the_run_with_the_reason(
        build: Callable[..., Any], sandboxes: FakeSandboxes) -> None:
    result, _ = build([Turn.error(500), Turn.error(500)], retries=1)
    assert result.stop_reason is StopReason.MODEL_ERROR and result.plan is None
    assert "HTTP 500" in result.steps[-1].detail
    assert sandboxes.boxes == []  # no plan, so no sandbox was opened


def test_an_invalid_plan_is_corrected(build: Callable[..., Any]) -> None:
    result, model = build([
        plan_turn(language="rust", test_command=""),
        plan_turn(expect="Input should be 'python' or 'node'"),
        Turn.tool_calls([write("calc.py", CALC), write("test_calc.py", CALC_TEST), finish()]),
    ])
    model.assert_done()
    assert "test_command: String should have at least 1 character" in \
        model.requests[1]["messages"][-1]["content"]
    assert result.passed and result.usage.calls == 3
    assert next(s.message for s in result.steps if s.kind is StepKind.PLAN) == \
        "plan attempt 1 invalid"


def test_tests_that_collect_nothing_are_not_a_success(build: Callable[..., Any]) -> None:
    result, model = build([
        plan_turn(),
        Turn.tool_calls([write("calc.py", CALC), finish()]),
        Turn.text("I am done.", expect="no tests ran"),
        Turn.text("Really done."),
    ])
    model.assert_done()
    assert not result.passed and result.stop_reason is StopReason.GAVE_UP
    assert result.tests is not None and result.tests.summary == "no tests ran"
    assert result.tests.exit_code == 5 and result.tests.collected == 0


def test_install_runs_when_manifests_change_and_its_failure_reaches_the_model(
        build: Callable[..., Any], sandboxes: FakeSandboxes) -> None:
    install = "! grep -q broken requirements.txt"
    result, model = build([
        plan_turn(install_command=install),
        Turn.tool_calls([write("requirements.txt", "broken-package\n"), write("calc.py", CALC),
                         write("test_calc.py", CALC_TEST), ToolCall("run_tests", {})]),
        Turn.tool_calls([write("requirements.txt", "# nothing needed\n"), finish()],
                        expect="install failed, tests not run (exit code 1)"),
    ])
    model.assert_done()
    assert result.passed
    installs = [step.message for step in result.steps if step.kind is StepKind.INSTALL]
    assert installs[0].startswith("install failed: exit code 1 after ")
    assert installs[1].startswith("dependencies installed in ")
    [box] = sandboxes.boxes
    assert [args[:2] for args in box.called("install")] == [
        (install, {"requirements.txt": blob_id(b"broken-package\n")}),
        (install, {"requirements.txt": blob_id(b"# nothing needed\n")})]


def test_a_nested_manifest_is_part_of_what_the_install_is_keyed_on(
        build: Callable[..., Any], sandboxes: FakeSandboxes) -> None:
    core = "libs/core/pyproject.toml"
    result, model = build([
        plan_turn(install_command="true"),
        Turn.tool_calls([write(core, "[project]\nname = 'core'\n"), write("calc.py", CALC),
                         write("test_calc.py", CALC_TEST), ToolCall("run_tests", {})]),
        Turn.tool_calls([write(core, "[project]\nname = 'core2'\n"), finish()]),
    ])
    model.assert_done()
    assert result.passed
    [box] = sandboxes.boxes
    assert [args[1] for args in box.called("install")] == [
        {core: blob_id(b"[project]\nname = 'core'\n")},
        {core: blob_id(b"[project]\nname = 'core2'\n")}]


def sent_prompt(body: dict[str, Any]) -> int:
    """Kiln's estimate of a recorded request's prompt."""
    options = {key: body[key] for key in ("tool_choice", "response_format") if key in body}
    return prompt_tokens(body["messages"], body["tools"], options)


def test_each_call_asks_for_at_most_what_the_budget_leaves(build: Callable[..., Any]) -> None:
    turns = [plan_turn(),
             Turn.tool_calls([write("calc.py", CALC), write("test_calc.py", CALC_TEST)]),
             Turn.tool_calls([finish()])]
    result, model = build(turns, request(limits=Limits(answer_tokens=300)))
    assert result.passed and model.answer_limits == [300, 300, 300]
    result, model = build(turns, request(budget=Budget(6_000, 20, 10, 300.0)))
    first, *later = model.requests
    assert model.answer_limits[0] == 6_000 - sent_prompt(first)
    assert all(limit < 6_000 - sent_prompt(body)
               for limit, body in zip(model.answer_limits[1:], later, strict=True))
    assert result.passed and result.usage.total <= 6_000


def test_answers_without_usage_are_counted_by_estimate(
        sandboxes: FakeSandboxes, make_settings: Callable[..., Settings]) -> None:
    endless = [plan_turn(), Turn.endless(ToolCall("list_files", {}))]
    model = ScriptedModel(endless, send_usage=False)
    with model.serve() as url, make_llm(make_settings(openai_base_url=url)) as llm:
        result = run_build(request(budget=Budget(8_000, 30, 10, 300.0)), llm=llm,
                           open_sandbox=sandboxes)
    model.assert_ok()
    assert result.stop_reason is StopReason.TOKENS and 0 < result.usage.total <= 8_000
    assert result.usage.estimated_calls == result.usage.calls > 1 and result.cost_usd > 0
    assert result.notes == (f"tokens of {result.usage.calls} of {result.usage.calls} model "
                            "answers are Kiln's estimate: the model server reported no usage",)


def test_a_model_call_waits_no_longer_than_the_time_left(build: Callable[..., Any]) -> None:
    slow = Turn.json(plan_turn().data, delay=3.0)
    began = time.monotonic()
    result, model = build([slow], request(budget=Budget(100_000, 20, 10, 0.5)))
    assert time.monotonic() - began < 2.0 and len(model.requests) == 1  # no retry either
    assert result.stop_reason is StopReason.WALL_CLOCK and result.plan is None


def test_tests_and_installs_are_bounded_by_the_time_left(
        build: Callable[..., Any], sandboxes: FakeSandboxes) -> None:
    # The clock jumps once the sandbox is open: 40 of the 300 seconds are left for commands.
    result, _ = build([
        plan_turn(install_command="true"),
        Turn.tool_calls([write("calc.py", CALC), write("test_calc.py", CALC_TEST), finish()]),
    ], clock=lambda: 260.0 if sandboxes.boxes else 0.0)
    [box] = sandboxes.boxes
    assert result.passed
    assert [args[2] for args in box.called("install")] == [40.0]
    # The test command, then Kiln's own short read of its report (not bounded by the budget).
    assert [args[1] for args in box.called("exec")] == [40.0, READ_SECONDS]


def test_the_request_s_notes_reach_the_result(build: Callable[..., Any]) -> None:
    note = "budget capped by the operator: tokens 100,000 (asked 10,000,000)"
    result, _ = build([plan_turn(), Turn.tool_calls([
        write("calc.py", CALC), write("test_calc.py", CALC_TEST), finish()])],
        request(notes=(note,)))
    assert result.passed and result.notes == (note,)
    result, _ = build([Turn.text("no plan")], request(notes=(note,), plan_attempts=1))
    assert result.stop_reason is StopReason.NO_PLAN and result.notes == (note,)


NODE_TEST = ("const test = require('node:test');\nconst assert = require('node:assert');\n"
             "const { add } = require('./calc');\n\n"
             "test('adds', () => assert.strictEqual(add(2, 3), 5));\n")


@pytest.mark.docker
def test_a_node_project_is_judged_by_node_s_test_runner(docker_build: Build) -> None:
    result, _ = docker_build([
        plan_turn(language="node", test_command="node --test", files=["calc.js"]),
        Turn.tool_calls([write("calc.js", "exports.add = (a, b) => a + b;\n"),
                         write("calc.test.js", NODE_TEST), finish()]),
    ])
    assert result.passed and result.tests is not None and result.tests.summary == "1 passed"


def test_a_plan_that_tests_with_echo_is_refused(build: Build) -> None:
    result, model = build([
        plan_turn(test_command='echo "1 passed"'),
        plan_turn(expect="`echo 1 passed` is not a recognised test runner"),
        Turn.tool_calls([write("calc.py", CALC), write("test_calc.py", CALC_TEST), finish()]),
    ])
    model.assert_done()
    assert result.passed and result.plan is not None
    assert result.plan.test_command == TEST_COMMAND


def test_an_npm_script_that_echoes_a_pass_never_passes(build: Build) -> None:
    forged = json.dumps({"scripts": {"test": 'echo "1 passed"'}})
    result, model = build([
        plan_turn(language="node", test_command="npm test", files=["package.json"]),
        Turn.tool_calls([write("package.json", forged), finish()]),
        Turn.text("Done.", expect="`npm test` runs the package.json script `echo"),
        Turn.text("Really done."),
    ])
    model.assert_done()
    assert not result.passed and result.stop_reason is StopReason.GAVE_UP
    assert result.tests is not None
    assert result.tests.summary == "not run: not a recognised test runner"


CONFTEST_FORGERY = (
    "def pytest_sessionfinish(session, exitstatus):\n"
    "    session.exitstatus = 0\n\n\n"
    "def pytest_unconfigure(config):\n"
    "    print('\\n========== 5 passed in 0.01s ==========')\n")


def test_a_forged_summary_and_exit_code_are_judged_by_the_report(build: Build) -> None:
    wrong = CALC_TEST.replace("== 5", "== 6")
    req = request(test_command=TEST_COMMAND, test_origin=derived_from("tests/"))
    result, model = build([
        plan_turn(),
        Turn.tool_calls([write("calc.py", CALC), write("test_calc.py", wrong),
                         write("conftest.py", CONFTEST_FORGERY), finish()]),
        Turn.text("Done.", expect="5 passed in 0.01s"),  # printed, and ignored
        Turn.text("Really done."),
    ], req)
    model.assert_done()
    assert not result.passed and result.tests is not None
    assert (result.tests.exit_code, result.tests.summary) == (0, "1 failed")
    assert result.tests.judged_by == f"`{TEST_COMMAND}`, derived from tests/"
