"""Repositories and a collaborator's permission on one, as the repository endpoints show them."""

from __future__ import annotations

from typing import Any

from emulators.github.records import Repo
from emulators.github.shapes.accounts import user
from emulators.github.shapes.ids import node_id
from emulators.github.shapes.urls import repo_api, repo_html
from emulators.github.state import GitHubState

# the legacy ``permission`` field knows only admin/write/read/none
LEGACY_PERMISSION = {
    "admin": "admin",
    "maintain": "write",
    "write": "write",
    "triage": "read",
    "read": "read",
}
# the roles that grant each of the ``permissions`` flags
ROLES_WITH_RIGHT = {
    "admin": ("admin",),
    "maintain": ("admin", "maintain"),
    "push": ("admin", "maintain", "write"),
    "triage": ("admin", "maintain", "write", "triage"),
    "pull": ("admin", "maintain", "write", "triage", "read"),
}

# fields the emulator does not model, with the values a fresh repository has
REPO_FIXED_FIELDS: dict[str, Any] = {
    "mirror_url": None, "homepage": None, "language": None, "size": 0, "stargazers_count": 0,
    "watchers_count": 0, "forks_count": 0, "forks": 0, "watchers": 0, "has_issues": True,
    "has_projects": True, "has_downloads": True, "has_wiki": True, "has_pages": False,
    "has_discussions": False, "archived": False, "disabled": False, "license": None,
    "allow_forking": True, "is_template": False, "web_commit_signoff_required": False,
    "topics": [], "subscribers_count": 0, "network_count": 0,
}  # fmt: skip
INSTALLATION_REPO_PERMISSIONS = {
    "admin": False, "maintain": False, "push": True, "triage": True, "pull": True,
}  # fmt: skip
# URL templates GitHub lists on every repository, relative to its API URL
REPO_URL_TEMPLATES = {
    "archive_url": "/{archive_format}{/ref}",
    "assignees_url": "/assignees{/user}",
    "blobs_url": "/git/blobs{/sha}",
    "branches_url": "/branches{/branch}",
    "collaborators_url": "/collaborators{/collaborator}",
    "comments_url": "/comments{/number}",
    "commits_url": "/commits{/sha}",
    "compare_url": "/compare/{base}...{head}",
    "contents_url": "/contents/{+path}",
    "contributors_url": "/contributors",
    "deployments_url": "/deployments",
    "downloads_url": "/downloads",
    "events_url": "/events",
    "forks_url": "/forks",
    "git_commits_url": "/git/commits{/sha}",
    "git_refs_url": "/git/refs{/sha}",
    "git_tags_url": "/git/tags{/sha}",
    "hooks_url": "/hooks",
    "issue_comment_url": "/issues/comments{/number}",
    "issue_events_url": "/issues/events{/number}",
    "issues_url": "/issues{/number}",
    "keys_url": "/keys{/key_id}",
    "labels_url": "/labels{/name}",
    "languages_url": "/languages",
    "merges_url": "/merges",
    "milestones_url": "/milestones{/number}",
    "notifications_url": "/notifications{?since,all,participating}",
    "pulls_url": "/pulls{/number}",
    "releases_url": "/releases{/id}",
    "stargazers_url": "/stargazers",
    "statuses_url": "/statuses/{sha}",
    "subscribers_url": "/subscribers",
    "subscription_url": "/subscription",
    "tags_url": "/tags",
    "teams_url": "/teams",
    "trees_url": "/git/trees{/sha}",
}


def repo(state: GitHubState, repo: Repo, viewer_permissions: bool = True) -> dict[str, Any]:
    """A repository; webhooks leave out the viewer's ``permissions``."""
    shape: dict[str, Any] = {
        "id": repo.id,
        "node_id": node_id("R", repo.id),
        "name": repo.name,
        "full_name": repo.full_name,
        "private": repo.private,
        "owner": user(state, repo.owner),
        "description": repo.description,
        "fork": False,
        **_addresses(state, repo),
        **_activity(repo),
        "default_branch": repo.default_branch,
        "visibility": "private" if repo.private else "public",
        **REPO_FIXED_FIELDS,
    }
    if viewer_permissions:
        shape["permissions"] = INSTALLATION_REPO_PERMISSIONS
    if state.is_organization(repo.owner):
        shape["organization"] = user(state, repo.owner) | {"type": "Organization"}
    return shape


def _addresses(state: GitHubState, repo: Repo) -> dict[str, Any]:
    api, html = repo_api(state, repo), repo_html(state, repo)
    return {
        "html_url": html,
        "url": api,
        **{key: api + suffix for key, suffix in REPO_URL_TEMPLATES.items()},
        "git_url": f"{html}.git".replace("http", "git", 1),
        "ssh_url": f"git@emulator:{repo.full_name}.git",
        "clone_url": f"{html}.git",
        "svn_url": html,
    }


def _activity(repo: Repo) -> dict[str, Any]:
    open_issues = sum(1 for i in repo.issues.values() if i.state == "open")
    return {
        "created_at": repo.created_at,
        "updated_at": repo.created_at,
        "pushed_at": repo.pushed_at or repo.created_at,
        "open_issues_count": open_issues,
        "open_issues": open_issues,
    }


def permission(state: GitHubState, login: str, role: str) -> dict[str, Any]:
    """A collaborator's permission on a repository, given the role they hold ("none" too)."""
    rights = {right: role in roles for right, roles in ROLES_WITH_RIGHT.items()}
    return {
        "permission": LEGACY_PERMISSION.get(role, "none"),
        "role_name": role,
        "user": user(state, login) | {"permissions": rights, "role_name": role},
    }
