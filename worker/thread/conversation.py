"""One issue or pull request thread as Kiln sees it: its comments, reactions and labels."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Literal

from githubkit import GitHub
from githubkit.exception import RequestFailed

from worker.github.ambiguity import exactly_once
from worker.github.limits import fit_body

Reaction = Literal["+1", "-1", "laugh", "confused", "heart", "hooray", "rocket", "eyes"]


@dataclass(frozen=True)
class Comment:
    """A comment on the thread, as much of it as Kiln needs."""

    id: int
    body: str
    author: str


class Conversation:
    """Reads and writes one thread through an installation client; Kiln's own comments only
    count as Kiln's when the App wrote them, so a user cannot forge a hidden marker."""

    def __init__(self, gh: GitHub[Any], owner: str, repo: str, number: int, bot_login: str) -> None:
        self.gh = gh
        self.owner = owner
        self.repo = repo
        self.number = number
        self.bot_login = bot_login

    def comments(self) -> Iterator[Comment]:
        # githubkit's paginate does not carry the item type through.
        pages: Iterable[Any] = self.gh.rest.paginate(
            self.gh.rest.issues.list_comments, owner=self.owner, repo=self.repo,
            issue_number=self.number, per_page=100)
        for item in pages:
            author = item.user.login if item.user else ""
            yield Comment(item.id, item.body or "", author)

    def find_own(self, marker: str) -> Comment | None:
        """Kiln's comment carrying `marker`, if it wrote one."""
        for comment in self.comments():
            if comment.author == self.bot_login and marker in comment.body:
                return comment
        return None

    def post(self, marker: str, body: str) -> int:
        """Post `body` (which must contain `marker`) once: after an ambiguous answer the
        thread is read again for it, and it is sent again only when it is not there."""
        def send() -> int:
            answer = self.gh.rest.issues.create_comment(
                self.owner, self.repo, self.number, body=fit_body(body))
            return int(answer.parsed_data.id)

        def find() -> int | None:
            existing = self.find_own(marker)
            return existing.id if existing else None

        return exactly_once(send, find)

    def edit(self, comment_id: int, body: str) -> None:
        self.gh.rest.issues.update_comment(self.owner, self.repo, comment_id,
                                           body=fit_body(body))

    def post_once(self, marker: str, body: str) -> int:
        """Post `body` (which must contain `marker`) unless Kiln already did."""
        existing = self.find_own(marker)
        return existing.id if existing else self.post(marker, body)

    def react(self, content: Reaction) -> None:
        """Add a reaction; GitHub answers a repeated one with the existing reaction."""
        self.gh.rest.reactions.create_for_issue(
            self.owner, self.repo, self.number, content=content)

    def label(self, add: str, remove: tuple[str, ...] = ()) -> None:
        """Add one label and take others off (absent ones are fine)."""
        for name in remove:
            try:
                self.gh.rest.issues.remove_label(self.owner, self.repo, self.number, name)
            except RequestFailed as exc:
                if exc.response.status_code != 404:
                    raise
        self.gh.rest.issues.add_labels(self.owner, self.repo, self.number, labels=[add])
