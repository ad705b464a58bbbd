"""The builder's tools on a FakeBox (one also on a real sandbox): edits, errors, commands."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from tests.worker.fake_box import FakeBox
from worker.builder import Budget, Plan, Step, StopReason
from worker.builder.budget import Meter
from worker.builder.protected import Protection
from worker.builder.steplog import StepLog
from worker.builder.suite import Suite
from worker.builder.toolbox import STREAM_LIMIT_CHARS, Toolbox
from worker.builder.workspace import Box, Workspace

START = {"app.py": b"x = 1\ny = 1\nz = 2\n", "logo.png": b"\x89PNG\xff\xfe"}


def make_toolbox(box: Box, files: Mapping[str, bytes] = START,
                 protection: Protection | None = None) -> Toolbox:
    plan = Plan(goal="g", language="python", files=[], install_command=None,
                test_command="python3 -m pytest -q", steps=["s"])
    meter = Meter(Budget(1000, 10, 2, 300.0), clock=lambda: 0.0)
    log = StepLog(lambda _step: None, meter)
    workspace = Workspace(box, files)
    return Toolbox(workspace, Suite(workspace, plan, meter, log), meter, log, protection)


@pytest.fixture
def box(tmp_path: Path) -> Iterator[FakeBox]:
    with FakeBox(parent=tmp_path) as fake:
        yield fake


@pytest.fixture
def toolbox(box: FakeBox) -> Toolbox:
    return make_toolbox(box)


@pytest.fixture
def docker_toolbox(open_sandbox: Callable[[str], Any]) -> Iterator[Toolbox]:
    with open_sandbox("python") as real:
        yield make_toolbox(real)


@pytest.fixture(params=["fake", pytest.param("docker", marks=pytest.mark.docker)])
def either_toolbox(request: pytest.FixtureRequest) -> Toolbox:
    """The toolbox on a FakeBox, and again on a real sandbox (output cap, changed files)."""
    toolbox: Toolbox = request.getfixturevalue(
        "toolbox" if request.param == "fake" else "docker_toolbox")
    return toolbox


def call(toolbox: Toolbox, name: str, **arguments: Any) -> str:
    return toolbox.call(name, json.dumps(arguments)).content


def test_edit_file_needs_exactly_one_occurrence(toolbox: Toolbox) -> None:
    assert call(toolbox, "edit_file", path="app.py", old="w = 0", new="") == (
        "Error: edit_file failed: the snippet was not found in app.py; it must occur exactly "
        "once (copy it exactly, with enough surrounding lines to be unique)")
    assert "the snippet occurs 2 times in app.py" in call(
        toolbox, "edit_file", path="app.py", old="= 1", new="= 3")
    assert call(toolbox, "edit_file", path="app.py", old="z = 2", new="z = 3") == \
        "edited app.py at line 3"
    assert call(toolbox, "run_command", command="cat app.py").endswith("x = 1\ny = 1\nz = 3")
    assert "does not exist" in call(toolbox, "edit_file", path="nope.py", old="a", new="b")


def test_bad_calls_come_back_as_errors(toolbox: Toolbox) -> None:
    assert call(toolbox, "read_file", path="logo.png").startswith(
        "[logo.png is binary (PNG image, 6 B): read_file shows text only.")
    assert "points outside the workspace" in call(toolbox, "write_file", path="../x", content="")
    assert "Field required" in call(toolbox, "write_file", path="a.py")
    assert "Extra inputs are not permitted" in call(toolbox, "read_file", path="a", mode="r")
    assert "does not exist" in call(toolbox, "delete_file", path="gone.py")
    assert toolbox.call("run_tests", "[1, 2]").content.startswith("Error: invalid arguments")


def test_run_command_cuts_output_and_picks_up_changed_files(either_toolbox: Toolbox) -> None:
    toolbox = either_toolbox
    command = "seq 1 100000; echo made > new.txt; rm app.py; echo oops >&2; exit 3"
    text = call(toolbox, "run_command", command=command)
    assert text.startswith("Exit code 3,")
    assert "characters cut ...]" in text and "\n100000\n" in text and "\n1\n2\n" in text
    assert len(text) < 2 * STREAM_LIMIT_CHARS + 500
    assert "--- stderr ---\noops" in text
    assert "Files changed by the command: app.py, new.txt" in text
    assert toolbox.workspace.files == {"logo.png": START["logo.png"], "new.txt": b"made\n"}
    assert "Files changed" not in call(toolbox, "run_command", command="cat new.txt")


def test_list_and_read_see_the_tree(toolbox: Toolbox) -> None:
    call(toolbox, "write_file", path="pkg/mod.py", content="print('hi')\n")
    assert call(toolbox, "list_files") == "app.py (18 B)\nlogo.png (6 B)\npkg/mod.py (12 B)"
    assert call(toolbox, "list_files", directory="pkg") == "pkg/mod.py (12 B)"
    assert call(toolbox, "read_file", path="./pkg/mod.py") == "print('hi')\n"
    assert "pkg is a directory" in call(toolbox, "write_file", path="pkg", content="")
    assert "app.py is a file, so app.py/x.py cannot be created under it" in call(
        toolbox, "write_file", path="app.py/x.py", content="")


def test_run_tests_counts_against_the_budget(toolbox: Toolbox) -> None:
    seen: list[Step] = []
    toolbox.log.on_step = seen.append
    assert "no tests ran" in call(toolbox, "run_tests")
    call(toolbox, "write_file", path="test_a.py", content="def test_a():\n    assert True\n")
    assert call(toolbox, "finish", summary="done") == "finished"
    assert [step.message for step in seen][-1] == "iteration 0: tests 1 passed"
    result = toolbox.call("run_tests", "{}")
    assert result.stop is StopReason.TEST_RUNS and toolbox.meter.test_runs == 2


def test_edits_reach_the_sandbox_in_one_batch_before_the_next_command(
        toolbox: Toolbox, box: FakeBox) -> None:
    call(toolbox, "write_file", path="a.py", content="a = 1\n")
    call(toolbox, "edit_file", path="a.py", old="a = 1", new="a = 2")
    call(toolbox, "delete_file", path="logo.png")
    assert [entry.method for entry in box.calls] == ["put_archive"]  # the starting tree
    assert call(toolbox, "run_command", command="cat a.py; ls", timeout=7).endswith(
        "--- stdout ---\na = 2\na.py\napp.py")
    assert [entry.method for entry in box.calls] == [
        "put_archive", "put_files", "delete_files", "exec", "changed_paths"]
    assert box.called("put_files") == [({"a.py": (b"a = 2\n", 0o644)},)]
    assert box.called("delete_files") == [(["logo.png"],)]
    assert box.called("exec") == [("cat a.py; ls", 7.0)]


def test_a_command_past_its_timeout_is_reported_killed(toolbox: Toolbox) -> None:
    text = call(toolbox, "run_command", command="echo begun; sleep 30", timeout=1)
    assert text.startswith("Exit code 124 (killed at the timeout), 1.")
    assert "--- stdout ---\nbegun" in text


CONFIGURED = {**START, ".github/kiln.yml": b"test: pytest\n", "docs/CODEOWNERS": b"* @alice\n"}


def test_protected_paths_are_refused_with_a_reason_the_model_can_act_on(box: FakeBox) -> None:
    toolbox = make_toolbox(box, CONFIGURED, Protection(extra=("app.py",)))
    assert call(toolbox, "write_file", path=".github/kiln.yml", content="test: 'true'") == (
        "Error: write_file failed: .github/kiln.yml is protected (`.github/` holds the "
        "repository's workflows, settings and Kiln's own config); a Kiln build may not change "
        "it. Leave it as it is, and if the task needs it changed, say so in your finish summary "
        "for a maintainer.")
    assert "is protected" in call(toolbox, "edit_file", path=".github/kiln.yml", old="pytest",
                                  new="true")
    assert "is protected" in call(toolbox, "delete_file", path="docs/CODEOWNERS")
    assert "is protected" in call(toolbox, "write_file", path=".github/dependabot.yml",
                                  content="")
    assert "lists it in `protected_paths`" in call(toolbox, "write_file", path="app.py",
                                                  content="")
    for path in (".GIT/config", "sub/.git/HEAD"):
        assert "inside a .git directory" in call(toolbox, "write_file", path=path, content="")
    assert toolbox.workspace.files == CONFIGURED
    assert call(toolbox, "read_file", path=".github/kiln.yml") == "test: pytest\n"


def test_workflows_are_writable_only_when_the_config_allows_them(box: FakeBox) -> None:
    assert "is protected" in call(make_toolbox(box), "write_file",
                                  path=".github/workflows/ci.yml", content="on: push")
    allowed = make_toolbox(box, protection=Protection(allow_workflows=True))
    assert call(allowed, "write_file", path=".github/workflows/ci.yml", content="on: push") == (
        "wrote .github/workflows/ci.yml (8 characters)")


def test_a_command_that_changes_protected_paths_is_told_they_will_not_be_published(
        toolbox: Toolbox) -> None:
    text = call(toolbox, "run_command", command=(
        "mkdir -p .github .GIT && echo x > .github/kiln.yml && echo y > CODEOWNERS && "
        "echo z > .GIT/config && echo ok > fine.py"))
    assert ("Protected, so Kiln will not publish these changes: .GIT/config, "
            ".github/kiln.yml, CODEOWNERS.") in text
    assert "fine.py" not in text.split("Protected,")[1]
    assert "Protected" not in call(toolbox, "run_command", command="echo ok > other.py")
