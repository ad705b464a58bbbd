"""Which files an install depends on: every dependency manifest and lock file in the tree."""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable

# Matched against a file's name, wherever it is: a workspace (npm) or a local path
# dependency (pip) installs from the manifests of its own directory.
MANIFEST_PATTERNS = (
    # Python: build configuration, requirement and constraint files, lock files
    "pyproject.toml", "setup.py", "setup.cfg", "requirements*.txt", "requirements*.in",
    "constraints*.txt", "Pipfile", "Pipfile.lock", "poetry.lock", "pdm.lock", "uv.lock",
    # Node: manifests, lock files and the package manager's own configuration
    "package.json", "package-lock.json", "npm-shrinkwrap.json", "yarn.lock",
    "pnpm-lock.yaml", "pnpm-workspace.yaml", ".npmrc", ".yarnrc", ".yarnrc.yml",
)
# pip's `-r requirements/dev.txt` layout: every requirement file in such a directory counts.
REQUIREMENT_DIRS = frozenset({"requirements", "requirements.d"})
REQUIREMENT_SUFFIXES = (".txt", ".in")
# What an install writes (or a repository vendors) is not what the install depends on.
SKIPPED_DIRS = frozenset({"node_modules", ".git", ".venv", "venv", "__pycache__"})


def is_manifest(path: str) -> bool:
    """Whether an install may read ``path`` to decide what to install."""
    *parents, name = path.split("/")
    if SKIPPED_DIRS.intersection(parents):
        return False
    if parents and parents[-1] in REQUIREMENT_DIRS and name.endswith(REQUIREMENT_SUFFIXES):
        return True
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in MANIFEST_PATTERNS)


def manifest_paths(paths: Iterable[str]) -> list[str]:
    """The manifests among ``paths``, sorted, so the same tree always gives the same list."""
    return sorted(path for path in paths if is_manifest(path))
