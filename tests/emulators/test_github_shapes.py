"""The GitHub emulator's renderers read the state and never change it."""

from __future__ import annotations

import copy

import pytest

from emulators.github import GitHubEmulator, shapes


@pytest.fixture
def emu() -> GitHubEmulator:
    emu = GitHubEmulator()
    emu.add_user("alice")
    emu.create_repo("alice", "proj", files={"README.md": "# proj\n"})
    return emu


def test_rendering_leaves_the_state_as_it_was(emu: GitHubEmulator) -> None:
    number = emu.open_issue("alice", "proj", "Add subtract", None, "dave")
    repo = emu.state.repo("alice", "proj")
    before = copy.deepcopy((emu.state.accounts, emu.state.repos))
    first = shapes.issue(emu.state, repo, repo.issues[number])
    assert shapes.issue(emu.state, repo, repo.issues[number]) == first
    assert (emu.state.accounts, emu.state.repos) == before


def test_an_unrecorded_login_is_not_rendered(emu: GitHubEmulator) -> None:
    with pytest.raises(LookupError):
        shapes.user(emu.state, "nobody")
    assert "nobody" not in emu.state.accounts


def test_a_login_first_seen_labelling_is_recorded(emu: GitHubEmulator) -> None:
    number = emu.open_issue("alice", "proj", "Add subtract", None, "alice")
    emu.label_issue("alice", "proj", number, "kiln", "erin")
    emu.label_issue("alice", "proj", number, "urgent", "helper[bot]")
    types = {login: emu.state.accounts[login].type for login in ("erin", "helper[bot]")}
    assert types == {"erin": "User", "helper[bot]": "Bot"}
