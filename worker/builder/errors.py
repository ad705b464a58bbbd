"""Validation errors rendered for the model: one short ``field: message`` per problem."""

from __future__ import annotations

from pydantic import ValidationError


def brief_errors(exc: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(part) for part in error['loc']) or 'value'}: {error['msg']}"
        for error in exc.errors(include_url=False))
