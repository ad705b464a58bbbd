"""GitHub's JSON shapes for the emulator's records, as the REST API and webhooks send them."""

from __future__ import annotations

import base64
import difflib
import zlib
from typing import Any
from urllib.parse import quote

from emulators.github.gitstore import Commit, GitStore
from emulators.github.records import (
    CheckRun,
    Comment,
    EmulatedApp,
    Installation,
    Issue,
    Label,
    Reaction,
    Repo,
    Review,
    ReviewComment,
)
from emulators.github.state import GitHubState, timestamp

APP_PERMISSIONS = {
    "administration": "write",
    "checks": "write",
    "contents": "write",
    "issues": "write",
    "metadata": "read",
    "pull_requests": "write",
}
APP_EVENTS = [
    "issues",
    "issue_comment",
    "pull_request",
    "pull_request_review",
    "pull_request_review_comment",
    "check_run",
]
REACTION_NAMES = ["+1", "-1", "laugh", "confused", "heart", "hooray", "eyes", "rocket"]
ROLE_OF_PERMISSION = {
    "admin": "admin",
    "maintain": "maintain",
    "write": "write",
    "triage": "triage",
    "read": "read",
}
# the legacy ``permission`` field knows only admin/write/read/none
LEGACY_PERMISSION = {
    "admin": "admin",
    "maintain": "write",
    "write": "write",
    "triage": "read",
    "read": "read",
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


def node_id(kind: str, number: int) -> str:
    return base64.b64encode(f"0:{kind}{number}".encode()).decode()


class Shapes:
    """Renders records as GitHub's JSON, with URLs under the emulator's own address."""

    def __init__(self, state: GitHubState) -> None:
        self.state = state

    @property
    def api(self) -> str:
        return self.state.base_url

    def repo_api(self, repo: Repo) -> str:
        return f"{self.api}/repos/{repo.full_name}"

    def repo_html(self, repo: Repo) -> str:
        return f"{self.api}/{repo.full_name}"

    def user(self, login: str) -> dict[str, Any]:
        account = self.state.ensure_account(login, "Bot" if login.endswith("[bot]") else "User")
        url = f"{self.api}/users/{account.login}"
        return {
            "login": account.login,
            "id": account.id,
            "node_id": node_id("U", account.id),
            "avatar_url": f"{self.api}/avatars/u/{account.id}",
            "gravatar_id": "",
            "url": url,
            "html_url": f"{self.api}/{account.login}",
            "followers_url": f"{url}/followers",
            "following_url": f"{url}/following{{/other_user}}",
            "gists_url": f"{url}/gists{{/gist_id}}",
            "starred_url": f"{url}/starred{{/owner}}{{/repo}}",
            "subscriptions_url": f"{url}/subscriptions",
            "organizations_url": f"{url}/orgs",
            "repos_url": f"{url}/repos",
            "events_url": f"{url}/events{{/privacy}}",
            "received_events_url": f"{url}/received_events",
            "type": account.type,
            "user_view_type": "public",
            "site_admin": False,
        }

    def organization(self, login: str) -> dict[str, Any]:
        account = self.state.account(login)
        url = f"{self.api}/orgs/{account.login}"
        return {
            "login": account.login,
            "id": account.id,
            "node_id": node_id("O", account.id),
            "url": url,
            "repos_url": f"{url}/repos",
            "events_url": f"{url}/events",
            "hooks_url": f"{url}/hooks",
            "issues_url": f"{url}/issues",
            "members_url": f"{url}/members{{/member}}",
            "public_members_url": f"{url}/public_members{{/member}}",
            "avatar_url": f"{self.api}/avatars/u/{account.id}",
            "description": None,
        }

    def repo(self, repo: Repo, viewer_permissions: bool = True) -> dict[str, Any]:
        api, html = self.repo_api(repo), self.repo_html(repo)
        open_issues = sum(1 for i in repo.issues.values() if i.state == "open")
        shape: dict[str, Any] = {
            "id": repo.id,
            "node_id": node_id("R", repo.id),
            "name": repo.name,
            "full_name": repo.full_name,
            "private": repo.private,
            "owner": self.user(repo.owner),
            "html_url": html,
            "description": repo.description,
            "fork": False,
            "url": api,
            **{key: api + suffix for key, suffix in REPO_URL_TEMPLATES.items()},
            "created_at": repo.created_at,
            "updated_at": repo.created_at,
            "pushed_at": repo.pushed_at or repo.created_at,
            "git_url": f"{html}.git".replace("http", "git", 1),
            "ssh_url": f"git@emulator:{repo.full_name}.git",
            "clone_url": f"{html}.git",
            "svn_url": html,
            "open_issues_count": open_issues,
            "open_issues": open_issues,
            "default_branch": repo.default_branch,
            "visibility": "private" if repo.private else "public",
            **REPO_FIXED_FIELDS,
        }
        if viewer_permissions:
            shape["permissions"] = INSTALLATION_REPO_PERMISSIONS
        owner = self.state.accounts.get(repo.owner.lower())
        if owner is not None and owner.type == "Organization":
            shape["organization"] = self.user(repo.owner) | {"type": "Organization"}
        return shape

    def app(self, app: EmulatedApp) -> dict[str, Any]:
        return {
            "id": app.id,
            "slug": app.slug,
            "node_id": node_id("A", app.id),
            "client_id": f"Iv1.{app.id:016x}",
            "owner": self.user(app.bot_login),
            "name": app.slug,
            "description": "",
            "external_url": f"{self.api}/apps/{app.slug}",
            "html_url": f"{self.api}/apps/{app.slug}",
            "created_at": app.created_at,
            "updated_at": app.created_at,
            "permissions": APP_PERMISSIONS,
            "events": APP_EVENTS,
        }

    def installation(self, inst: Installation) -> dict[str, Any]:
        app = self.state.apps[inst.app_id]
        account = self.state.account(inst.account)
        return {
            "id": inst.id,
            "account": self.user(inst.account),
            "repository_selection": "all" if inst.repositories is None else "selected",
            "access_tokens_url": f"{self.api}/app/installations/{inst.id}/access_tokens",
            "repositories_url": f"{self.api}/installation/repositories",
            "html_url": f"{self.api}/settings/installations/{inst.id}",
            "app_id": app.id,
            "app_slug": app.slug,
            "target_id": account.id,
            "target_type": account.type,
            "permissions": APP_PERMISSIONS,
            "events": APP_EVENTS,
            "created_at": inst.created_at,
            "updated_at": inst.created_at,
            "single_file_name": None,
            "has_multiple_single_files": False,
            "single_file_paths": [],
            "suspended_by": None,
            "suspended_at": None,
        }

    def label(self, repo: Repo, label: Label) -> dict[str, Any]:
        return {
            "id": label.id,
            "node_id": node_id("L", label.id),
            "url": f"{self.repo_api(repo)}/labels/{quote(label.name)}",
            "name": label.name,
            "description": label.description,
            "color": label.color,
            "default": False,
            "archived_at": None,
            "archived_by": None,
        }

    def reactions(self, url: str, reactions: list[Reaction]) -> dict[str, Any]:
        counts = {name: sum(1 for r in reactions if r.content == name) for name in REACTION_NAMES}
        return {"url": f"{url}/reactions", "total_count": len(reactions), **counts}

    def reaction(self, reaction: Reaction) -> dict[str, Any]:
        return {
            "id": reaction.id,
            "node_id": node_id("RE", reaction.id),
            "user": self.user(reaction.user),
            "content": reaction.content,
            "created_at": reaction.created_at,
        }

    def association(self, repo: Repo, login: str) -> str:
        if login.lower() == repo.owner.lower():
            return "OWNER"
        return "COLLABORATOR" if login in repo.permissions else "NONE"

    def via_app(self, login: str) -> dict[str, Any] | None:
        app = next((a for a in self.state.apps.values() if a.bot_login == login), None)
        return None if app is None else self.app(app)

    def issue(self, repo: Repo, issue: Issue) -> dict[str, Any]:
        url = f"{self.repo_api(repo)}/issues/{issue.number}"
        kind = "pull" if issue.pull else "issues"
        shape: dict[str, Any] = {
            "id": issue.id,
            "node_id": node_id("I", issue.id),
            "url": url,
            "repository_url": self.repo_api(repo),
            "labels_url": f"{url}/labels{{/name}}",
            "comments_url": f"{url}/comments",
            "events_url": f"{url}/events",
            "timeline_url": f"{url}/timeline",
            "html_url": f"{self.repo_html(repo)}/{kind}/{issue.number}",
            "number": issue.number,
            "state": issue.state,
            "state_reason": issue.state_reason,
            "title": issue.title,
            "body": issue.body,
            "user": self.user(issue.user),
            "labels": [self.label(repo, repo.labels[name.lower()]) for name in issue.labels],
            "assignee": None,
            "assignees": [],
            "milestone": None,
            "locked": False,
            "active_lock_reason": None,
            "comments": len(issue.comments),
            "created_at": issue.created_at,
            "updated_at": issue.updated_at,
            "closed_at": issue.closed_at,
            "author_association": self.association(repo, issue.user),
            "reactions": self.reactions(url, issue.reactions),
            "performed_via_github_app": self.via_app(issue.user),
        }
        if issue.pull is not None:
            pull_url = f"{self.repo_api(repo)}/pulls/{issue.number}"
            html = f"{self.repo_html(repo)}/pull/{issue.number}"
            shape["pull_request"] = {
                "url": pull_url,
                "html_url": html,
                "diff_url": f"{html}.diff",
                "patch_url": f"{html}.patch",
                "merged_at": None,
            }
            shape["draft"] = issue.pull.draft
        return shape

    def comment(self, repo: Repo, issue: Issue, comment: Comment) -> dict[str, Any]:
        url = f"{self.repo_api(repo)}/issues/comments/{comment.id}"
        kind = "pull" if issue.pull else "issues"
        return {
            "id": comment.id,
            "node_id": node_id("IC", comment.id),
            "url": url,
            "html_url": f"{self.repo_html(repo)}/{kind}/{issue.number}#issuecomment-{comment.id}",
            "issue_url": f"{self.repo_api(repo)}/issues/{issue.number}",
            "body": comment.body,
            "user": self.user(comment.user),
            "created_at": comment.created_at,
            "updated_at": comment.updated_at,
            "author_association": self.association(repo, comment.user),
            "reactions": self.reactions(url, comment.reactions),
            "performed_via_github_app": self.via_app(comment.user),
        }

    def branch_end(self, repo: Repo, ref: str, sha: str) -> dict[str, Any]:
        return {
            "label": f"{repo.owner}:{ref}",
            "ref": ref,
            "sha": sha,
            "user": self.user(repo.owner),
            "repo": self.repo(repo),
        }

    def pull(self, repo: Repo, issue: Issue, full: bool = True) -> dict[str, Any]:
        assert issue.pull is not None
        pull = issue.pull
        links = self._pull_links(repo, issue)
        url, html = links["self"], links["html"]
        base_sha = repo.refs.get(f"refs/heads/{pull.base_ref}", pull.head_sha)
        shape: dict[str, Any] = {
            "url": url,
            "id": issue.pull_id,
            "node_id": node_id("PR", issue.pull_id),
            "html_url": html,
            "diff_url": f"{html}.diff",
            "patch_url": f"{html}.patch",
            "issue_url": links["issue"],
            "commits_url": links["commits"],
            "review_comments_url": links["review_comments"],
            "review_comment_url": links["review_comment"],
            "comments_url": links["comments"],
            "statuses_url": links["statuses"],
            "number": issue.number,
            "state": issue.state,
            "locked": False,
            "title": issue.title,
            "user": self.user(issue.user),
            "body": issue.body,
            "labels": [self.label(repo, repo.labels[name.lower()]) for name in issue.labels],
            "milestone": None,
            "active_lock_reason": None,
            "created_at": issue.created_at,
            "updated_at": issue.updated_at,
            "closed_at": issue.closed_at,
            "merged_at": None,
            "merge_commit_sha": None,
            "assignee": None,
            "assignees": [],
            "requested_reviewers": [self.user(login) for login in pull.requested_reviewers],
            "requested_teams": [],
            "head": self.branch_end(repo, pull.head_ref, pull.head_sha),
            "base": self.branch_end(repo, pull.base_ref, base_sha),
            "_links": {key: {"href": href} for key, href in links.items()},
            "author_association": self.association(repo, issue.user),
            "auto_merge": None,
            "draft": pull.draft,
        }
        if full:
            shape.update(self._pull_counts(repo, issue, base_sha))
        return shape

    def _pull_links(self, repo: Repo, issue: Issue) -> dict[str, str]:
        assert issue.pull is not None
        api = self.repo_api(repo)
        url, issue_url = f"{api}/pulls/{issue.number}", f"{api}/issues/{issue.number}"
        return {
            "self": url,
            "html": f"{self.repo_html(repo)}/pull/{issue.number}",
            "issue": issue_url,
            "comments": f"{issue_url}/comments",
            "review_comments": f"{url}/comments",
            "review_comment": f"{api}/pulls/comments{{/number}}",
            "commits": f"{url}/commits",
            "statuses": f"{api}/statuses/{issue.pull.head_sha}",
        }

    def _pull_counts(self, repo: Repo, issue: Issue, base_sha: str) -> dict[str, Any]:
        assert issue.pull is not None
        files = self.diff(repo, base_sha, issue.pull.head_sha)
        own = set(_commit_ids(repo.git, base_sha))
        commits = [sha for sha in _commit_ids(repo.git, issue.pull.head_sha) if sha not in own]
        return {
            "merged": issue.pull.merged,
            "mergeable": True,
            "rebaseable": True,
            "mergeable_state": "clean",
            "merged_by": None,
            "comments": len(issue.comments),
            "review_comments": len(issue.pull.review_comments),
            "maintainer_can_modify": False,
            "commits": len(commits),
            "additions": sum(f["additions"] for f in files),
            "deletions": sum(f["deletions"] for f in files),
            "changed_files": len(files),
        }

    def diff(self, repo: Repo, base_sha: str, head_sha: str) -> list[dict[str, Any]]:
        """The files a pull request changes, as GitHub's diff entries with a unified patch."""
        git = repo.git
        old = {p: e.sha for p, e in git.walk(git.commit(base_sha).tree) if e.type == "blob"}
        new = {p: e.sha for p, e in git.walk(git.commit(head_sha).tree) if e.type == "blob"}
        entries = []
        for path in sorted(old.keys() | new.keys()):
            if old.get(path) != new.get(path):
                entries.append(self._diff_entry(repo, path, old.get(path), new.get(path), head_sha))
        return entries

    def _diff_entry(
        self, repo: Repo, path: str, old: str | None, new: str | None, head_sha: str
    ) -> dict[str, Any]:
        before = _lines(repo.git, old)
        after = _lines(repo.git, new)
        patch = list(difflib.unified_diff(before, after, lineterm="", n=3))[2:]
        additions = sum(1 for line in patch if line.startswith("+"))
        deletions = sum(1 for line in patch if line.startswith("-"))
        status = "added" if old is None else "removed" if new is None else "modified"
        html = self.repo_html(repo)
        return {
            "sha": new or old,
            "filename": path,
            "status": status,
            "additions": additions,
            "deletions": deletions,
            "changes": additions + deletions,
            "blob_url": f"{html}/blob/{head_sha}/{path}",
            "raw_url": f"{html}/raw/{head_sha}/{path}",
            "contents_url": f"{self.repo_api(repo)}/contents/{path}?ref={head_sha}",
            "patch": "\n".join(patch),
        }

    def review(self, repo: Repo, issue: Issue, review: Review) -> dict[str, Any]:
        pull_url = f"{self.repo_api(repo)}/pulls/{issue.number}"
        html = f"{self.repo_html(repo)}/pull/{issue.number}#pullrequestreview-{review.id}"
        return {
            "id": review.id,
            "node_id": node_id("PRR", review.id),
            "user": self.user(review.user),
            "body": review.body,
            "state": review.state,
            "html_url": html,
            "pull_request_url": pull_url,
            "_links": {"html": {"href": html}, "pull_request": {"href": pull_url}},
            "submitted_at": review.submitted_at,
            "commit_id": review.commit_id,
            "author_association": self.association(repo, review.user),
        }

    def review_comment(self, repo: Repo, issue: Issue, comment: ReviewComment) -> dict[str, Any]:
        url = f"{self.repo_api(repo)}/pulls/comments/{comment.id}"
        pull_url = f"{self.repo_api(repo)}/pulls/{issue.number}"
        html = f"{self.repo_html(repo)}/pull/{issue.number}#discussion_r{comment.id}"
        shape: dict[str, Any] = {
            "url": url,
            "pull_request_review_id": comment.review_id,
            "id": comment.id,
            "node_id": node_id("PRRC", comment.id),
            "diff_hunk": f"@@ -1 +1 @@ {comment.path}",
            "path": comment.path,
            "position": comment.line,
            "original_position": comment.line,
            "commit_id": comment.commit_id,
            "original_commit_id": comment.commit_id,
            "user": self.user(comment.user),
            "body": comment.body,
            "created_at": comment.created_at,
            "updated_at": comment.updated_at,
            "html_url": html,
            "pull_request_url": pull_url,
            "author_association": self.association(repo, comment.user),
            "_links": {
                "self": {"href": url},
                "html": {"href": html},
                "pull_request": {"href": pull_url},
            },
            "start_line": None,
            "original_start_line": None,
            "start_side": None,
            "line": comment.line,
            "original_line": comment.line,
            "side": comment.side,
            "subject_type": "line",
            "reactions": self.reactions(url, []),
        }
        if comment.in_reply_to_id is not None:
            shape["in_reply_to_id"] = comment.in_reply_to_id
        return shape

    def check_run(self, repo: Repo, run: CheckRun) -> dict[str, Any]:
        url = f"{self.repo_api(repo)}/check-runs/{run.id}"
        output = {"title": None, "summary": None, "text": None, **run.output}
        output.pop("annotations", None)
        output.pop("images", None)
        return {
            "id": run.id,
            "head_sha": run.head_sha,
            "node_id": node_id("CR", run.id),
            "external_id": run.external_id,
            "url": url,
            "html_url": f"{self.repo_html(repo)}/runs/{run.id}",
            "details_url": run.details_url,
            "status": run.status,
            "conclusion": run.conclusion,
            "started_at": run.started_at,
            "completed_at": run.completed_at,
            "name": run.name,
            "output": output | {"annotations_count": 0, "annotations_url": f"{url}/annotations"},
            "check_suite": {"id": run.id},
            "app": self.app(self.state.apps[run.app_id]),
            "pull_requests": [],
        }

    def blob(self, repo: Repo, sha: str) -> dict[str, Any]:
        data = repo.git.blob(sha)
        return {
            "sha": sha,
            "node_id": node_id("B", int(sha[:8], 16)),
            "size": len(data),
            "url": f"{self.repo_api(repo)}/git/blobs/{sha}",
            "encoding": "base64",
            "content": base64.encodebytes(data).decode(),
        }

    def tree(self, repo: Repo, sha: str, recursive: bool) -> dict[str, Any]:
        git = repo.git
        walked = git.walk(sha) if recursive else [(e.name, e) for e in git.tree(sha)]
        entries = []
        for path, entry in walked:
            item: dict[str, Any] = {
                "path": path,
                "mode": entry.mode,
                "type": entry.type,
                "sha": entry.sha,
                "url": f"{self.repo_api(repo)}/git/{entry.type}s/{entry.sha}",
            }
            if entry.type == "blob":
                item["size"] = len(git.blob(entry.sha))
            entries.append(item)
        return {
            "sha": sha,
            "url": f"{self.repo_api(repo)}/git/trees/{sha}",
            "tree": entries,
            "truncated": False,
        }

    def commit(self, repo: Repo, commit: Commit) -> dict[str, Any]:
        api = self.repo_api(repo)

        def person(sig: Any) -> dict[str, Any]:
            return {"name": sig.name, "email": sig.email, "date": timestamp(sig.timestamp)}

        return {
            "sha": commit.sha,
            "node_id": node_id("C", int(commit.sha[:8], 16)),
            "url": f"{api}/git/commits/{commit.sha}",
            "html_url": f"{self.repo_html(repo)}/commit/{commit.sha}",
            "author": person(commit.author),
            "committer": person(commit.committer),
            "message": commit.message,
            "tree": {"sha": commit.tree, "url": f"{api}/git/trees/{commit.tree}"},
            "parents": [
                {
                    "sha": p,
                    "url": f"{api}/git/commits/{p}",
                    "html_url": f"{self.repo_html(repo)}/commit/{p}",
                }
                for p in commit.parents
            ],
            "verification": {
                "verified": False,
                "reason": "unsigned",
                "signature": None,
                "payload": None,
                "verified_at": None,
            },
        }

    def repo_commit(self, repo: Repo, commit: Commit) -> dict[str, Any]:
        """A commit as the repositories API shows it (``/repos/…/commits/{ref}``)."""
        git_shape = self.commit(repo, commit)
        api = self.repo_api(repo)
        inner = {key: git_shape[key] for key in ("author", "committer", "message", "tree")}
        return {
            "url": f"{api}/commits/{commit.sha}",
            "sha": commit.sha,
            "node_id": git_shape["node_id"],
            "html_url": git_shape["html_url"],
            "comments_url": f"{api}/commits/{commit.sha}/comments",
            "commit": inner | {"url": git_shape["url"], "comment_count": 0,
                               "verification": git_shape["verification"]},
            "author": None,
            "committer": None,
            "parents": git_shape["parents"],
        }  # fmt: skip

    def branch(self, repo: Repo, name: str, commit: Commit) -> dict[str, Any]:
        api = self.repo_api(repo)
        return {
            "name": name,
            "commit": self.repo_commit(repo, commit),
            "_links": {"self": f"{api}/branches/{name}",
                       "html": f"{self.repo_html(repo)}/tree/{name}"},
            "protected": False,
            "protection": {"enabled": False, "required_status_checks": {
                "enforcement_level": "off", "contexts": [], "checks": []}},
            "protection_url": f"{api}/branches/{name}/protection",
        }  # fmt: skip

    def ref(self, repo: Repo, ref: str) -> dict[str, Any]:
        sha = repo.refs[ref]
        api = self.repo_api(repo)
        return {
            "ref": ref,
            "node_id": node_id("REF", zlib.crc32(f"{repo.id}{ref}".encode())),
            "url": f"{api}/git/{ref}",
            "object": {"type": "commit", "sha": sha, "url": f"{api}/git/commits/{sha}"},
        }

    def content(self, repo: Repo, path: str, sha: str, ref: str) -> dict[str, Any]:
        data = repo.git.blob(sha)
        api, html = self.repo_api(repo), self.repo_html(repo)
        links = {
            "self": f"{api}/contents/{path}?ref={ref}",
            "git": f"{api}/git/blobs/{sha}",
            "html": f"{html}/blob/{ref}/{path}",
        }
        return {
            "type": "file",
            "encoding": "base64",
            "size": len(data),
            "name": path.split("/")[-1],
            "path": path,
            "content": base64.encodebytes(data).decode(),
            "sha": sha,
            "url": links["self"],
            "git_url": links["git"],
            "html_url": links["html"],
            "download_url": f"{html}/raw/{ref}/{path}",
            "_links": links,
        }


def _lines(git: GitStore, sha: str | None) -> list[str]:
    if sha is None:
        return []
    return git.blob(sha).decode("utf-8", "replace").splitlines()


def _commit_ids(git: GitStore, head: str) -> list[str]:
    return [c.sha for c in git.history(head)]


def synchronize_fields(shapes: Shapes, repo: Repo, issue: Issue, before: str) -> dict[str, Any]:
    """The ``pull_request.synchronize`` payload fields after the head branch moved."""
    assert issue.pull is not None
    return {
        "number": issue.number,
        "before": before,
        "after": issue.pull.head_sha,
        "pull_request": shapes.pull(repo, issue),
    }
