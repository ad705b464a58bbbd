"""Recognised test runners: command lines read as one runner's invocation, with report flags."""

from __future__ import annotations

import json
import shlex

import pytest

from worker.builder.runners import (
    NotARunner,
    ReportFormat,
    RunnerKind,
    is_runner_argv,
    language_of,
    resolve,
)

REPORT = "/tmp/kiln-report-x/report"


def package(**scripts: str) -> dict[str, bytes]:
    return {"package.json": json.dumps({"name": "p", "scripts": scripts}).encode()}


@pytest.mark.parametrize(("command", "kind", "argv"), [
    ("pytest -q", RunnerKind.PYTEST, ("pytest", f"--junitxml={REPORT}", "-q")),
    ("python3 -m pytest -q tests", RunnerKind.PYTEST,
     ("python3", "-m", "pytest", f"--junitxml={REPORT}", "-q", "tests")),
    ("py.test", RunnerKind.PYTEST, ("py.test", f"--junitxml={REPORT}")),
    ("node --test a.test.js", RunnerKind.NODE,
     ("node", "--test-reporter=spec", "--test-reporter-destination=stdout",
      "--test-reporter=tap", f"--test-reporter-destination={REPORT}", "--test", "a.test.js")),
    ("npx jest --ci", RunnerKind.JEST, ("jest", "--json", f"--outputFile={REPORT}", "--ci")),
    ("vitest run", RunnerKind.VITEST, ("vitest", "--reporter=default", "--reporter=json",
                                       f"--outputFile={REPORT}", "run")),
    ("mocha test", RunnerKind.MOCHA,
     ("mocha", "--reporter=json", "--reporter-option", f"output={REPORT}", "test")),
    # Kiln's flags go before `--`, so they reach tox and not the commands it runs.
    ("tox -e py -- -k slow", RunnerKind.TOX,
     ("tox", "--result-json", REPORT, "-e", "py", "--", "-k", "slow")),
    ("python3.11 -m tox", RunnerKind.TOX, ("python3.11", "-m", "tox", "--result-json", REPORT)),
])
def test_runners_get_report_flags_after_the_program(command: str, kind: RunnerKind,
                                                    argv: tuple[str, ...]) -> None:
    runner = resolve(command, {})
    assert runner.kind is kind and runner.reporting_argv(REPORT) == argv


def test_unittest_runs_through_kiln_s_shim_with_the_same_arguments() -> None:
    runner = resolve("python -m unittest discover -p 'test_*.py'", {})
    program, flag, shim, report, *rest = runner.reporting_argv(REPORT)
    assert (program, flag, report, rest) == ("python", "-c", REPORT,
                                              ["discover", "-p", "test_*.py"])
    assert "unittest.main(module=None" in shim
    assert runner.report_format is ReportFormat.UNITTEST and runner.language == "python"


def test_the_shell_line_quotes_every_word_and_keeps_allowed_variables() -> None:
    runner = resolve("PYTHONPATH='src dir' pytest -k 'a or b;c'", {})
    line = runner.shell_line(REPORT)
    assert line == f"PYTHONPATH='src dir' pytest --junitxml={REPORT} -k 'a or b;c'"
    assert shlex.split(line) == ["PYTHONPATH=src dir", "pytest", f"--junitxml={REPORT}", "-k",
                                 "a or b;c"]


@pytest.mark.parametrize(("scripts", "command", "argv"), [
    ({"test": "jest --ci"}, "npm test -- --coverage", ("jest", "--ci", "--coverage")),
    ({"test": "node --test"}, "npm t", ("node", "--test")),
    ({"test": "npm run unit", "unit": "vitest run"}, "npm test --silent", ("vitest", "run")),
    ({"unit": "NODE_ENV=test mocha"}, "npm run unit", ("mocha",)),
])
def test_npm_scripts_resolve_to_the_runner_they_run(scripts: dict[str, str], command: str,
                                                    argv: tuple[str, ...]) -> None:
    assert resolve(command, package(**scripts)).argv == argv


def test_an_npm_script_keeps_its_variables() -> None:
    assert resolve("npm run unit", package(unit="NODE_ENV=test mocha")).env == (
        ("NODE_ENV", "test"),)


@pytest.mark.parametrize(("files", "command", "says"), [
    ({}, "npm test", 'needs a "test" script in package.json'),
    (package(test='echo "Error: no test specified" && exit 1'), "npm test",
     "`npm test` runs the package.json script `echo"),
    (package(test="jest && eslint ."), "npm test", "`&&` is shell syntax"),
    (package(test="npm test"), "npm test", "npm scripts call each other too deeply"),
    (package(test="jest"), "npm test -- --json", "`--json` is set by Kiln itself"),
    (package(test="jest"), "npm ci", "npm runs tests here only as `npm test`"),
    (package(test="jest"), "npm --prefix x test", "npm's own options are not supported"),
    ({"package.json": b"{not json"}, "npm test", 'needs a "test" script'),
])
def test_npm_commands_that_cannot_be_judged(files: dict[str, bytes], command: str,
                                            says: str) -> None:
    with pytest.raises(NotARunner) as raised:
        resolve(command, files)
    assert says in str(raised.value)


@pytest.mark.parametrize("command", [
    'echo "1 passed"', "true", "sh -c pytest", "make test", "python3 check.py", "node a.js",
    "python3 -m http.server", "pytest `x`", "pytest\nrm -rf x", "pytest &", "pytest 2>&1",
    "pytest || true", "'unclosed", "", "CI=1",
])
def test_anything_else_is_not_a_runner(command: str) -> None:
    with pytest.raises(NotARunner):
        resolve(command, package(test="jest"))


def test_languages_follow_the_runner() -> None:
    assert [language_of(c) for c in ("pytest", "npm test", "node --test", "tox", "make")] == [
        "python", "node", "node", "python", None]


def test_a_recorded_command_may_name_its_runner_by_path() -> None:
    assert is_runner_argv(["/w/.tox/py/bin/pytest", "tests"])
    assert is_runner_argv(["python", "-m", "pytest"])
    assert not is_runner_argv(["echo", "1 passed"]) and not is_runner_argv([])
