"""GitHub's size limits on titles, bodies, comments and check run output, with its 422s."""

from __future__ import annotations

from typing import Any

from emulators.github.errors import ApiError, custom_invalid

TITLE_CHARS = 256
BODY_CHARS = 65_536
CHECK_OUTPUT_CHARS = 65_535  # the request schema's limit, in characters
CHECK_OUTPUT_BYTES = 65_535  # and GitHub's own check, in UTF-8 bytes


def check_text(resource: str, field: str, value: Any, limit: int) -> None:
    """An issue's or pull request's title or body, or a review comment's body: GitHub's 422
    (`title is too long (maximum is 256 characters)`) past the limit."""
    if isinstance(value, str) and len(value) > limit:
        raise custom_invalid(
            resource, f"{field} is too long (maximum is {limit} characters)", field
        )


def check_comment(value: Any) -> None:
    """An issue comment's body: GitHub answers this one in its own form."""
    if isinstance(value, str) and len(value) > BODY_CHARS:
        error = {
            "resource": "IssueComment",
            "code": "unprocessable",
            "field": "data",
            "message": f"Body is too long (maximum is {BODY_CHARS} characters)",
        }
        raise ApiError(422, "Validation Failed", [error])


def check_output(output: Any) -> None:
    """A check run's output: summary and text, first by the schema (characters), then by
    GitHub's own check (bytes)."""
    if not isinstance(output, dict):
        return
    for field in ("summary", "text"):
        value = output.get(field)
        if not isinstance(value, str):
            continue
        if len(value) > CHECK_OUTPUT_CHARS:
            raise ApiError(
                422,
                f"Invalid request.\n\nOnly {CHECK_OUTPUT_CHARS} characters are allowed; "
                f"{len(value)} were supplied.",
            )
        if len(value.encode()) > CHECK_OUTPUT_BYTES:
            raise custom_invalid(
                "CheckRun", f"{field} exceeds a maximum bytesize of {CHECK_OUTPUT_BYTES}", field
            )
