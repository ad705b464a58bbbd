"""The emulator's addresses for API resources and their web pages, under its own base URL."""

from __future__ import annotations

from emulators.github.records import Issue, Repo
from emulators.github.state import GitHubState


def repo_api(state: GitHubState, repo: Repo) -> str:
    return f"{state.base_url}/repos/{repo.full_name}"


def repo_html(state: GitHubState, repo: Repo) -> str:
    return f"{state.base_url}/{repo.full_name}"


def issue_api(state: GitHubState, repo: Repo, number: int) -> str:
    return f"{repo_api(state, repo)}/issues/{number}"


def issue_html(state: GitHubState, repo: Repo, issue: Issue) -> str:
    """An issue's page; a pull request's lives under ``/pull/`` whatever API it came from."""
    kind = "pull" if issue.pull else "issues"
    return f"{repo_html(state, repo)}/{kind}/{issue.number}"


def pull_api(state: GitHubState, repo: Repo, number: int) -> str:
    return f"{repo_api(state, repo)}/pulls/{number}"


def pull_html(state: GitHubState, repo: Repo, number: int) -> str:
    return f"{repo_html(state, repo)}/pull/{number}"


def hrefs(links: dict[str, str]) -> dict[str, dict[str, str]]:
    """A ``_links`` object: each named address wrapped as ``{"href": …}``."""
    return {name: {"href": url} for name, url in links.items()}
