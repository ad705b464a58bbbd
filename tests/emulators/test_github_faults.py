"""Pagination, rate-limit headers, injected faults and unknown endpoints of the GitHub emulator."""

from __future__ import annotations

import pytest
from githubkit.exception import RequestFailed

from tests.emulators.conftest import GitHubWorld


def test_pagination_with_link_headers(github: GitHubWorld) -> None:
    number = github.emu.open_issue("alice", "proj", "T", "B", "alice")
    for index in range(5):
        github.emu.comment("alice", "proj", number, f"comment {index}", "carol")
    with github.client() as gh:
        first = gh.rest.issues.list_comments("alice", "proj", number, per_page=2)
        last = gh.rest.issues.list_comments("alice", "proj", number, per_page=2, page=3)
        every = list(
            gh.rest.paginate(
                gh.rest.issues.list_comments,
                owner="alice",
                repo="proj",
                issue_number=number,
                per_page=2,
            )
        )
    assert 'rel="next"' in first.headers["link"] and 'rel="last"' in first.headers["link"]
    assert "page=3" in first.headers["link"]
    assert 'rel="next"' not in last.headers["link"] and 'rel="first"' in last.headers["link"]
    assert [c.body for c in last.parsed_data] == ["comment 4"]
    assert [c.body for c in every] == [f"comment {i}" for i in range(5)]


def test_rate_limit_headers_on_every_answer(github: GitHubWorld) -> None:
    with github.client() as gh:
        first = gh.rest.repos.get("alice", "proj")
        second = gh.rest.repos.get("alice", "proj")
        with pytest.raises(RequestFailed) as missing:
            gh.rest.repos.get("alice", "absent")
    for response in (first, second, missing.value.response):
        assert response.headers["x-ratelimit-limit"] == "5000"
        assert response.headers["x-ratelimit-resource"] == "core"
        assert int(response.headers["x-ratelimit-reset"]) > 0
    assert int(second.headers["x-ratelimit-used"]) == int(first.headers["x-ratelimit-used"]) + 1
    assert int(second.headers["x-ratelimit-remaining"]) == 5000 - int(
        second.headers["x-ratelimit-used"]
    )


@pytest.mark.parametrize("kind", ["502", "secondary_rate_limit"])
def test_githubkit_retries_injected_faults(github: GitHubWorld, kind: str) -> None:
    github.emu.fail_next("GET", r"^/repos/alice/proj$", kind=kind)
    with github.client() as gh:
        repo = gh.rest.repos.get("alice", "proj").parsed_data
    assert repo.name == "proj"
    statuses = [r.status for r in github.emu.requests if r.path == "/repos/alice/proj"]
    assert statuses == [502 if kind == "502" else 403, 200]


def test_secondary_rate_limit_answer(github: GitHubWorld) -> None:
    github.emu.fail_next("POST", r"/issues/\d+/comments$", kind="secondary_rate_limit", times=2)
    number = github.emu.open_issue("alice", "proj", "T", "B", "alice")
    with github.client(auto_retry=False) as gh, pytest.raises(RequestFailed) as limited:
        gh.rest.issues.create_comment("alice", "proj", number, body="hi")
    response = limited.value.response
    assert (response.status_code, response.headers["retry-after"]) == (403, "1")
    assert "secondary rate limit" in response.json()["message"]


def test_a_request_carried_out_then_answered_502(github: GitHubWorld) -> None:
    github.emu.fail_next("POST", r"/issues/\d+/comments$", kind="502_after_success")
    number = github.emu.open_issue("alice", "proj", "T", "B", "alice")
    with github.client(auto_retry=False) as gh, pytest.raises(RequestFailed) as failed:
        gh.rest.issues.create_comment("alice", "proj", number, body="hi")
    assert failed.value.response.status_code == 502
    assert [c.body for c in github.emu.issue("alice", "proj", number).comments] == ["hi"]


def test_unknown_endpoints_are_recorded(github: GitHubWorld) -> None:
    with github.client() as gh, pytest.raises(RequestFailed) as unknown:
        gh.rest.repos.list_tags("alice", "proj")
    assert unknown.value.response.status_code == 404
    assert [(r.method, r.path) for r in github.emu.unexpected] == [
        ("GET", "/repos/alice/proj/tags")
    ]
    assert github.emu.requests[-1].status == 404
