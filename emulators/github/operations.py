"""State changes shared by the REST handlers and the emulated users' actions."""

from __future__ import annotations

from collections.abc import Mapping

from emulators.github.gitstore import Signature
from emulators.github.records import Comment, Issue, Label, PullData, Reaction, Repo, ReviewComment
from emulators.github.seedfile import SeedFile, seed_file
from emulators.github.state import GitHubState

LABEL_COLORS = ("d73a4a", "0075ca", "a2eeef", "7057ff", "008672", "e4e669", "d876e3")


def add_comment(state: GitHubState, issue: Issue, user: str, body: str) -> Comment:
    now = state.now()
    comment = Comment(state.next_id(), body, user, now, now)
    issue.comments.append(comment)
    issue.updated_at = now
    return comment


def add_review_comment(
    state: GitHubState,
    pull: PullData,
    user: str,
    body: str,
    *,
    path: str,
    line: int | None,
    commit_id: str,
    review_id: int | None = None,
    in_reply_to_id: int | None = None,
    side: str = "RIGHT",
) -> ReviewComment:
    """A comment on a line of the pull request's diff, added to the pull request's list."""
    now = state.now()
    comment = ReviewComment(
        state.next_id(), path, line, body, user, commit_id, now, now,
        review_id, in_reply_to_id, side,
    )  # fmt: skip
    pull.review_comments.append(comment)
    return comment


def find_comment(repo: Repo, comment_id: int) -> tuple[Issue, Comment] | None:
    for issue in repo.issues.values():
        for comment in issue.comments:
            if comment.id == comment_id:
                return issue, comment
    return None


def ensure_label(state: GitHubState, repo: Repo, name: str) -> Label:
    """The repository's label, created on first use as GitHub does when labelling an issue."""
    key = name.lower()
    if key not in repo.labels:
        color = LABEL_COLORS[len(repo.labels) % len(LABEL_COLORS)]
        repo.labels[key] = Label(state.next_id(), name, color)
    return repo.labels[key]


def add_labels(state: GitHubState, repo: Repo, issue: Issue, names: list[str]) -> list[Label]:
    """Adds the labels the issue lacks and returns those newly added."""
    added = []
    for name in names:
        label = ensure_label(state, repo, name)
        if label.name.lower() not in {n.lower() for n in issue.labels}:
            issue.labels.append(label.name)
            added.append(label)
    if added:
        issue.updated_at = state.now()
    return added


def react(
    state: GitHubState, reactions: list[Reaction], user: str, content: str
) -> tuple[Reaction, bool]:
    """The user's reaction of that kind, and whether it is new (GitHub answers 200 if not)."""
    for reaction in reactions:
        if reaction.user == user and reaction.content == content:
            return reaction, False
    reaction = Reaction(state.next_id(), content, user, state.now())
    reactions.append(reaction)
    return reaction, True


def new_issue(state: GitHubState, repo: Repo, title: str, body: str | None, user: str) -> Issue:
    now = state.now()
    number = max(repo.issues, default=0) + 1
    issue = Issue(state.next_id(), number, title, body, user, now, now)
    repo.issues[number] = issue
    return issue


def signature(state: GitHubState, login: str) -> Signature:
    """How GitHub signs a commit made through the API by a user or an app's bot."""
    account = state.ensure_account(login)
    return Signature(login, f"{account.id}+{login}@users.noreply.github.com", int(state.clock()))


def commit_files(
    state: GitHubState,
    repo: Repo,
    branch: str,
    files: Mapping[str, SeedFile | bytes | str | None],
    message: str,
    author: str,
) -> str:
    """A commit on ``branch`` setting these files (None: removing them) over its current tree;
    the branch moves. One ``git fast-import`` writes it, however many files there are."""
    ref = f"refs/heads/{branch}"
    # a new branch starts from the default branch, as a user's push of a fresh branch would
    parent = repo.refs.get(ref) or repo.refs.get(f"refs/heads/{repo.default_branch}")
    entries = {path: None if v is None else seed_file(v) for path, v in files.items()}
    sha = repo.git.import_files(ref, parent, entries, signature(state, author), message)
    repo.pushed_at = state.now()
    return sha


def resolve(repo: Repo, ref: str | None) -> str | None:
    """The commit a branch name, ``heads/…``/``refs/heads/…`` ref or commit id points at."""
    name = ref or repo.default_branch
    for candidate in (name, f"refs/{name}", f"refs/heads/{name}"):
        if candidate in repo.refs:
            return repo.refs[candidate]
    return name if repo.git.has(name, "commit") else None


def permission_of(repo: Repo, login: str) -> str:
    """A user's role on a repository; owners are admins, public repositories are readable."""
    if login.lower() == repo.owner.lower():
        return "admin"
    role = next((r for user, r in repo.permissions.items() if user.lower() == login.lower()), None)
    return role or ("none" if repo.private else "read")


def take_pushed_refs(state: GitHubState, repo: Repo) -> list[tuple[Issue, str]]:
    """Pick up the refs a push over git moved: open pull requests from a moved branch follow
    it; returns each with its old head, as ``follow_branch`` does."""
    changed = repo.refs.reload()
    if changed:
        repo.pushed_at = state.now()
    moved = []
    for ref, (_before, after) in changed.items():
        if after is not None and ref.startswith("refs/heads/"):
            moved += follow_branch(repo, ref, after)
    return moved


def follow_branch(repo: Repo, ref: str, sha: str) -> list[tuple[Issue, str]]:
    """Move the heads of open pull requests from this branch; returns each with its old head."""
    branch = ref.removeprefix("refs/heads/")
    moved = []
    for issue in repo.issues.values():
        pull = issue.pull
        if pull and issue.state == "open" and pull.head_ref == branch and pull.head_sha != sha:
            moved.append((issue, pull.head_sha))
            pull.head_sha = sha
    return moved
