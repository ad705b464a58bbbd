"""The test command fixed before planning: the config's, or one derived from the repository."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from kiln.settings import Settings
from tests.worker import e2e_scripts as script
from tests.worker.conftest import OWNER, REPO
from tests.worker.flows.conftest import Flows
from worker.builder.origin import CONFIGURED, PLANNED, derived_from
from worker.flows.briefing import build_request
from worker.flows.repo_config import RepoConfigError, parse_repo_config
from worker.flows.test_command import Derived, FixedTest, derive, fixed_test

PYTEST = "python3 -m pytest -q"
CI = """
name: ci
on: [push]
jobs:
  lint:
    runs-on: ubuntu-latest
    steps:
      - run: ruff check .
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: pip install -r requirements.txt
      - name: Test
        run: |
          # the suite
          python -m pytest -q \\
            tests/unit
"""


def workflow(run: str, **step: str) -> bytes:
    steps = [{"uses": "actions/checkout@v4"}, {"run": run, **step}]
    return json.dumps({"jobs": {"test": {"runs-on": "x", "steps": steps}}}).encode()


def package(test: str) -> bytes:
    return json.dumps({"name": "p", "scripts": {"test": test}}).encode()


@pytest.mark.parametrize(("files", "expected"), [
    ({".github/workflows/ci.yml": CI.encode()},
     Derived("python3 -m pytest -q tests/unit", ".github/workflows/ci.yml")),
    ({".github/workflows/ci.yaml": workflow("poetry run pytest --maxfail=1")},
     Derived("pytest --maxfail=1", ".github/workflows/ci.yaml")),
    ({".github/workflows/ci.yml": workflow("npm test"), "package.json": package("jest")},
     Derived("npm test", ".github/workflows/ci.yml")),
    ({".github/workflows/ci.yml": workflow("PYTHONPATH=src pytest")},
     Derived("PYTHONPATH=src pytest", ".github/workflows/ci.yml")),
    ({"package.json": package("vitest run --passWithNoTests")},
     Derived("npm test", "package.json")),
    ({"pyproject.toml": b"[tool.pytest.ini_options]\naddopts = '-q'\n"},
     Derived(PYTEST, "pyproject.toml")),
    ({"setup.cfg": b"[metadata]\nname = x\n\n[tool:pytest]\ntestpaths = tests\n"},
     Derived(PYTEST, "setup.cfg")),
    ({"tox.ini": b"[tox]\nenvlist = py311\n\n[pytest]\naddopts = -q\n"},
     Derived(PYTEST, "tox.ini")),
    ({"pytest.ini": b"[pytest]\n"}, Derived(PYTEST, "pytest.ini")),
    ({"tests/unit/test_calc.py": b"def test(): pass\n", "calc.py": b""},
     Derived(PYTEST, "tests/")),
])
def test_each_kind_of_file_gives_a_command(files: dict[str, bytes], expected: Derived) -> None:
    assert derive(files) == expected


@pytest.mark.parametrize("files", [
    {},
    {"calc.py": b"", "README.md": b"# x\n"},
    {".github/workflows/ci.yml": workflow("pytest", **{"working-directory": "backend"})},
    {".github/workflows/ci.yml": workflow("pytest ${{ matrix.args }}")},
    {".github/workflows/ci.yml": workflow("pytest && coverage report")},
    {".github/workflows/ci.yml": workflow("npm test")},  # and no package.json to run
    {".github/workflows/ci.yml": b"jobs: [unclosed"},
    {".github/workflows/sub/ci.yml": workflow("pytest")},
    {"package.json": package('echo "Error: no test specified" && exit 1')},
    {"package.json": b"{broken"},
    {"pyproject.toml": b"[project]\nname = 'x'\n"},
    {"pyproject.toml": b"not = [toml"},
    {"tox.ini": b"[tox]\nenvlist = py311\n"},
    {"src/test_calc.py": b""},
])
def test_nothing_runnable_derives_nothing(files: dict[str, bytes]) -> None:
    assert derive(files) is None


def test_a_job_that_runs_elsewhere_is_skipped_for_the_next() -> None:
    elsewhere = {"jobs": {
        "web": {"defaults": {"run": {"working-directory": "web"}}, "steps": [{"run": "jest"}]},
        "api": {"steps": [{"run": "tox -e py"}]}}}
    files = {".github/workflows/a.yml": json.dumps(elsewhere).encode()}
    assert derive(files) == Derived("tox -e py", ".github/workflows/a.yml")


def test_the_ci_workflow_comes_before_the_other_files() -> None:
    files = {".github/workflows/ci.yml": workflow("python -m unittest"), "pytest.ini": b"",
             "package.json": package("jest")}
    assert derive(files) == Derived("python3 -m unittest", ".github/workflows/ci.yml")
    del files[".github/workflows/ci.yml"]
    assert derive(files) == Derived("npm test", "package.json")


def test_the_config_wins_then_the_repository_then_the_plan() -> None:
    files = {"package.json": package("jest")}
    assert fixed_test("python3 -m pytest", files) == FixedTest(
        "python3 -m pytest", CONFIGURED, "python")
    assert fixed_test(None, files) == FixedTest("npm test", derived_from("package.json"), "node")
    assert fixed_test(None, {}) == FixedTest(None, PLANNED, None)


def test_the_request_carries_the_derived_command_and_who_chose_it(
        make_settings: Callable[..., Settings]) -> None:
    files = {"package.json": package("node --test")}
    request = build_request(make_settings(), parse_repo_config(None), "T", "B", files)
    assert (request.test_command, request.test_origin, request.language) == (
        "npm test", derived_from("package.json"), "node")
    configured = build_request(make_settings(), parse_repo_config("test: pytest\n"), "T", "B",
                               files)
    assert (configured.test_command, configured.test_origin, configured.language) == (
        "pytest", CONFIGURED, "python")
    chosen = parse_repo_config("test: pytest\nlanguage: node\n")
    assert build_request(make_settings(), chosen, "T", "B", files).language == "node"


def test_a_config_test_command_that_is_not_a_runner_is_refused() -> None:
    with pytest.raises(RepoConfigError, match="`make test` is not a recognised test runner"):
        parse_repo_config("test: make test\n")
    with pytest.raises(RepoConfigError, match="`&&` is shell syntax"):
        parse_repo_config("test: pytest && echo done\n")


@pytest.mark.parametrize(("files", "judged"), [
    ({".github/kiln.yml": "test: python3 -m pytest -q\n"},
     "(`python3 -m pytest -q`, from .github/kiln.yml)"),
    ({"tests/test_add.py": "from calc import add\n\n\ndef test_add():\n    assert add(1, 2)\n"},
     "(`python3 -m pytest -q`, derived from tests/)"),
    ({}, "(`python3 -m pytest -q`, chosen by the model's plan)"),
])
def test_the_check_run_and_the_pull_request_say_what_judged_the_tests(
        flows: Flows, files: dict[str, str], judged: str) -> None:
    if files:
        flows.emulator.push(OWNER, REPO, "main", files, "setup")
    number = flows.open_issue()

    flows.build(number, script.passing_build()).assert_done()

    (check,) = flows.emulator.check_runs(OWNER, REPO)
    assert check.conclusion == "success" and judged in check.output["summary"]
    (pull,) = flows.emulator.pulls(OWNER, REPO)
    assert judged in (pull.body or "") and judged in flows.progress(number)
