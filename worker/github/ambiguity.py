"""Ambiguous answers: a request GitHub may have carried out though it answered an error, settled
by reading back what it would have made instead of sending it again."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from githubkit.exception import RateLimitExceeded, RequestError, RequestFailed

T = TypeVar("T")

SETTLE_TRIES = 3
# GitHub's own words when a create request names something that is there already (a ref, a
# pull request for a branch, a repository).
EXISTS_WORDS = ("already exists", "a pull request already exists")


def ambiguous(exc: BaseException) -> bool:
    """Whether GitHub may have done what was asked despite `exc`: a 5xx answer, a timeout or
    a lost connection. A rate limit is a refusal: nothing was done."""
    if isinstance(exc, RateLimitExceeded):
        return False
    if isinstance(exc, RequestFailed):
        return exc.response.status_code >= 500
    return isinstance(exc, RequestError)


def already_exists(exc: BaseException) -> bool:
    """Whether GitHub refused a create request because what it names exists (422)."""
    if not isinstance(exc, RequestFailed) or exc.response.status_code != 422:
        return False
    text = exc.response.text.lower()
    return any(words in text for words in EXISTS_WORDS)


def exactly_once(send: Callable[[], T], find: Callable[[], T | None],
                 sleep: Callable[[float], None] = time.sleep) -> T:
    """`send` a create request; after an ambiguous answer or "already exists", `find` what it
    would have made, and send again only when that is not there (a pause between tries)."""
    tries = 0
    while True:
        try:
            return send()
        except RequestError as exc:
            if not (ambiguous(exc) or already_exists(exc)):
                raise
            found = find()
            if found is not None:
                return found
            tries += 1
            if tries == SETTLE_TRIES or already_exists(exc):
                raise
        sleep(2.0 ** (tries - 1))
