"""The OpenAI-compatible client Kiln's model calls go through, configured from Settings."""

from __future__ import annotations

import openai

from kiln.settings import Settings
from worker.watchdog import Waiting, Watchdog


def make_llm(settings: Settings, watchdog: Watchdog | None = None) -> openai.OpenAI:
    """A client for ``OPENAI_BASE_URL`` with explicit timeout and retries (429 and 5xx); with
    a `watchdog`, each request and answer is told to it."""
    if settings.openai_api_key is None:
        raise ValueError("OPENAI_API_KEY is not set; the builder cannot call a model without it")
    return openai.OpenAI(
        api_key=settings.openai_api_key.get_secret_value(),
        base_url=settings.openai_base_url,
        timeout=settings.model_timeout_seconds,
        max_retries=settings.model_max_retries,
        http_client=None if watchdog is None else watched_http_client(watchdog),
    )


def watched_http_client(watchdog: Watchdog) -> openai.DefaultHttpxClient:
    """OpenAI's own HTTP client, telling `watchdog` when a request waits for the model."""
    return openai.DefaultHttpxClient(event_hooks={
        "request": [lambda request: watchdog.waiting_for(Waiting.MODEL)],
        "response": [watchdog.progress]})
