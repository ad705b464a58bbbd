"""The GitHub emulator's rate limits, through the real githubkit client."""

from __future__ import annotations

import time

import httpx
import pytest
from githubkit.exception import PrimaryRateLimitExceeded, SecondaryRateLimitExceeded

from tests.emulators.conftest import GitHubWorld


def test_an_exhausted_primary_limit_raises_in_githubkit(github: GitHubWorld) -> None:
    github.emu.set_rate_limit(3, installation_id=github.installation_id)
    with github.client(auto_retry=False) as gh:
        answers = [gh.rest.repos.get("alice", "proj") for _ in range(3)]
        with pytest.raises(PrimaryRateLimitExceeded) as exceeded:
            gh.rest.repos.get("alice", "proj")
    headers = [a.headers for a in answers]
    assert [h["x-ratelimit-remaining"] for h in headers] == ["2", "1", "0"]
    assert [h["x-ratelimit-used"] for h in headers] == ["1", "2", "3"]
    response = exceeded.value.response
    assert response.status_code == 403
    assert response.headers["x-ratelimit-remaining"] == "0"
    assert response.headers["x-ratelimit-limit"] == "3"
    assert response.headers["x-ratelimit-resource"] == "core"
    assert int(response.headers["x-ratelimit-reset"]) > time.time()
    message = response.json()["message"]
    assert message == f"API rate limit exceeded for installation ID {github.installation_id}."


def test_the_limit_is_per_installation_and_resets_after_an_hour(github: GitHubWorld) -> None:
    github.emu.exhaust_rate_limit(github.installation_id)
    with github.client(auto_retry=False) as gh, pytest.raises(PrimaryRateLimitExceeded):
        gh.rest.repos.get("alice", "proj")
    with github.client(github.org_installation_id, auto_retry=False) as other:
        assert other.rest.apps.list_repos_accessible_to_installation().status_code == 200
    github.emu.advance_rate_limit_clock(3600)
    with github.client(auto_retry=False) as gh:
        answer = gh.rest.repos.get("alice", "proj")
    assert answer.headers["x-ratelimit-used"] == "1"
    assert github.emu.rate_limit(github.installation_id).remaining == 4999


def test_all_tokens_of_an_installation_share_its_limit(github: GitHubWorld) -> None:
    first, second = github.token(), github.token()
    for token in (first, second):
        httpx.get(f"{github.url}/repos/alice/proj", headers={"Authorization": f"token {token}"})
    # two minted tokens (JWT requests, the app's own quota) and two calls with tokens
    assert github.emu.rate_limit(github.installation_id).used == 2


def test_rate_limit_endpoint_spends_nothing(github: GitHubWorld) -> None:
    with github.client() as gh:
        gh.rest.repos.get("alice", "proj")
        first = gh.rest.rate_limit.get().parsed_data
        second = gh.rest.rate_limit.get().parsed_data
    assert first.resources.core.used == second.resources.core.used == 1
    assert first.resources.core.limit == 5000
    assert first.resources.search.limit == 30


def test_an_unauthenticated_request_spends_the_addresses_limit(github: GitHubWorld) -> None:
    answer = httpx.get(f"{github.url}/repos/alice/proj", timeout=10)
    assert answer.status_code == 401
    assert answer.headers["x-ratelimit-limit"] == "60"


@pytest.mark.parametrize(("kind", "status"), [
    ("secondary_rate_limit", 403), ("secondary_rate_limit_429", 429),
])  # fmt: skip
def test_secondary_limits_carry_retry_after(github: GitHubWorld, kind: str, status: int) -> None:
    github.emu.fail_next("GET", r"^/repos/alice/proj$", kind=kind, retry_after=7)
    with github.client(auto_retry=False) as gh, pytest.raises(SecondaryRateLimitExceeded) as hit:
        gh.rest.repos.get("alice", "proj")
    assert hit.value.response.status_code == status
    assert hit.value.retry_after.total_seconds() == 7
