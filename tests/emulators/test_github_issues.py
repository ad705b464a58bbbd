"""Repository and issue endpoints of the GitHub emulator, through a real githubkit client."""

from __future__ import annotations

import base64

import pytest
from githubkit.exception import RequestFailed

from tests.emulators.conftest import GitHubWorld


def test_repository_and_contents(github: GitHubWorld) -> None:
    with github.client() as gh:
        repo = gh.rest.repos.get("alice", "proj").parsed_data
        content = gh.rest.repos.get_content("alice", "proj", "src/app.py", ref="main").parsed_data
        listing = gh.rest.repos.get_content("alice", "proj", "src").parsed_data
        with pytest.raises(RequestFailed) as missing:
            gh.rest.repos.get_content("alice", "proj", ".github/kiln.yml")
    assert (repo.full_name, repo.default_branch, repo.owner.login) == (
        "alice/proj",
        "main",
        "alice",
    )
    assert base64.b64decode(content.content) == b"def add(a, b):\n    return a + b\n"
    assert [entry.name for entry in listing] == ["app.py"]
    assert missing.value.response.status_code == 404


def test_issue_get_and_update(github: GitHubWorld) -> None:
    number = github.emu.open_issue("alice", "proj", "Add subtract", "Please.", "alice")
    with github.client() as gh:
        issue = gh.rest.issues.get("alice", "proj", number).parsed_data
        closed = gh.rest.issues.update(
            "alice", "proj", number, state="closed", title="Add subtraction"
        ).parsed_data
    assert (issue.title, issue.user.login, issue.state) == ("Add subtract", "alice", "open")
    assert (closed.state, closed.title) == ("closed", "Add subtraction")
    assert github.emu.issue("alice", "proj", number).state == "closed"


def test_comments_are_authored_by_the_bot(github: GitHubWorld) -> None:
    number = github.emu.open_issue("alice", "proj", "T", "B", "alice")
    github.emu.comment("alice", "proj", number, "first", "carol")
    with github.client() as gh:
        made = gh.rest.issues.create_comment(
            "alice", "proj", number, body="Working on it"
        ).parsed_data
        edited = gh.rest.issues.update_comment("alice", "proj", made.id, body="Done").parsed_data
        listed = gh.rest.issues.list_comments("alice", "proj", number).parsed_data
    assert made.user is not None and (made.user.login, made.user.type) == ("kiln[bot]", "Bot")
    assert edited.body == "Done"
    assert [(c.user.login if c.user else None, c.body) for c in listed] == [
        ("carol", "first"),
        ("kiln[bot]", "Done"),
    ]
    assert [c.body for c in github.emu.issue("alice", "proj", number).comments] == ["first", "Done"]


def test_labels_add_and_remove(github: GitHubWorld) -> None:
    number = github.emu.open_issue("alice", "proj", "T", "B", "alice")
    github.emu.label_issue("alice", "proj", number, "build me", "alice")
    with github.client() as gh:
        added = gh.rest.issues.add_labels(
            "alice", "proj", number, labels=["kiln: built"]
        ).parsed_data
        left = gh.rest.issues.remove_label("alice", "proj", number, "build me").parsed_data
        with pytest.raises(RequestFailed) as absent:
            gh.rest.issues.remove_label("alice", "proj", number, "build me")
    assert [label.name for label in added] == ["build me", "kiln: built"]
    assert [label.name for label in left] == ["kiln: built"]
    assert absent.value.response.status_code == 404
    assert github.emu.issue("alice", "proj", number).labels == ["kiln: built"]


def test_reactions_on_issue_and_comment(github: GitHubWorld) -> None:
    number = github.emu.open_issue("alice", "proj", "T", "B", "alice")
    comment_id = github.emu.comment("alice", "proj", number, "/kiln status", "alice")
    with github.client() as gh:
        first = gh.rest.reactions.create_for_issue("alice", "proj", number, content="eyes")
        again = gh.rest.reactions.create_for_issue("alice", "proj", number, content="eyes")
        on_comment = gh.rest.reactions.create_for_issue_comment(
            "alice", "proj", comment_id, content="rocket"
        ).parsed_data
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.parsed_data.id == again.parsed_data.id
    assert on_comment.content == "rocket"
    issue = github.emu.issue("alice", "proj", number)
    assert [(r.content, r.user) for r in issue.reactions] == [("eyes", "kiln[bot]")]
    assert [r.content for r in issue.comments[0].reactions] == ["rocket"]


@pytest.mark.parametrize(
    ("login", "permission", "role"),
    [
        ("alice", "admin", "admin"),
        ("carol", "write", "write"),
        ("bob", "read", "read"),
    ],
)
def test_collaborator_permission(
    github: GitHubWorld, login: str, permission: str, role: str
) -> None:
    with github.client() as gh:
        level = gh.rest.repos.get_collaborator_permission_level("alice", "proj", login).parsed_data
    assert (level.permission, level.role_name, level.user and level.user.login) == (
        permission,
        role,
        login,
    )


def test_unknown_issue_is_not_found(github: GitHubWorld) -> None:
    with github.client() as gh, pytest.raises(RequestFailed) as missing:
        gh.rest.issues.get("alice", "proj", 99)
    assert missing.value.response.status_code == 404
    assert missing.value.response.json()["message"] == "Not Found"
