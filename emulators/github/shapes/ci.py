"""Other apps' CI as GitHub shows it: check suites, workflow runs, annotations, statuses."""

from __future__ import annotations

from typing import Any

from emulators.github.cirecords import CheckSuite, CommitStatus
from emulators.github.records import CheckRun, Repo
from emulators.github.shapes.accounts import user
from emulators.github.shapes.apps import app
from emulators.github.shapes.checks import check_run
from emulators.github.shapes.contents import branch_summary, repo_commit
from emulators.github.shapes.ids import node_id
from emulators.github.shapes.repos import repo as repo_shape
from emulators.github.shapes.urls import pull_api, repo_api, repo_html
from emulators.github.state import GitHubState, timestamp


def pull_refs(state: GitHubState, repo: Repo, sha: str) -> list[dict[str, Any]]:
    """The open pull requests whose head is `sha`, as check payloads list them."""
    minimal = {"id": repo.id, "url": repo_api(state, repo), "name": repo.name}
    found = []
    for issue in repo.issues.values():
        pull = issue.pull
        if pull is None or issue.state != "open" or pull.head_sha != sha:
            continue
        base_sha = repo.refs.get(f"refs/heads/{pull.base_ref}") or ""
        found.append({
            "url": pull_api(state, repo, issue.number), "id": issue.number,
            "number": issue.number,
            "head": {"ref": pull.head_ref, "sha": pull.head_sha, "repo": minimal},
            "base": {"ref": pull.base_ref, "sha": base_sha, "repo": minimal},
        })  # fmt: skip
    return found


def check_suite(state: GitHubState, repo: Repo, suite: CheckSuite, status: str,
                conclusion: str | None) -> dict[str, Any]:
    url = f"{repo_api(state, repo)}/check-suites/{suite.id}"
    return {
        "id": suite.id,
        "node_id": node_id("CS", suite.id),
        "head_branch": suite.head_branch,
        "head_sha": suite.head_sha,
        "status": status,
        "conclusion": conclusion,
        "url": url,
        "before": None,
        "after": suite.head_sha,
        "pull_requests": pull_refs(state, repo, suite.head_sha),
        "app": app(state, state.apps[suite.app_id]),
        "created_at": suite.created_at,
        "updated_at": state.now(),
        "latest_check_runs_count": sum(
            1 for r in repo.check_runs if state.ci[repo.id].suite_of.get(r.id) == suite.id),
        "check_runs_url": f"{url}/check-runs",
        "head_commit": _head_commit(repo, suite.head_sha),
    }


def webhook_check_run(state: GitHubState, repo: Repo, run: CheckRun,
                      suite: CheckSuite) -> dict[str, Any]:
    """A check run as its webhook carries it: with its suite and pull requests."""
    return check_run(state, repo, run) | {
        "check_suite": check_suite(state, repo, suite, "in_progress", None),
        "pull_requests": pull_refs(state, repo, run.head_sha),
    }


def workflow_run(state: GitHubState, repo: Repo, suite: CheckSuite, status: str,
                 conclusion: str | None, actor: str) -> dict[str, Any]:
    """The Actions workflow run behind a suite (its check suite's id included)."""
    api, html = repo_api(state, repo), repo_html(state, repo)
    url = f"{api}/actions/runs/{suite.run_id}"
    return {
        "id": suite.run_id, "name": suite.workflow, "node_id": node_id("WFR", suite.run_id),
        "head_branch": suite.head_branch, "head_sha": suite.head_sha,
        "path": ".github/workflows/ci.yml", "display_title": suite.workflow,
        "run_number": suite.run_id % 1000, "event": "push", "status": status,
        "conclusion": conclusion, "workflow_id": suite.app_id,
        "check_suite_id": suite.id, "check_suite_node_id": node_id("CS", suite.id),
        "url": url, "html_url": f"{html}/actions/runs/{suite.run_id}",
        "pull_requests": pull_refs(state, repo, suite.head_sha),
        "created_at": suite.created_at, "updated_at": state.now(),
        "actor": user(state, actor), "triggering_actor": user(state, actor),
        "run_attempt": 1, "run_started_at": suite.created_at,
        "jobs_url": f"{url}/jobs", "logs_url": f"{url}/logs",
        "check_suite_url": f"{api}/check-suites/{suite.id}",
        "artifacts_url": f"{url}/artifacts", "cancel_url": f"{url}/cancel",
        "rerun_url": f"{url}/rerun", "previous_attempt_url": None,
        "workflow_url": f"{api}/actions/workflows/{suite.app_id}",
        "head_commit": _head_commit(repo, suite.head_sha),
        "repository": repo_shape(state, repo, viewer_permissions=False),
        "head_repository": repo_shape(state, repo, viewer_permissions=False),
    }  # fmt: skip


def workflow(state: GitHubState, repo: Repo, suite: CheckSuite) -> dict[str, Any]:
    api, html = repo_api(state, repo), repo_html(state, repo)
    return {
        "id": suite.app_id, "node_id": node_id("W", suite.app_id), "name": suite.workflow,
        "path": ".github/workflows/ci.yml", "state": "active",
        "created_at": suite.created_at, "updated_at": suite.created_at,
        "url": f"{api}/actions/workflows/{suite.app_id}",
        "html_url": f"{html}/blob/{repo.default_branch}/.github/workflows/ci.yml",
        "badge_url": f"{html}/workflows/{suite.workflow}/badge.svg",
    }  # fmt: skip


def annotation(state: GitHubState, repo: Repo, run: CheckRun,
               given: dict[str, Any]) -> dict[str, Any]:
    """An annotation as the list endpoint shows it (the fields a reporter may leave out)."""
    start = given.get("start_line", 1)
    path = given.get("path", "")
    return {
        "path": path, "start_line": start, "end_line": given.get("end_line", start),
        "start_column": given.get("start_column"), "end_column": given.get("end_column"),
        "annotation_level": given.get("annotation_level", "failure"),
        "title": given.get("title"), "message": given.get("message", ""),
        "raw_details": given.get("raw_details"),
        "blob_href": f"{repo_html(state, repo)}/blob/{run.head_sha}/{path}",
    }  # fmt: skip


def status(state: GitHubState, repo: Repo, given: CommitStatus) -> dict[str, Any]:
    return {
        "url": f"{repo_api(state, repo)}/statuses/{given.sha}",
        "avatar_url": None, "id": given.id, "node_id": node_id("SC", given.id),
        "state": given.state, "description": given.description,
        "target_url": given.target_url, "context": given.context,
        "created_at": given.created_at, "updated_at": given.created_at,
        "creator": user(state, given.creator),
    }  # fmt: skip


def webhook_status(state: GitHubState, repo: Repo, given: CommitStatus) -> dict[str, Any]:
    """A commit status as the ``status`` webhook carries it: with its commit and the branches
    whose head it is (GitHub lists up to ten branches containing the commit)."""
    heads = sorted(ref for ref, head in repo.refs.items()
                   if head == given.sha and ref.startswith("refs/heads/"))
    return {
        "id": given.id, "sha": given.sha, "name": repo.full_name,
        "target_url": given.target_url, "avatar_url": None, "context": given.context,
        "description": given.description, "state": given.state,
        "commit": repo_commit(state, repo, repo.git.commit(given.sha)),
        "branches": [branch_summary(state, repo, ref, given.sha) for ref in heads[:10]],
        "created_at": given.created_at, "updated_at": given.created_at,
    }  # fmt: skip


def combined_status(state: GitHubState, repo: Repo, sha: str, combined: str,
                    statuses: list[CommitStatus]) -> dict[str, Any]:
    api = repo_api(state, repo)
    return {
        "state": combined, "sha": sha, "total_count": len(statuses),
        "statuses": [status(state, repo, s) for s in statuses],
        "repository": repo_shape(state, repo, viewer_permissions=False),
        "commit_url": f"{api}/commits/{sha}", "url": f"{api}/commits/{sha}/status",
    }  # fmt: skip


def _head_commit(repo: Repo, sha: str) -> dict[str, Any]:
    commit = repo.git.commit(sha)
    return {
        "id": sha, "tree_id": commit.tree, "message": commit.message,
        "timestamp": timestamp(commit.committer.timestamp),
        "author": {"name": commit.author.name, "email": commit.author.email},
        "committer": {"name": commit.committer.name, "email": commit.committer.email},
    }  # fmt: skip
