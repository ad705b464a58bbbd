"""Protected paths: what a build may never change, refused at the tools and again at publish."""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TypeVar

GIT_DIR = ".git"
GITHUB_DIR = ".github"
WORKFLOWS_DIR = ".github/workflows/"
CODEOWNERS = "codeowners"

Content = TypeVar("Content")  # bytes, or bytes | None where None is a deletion


@dataclass(frozen=True)
class Protection:
    """One build's rules: Kiln's own protected paths, plus the repository's `protected_paths`
    globs; `allow_workflows` (the config's `allow_workflow_changes`) re-allows only
    `.github/workflows/`."""

    extra: tuple[str, ...] = ()
    allow_workflows: bool = False


def is_git_path(path: str) -> bool:
    """Whether any component of `path` names a `.git` directory, in any case. Trailing dots
    and spaces count too: Windows drops them, so `.git.` is `.git` in a checkout there."""
    return any(part.lower().rstrip(". ") == GIT_DIR for part in path.split("/"))


def protection_reason(path: str, rules: Protection) -> str | None:
    """Why a build may not change `path`, or None when it may."""
    parts = path.split("/")
    if path.startswith("/") or any(part in ("", ".", "..") for part in parts):
        return "it is not a plain path inside the repository"  # never from clean_path; refuse
    if is_git_path(path):
        return "`.git` directories are git's own data"
    if parts[-1].lower() == CODEOWNERS:
        return "`CODEOWNERS` decides who must review changes"
    if parts[0].lower() == GITHUB_DIR and not (rules.allow_workflows
                                               and path.startswith(WORKFLOWS_DIR)):
        return "`.github/` holds the repository's workflows, settings and Kiln's own config"
    if any(matches(path, glob) for glob in rules.extra):
        return "`.github/kiln.yml` lists it in `protected_paths`"
    return None


def matches(path: str, glob: str) -> bool:
    """A `protected_paths` entry: an fnmatch glob (`*` crosses `/`), or a directory that
    protects everything under it."""
    return fnmatch.fnmatchcase(path, glob) or path.startswith(glob.rstrip("/") + "/")


def split_protected(changes: Mapping[str, Content], rules: Protection,
                    ) -> tuple[dict[str, Content], list[str]]:
    """The changes a build may publish, and the protected paths it holds back (sorted)."""
    held = sorted(path for path in changes if protection_reason(path, rules) is not None)
    return {path: data for path, data in changes.items() if path not in held}, held
