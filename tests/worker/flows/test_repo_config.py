"""`.github/kiln.yml` parsing: defaults, overrides, and errors fit to quote on an issue."""

from __future__ import annotations

import pytest

from worker.builder.protected import Protection
from worker.flows.repo_config import Mode, RepoConfigError, parse_repo_config


def test_absent_or_empty_file_gives_the_defaults() -> None:
    for text in (None, "", "  \n"):
        config = parse_repo_config(text)
        assert config.mode is Mode.PULL_REQUEST
        assert config.draft_on_failure is True
        assert config.allow_workflow_changes is False


def test_every_field_is_read() -> None:
    config = parse_repo_config(
        "model: gpt-x\nlanguage: node\ninstall: npm ci\ntest: npm test\n"
        "budgets: {tokens: 1000, test_runs: 2}\ndraft_on_failure: false\n"
        "instructions: Use tabs.\nallow_workflow_changes: true\n")
    assert (config.model, config.language, config.install, config.test) == (
        "gpt-x", "node", "npm ci", "npm test")
    assert config.budgets.tokens == 1000 and config.budgets.test_runs == 2
    assert config.budgets.model_calls is None
    assert config.instructions == "Use tabs." and config.allow_workflow_changes


def test_protection_adds_the_repositorys_paths_to_kilns_own() -> None:
    assert parse_repo_config(None).protection() == Protection()
    config = parse_repo_config("protected_paths: [migrations/, '*.lock']\n"
                               "allow_workflow_changes: true\n")
    assert config.protection() == Protection(("migrations/", "*.lock"), allow_workflows=True)


def test_new_repository_mode_names_the_repository_from_the_rule() -> None:
    config = parse_repo_config(
        "mode: new_repository\nnew_repository: {org: acme, name: 'proj-{number}-{slug}'}\n")
    assert config.new_repository is not None
    assert config.new_repository.repo_name("A CLI: to-do list!", 7) == "proj-7-a-cli-to-do-list"


def test_new_repository_mode_needs_an_org() -> None:
    with pytest.raises(RepoConfigError, match="needs a new_repository section"):
        parse_repo_config("mode: new_repository\n")


@pytest.mark.parametrize(("text", "quoted"), [
    ("budgets: {tokens: -5}\n", "budgets.tokens: Input should be greater than 0"),
    ("colour: blue\n", "colour: Extra inputs are not permitted"),
    ("language: cobol\n", "language: Input should be 'python' or 'node'"),
    ("mode: [\n", "not valid YAML"),
    ("- a list\n", "must be a mapping"),
    ("new_repository: {org: acme, name: '{owner}'}\n", "may use only {slug} and {number}"),
    ("protected_paths: ['']\n", "protected_paths.0: String should have at least 1 character"),
    ("protected_paths: migrations\n", "protected_paths: Input should be a valid tuple"),
])
def test_errors_name_the_field_at_fault(text: str, quoted: str) -> None:
    with pytest.raises(RepoConfigError) as caught:
        parse_repo_config(text)
    assert quoted in str(caught.value)
