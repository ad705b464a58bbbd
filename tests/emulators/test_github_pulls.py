"""Pull request, review, check run and repository-creation endpoints of the GitHub emulator."""

from __future__ import annotations

import pytest
from githubkit.exception import RequestFailed

from tests.emulators.conftest import GitHubWorld, commit_via_api


def _open_pull(github: GitHubWorld) -> int:
    github.emu.push(
        "alice", "proj", "kiln/issue-1", {"src/app.py": "def add(a, b):\n    return b + a\n"}
    )
    with github.client() as gh:
        return gh.rest.pulls.create(
            "alice", "proj", title="Kiln: add", head="kiln/issue-1", base="main", body="Closes #1"
        ).parsed_data.number


def test_create_get_list_update_pull(github: GitHubWorld) -> None:
    github.emu.push("alice", "proj", "feature", {"new.py": "x = 1\n"})
    with github.client() as gh:
        made = gh.rest.pulls.create(
            "alice", "proj", title="Add new", head="feature", base="main", body="Body", draft=True
        ).parsed_data
        got = gh.rest.pulls.get("alice", "proj", made.number).parsed_data
        listed = gh.rest.pulls.list("alice", "proj", head="alice:feature").parsed_data
        edited = gh.rest.pulls.update("alice", "proj", made.number, body="New body").parsed_data
        with pytest.raises(RequestFailed) as duplicate:
            gh.rest.pulls.create("alice", "proj", title="Again", head="feature", base="main")
    assert made.user.login == "kiln[bot]" and made.draft
    assert (got.head.ref, got.base.ref, got.changed_files, got.additions) == (
        "feature",
        "main",
        1,
        1,
    )
    assert [p.number for p in listed] == [made.number]
    assert edited.body == "New body"
    assert duplicate.value.response.status_code == 422
    view = github.emu.pull("alice", "proj", made.number)
    assert (view.head_ref, view.body, view.draft) == ("feature", "New body", True)


def test_files_of_a_pull(github: GitHubWorld) -> None:
    number = _open_pull(github)
    with github.client() as gh:
        files = gh.rest.pulls.list_files("alice", "proj", number).parsed_data
    assert [(f.filename, f.status, f.additions, f.deletions) for f in files] == [
        ("src/app.py", "modified", 1, 1)
    ]
    assert files[0].patch is not None and "+    return b + a" in files[0].patch


def test_pull_head_follows_its_branch(github: GitHubWorld) -> None:
    number = _open_pull(github)
    with github.client() as gh:
        head = gh.rest.pulls.get("alice", "proj", number).parsed_data.head.sha
        new_head = commit_via_api(gh, {"more.py": "y = 2\n"}, head, "More")
        gh.rest.git.update_ref("alice", "proj", "heads/kiln/issue-1", sha=new_head)
        pull = gh.rest.pulls.get("alice", "proj", number).parsed_data
    assert pull.head.sha == new_head == github.emu.pull("alice", "proj", number).head_sha
    pushed = github.emu.push(
        "alice", "proj", "kiln/issue-1", {"user.py": "z = 3\n"}, author="carol"
    )
    assert github.emu.pull("alice", "proj", number).head_sha == pushed


def test_reviews_and_review_comments(github: GitHubWorld) -> None:
    number = _open_pull(github)
    review_id = github.emu.submit_review(
        "alice",
        "proj",
        number,
        "carol",
        body="Needs work",
        comments=[{"path": "src/app.py", "line": 2, "body": "Keep a + b"}],
    )
    with github.client() as gh:
        reviews = gh.rest.pulls.list_reviews("alice", "proj", number).parsed_data
        review = gh.rest.pulls.get_review("alice", "proj", number, review_id).parsed_data
        of_review = gh.rest.pulls.list_comments_for_review(
            "alice", "proj", number, review_id
        ).parsed_data
        comments = gh.rest.pulls.list_review_comments("alice", "proj", number).parsed_data
        reply = gh.rest.pulls.create_reply_for_review_comment(
            "alice", "proj", number, comments[0].id, body="Fixed"
        ).parsed_data
        got = gh.rest.pulls.get_review_comment("alice", "proj", reply.id).parsed_data
    assert [(r.state, r.body) for r in reviews] == [("CHANGES_REQUESTED", "Needs work")]
    assert review.user is not None and review.user.login == "carol"
    assert [(c.path, c.line, c.body) for c in of_review] == [("src/app.py", 2, "Keep a + b")]
    assert (reply.in_reply_to_id, reply.path, reply.user.login) == (
        comments[0].id,
        "src/app.py",
        "kiln[bot]",
    )
    assert got.body == "Fixed"
    assert [c.in_reply_to_id for c in github.emu.review_comments("alice", "proj", number)] == [
        None,
        comments[0].id,
    ]


def test_requested_reviewers(github: GitHubWorld) -> None:
    number = _open_pull(github)
    with github.client() as gh:
        pull = gh.rest.pulls.request_reviewers(
            "alice", "proj", number, reviewers=["carol"]
        ).parsed_data
        requested = gh.rest.pulls.list_requested_reviewers("alice", "proj", number).parsed_data
        with pytest.raises(RequestFailed) as refused:
            gh.rest.pulls.request_reviewers("alice", "proj", number, reviewers=["bob"])
    assert [u.login for u in pull.requested_reviewers or []] == ["carol"]
    assert [u.login for u in requested.users] == ["carol"]
    assert refused.value.response.status_code == 422
    assert github.emu.pull("alice", "proj", number).requested_reviewers == ["carol"]


def test_pull_endpoints_do_not_know_plain_issues(github: GitHubWorld) -> None:
    number = github.emu.open_issue("alice", "proj", "Add subtract", None, "alice")
    with github.client() as gh:
        for ask in (
            lambda: gh.rest.pulls.get("alice", "proj", number),
            lambda: gh.rest.pulls.list_reviews("alice", "proj", number),
            lambda: gh.rest.pulls.list_review_comments("alice", "proj", number),
            lambda: gh.rest.pulls.list_requested_reviewers("alice", "proj", number),
        ):
            with pytest.raises(RequestFailed) as missing:
                ask()
            assert missing.value.response.status_code == 404


def test_check_runs(github: GitHubWorld) -> None:
    head = github.emu.branches("alice", "proj")["main"]
    with github.client() as gh:
        run = gh.rest.checks.create(
            "alice", "proj", name="Kiln sandbox tests", head_sha=head, status="in_progress"
        ).parsed_data
        done = gh.rest.checks.update(
            "alice",
            "proj",
            run.id,
            conclusion="success",
            output={"title": "3 passed", "summary": "pytest: 3 passed"},
        ).parsed_data
        with pytest.raises(RequestFailed) as unknown_sha:
            gh.rest.checks.create("alice", "proj", name="x", head_sha="0" * 40)
    assert (run.status, run.app and run.app.slug) == ("in_progress", "kiln")
    assert (done.status, done.conclusion, done.output.title) == ("completed", "success", "3 passed")
    assert unknown_sha.value.response.status_code == 422
    [stored] = github.emu.check_runs("alice", "proj")
    assert (stored.name, stored.conclusion, stored.output["summary"]) == (
        "Kiln sandbox tests",
        "success",
        "pytest: 3 passed",
    )


def test_repository_creation_in_an_org_only(github: GitHubWorld) -> None:
    with github.client(github.org_installation_id) as gh:
        made = gh.rest.repos.create_in_org(
            "acme", name="todo-app", auto_init=True, description="Built by Kiln"
        )
        readme = gh.rest.repos.get_content("acme", "todo-app", "README.md").parsed_data
        with pytest.raises(RequestFailed) as user_repo:
            gh.rest.repos.create_for_authenticated_user(name="todo-app")
        with pytest.raises(RequestFailed) as again:
            gh.rest.repos.create_in_org("acme", name="todo-app")
    assert made.status_code == 201 and made.parsed_data.full_name == "acme/todo-app"
    assert readme.name == "README.md"
    assert user_repo.value.response.status_code == 403
    assert user_repo.value.response.json()["message"] == "Resource not accessible by integration"
    assert again.value.response.status_code == 422
    assert github.emu.repo_exists("acme", "todo-app")
