"""Who chose the command that judges a build's tests, for the check run and the pull request."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

CONFIG_FILE = ".github/kiln.yml"


class Chooser(StrEnum):
    """Who chose the test command: the repository's config, Kiln from its files, or the plan."""

    REPOSITORY_CONFIG = "repository config"
    DERIVED = "derived"
    PLAN = "plan"


@dataclass(frozen=True)
class TestOrigin:
    """Who chose the test command, and the file Kiln derived it from (when it did)."""

    __test__ = False  # not a pytest test class, despite the name

    chooser: Chooser
    source: str = ""

    def describe(self) -> str:
        """E.g. ``from .github/kiln.yml`` or ``derived from package.json``."""
        if self.chooser is Chooser.REPOSITORY_CONFIG:
            return f"from {CONFIG_FILE}"
        if self.chooser is Chooser.DERIVED:
            return f"derived from {self.source}"
        return "chosen by the model's plan"


CONFIGURED = TestOrigin(Chooser.REPOSITORY_CONFIG)
PLANNED = TestOrigin(Chooser.PLAN)


def derived_from(path: str) -> TestOrigin:
    return TestOrigin(Chooser.DERIVED, path)
