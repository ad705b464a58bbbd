"""Pull request endpoints: pulls, their files, reviews, review comments and reviewers."""

from __future__ import annotations

from emulators.github import shapes
from emulators.github.endpoints.issues import issue_event, text_changes
from emulators.github.errors import custom_invalid, invalid, not_found
from emulators.github.operations import add_review_comment, new_issue, permission_of
from emulators.github.pagination import paginate
from emulators.github.records import Issue, PullData, Repo, Review, ReviewComment
from emulators.github.routing import Call, Reply, Route
from emulators.github.textlimits import BODY_CHARS, TITLE_CHARS, check_text


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
    check_text("Issue", "title", call.field("title"), TITLE_CHARS)
    check_text("Issue", "body", call.field("body"), BODY_CHARS)
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
    issue_event(call, repo, issue, "opened")
    return Reply(201, shapes.pull(call.state, repo, issue))


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
    shaped = [shapes.pull(call.state, repo, i, full=False) for i in found]
    return paginate(shaped, call.query, call.url)


def get_pull(call: Call) -> Reply:
    repo, issue, _ = call.pull()
    return Reply(200, shapes.pull(call.state, repo, issue))


def update_pull(call: Call) -> Reply:
    repo, issue, pull = call.pull()
    changes = text_changes(call, issue)
    base = call.field("base")
    if base is not None and base != pull.base_ref:
        if _branch(repo, base) is None:
            raise invalid("Validation Failed", "PullRequest", "base")
        changes["base"] = {"ref": {"from": pull.base_ref}}
        pull.base_ref = base
    _change_state(call, repo, issue)
    issue.updated_at = call.state.now()
    if changes:
        issue_event(call, repo, issue, "edited", {"changes": changes})
    return Reply(200, shapes.pull(call.state, repo, issue))


def _change_state(call: Call, repo: Repo, issue: Issue) -> None:
    state = call.field("state", issue.state)
    if state not in ("open", "closed"):
        raise invalid("Validation Failed", "PullRequest", "state")
    if state != issue.state:
        issue.state = state
        issue.closed_at = call.state.now() if state == "closed" else None
        issue_event(call, repo, issue, "closed" if state == "closed" else "reopened")


def list_files(call: Call) -> Reply:
    repo, _, pull = call.pull()
    base_sha = _branch(repo, pull.base_ref) or pull.head_sha
    return paginate(shapes.diff(call.state, repo, base_sha, pull.head_sha), call.query, call.url)


def list_reviews(call: Call) -> Reply:
    repo, issue, pull = call.pull()
    shaped = [shapes.review(call.state, repo, issue, r) for r in pull.reviews]
    return paginate(shaped, call.query, call.url)


def _review(pull: PullData, review_id: int) -> Review:
    found = next((r for r in pull.reviews if r.id == review_id), None)
    if found is None:
        raise not_found()
    return found


def get_review(call: Call) -> Reply:
    repo, issue, pull = call.pull()
    review = _review(pull, call.number("review_id"))
    return Reply(200, shapes.review(call.state, repo, issue, review))


def list_review_comments_of_review(call: Call) -> Reply:
    repo, issue, pull = call.pull()
    review = _review(pull, call.number("review_id"))
    shaped = [
        shapes.review_comment(call.state, repo, issue, c)
        for c in pull.review_comments
        if c.review_id == review.id
    ]
    return paginate(shaped, call.query, call.url)


def list_review_comments(call: Call) -> Reply:
    repo, issue, pull = call.pull()
    shaped = [shapes.review_comment(call.state, repo, issue, c) for c in pull.review_comments]
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
    return Reply(200, shapes.review_comment(call.state, repo, issue, comment))


def create_review_comment(call: Call) -> Reply:
    repo, _, pull = call.pull()
    reply_to = call.field("in_reply_to")
    if reply_to is not None:
        return _reply(call, int(reply_to))
    path, line = call.field("path", required=True), call.field("line")
    commit_id = call.field("commit_id", pull.head_sha)
    if not repo.git.has(str(commit_id), "commit"):
        raise invalid("Validation Failed", "PullRequestReviewComment", "commit_id")
    body = str(call.field("body", required=True))
    check_text("PullRequestReviewComment", "body", body, BODY_CHARS)
    comment = add_review_comment(
        call.state, pull, call.caller.login, body, path=path, line=line,
        commit_id=commit_id, side=call.field("side", "RIGHT"),
    )  # fmt: skip
    return _announce(call, comment)


def _reply(call: Call, comment_id: int) -> Reply:
    """A reply joins the thread of the comment it answers: same place, same first comment."""
    _, _, pull = call.pull()
    parent = next((c for c in pull.review_comments if c.id == comment_id), None)
    if parent is None:
        raise not_found()
    body = str(call.field("body", required=True))
    check_text("PullRequestReviewComment", "body", body, BODY_CHARS)
    comment = add_review_comment(
        call.state, pull, call.caller.login, body, path=parent.path, line=parent.line,
        commit_id=parent.commit_id, in_reply_to_id=parent.in_reply_to_id or parent.id,
        side=parent.side,
    )  # fmt: skip
    return _announce(call, comment)


def _announce(call: Call, comment: ReviewComment) -> Reply:
    """The ``pull_request_review_comment`` webhook for a new comment, and the 201 answer."""
    repo, issue, _ = call.pull()
    fields = shapes.review_comment_fields(call.state, repo, issue, comment)
    call.emit(repo, "pull_request_review_comment", "created", fields)
    return Reply(201, fields["comment"])


def reply_to_review_comment(call: Call) -> Reply:
    return _reply(call, call.number("comment_id"))


def request_reviewers(call: Call) -> Reply:
    repo, issue, pull = call.pull()
    reviewers = list(call.field("reviewers", []))
    _check_reviewers(call, repo, issue, reviewers)
    for login in reviewers:
        if login not in pull.requested_reviewers:
            pull.requested_reviewers.append(login)
            reviewer = {"requested_reviewer": shapes.user(call.state, login)}
            issue_event(call, repo, issue, "review_requested", reviewer)
    return Reply(201, shapes.pull(call.state, repo, issue, full=False))


def _check_reviewers(call: Call, repo: Repo, issue: Issue, reviewers: list[str]) -> None:
    """GitHub's 422 unless every reviewer is a collaborator other than the author."""
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


def list_requested_reviewers(call: Call) -> Reply:
    _, _, pull = call.pull()
    users = [shapes.user(call.state, login) for login in pull.requested_reviewers]
    return Reply(200, {"users": users, "teams": []})


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
