"""Telling test files from the rest, to report changes to a repository's existing tests."""

from __future__ import annotations

import re

TEST_DIRS = frozenset({"test", "tests", "__tests__", "spec", "specs"})
TEST_NAME = re.compile(
    r"^(test_.*\.py|.*_test\.py|conftest\.py|.*\.(test|spec)\.[cm]?[jt]sx?)$")


def is_test_path(path: str) -> bool:
    """True for files under a test directory or named like a Python or JavaScript test."""
    *dirs, name = path.split("/")
    return bool(TEST_DIRS.intersection(dirs)) or bool(TEST_NAME.match(name))
