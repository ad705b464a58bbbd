"""Protected paths: what a build may never change, decided from the path and the config alone."""

from __future__ import annotations

import pytest

from worker.builder.paths import clean_path
from worker.builder.protected import Protection, protection_reason, split_protected

KILN_ONLY = Protection()
WORKFLOWS_ALLOWED = Protection(allow_workflows=True)


@pytest.mark.parametrize("path", [
    ".github/kiln.yml", ".github/dependabot.yml", ".github/workflows/ci.yml",
    ".github/ISSUE_TEMPLATE/bug.md", ".GitHub/kiln.yml", "CODEOWNERS", "docs/CODEOWNERS",
    ".github/CODEOWNERS", "CodeOwners", ".git/config", ".GIT/x", "sub/.git/x", "sub/.Git/hooks/a",
    ".git./config", "a/../b", "/etc/passwd",
])
def test_kilns_own_protected_paths(path: str) -> None:
    assert protection_reason(path, KILN_ONLY) is not None
    assert protection_reason(path, Protection(extra=("nothing",))) is not None


@pytest.mark.parametrize("path", [
    "calc.py", "src/app.py", ".gitignore", ".gitattributes", "sub/.github/notes.md",
    "github/x.yml", "CODEOWNERS.md", "docs/codeowners-guide.md", ".gitlab-ci.yml",
])
def test_ordinary_paths_are_free(path: str) -> None:
    assert protection_reason(path, KILN_ONLY) is None


def test_allowing_workflow_changes_opens_workflows_and_nothing_else() -> None:
    assert protection_reason(".github/workflows/ci.yml", WORKFLOWS_ALLOWED) is None
    for path in (".github/kiln.yml", ".github/dependabot.yml", ".GITHUB/workflows/ci.yml",
                 ".github/workflows/CODEOWNERS", ".github/workflows/.git/x", "CODEOWNERS"):
        assert protection_reason(path, WORKFLOWS_ALLOWED) is not None, path


def test_the_config_adds_globs_and_directories() -> None:
    rules = Protection(extra=("migrations/", "*.lock", "secrets/*", "setup.cfg"))
    for path in ("migrations/0001.sql", "poetry.lock", "web/yarn.lock", "secrets/key.pem",
                 "setup.cfg"):
        assert protection_reason(path, rules) == "`.github/kiln.yml` lists it in `protected_paths`"
    for path in ("app/migrations.py", "lockfile.txt", "setup.cfg.bak", "calc.py"):
        assert protection_reason(path, rules) is None, path


def test_split_keeps_what_may_be_published_and_lists_the_rest() -> None:
    changes: dict[str, bytes | None] = {
        "calc.py": b"x", ".github/kiln.yml": b"budgets: {tokens: 99999999}", "CODEOWNERS": None,
        ".GIT/x": b"", ".github/workflows/ci.yml": b"on: push"}
    assert split_protected(changes, KILN_ONLY) == (
        {"calc.py": b"x"}, [".GIT/x", ".github/kiln.yml", ".github/workflows/ci.yml", "CODEOWNERS"])
    assert split_protected(changes, WORKFLOWS_ALLOWED) == (
        {"calc.py": b"x", ".github/workflows/ci.yml": b"on: push"},
        [".GIT/x", ".github/kiln.yml", "CODEOWNERS"])


@pytest.mark.parametrize("path", [".git/config", ".GIT/x", "sub/.git/x", "a/.Git/b", ".git"])
def test_clean_path_refuses_git_directories_at_any_depth_in_any_case(path: str) -> None:
    with pytest.raises(ValueError, match=r"inside a \.git directory"):
        clean_path(path)
