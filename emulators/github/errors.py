"""GitHub's error answers, raised by handlers and rendered by the server."""

from __future__ import annotations

from typing import Any

DOCS = "https://docs.github.com/rest"


class ApiError(Exception):
    """An error answer: status code, GitHub's message, and optional validation errors."""

    def __init__(
        self, status: int, message: str, errors: list[Any] | None = None, docs: str = DOCS
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.errors = errors
        self.docs = docs

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"message": self.message, "documentation_url": self.docs}
        if self.errors is not None:
            body["errors"] = self.errors
        body["status"] = str(self.status)
        return body


def not_found() -> ApiError:
    return ApiError(404, "Not Found")


def bad_credentials() -> ApiError:
    return ApiError(401, "Bad credentials")


def not_accessible() -> ApiError:
    return ApiError(403, "Resource not accessible by integration")


def invalid(message: str, resource: str = "", field: str = "", code: str = "invalid") -> ApiError:
    """GitHub's 422 answer, with one entry in ``errors`` when a resource is named."""
    errors = [{"resource": resource, "field": field, "code": code}] if resource else None
    return ApiError(422, message, errors)


def custom_invalid(
    resource: str, message: str, field: str | None = None, summary: str = "Validation Failed"
) -> ApiError:
    """GitHub's 422 for a rule broken (rather than a bad field), with its own message."""
    error: dict[str, Any] = {"resource": resource, "code": "custom", "message": message}
    if field is not None:
        error["field"] = field
    return ApiError(422, summary, [error])


def too_large(message: str) -> ApiError:
    """GitHub's 403 for a blob bigger than an endpoint serves."""
    return ApiError(403, message, [{"resource": "Blob", "field": "data", "code": "too_large"}])
