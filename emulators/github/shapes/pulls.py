"""Pull requests, as the pull request endpoints show them."""

from __future__ import annotations

from typing import Any

from emulators.github.records import Issue, PullData, Repo
from emulators.github.shapes.accounts import user
from emulators.github.shapes.diffs import diff
from emulators.github.shapes.ids import node_id
from emulators.github.shapes.issues import conversation
from emulators.github.shapes.repos import repo as repo_shape
from emulators.github.shapes.urls import hrefs, issue_api, pull_api, pull_html, repo_api
from emulators.github.state import GitHubState

# the top-level ``…_url`` fields, each the ``href`` of one of the pull request's ``_links``
URL_OF_LINK = {
    "url": "self",
    "html_url": "html",
    "issue_url": "issue",
    "commits_url": "commits",
    "review_comments_url": "review_comments",
    "review_comment_url": "review_comment",
    "comments_url": "comments",
    "statuses_url": "statuses",
}


def pull(state: GitHubState, repo: Repo, issue: Issue, full: bool = True) -> dict[str, Any]:
    """A pull request; ``full`` adds the counts that lists leave out."""
    data = _data(issue)
    base_sha = _base_sha(repo, data)
    links = _links(state, repo, issue.number, data.head_sha)
    shape: dict[str, Any] = {
        "id": issue.pull_id,
        "node_id": node_id("PR", issue.pull_id),
        **{key: links[name] for key, name in URL_OF_LINK.items()},
        "diff_url": f"{links['html']}.diff",
        "patch_url": f"{links['html']}.patch",
        "number": issue.number,
        **conversation(state, repo, issue),
        "merged_at": None,
        "merge_commit_sha": None,
        "requested_reviewers": [user(state, login) for login in data.requested_reviewers],
        "requested_teams": [],
        "head": branch_end(state, repo, data.head_ref, data.head_sha),
        "base": branch_end(state, repo, data.base_ref, base_sha),
        "_links": hrefs(links),
        "auto_merge": None,
        "draft": data.draft,
    }
    return (shape | _counts(state, repo, issue, base_sha)) if full else shape


def _data(issue: Issue) -> PullData:
    # callers render only pull requests: found through state.pull or after an issue.pull check
    assert issue.pull is not None
    return issue.pull


def _base_sha(repo: Repo, data: PullData) -> str:
    """The base branch's commit; the head's while the base branch is gone."""
    return repo.refs.get(f"refs/heads/{data.base_ref}", data.head_sha)


def branch_end(state: GitHubState, repo: Repo, ref: str, sha: str) -> dict[str, Any]:
    """A pull request's ``head`` or ``base``."""
    return {
        "label": f"{repo.owner}:{ref}",
        "ref": ref,
        "sha": sha,
        "user": user(state, repo.owner),
        "repo": repo_shape(state, repo),
    }


def _links(state: GitHubState, repo: Repo, number: int, head_sha: str) -> dict[str, str]:
    api, url = repo_api(state, repo), pull_api(state, repo, number)
    issue_url = issue_api(state, repo, number)
    return {
        "self": url,
        "html": pull_html(state, repo, number),
        "issue": issue_url,
        "comments": f"{issue_url}/comments",
        "review_comments": f"{url}/comments",
        "review_comment": f"{api}/pulls/comments{{/number}}",
        "commits": f"{url}/commits",
        "statuses": f"{api}/statuses/{head_sha}",
    }


def _counts(state: GitHubState, repo: Repo, issue: Issue, base_sha: str) -> dict[str, Any]:
    data = _data(issue)
    files = diff(state, repo, base_sha, data.head_sha)
    return {
        "merged": data.merged,
        "mergeable": True,
        "rebaseable": True,
        "mergeable_state": "clean",
        "merged_by": None,
        "comments": len(issue.comments),
        "review_comments": len(data.review_comments),
        "maintainer_can_modify": False,
        "commits": len(repo.git.between(base_sha, data.head_sha)),
        "additions": sum(f["additions"] for f in files),
        "deletions": sum(f["deletions"] for f in files),
        "changed_files": len(files),
    }
