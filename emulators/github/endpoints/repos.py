"""Repository endpoints: get, create in an organization, branches, commits, a permission."""

from __future__ import annotations

from emulators.github import shapes
from emulators.github.auth import require_installation
from emulators.github.errors import ApiError, custom_invalid, invalid, not_accessible, not_found
from emulators.github.operations import commit_files, permission_of, resolve
from emulators.github.pagination import paginate
from emulators.github.routing import Call, Reply, Route


def get_repo(call: Call) -> Reply:
    return Reply(200, shapes.repo(call.state, call.repo()))


def create_user_repo(call: Call) -> Reply:
    require_installation(call.caller)
    raise not_accessible()


def create_org_repo(call: Call) -> Reply:
    installation = require_installation(call.caller)
    org = call.state.account(call.params["org"])
    if org.type != "Organization" or installation.account.lower() != org.login.lower():
        raise not_found()
    name = call.field("name", required=True)
    if (org.login.lower(), str(name).lower()) in call.state.repos:
        raise custom_invalid(
            "Repository", "name already exists on this account", "name",
            summary="Repository creation failed.",
        )  # fmt: skip
    repo = call.state.add_repo(
        org.login, name, bool(call.field("private", False)), "main", call.field("description")
    )
    if installation.repositories is not None:
        installation.repositories.append(name)
    if call.field("auto_init", False):
        commit_files(
            call.state,
            repo,
            "main",
            {"README.md": f"# {name}\n".encode()},
            "Initial commit",
            call.caller.login,
        )
    return Reply(201, shapes.repo(call.state, repo))


def collaborator_permission(call: Call) -> Reply:
    repo = call.repo()
    login = call.params["username"]
    if login.lower() not in call.state.accounts:
        raise not_found()
    return Reply(200, shapes.permission(call.state, login, permission_of(repo, login)))


def get_branch(call: Call) -> Reply:
    repo = call.repo()
    name = call.params["branch"]
    sha = repo.refs.get(f"refs/heads/{name}")
    if sha is None:
        raise ApiError(404, "Branch not found")
    return Reply(200, shapes.branch(call.state, repo, name, repo.git.commit(sha)))


def list_branches(call: Call) -> Reply:
    repo = call.repo()
    branches = [
        shapes.branch_summary(call.state, repo, ref, sha)
        for ref, sha in sorted(repo.refs.items())
        if ref.startswith("refs/heads/")
    ]
    return paginate(branches, call.query, call.url)


def get_commit(call: Call) -> Reply:
    repo = call.repo()
    sha = resolve(repo, call.params["ref"])
    if sha is None:
        raise invalid(f"No commit found for SHA: {call.params['ref']}")
    return Reply(200, shapes.repo_commit(call.state, repo, repo.git.commit(sha)))


ROUTES = [
    Route("GET", "/repos/{owner}/{repo}", get_repo),
    Route("POST", "/user/repos", create_user_repo),
    Route("POST", "/orgs/{org}/repos", create_org_repo),
    Route("GET", "/repos/{owner}/{repo}/branches", list_branches),
    Route("GET", "/repos/{owner}/{repo}/branches/{branch:path}", get_branch),
    Route("GET", "/repos/{owner}/{repo}/commits/{ref:path}", get_commit),
    Route(
        "GET", "/repos/{owner}/{repo}/collaborators/{username}/permission", collaborator_permission
    ),
]
