"""Proof that a repository is the one Kiln created for an issue: a mark in its description."""

from __future__ import annotations

from worker.github.limits import DESCRIPTION_CHARS, fit_title

MARK = "(built by Kiln for {source}#{number})"


class RepositoryTaken(Exception):
    """The new repository's name belongs to a repository Kiln cannot prove it created for
    this issue; Kiln pushes nothing there."""

    def __init__(self, full_name: str) -> None:
        super().__init__(f"{full_name} exists and was not created by Kiln for this issue")
        self.full_name = full_name


def creation_mark(source: str, number: int) -> str:
    """What the first creation writes, naming the issue (`owner/repo#N`) it was made for."""
    return MARK.format(source=source, number=number)


def description_for(title: str, mark: str) -> str:
    """The new repository's description: the issue's title, then the mark, which survives
    any cut because it comes last."""
    return f"{fit_title(title, DESCRIPTION_CHARS - len(mark) - 1)} {mark}"


def made_for(description: str | None, mark: str) -> bool:
    """Whether an existing repository's description carries the mark (at its end, so that
    `#1` is not taken for `#12`)."""
    return (description or "").endswith(mark)
