"""The OpenAI-compatible client Kiln's model calls go through, configured from Settings."""

from __future__ import annotations

import openai

from kiln.settings import Settings


def make_llm(settings: Settings) -> openai.OpenAI:
    """A client for ``OPENAI_BASE_URL`` with explicit timeout and retries (429 and 5xx)."""
    if settings.openai_api_key is None:
        raise ValueError("OPENAI_API_KEY is not set; the builder cannot call a model without it")
    return openai.OpenAI(
        api_key=settings.openai_api_key.get_secret_value(),
        base_url=settings.openai_base_url,
        timeout=settings.model_timeout_seconds,
        max_retries=settings.model_max_retries,
    )
