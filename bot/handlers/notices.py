"""Replies the web side knows are due (an outsider refused, a label misplaced) as notice jobs."""

from __future__ import annotations

from bot.decisions import JobRequest
from bot.delivery import Delivery
from kiln.jobs import CommandJob, Notice

# GitHub's author_association values that never come with write access. OWNER, MEMBER and
# COLLABORATOR may or may not: for those, and for anything absent or new, the worker asks GitHub.
OUTSIDER_ASSOCIATIONS = frozenset(
    {"NONE", "CONTRIBUTOR", "FIRST_TIMER", "FIRST_TIME_CONTRIBUTOR", "MANNEQUIN"})


def is_outsider(association: str | None) -> bool:
    """Whether the payload alone shows that the author may not steer Kiln."""
    return (association or "").upper() in OUTSIDER_ASSOCIATIONS


def thread_key(delivery: Delivery, number: int) -> str:
    """``owner/repo#number``: the thread a once-key is about."""
    owner = delivery.get(str, "repository", "owner", "login")
    return f"{owner}/{delivery.get(str, 'repository', 'name')}#{number}"


def notice(delivery: Delivery, about: Notice, number: int, is_pull_request: bool,
           comment_id: int | None, once_key: str) -> JobRequest:
    """A notice job for the command queue; ``once_key`` keeps repeats from queueing more."""
    job = CommandJob(**delivery.repo_fields(), number=number, is_pull_request=is_pull_request,
                     name=about.value, comment_id=comment_id, notice=about.value)
    return JobRequest(job, f"notice-{delivery.id}", once_key=once_key)


def refusal(delivery: Delivery, number: int, is_pull_request: bool,
            comment_id: int | None) -> JobRequest:
    """The polite reply to an outsider: one job per user and thread, however often they write
    (within the delivery TTL; the worker posts the reply once in any case)."""
    once_key = f"refused:{thread_key(delivery, number)}:{delivery.get(str, 'sender', 'login')}"
    return notice(delivery, Notice.UNAUTHORIZED, number, is_pull_request, comment_id, once_key)
