"""GitHub's page-based pagination: ``per_page`` and ``page`` in, a ``Link`` header out."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from emulators.github.routing import Reply

DEFAULT_PER_PAGE = 30
MAX_PER_PAGE = 100


def paginate(items: list[Any], query: dict[str, str], url: str) -> Reply:
    """One page of ``items`` with the Link header GitHub sends when there are more pages."""
    per_page = min(max(_int(query.get("per_page"), DEFAULT_PER_PAGE), 1), MAX_PER_PAGE)
    page = max(_int(query.get("page"), 1), 1)
    last = max((len(items) + per_page - 1) // per_page, 1)
    chunk = items[(page - 1) * per_page : page * per_page]
    links = []
    if page < last:
        links += [
            _link(url, query, page + 1, per_page, "next"),
            _link(url, query, last, per_page, "last"),
        ]
    if page > 1:
        links += [
            _link(url, query, page - 1, per_page, "prev"),
            _link(url, query, 1, per_page, "first"),
        ]
    return Reply(200, chunk, {"link": ", ".join(links)} if links else {})


def _link(url: str, query: dict[str, str], page: int, per_page: int, rel: str) -> str:
    params = {**query, "per_page": str(per_page), "page": str(page)}
    return f'<{url}?{urlencode(params)}>; rel="{rel}"'


def _int(value: str | None, default: int) -> int:
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default
