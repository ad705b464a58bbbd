"""Pull request endpoints: pulls, their files, reviews, review comments and reviewers."""

from __future__ import annotations

from emulators.github.endpoints.issues import issue_event, text_changes
from emulators.github.errors import custom_invalid, invalid, not_found
from emulators.github.operations import new_issue, permission_of
from emulators.github.pagination import paginate
from emulators.github.records import Issue, PullData, Repo, ReviewComment
from emulators.github.routing import Call, Reply, Route


def _branch(repo: Repo, name: str) -> str | None:
    return repo.refs.get(f"refs/heads/{name.split(':')[-1]}")


def _check_new_pull(repo: Repo, head: str, base: str) -> tuple[str, str]:
    """The head and base commits, or GitHub's 422 when the pull request cannot be opened."""
    head_sha, base_sha = _branch(repo, head), _branch(repo, base)
    if base_sha is None:
        raise invalid("Validation Failed", "PullRequest", "base")
    if head_sha is None:
        raise invalid("Validation Failed", "PullRequest", "head")
    if any(
        i.pull and i.state == "open" and i.pull.head_ref == head and i.pull.base_ref == base
        for i in repo.issues.values()
    ):
        raise custom_invalid(
            "PullRequest", f"A pull request already exists for {repo.owner}:{head}."
        )
    if repo.git.is_ancestor(head_sha, base_sha):
        raise custom_invalid("PullRequest", f"No commits between {base} and {head}")
    return head_sha, base_sha


def create_pull(call: Call) -> Reply:
    repo = call.repo()
    head = str(call.field("head", required=True)).split(":")[-1]
    base = str(call.field("base", required=True))
    head_sha, _ = _check_new_pull(repo, head, base)
    issue = new_issue(
        call.state,
        repo,
        str(call.field("title", required=True)),
        call.field("body"),
        call.caller.login,
    )
    issue.pull = PullData(head, head_sha, base, bool(call.field("draft", False)))
    issue.pull_id = call.state.next_id()
    call.emit(
        repo,
        "pull_request",
        "opened",
        {"number": issue.number, "pull_request": call.shapes.pull(repo, issue)},
    )
    return Reply(201, call.shapes.pull(repo, issue))


def list_pulls(call: Call) -> Reply:
    repo = call.repo()
    state = call.query.get("state", "open")
    head = call.query.get("head", "").split(":")[-1]
    base = call.query.get("base", "")
    found = [
        i
        for i in sorted(repo.issues.values(), key=lambda i: -i.number)
        if i.pull is not None
        and state in ("all", i.state)
        and head in ("", i.pull.head_ref)
        and base in ("", i.pull.base_ref)
    ]
    shaped = [call.shapes.pull(repo, i, full=False) for i in found]
    return paginate(shaped, call.query, call.url)


def get_pull(call: Call) -> Reply:
    repo = call.repo()
    return Reply(200, call.shapes.pull(repo, call.state.pull(repo, call.number())))


def update_pull(call: Call) -> Reply:
    repo = call.repo()
    issue = call.state.pull(repo, call.number())
    assert issue.pull is not None
    changes = text_changes(call, issue)
    base = call.field("base")
    if base is not None and base != issue.pull.base_ref:
        if _branch(repo, base) is None:
            raise invalid("Validation Failed", "PullRequest", "base")
        changes["base"] = {"ref": {"from": issue.pull.base_ref}}
        issue.pull.base_ref = base
    _change_state(call, issue)
    issue.updated_at = call.state.now()
    if changes:
        issue_event(call, repo, issue, "edited", {"changes": changes})
    return Reply(200, call.shapes.pull(repo, issue))


def _change_state(call: Call, issue: Issue) -> None:
    state = call.field("state", issue.state)
    if state not in ("open", "closed"):
        raise invalid("Validation Failed", "PullRequest", "state")
    if state != issue.state:
        issue.state = state
        issue.closed_at = call.state.now() if state == "closed" else None
        issue_event(call, call.repo(), issue, "closed" if state == "closed" else "reopened")


def list_files(call: Call) -> Reply:
    repo = call.repo()
    issue = call.state.pull(repo, call.number())
    assert issue.pull is not None
    base_sha = _branch(repo, issue.pull.base_ref) or issue.pull.head_sha
    return paginate(call.shapes.diff(repo, base_sha, issue.pull.head_sha), call.query, call.url)


def list_reviews(call: Call) -> Reply:
    repo = call.repo()
    issue = call.state.pull(repo, call.number())
    assert issue.pull is not None
    shaped = [call.shapes.review(repo, issue, r) for r in issue.pull.reviews]
    return paginate(shaped, call.query, call.url)


def get_review(call: Call) -> Reply:
    repo = call.repo()
    issue = call.state.pull(repo, call.number())
    assert issue.pull is not None
    review = next((r for r in issue.pull.reviews if r.id == call.number("review_id")), None)
    if review is None:
        raise not_found()
    return Reply(200, call.shapes.review(repo, issue, review))


def list_review_comments_of_review(call: Call) -> Reply:
    repo = call.repo()
    issue = call.state.pull(repo, call.number())
    assert issue.pull is not None
    review_id = call.number("review_id")
    if not any(r.id == review_id for r in issue.pull.reviews):
        raise not_found()
    shaped = [
        call.shapes.review_comment(repo, issue, c)
        for c in issue.pull.review_comments
        if c.review_id == review_id
    ]
    return paginate(shaped, call.query, call.url)


def list_review_comments(call: Call) -> Reply:
    repo = call.repo()
    issue = call.state.pull(repo, call.number())
    assert issue.pull is not None
    shaped = [call.shapes.review_comment(repo, issue, c) for c in issue.pull.review_comments]
    return paginate(shaped, call.query, call.url)


def _find_review_comment(repo: Repo, comment_id: int) -> tuple[Issue, ReviewComment]:
    for issue in repo.issues.values():
        for comment in issue.pull.review_comments if issue.pull else []:
            if comment.id == comment_id:
                return issue, comment
    raise not_found()


def get_review_comment(call: Call) -> Reply:
    repo = call.repo()
    issue, comment = _find_review_comment(repo, call.number("comment_id"))
    return Reply(200, call.shapes.review_comment(repo, issue, comment))


def create_review_comment(call: Call) -> Reply:
    repo = call.repo()
    issue = call.state.pull(repo, call.number())
    assert issue.pull is not None
    reply_to = call.field("in_reply_to")
    if reply_to is not None:
        return _reply(call, repo, issue, int(reply_to))
    path, line = call.field("path", required=True), call.field("line")
    commit_id = call.field("commit_id", issue.pull.head_sha)
    if commit_id not in repo.git.commits:
        raise invalid("Validation Failed", "PullRequestReviewComment", "commit_id")
    now = call.state.now()
    comment = ReviewComment(
        call.state.next_id(),
        path,
        line,
        str(call.field("body", required=True)),
        call.caller.login,
        commit_id,
        now,
        now,
        side=call.field("side", "RIGHT"),
    )
    return _add_review_comment(call, repo, issue, comment)


def _reply(call: Call, repo: Repo, issue: Issue, comment_id: int) -> Reply:
    assert issue.pull is not None
    parent = next((c for c in issue.pull.review_comments if c.id == comment_id), None)
    if parent is None:
        raise not_found()
    now = call.state.now()
    comment = ReviewComment(
        call.state.next_id(),
        parent.path,
        parent.line,
        str(call.field("body", required=True)),
        call.caller.login,
        parent.commit_id,
        now,
        now,
        None,
        parent.in_reply_to_id or parent.id,
        parent.side,
    )
    return _add_review_comment(call, repo, issue, comment)


def _add_review_comment(call: Call, repo: Repo, issue: Issue, comment: ReviewComment) -> Reply:
    assert issue.pull is not None
    issue.pull.review_comments.append(comment)
    shaped = call.shapes.review_comment(repo, issue, comment)
    call.emit(
        repo,
        "pull_request_review_comment",
        "created",
        {"comment": shaped, "pull_request": call.shapes.pull(repo, issue, full=False)},
    )
    return Reply(201, shaped)


def reply_to_review_comment(call: Call) -> Reply:
    repo = call.repo()
    return _reply(call, repo, call.state.pull(repo, call.number()), call.number("comment_id"))


def request_reviewers(call: Call) -> Reply:
    repo = call.repo()
    issue = call.state.pull(repo, call.number())
    assert issue.pull is not None
    reviewers = list(call.field("reviewers", []))
    if any(r.lower() == issue.user.lower() for r in reviewers):
        raise invalid("Review cannot be requested from pull request author.")
    if any(
        permission_of(repo, r) in ("none", "read") or r.lower() not in call.state.accounts
        for r in reviewers
    ):
        raise invalid(
            "Reviews may only be requested from collaborators. One or more of the "
            "users or teams you specified is not a collaborator of the "
            f"{repo.full_name} repository."
        )
    for login in reviewers:
        if login not in issue.pull.requested_reviewers:
            issue.pull.requested_reviewers.append(login)
            issue_event(
                call,
                repo,
                issue,
                "review_requested",
                {"requested_reviewer": call.shapes.user(login)},
            )
    return Reply(201, call.shapes.pull(repo, issue, full=False))


def list_requested_reviewers(call: Call) -> Reply:
    repo = call.repo()
    issue = call.state.pull(repo, call.number())
    assert issue.pull is not None
    return Reply(
        200, {"users": [call.shapes.user(u) for u in issue.pull.requested_reviewers], "teams": []}
    )


PULL = "/repos/{owner}/{repo}/pulls/{number}"
ROUTES = [
    Route("POST", "/repos/{owner}/{repo}/pulls", create_pull),
    Route("GET", "/repos/{owner}/{repo}/pulls", list_pulls),
    Route("GET", "/repos/{owner}/{repo}/pulls/comments/{comment_id}", get_review_comment),
    Route("GET", PULL, get_pull),
    Route("PATCH", PULL, update_pull),
    Route("GET", PULL + "/files", list_files),
    Route("GET", PULL + "/reviews", list_reviews),
    Route("GET", PULL + "/reviews/{review_id}", get_review),
    Route("GET", PULL + "/reviews/{review_id}/comments", list_review_comments_of_review),
    Route("GET", PULL + "/comments", list_review_comments),
    Route("POST", PULL + "/comments", create_review_comment),
    Route("POST", PULL + "/comments/{comment_id}/replies", reply_to_review_comment),
    Route("POST", PULL + "/requested_reviewers", request_reviewers),
    Route("GET", PULL + "/requested_reviewers", list_requested_reviewers),
]
